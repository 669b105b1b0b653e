//! 练习的中文题目说明和提示: each exercise's problem statement and hints in Chinese, for
//! `cargo exercise <id> --statement --lang zh` and `--hint N --lang zh`.
//!
//! `en` is the marker ([`crate::marker`]) of the English they translate: the starter's `//!`
//! statement and the hints. When the English changes, `tests/tests/translations.rs` names the
//! exercise whose translation is behind and the new marker.

/// One exercise in Chinese.
#[derive(Debug, Clone, Copy)]
pub struct Zh {
    pub id: &'static str,
    pub en: &'static str,
    pub statement: &'static str,
    pub hints: &'static [&'static str],
}

/// The translation of exercise `id`, if there is one.
pub fn of(id: &str) -> Option<&'static Zh> {
    ALL.iter().find(|zh| zh.id == id)
}

pub const ALL: &[Zh] = &[
    Zh {
        id: "lesson01/children",
        en: "19512574",
        statement: "练习 lesson01/children（笔记：创建进程）。容易，大约 10 分钟。

为 `codes` 里的每一项启动一个子进程，全部启动之后再 join 任何一个。第 `i` 个子进程（0、1、2……）打印

    child <i>: pid <它自己的 pid>

然后睡眠 `sleep_ms` 毫秒，以退出码 `codes[i]` 退出。父进程按顺序 join 这些子进程，并为每一个打印它
实际上是怎样结束的：

    joined child <i>: pid <pid>, exit code <code>

`cargo exercise` 每次检查都会重新选择 `codes` 和 `sleep_ms`（通过 `common::exercise::inputs` 交给
你的程序），在子进程睡眠时从外面观察它们，还可能用 SIGKILL 杀死其中一个。请打印父进程 join 时得知的
结果：`ExitStatus` 会自己显示成 `exit code 17` 或 `killed by signal SIGKILL`。
子进程可以按任意顺序打印；父进程的行按 0、1、2……的顺序。
有用的东西：`lesson01_process::start::fork_child`、`nix::unistd::getpid`、`Child::wait`。",
        hints: &[
            "`lesson01_process::start::fork_child` 接受一个闭包；闭包返回的数字就是子进程的退出码。先启动所有子进程，再逐个 join。",
            "在子进程的闭包里，`nix::unistd::getpid()` 是子进程自己的 pid。在那里打印这一行，用 `std::thread::sleep(Duration::from_millis(sleep_ms))` 睡眠，然后返回 `code`。",
            "start_child：`fork_child(move || { println!(\"child {i}: pid {}\", getpid()); thread::sleep(Duration::from_millis(sleep_ms)); code })`。join_and_report：`let status = child.wait()?;`，然后打印 `child.pid()` 和 `status`：它会显示成 `exit code 17` 或 `killed by signal SIGKILL`，按实际发生的情况。",
        ],
    },
    Zh {
        id: "lesson01/join-timeout",
        en: "d72fd0d2",
        statement: "练习 lesson01/join-timeout（笔记：创建进程，`join`）。中等，大约 15 分钟。

Python 的 `p.join(timeout)` 最多等待 `timeout` 秒。下面的程序为 `work_ms` 里的每一项启动一个子进程：
第 `i` 个子进程工作（睡眠）`work_ms[i]` 毫秒，然后以退出码 `codes[i]` 退出。有的很快结束；有的会工作
30 秒。

写出 `join_within`，让父进程最多等一个子进程 `limit` 那么久，如果那时它还在运行，就杀死它。无论哪种
情况，它都返回子进程实际上是怎样结束的，所以程序按顺序打印

    child <i> (pid <pid>) ended: exit code <code>
    child <i> (pid <pid>) ended: killed by signal SIGKILL

并且不留下僵尸进程。`cargo exercise` 每次检查都会重新选择 `work_ms`、`codes` 和 `limit_ms`，并从外面
观察你的子进程：每个活了多久，以及被杀死之前是否得到了完整的 `limit`。",
        hints: &[
            "Python 的 `p.join(timeout)` 无论如何都会返回；之后你看 `p.exitcode`（如果子进程还在运行，就还是 `None`）。`Child` 有一个方法能做前一半。",
            "`child.wait_timeout(limit)?` 在子进程按时结束时返回 `Some(status)`，否则返回 `None`。",
            "遇到 `None` 就结束它：`child.kill()?` 会杀死子进程*并*回收它，返回它的 `ExitStatus`（killed by signal SIGKILL）。",
        ],
    },
    Zh {
        id: "lesson02/drain-first",
        en: "36921318",
        statement: "练习 lesson02/drain-first（笔记：Queue进程输出）。容易，大约 10 分钟。

这个程序有笔记里的那个 bug。`workers` 个 worker 进程各自睡眠 `sleep_ms`，然后把一个 `payload` 字节的
结果放进队列（worker `w` 的字节全都是 `w`），而父进程在 get 这些结果之前先 join 它们。运行它：它永远
不会结束。（检查程序 5 秒后会停掉它，worker 也跟着一起死掉。）

找出原因并修正它，让父进程拿到每一个结果，并 join 每一个 worker。对拿到的每个结果（按到达的顺序），
它打印

    got <bytes> bytes from worker <w>

并对 join 的每个 worker（按 0、1、2……的顺序）打印

    joined worker <w>: pid <pid>, exit code 0

`cargo exercise` 每次检查都会重新选择 `workers`、`payload`（总是比一个管道能装下的多）和 `sleep_ms`；
下面的代码已经用 `common::exercise::input` 读取了它们。检查程序在 worker 睡眠时从外面观察它们：你打印的
每个 pid 都必须是你程序真正的子进程。",
        hints: &[
            "运行它：它卡住了。父进程卡在哪个调用里？每个 worker 又卡在哪里？",
            "一个 worker 的结果比管道能装下的多，所以它的 put() 要等有人来读，而还在 put() 里的 worker 没法退出。谁来读，什么时候读？",
            "把调用 `results.get()` 的循环移到调用 `worker.wait()` 的循环上面；两个循环都保留，payload 也保持原样。",
        ],
    },
    Zh {
        id: "lesson02/split-job",
        en: "09dd95e4",
        statement: "练习 lesson02/split-job（笔记：Queue进程输出，多线程多进程效率对比）。中等，大约 25 分钟。

用 `workers` 个同时运行的 worker 进程计算 `job(n)`。worker `w`（0、1……workers - 1）拿 0..n 里属于它
自己的那一份 i，在这一份上运行对 `i + i² + i³` 求和的循环（`common::job_range`），打印

    worker <w>: pid <它的 pid>, i in <start>..<end>, sum <它的和>

并把它的和放进队列。父进程 get 这些和，打印

    total: <这些和的和>

它必须等于 job(n)。各份必须覆盖 0..n，不留空隙也不重叠，并且尽可能一样大（大小最多相差一）。

`cargo exercise` 每次检查都会重新选择 `n` 和 `workers`；下面的代码已经用 `common::exercise::input`
读取了它们。检查程序从外面观察你的程序：你打印的每个 pid 都必须是真正的子进程，必须看到每个 worker 在做
它那一份循环（花的是它自己的 CPU 时间，不是父进程的），并且它们同时活着。
有用的东西：`common::job_range`、`lesson01_process::start::fork_child`、`nix::unistd::getpid`。",
        hints: &[
            "让 worker w 拿从 w·n/W 到 (w+1)·n/W 的 i：这样对任何 W，各份都覆盖 0..n，不留空隙也不重叠，大小最多相差一。",
            "在父进程 get 任何东西之前，先启动所有 worker。在 worker 的闭包里，`common::job_range(range)` 在它那一份上运行循环；worker 打印它的那一行，并把它的和放进队列；父进程 get W 个和，把它们加起来。",
            "share：`w * n / workers..(w + 1) * n / workers`。start_worker：`fork_child(move || { let sum = job_range(range.clone()).expect(\"fits\"); println!(...); i32::from(queue.put(&sum).is_err()) })`。",
        ],
    },
    Zh {
        id: "lesson03/in-order",
        en: "3ef18149",
        statement: "练习 lesson03/in-order（笔记：进程池pool，`map`）。容易，大约 10 分钟。

Python 的 `pool.map(job, items)` 按 items 的顺序返回结果，不管哪个 worker 先完成。`imap_unordered`
在每个任务完成时就交回它的结果，顺序是 worker 线程完成的顺序：这里每个任务都先睡一会儿，所以完成的
顺序是乱的。每个任务连同结果一起返回它在 `items` 里的位置；用这个位置把结果放回 items 的顺序，让程序
打印

    arrived: <各结果到达的顺序里的位置>
    results: <按 items 顺序的每个 job(item)>
    computed by threads: <计算每个结果的 worker 线程，顺序相同>

`cargo exercise` 每次检查都会重新选择 `items`、每个任务的 `sleep_ms` 和进程池的大小 `workers`（通过
`common::exercise::{input, inputs}` 交给你的程序），并在任务睡眠时从外面观察你程序的线程：每个结果都
必须来自进程池的某个 worker 线程。",
        hints: &[
            "每个位置 0..n 都恰好到达一次，顺序不定：每一对都说明了它的结果属于哪里。",
            "按位置给这些对排序（把参数写成 `mut arrivals` 并用 `sort_by_key`），然后只保留结果。",
            "`arrivals.sort_by_key(|&(position, _)| position); arrivals.into_iter().map(|(_, result)| result).collect()`",
        ],
    },
    Zh {
        id: "lesson03/callback",
        en: "98675be2",
        statement: "练习 lesson03/callback（笔记：进程池pool，`apply_async`）。中等，大约 15 分钟。

Python 的 `pool.apply_async(f, args, callback=cb)` 在 `f` 的结果一就绪就调用 `cb(result)`，所以调用者
不必 `get()` 它，也不会被它拖住。我们的 `Pool::apply_async` 没有 callback。在它之上写出
`apply_async_with_callback`：`task` 在进程池上运行，然后 `callback` 拿到它的结果，也在 worker 线程上，
绝不在调用者的线程上；它返回的句柄在两者都运行完之后就绪。

`main` 为 `items` 里的每一项在一个有 `workers` 个线程的进程池上运行一个任务（每个先睡 `sleep_ms`，再求
它那一项的平方），并用一个 callback 收集这些平方。任务和 callback 都会打印它们运行的线程；最后程序打印

    callbacks saw: <排好序的平方>
    callbacks ran: <次数>

`cargo exercise` 每次检查都会重新选择 `items`、`sleep_ms` 和 `workers`（通过
`common::exercise::{input, inputs}` 交给你的程序），并在任务睡眠时从外面观察你程序的线程：任务和
callback 都不能在主线程上运行。",
        hints: &[
            "`pool.apply_async` 接受一个闭包，并在一个 worker 线程上运行它。如果这个闭包做两件事呢？",
            "写一个闭包，调用 `task()` 并把结果交给 `callback`：两者都 move 进去，于是都在 worker 线程上运行。在 `get()` 之后再调用 `callback`，它就在调用者的线程上运行了，检查程序会看到这一点。",
            "`pool.apply_async(move || callback(task()))`",
        ],
    },
    Zh {
        id: "lesson04/global-not-shared",
        en: "90f02b8b",
        statement: "练习 lesson04/global-not-shared（笔记：共享内存shared memory）。容易，大约 10 分钟。

一个子进程计数：对 `0..steps` 里的每一步 `i`，它把 `amount(seed, i)`（1 到 9 之间的一个数）加到全局变量
`COUNTER` 上。然后父进程打印它看到的值。按原样它打印 `parent sees 0`：子进程改的是它自己内存里那份全局
变量的拷贝。把计数器改成共享的，让父进程打印子进程的计数：

    parent sees <子进程的计数>

`cargo exercise` 每次检查都会重新选择 `seed`、`steps` 和 `sleep_ms`（给定的代码用
`common::exercise::input` 读取它们），并自己算出计数。它还从外面观察你的进程：计数必须在子进程里进行
（它会花掉看得见的 CPU 时间），父进程只能读取结果。
有用的东西：`lesson04_shared_memory::Value`（`Value::<i32>::new(0)?`、`get`、`set`）。在 fork 之前创建
它，子进程就会继承这块映射。",
        hints: &[
            "fork 之后，子进程有每个全局变量的一份拷贝，在它自己的内存里。它在那里写什么，父进程都看不到。",
            "在 main 里、fork_child 之前创建一个 `lesson04_shared_memory::Value::<i32>::new(0)?`：子进程里的那份拷贝仍然指向同一个共享内存段。",
            "删掉 COUNTER；在 fork_child 之前 `let counter = Value::<i32>::new(0)?;`，在子进程里 `counter.set(counter.get() + amount(seed, i))`，在父进程里 `counter.get()`。",
        ],
    },
    Zh {
        id: "lesson04/counter-slots",
        en: "c446f574",
        statement: "练习 lesson04/counter-slots（笔记：共享内存shared memory）。中等，大约 20 分钟。

一个共享的 `Array('i', [0, 0, ...])`，`seeds` 里每一项对应一个槽，每个槽对应一个子进程。第 `k` 个子进程
填第 `k` 个槽：对 `0..steps` 里的每一步 `i`，它把 `amount(seeds[k], i)`（1 到 9 之间的一个数）加到
`slots[k]` 上，一次一步；然后睡眠 `sleep_ms` 毫秒，以退出码 0 退出。没有两个子进程碰同一个槽，所以不
需要锁。全部 join 之后，父进程打印，例如

    slots: [5001234, 4998765, 5000321]
    total: 15000320

`cargo exercise` 每次检查都会重新选择 `seeds`、`steps` 和 `sleep_ms`（给定的代码用
`common::exercise::inputs` 和 `input` 读取它们），并自己算出计数。它还在运行时从外面观察你的进程：每个
槽都必须由它自己的子进程来填（每个都会花掉看得见的 CPU 时间，父进程里一点也没有），而且这些子进程必须
同时运行。
有用的东西：`slots[k].get()` 和 `slots[k].set(..)`、`lesson01_process::start::fork_child`、
`lesson04_shared_memory::work::amount`。",
        hints: &[
            "每个子进程需要这个数组、它自己的 k 和它自己的 seed。fork_child 接受一个闭包，这个闭包可以借用数组并使用这些数。",
            "在子进程里，对 `0..steps` 里的每个 `i`：`slots[k].set(slots[k].get() + amount(seed, i))`；然后睡眠 `sleep_ms`，并以 0 作为退出码返回。",
            "`fork_child(|| { for i in 0..steps { slots[k].set(slots[k].get() + amount(seed, i)); } thread::sleep(Duration::from_millis(sleep_ms)); 0 })`，并在文件开头加上 `use lesson04_shared_memory::work::amount;`、`use std::thread;` 和 `use std::time::Duration;`。",
        ],
    },
    Zh {
        id: "lesson05/fix-the-race",
        en: "8f769013",
        statement: "练习 lesson05/fix-the-race（笔记：Lock）。容易，大约 10 分钟。

两个 worker 进程往同一个共享的总数上加数，各加 `steps` 次：第一个每步加 `adds[0]`，第二个每步加
`adds[1]`。每一步读出总数，干一点活（睡眠 `work_ms`），再把读到的数加上自己的数写回去。运行它：总数最后
远远小于 `steps * (adds[0] + adds[1])`，因为每个进程都覆盖了另一个进程的更新。

`cargo exercise` 每次检查都会重新选择 `steps`、`adds` 和 `work_ms`（下面的代码已经用
`common::exercise::{input, inputs}` 读取了它们），算出它期望的总数，并从外面观察两个 worker 是否作为
进程同时运行。总数是一个 `lesson05_lock::race::SharedTotal`：共享内存里的一个 `LockedValue<i32>`，不拿锁
读它时，它会等另一个 worker 也来读，所以竞态在每一步都会出现，而不是偶尔出现。去掉睡眠修不好它，让两个
worker 一个接一个地运行也不算修好：检查程序要它们同时运行。

用总数旁边的那把锁（`total.lock()`）修正这个竞态，让程序打印

    total: <n> (expected <n>)

保留睡眠：它代表一步在读和写之间要做的工作。
有用的东西：`SharedTotal::lock`，它返回一个 guard；`guard.get()`、`guard.set(..)`。",
        hints: &[
            "运行两次：每次总数都不够。另一个进程的写入会落在一步里的哪两行之间？",
            "总数旁边的锁能把几步变成一步：在读之前用 `total.lock()` 拿到它，在写之后释放它（丢弃 guard）。通过 guard 来读和写。",
            "在循环里：`let guard = total.lock().unwrap_or_else(OwnerDied::recover);`（加上 `use lesson05_lock::OwnerDied;`），然后 `let seen = guard.get();`、睡眠，再 `guard.set(seen + amount);`。guard 在每一步结束时被丢弃。",
        ],
    },
    Zh {
        id: "lesson05/fetch-add",
        en: "2967ab25",
        statement: "练习 lesson05/fetch-add（笔记：Lock）。容易，大约 10 分钟。

两个线程往同一个原子量的总数上加数，各加 `steps` 次：第一个每步加 `adds[0]`，第二个每步加 `adds[1]`。
Rust 接受这个程序（原子量可以被多个线程共享；普通的 `i32` 不行），而且任何一次 load 或 store 都不会只做
一半。可是运行它：总数最后远远小于 `steps * (adds[0] + adds[1])`。先 load 再 store 是两步，另一个线程
在两者之间做的 store 会被覆盖。

`cargo exercise` 每次检查都会重新选择 `steps`、`adds` 和 `work_ms`（下面的代码已经用
`common::exercise::{input, inputs}` 读取了它们），并算出它期望的总数。总数是一个
`lesson05_lock::race::AtomicTotal`：一个 `AtomicI32`（`AtomicI32` 的每个方法都能用在它上面），它的
`load` 会等另一个线程也来 load，所以竞态在每一步都会出现，而不是偶尔出现。去掉睡眠修不好它。

不用锁（不要 `Mutex`：这个练习讲的是原子量），让每一次加法成为一个不可分割的步骤，使程序打印

    total: <n> (expected <n>)

有用的东西：`std::sync::atomic::AtomicI32` 里名字以 `fetch_` 开头的方法。",
        hints: &[
            "原子量让每一次 load 和每一次 store 都是完整的，但没有什么能阻止另一个线程在你的 load 和 store 之间做 store。",
            "`AtomicI32` 有一步就完成读、改、写的方法，比如 `fetch_add`：它返回旧值，留下新值。",
            "把那三行换成 `thread::sleep(work);` 和 `total.fetch_add(amount, SeqCst);`。",
        ],
    },
    Zh {
        id: "lesson05/recover",
        en: "644a4c3a",
        statement: "练习 lesson05/recover（笔记：Lock）。中等，大约 15 分钟。

一个 worker 进程拿到锁，把共享的值设为 `left`，然后持有着锁睡眠，直到从外面观察的 `cargo exercise` 用
SIGKILL 杀死它。在 CPython 里，父进程这时会永远等下去。我们的锁是 robust 的：父进程的 `lock()` 返回
`Err(OwnerDied)`，说明持有者已经死了，而父进程照样拿到了锁。

按原样，父进程没有预料到这种情况，于是 panic。让它处理死掉的持有者：报告这件事以及持有者留下的值，用
`recover()` 拿到锁，加上 `adds`，然后证明锁又能照常使用了。程序应该打印（用 worker 真实的 pid，以及这次
检查的数）：

    worker <pid>: killed by signal SIGKILL
    the holder died; value <left>
    value after recovery: <left + adds>
    locked again: no error

`cargo exercise` 每次检查都会重新选择 `left` 和 `adds`（下面的代码已经用 `common::exercise::input`
读取了它们），并检查它杀死的 worker 就是你的程序报告的那一个。
有用的东西：`match total.lock() { Ok(guard) => ..., Err(dead) => ... }`、`OwnerDied::recover`。
它和 `std::sync::Mutex::lock`、`PoisonError::into_inner` 是同一种写法。",
        hints: &[
            "`lock()` 返回一个 `Result`。`expect` 遇到 `Err` 就 panic，而这里的 `Err` 是 `OwnerDied`：worker 持有着锁死掉了。改为对这个结果做 match。",
            "在 `Err(dead)` 分支里，`dead.recover()` 给出 guard：锁归你了，值是 worker 留下的那个（`left`）。打印那一行，然后用这个 guard 继续。",
            "`let guard = match total.lock() { Ok(guard) => guard, Err(dead) => { let guard = dead.recover(); println!(\"the holder died; value {}\", guard.get()); guard } };`，最后 `match total.lock() { Ok(_guard) => println!(\"locked again: no error\"), Err(dead) => anyhow::bail!(\"{dead}\") }`，然后 `Ok(())`。",
        ],
    },
    Zh {
        id: "lesson06/lines",
        en: "ecec2519",
        statement: "练习 lesson06/lines（笔记：基本学习目标 3，串口通信）。容易，大约 10 分钟。

串口线路传的是字节，不是消息：一次 `read()` 可能只返回半条命令，也可能返回一条半，或者一下子三条。
`Lines::push` 每次拿到一次读取的字节，返回这些字节补全的每一行，不带行尾：一行在 `\\n` 处结束，紧挨在
这个 `\\n` 前面的 `\\r` 不算这一行的内容（它可能出现在一次读取的末尾，而它的 `\\n` 在下一次读取的开头）。
最后一个 `\\n` 之后的字节是还没完成的一行，必须留在 `unfinished` 里等下一次读取。对于读取 `\"PI\"`、
`\"NG\\nECH\"`、`\"O hi\\r\\n\"`、`\"JOB 3\\nP\"` 和 `\"I\"`，程序打印

    read 0: \"PI\"
    read 1: \"NG\\nECH\"
    line: PING
    read 2: \"O hi\\r\\n\"
    line: ECHO hi
    read 3: \"JOB 3\\nP\"
    line: JOB 3
    read 4: \"I\"
    unfinished: PI

`cargo exercise` 每次检查都会重新选择字节流以及每次读取在哪里把它切开；它们通过
`common::exercise::inputs` 交给你的程序（`main` 里的代码已经读取了它们）。带来某一行 `\\n` 的那次读取
一被 push，这一行就完成了，必须紧接着那次读取打印出来。",
        hints: &[
            "一次看一个字节。大多数字节只是加到 `self.unfinished` 后面；有一个字节会结束这一行，而一行的字节可能来自前面几次读取。",
            "遇到 `\\n` 时，把还没完成的字节拿出来（`std::mem::take`），去掉末尾的 `\\r`，再把它们变成 String。最后一个 `\\n` 之后的内容留在 `self.unfinished` 里，等下一次 push。",
            "`for &byte in bytes { if byte == b'\\n' { let mut line = std::mem::take(&mut self.unfinished); if line.last() == Some(&b'\\r') { line.pop(); } complete.push(String::from_utf8_lossy(&line).into_owned()); } else { self.unfinished.push(byte); } }`",
        ],
    },
    Zh {
        id: "lesson06/add-command",
        en: "98362e60",
        statement: "练习 lesson06/add-command（笔记：基本学习目标 3，串口通信）。中等，大约 20 分钟。

下面的设备通过 `lesson06_serial::protocol::reply` 回答本课的协议（PING、ECHO、JOB）。教它一条新命令：

    ADD <a> <b>   ->  十进制的 a + b，a 和 b 是 0 到 2^64 - 1 之间的整数

其他任何以 `ADD` 开头的行（少一个数、多一个数、用一个词或负数代替数、数大于 2^64 - 1、和装不进 u64）
都得到一条以 `ERR ` 开头的回复，这样对话可以继续下去，就像本课的设备对 JOB 所做的那样。设备在一个子进程
里运行，占着一对虚拟串口的一端；这个进程是主机，发送每条命令，并打印命令和设备的回复：

    > ADD 2 40
    < 42

`cargo exercise` 每次检查都会重新选择命令（每次的数都不同，其中还有一条 PING、一条 ECHO 和一条 JOB）；
它们通过 `common::exercise::inputs` 交给你的程序（`main` 里的代码已经读取了它们）。检查程序从外面观察
设备进程：回复必须来自它，经过串口线路传过来。",
        hints: &[
            "按空格切开这一行，跳过 ADD 这个词：剩下的应该正好是两个词，其他情况都回复 `ERR ...`。",
            "`str::parse::<u64>` 会拒绝词、负数和大于 2^64 - 1 的数；`u64::checked_add` 会拒绝装不下的和。每一种拒绝都回复 `ERR ...`。",
            "`let numbers: Vec<&str> = line.split(' ').skip(1).collect(); let [a, b] = numbers.as_slice() else { return \"ERR ADD needs two numbers\".into() };`，然后对 `(a.parse::<u64>(), b.parse::<u64>())` 做 match，两个都是 `Ok` 时，再对 `a.checked_add(b)` 做 match。",
        ],
    },
];
