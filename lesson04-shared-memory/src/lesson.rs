//! The lesson's program, in three parts: the problem (a forked child changes its own copies),
//! the fix (`Value` and `Array` in shared memory), and the same program with threads.

use std::process::ExitCode;
use std::sync::atomic::AtomicI32;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::Duration;

use anyhow::{Context, bail, ensure};
use common::process::Child;
use common::pyfmt::{PyFloat, py_list};
use lesson01_process::StartMethod;
use lesson01_process::start::{field, fork_child, spawn_with_orders};
use nix::unistd::{getpid, getppid};

use crate::cleanup::{self, remove_stale_and_report};
use crate::signals;
use crate::value::{Array, PREFIX, Value};

/// What the child does, besides its work.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChildOptions {
    /// Print a line saying who it is and what it does.
    pub commentary: bool,
    /// Sleep this long before changing the values, so you can look at it or kill it.
    pub sleep_ms: u64,
    /// Panic instead of changing the values.
    pub panic: bool,
}

/// How the lesson runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// How the child that changes the shared values is started.
    pub method: StartMethod,
    /// Print only what the CPython counterpart prints.
    pub plain: bool,
    pub child: ChildOptions,
}

/// A global: each process has its own copy, and every thread of a process shares it.
static COUNTER: AtomicI32 = AtomicI32::new(0);

/// The whole lesson. With `plain`, only the shared-memory part runs, and it prints only the
/// value and the array before and after the child changes them, as CPython does.
pub fn run(options: &Options) -> anyhow::Result<ExitCode> {
    signals::install().context("cannot install the signal handlers")?;
    let commentary = !options.plain;
    if commentary {
        println!(
            "lesson04-shared-memory: processes share no memory unless they ask for it  (Notes: 共享内存shared memory)"
        );
    }
    remove_stale_and_report(PREFIX, commentary);
    if commentary {
        problem()?;
        signals::check()?;
    }
    shared_memory(options)?;
    signals::check()?;
    if commentary {
        threads(false)?;
        signals::check()?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Part 1: a forked child changes a global and a heap value; the parent still sees the old ones.
fn problem() -> anyhow::Result<()> {
    println!();
    println!("1. The problem: a forked child changes its own copies, not the parent's memory");
    let mut numbers = vec![1, 2, 3];
    println!(
        "parent: pid {}: COUNTER = {}, numbers = {}  (a global, and a Vec on the heap)",
        getpid(),
        COUNTER.load(SeqCst),
        py_list(&numbers)
    );
    let mut child = fork(|| {
        COUNTER.store(100, SeqCst);
        numbers.push(4);
        println!(
            "child:  pid {}, parent {}: COUNTER = {}, numbers = {}  (after COUNTER.store(100) and numbers.push(4))",
            getpid(),
            getppid(),
            COUNTER.load(SeqCst),
            py_list(&numbers)
        );
        0
    })?;
    let pid = child.pid();
    let status = signals::join(&mut child)?;
    ensure!(status.success(), "child {pid} failed: {status}");
    // The borrow checker saw the closure change `numbers`; it cannot see that the change
    // happened in another process.
    println!(
        "parent: pid {}: COUNTER = {}, numbers = {}  <- unchanged after joining child {pid}: it had copies",
        getpid(),
        COUNTER.load(SeqCst),
        py_list(&numbers)
    );
    Ok(())
}

/// Part 2: `Value('d', 1)` and `Array('i', [1, 2, 3])` in shared memory, changed by a child.
fn shared_memory(options: &Options) -> anyhow::Result<()> {
    let commentary = !options.plain;
    if commentary {
        println!();
        println!("2. The fix: Value('d', 1) and Array('i', [1, 2, 3]) in named shared memory");
    }
    let value = Value::<f64>::new(1.0)?;
    let array = Array::<i32>::from_slice(&[1, 2, 3])?;
    if commentary {
        for (what, name) in [
            (Value::<f64>::what(), value.name()),
            (Array::<i32>::what(array.len()), array.name()),
        ] {
            match cleanup::describe(name) {
                Some(details) => println!("parent: {what} is /dev/shm/{name}: {details}"),
                None => println!("parent: {what} is shared-memory segment /{name}"),
            }
        }
    }
    print_values(commentary, "before the child:", &value, &array);
    let child_options = ChildOptions {
        commentary,
        ..options.child.clone()
    };
    if commentary {
        println!(
            "parent: starting a child by {}: {}",
            options.method,
            how(options.method)
        );
    }
    let mut child = match options.method {
        StartMethod::Fork => fork(|| change_in_child(&value, &array, &child_options))?,
        StartMethod::Spawn => spawn(&value, &array, &child_options)?,
    };
    let pid = child.pid();
    let status = signals::join(&mut child)?;
    if commentary {
        println!("parent: joined child {pid}: {status}");
    }
    if !status.success() {
        // Returning drops `value` and `array`, which removes both segments.
        bail!("child {pid} failed: {status}");
    }
    print_values(commentary, "after the child: ", &value, &array);
    let names = [value.name().to_string(), array.name().to_string()];
    drop((value, array));
    if commentary {
        let gone = names.iter().all(|name| cleanup::exists(name) != Some(true));
        ensure!(gone, "a segment is still in /dev/shm after its drop");
        println!(
            "parent: dropped both: their names are removed{}",
            if cfg!(target_os = "linux") {
                " (checked: no longer in /dev/shm)"
            } else {
                ""
            }
        );
    }
    Ok(())
}

fn how(method: StartMethod) -> &'static str {
    match method {
        StartMethod::Fork => "it inherits the mappings, so it changes the very pages we read",
        StartMethod::Spawn => "a fresh run of this program, which opens both segments by name",
    }
}

/// The value and the array on one line, as Python's `print(value.value, array[:])` does.
fn print_values(commentary: bool, when: &str, value: &Value<f64>, array: &Array<i32>) {
    let pair = format!("{} {}", PyFloat(value.get()), py_list(array.to_vec()));
    if commentary {
        println!("parent: {when} {pair}");
    } else {
        println!("{pair}");
    }
}

/// What the child does to the shared values: `value.value += 1.5`, and squares every item.
pub fn change(value: &Value<f64>, array: &Array<i32>) {
    value.set(value.get() + 1.5);
    for item in array.iter() {
        item.set(item.get().wrapping_mul(item.get()));
    }
}

/// The child's side of part 2; returns its exit code.
fn change_in_child(value: &Value<f64>, array: &Array<i32>, options: &ChildOptions) -> i32 {
    if options.commentary {
        println!(
            "child:  pid {}, parent {}: value.value += 1.5, array[i] = array[i] ** 2",
            getpid(),
            getppid()
        );
    }
    thread::sleep(Duration::from_millis(options.sleep_ms));
    if options.panic {
        panic!("the child panicked on purpose (--child-panics)");
    }
    change(value, array);
    0
}

/// Forks a child that runs `work`, with the handled signals back to their defaults in it.
fn fork(work: impl FnOnce() -> i32) -> anyhow::Result<Child> {
    fork_child(|| {
        signals::in_forked_child();
        work()
    })
}

/// Starts this program again as a child that opens `value` and `array` by name.
fn spawn(value: &Value<f64>, array: &Array<i32>, options: &ChildOptions) -> anyhow::Result<Child> {
    spawn_with_orders(&[
        value.name().to_string(),
        array.name().to_string(),
        format!("commentary={}", options.commentary),
        format!("sleep_ms={}", options.sleep_ms),
        format!("panic={}", options.panic),
    ])
}

/// A spawned child's orders: `VALUE_NAME ARRAY_NAME commentary=B sleep_ms=N panic=B`.
#[derive(Debug)]
pub struct ChildOrders {
    value: String,
    array: String,
    options: ChildOptions,
}

impl ChildOrders {
    /// Reads the orders [`spawn`] wrote.
    pub fn from_args(args: &[String]) -> anyhow::Result<Self> {
        let [value, array, commentary, sleep_ms, panic] = args else {
            bail!("expected VALUE ARRAY commentary=B sleep_ms=N panic=B, got {args:?}");
        };
        Ok(Self {
            value: value.clone(),
            array: array.clone(),
            options: ChildOptions {
                commentary: field(commentary, "commentary")?,
                sleep_ms: field(sleep_ms, "sleep_ms")?,
                panic: field(panic, "panic")?,
            },
        })
    }

    /// Opens the two segments, changes them, and returns the child's exit code.
    pub fn run(self) -> anyhow::Result<i32> {
        let value = Value::<f64>::open(&self.value)?;
        let array = Array::<i32>::open(&self.array, 3)?;
        Ok(change_in_child(&value, &array, &self.options))
    }
}

/// Part 3: the same program with threads. They share one address space, so a global is shared
/// as it is, and `Arc` shares the rest: no segment, no name, nothing to remove.
pub fn threads(plain: bool) -> anyhow::Result<()> {
    let commentary = !plain;
    if commentary {
        println!();
        println!(
            "3. The same program with threads: one address space, no segment to name or remove"
        );
    }
    let value = Arc::new(Mutex::new(1.0_f64));
    let array: Arc<[AtomicI32]> = Arc::new([1, 2, 3].map(AtomicI32::new));
    let show = |value: &Mutex<f64>, array: &[AtomicI32]| {
        let number = *value.lock().unwrap_or_else(PoisonError::into_inner);
        let items = array.iter().map(|item| item.load(SeqCst));
        format!("{} {}", PyFloat(number), py_list(items))
    };
    let before = show(&value, &array);
    if commentary {
        println!("main:   before the thread: {before}  (Arc<Mutex<f64>>, Arc<[AtomicI32]>)");
    } else {
        println!("{before}");
    }
    let worker = thread::spawn({
        let (value, array) = (Arc::clone(&value), Arc::clone(&array));
        move || {
            COUNTER.store(100, SeqCst);
            *value.lock().unwrap_or_else(PoisonError::into_inner) += 1.5;
            for item in array.iter() {
                let number = item.load(SeqCst);
                item.store(number.wrapping_mul(number), SeqCst);
            }
        }
    });
    worker
        .join()
        .map_err(|_| anyhow::anyhow!("the thread panicked"))?;
    let after = show(&value, &array);
    if commentary {
        println!("main:   after joining it:  {after}");
        println!(
            "main:   COUNTER = {}: the thread changed the one and only global",
            COUNTER.load(SeqCst)
        );
        println!(
            "threads share everything, any type, with nothing to clean up; processes share only the plain numbers you put in a segment, and cannot corrupt each other's other memory"
        );
    } else {
        println!("{after}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spawned_child_orders_are_read_strictly() {
        let good: Vec<String> = ["v", "a", "commentary=true", "sleep_ms=5", "panic=false"]
            .map(String::from)
            .to_vec();
        let orders = ChildOrders::from_args(&good).expect("valid");
        assert_eq!((orders.value.as_str(), orders.array.as_str()), ("v", "a"));
        assert_eq!(
            orders.options,
            ChildOptions {
                commentary: true,
                sleep_ms: 5,
                panic: false
            }
        );
        for bad in [
            vec![],
            vec!["v", "a", "commentary=yes", "sleep_ms=5", "panic=false"],
            vec!["v", "a", "commentary=true", "sleep=5", "panic=false"],
            vec!["v", "a"],
        ] {
            let args: Vec<String> = bad.iter().map(|arg| arg.to_string()).collect();
            assert!(ChildOrders::from_args(&args).is_err(), "{bad:?}");
        }
    }
}
