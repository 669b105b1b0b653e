//! Checks of `common::process` on real child processes. No libtest harness: this runs in one
//! thread, so thread counts are exact and nothing else reaps our children.

use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use common::process::{Activity, Child, ExitStatus, Pid, thread_count};
use nix::sys::signal::Signal;

fn start(shell_command: &str) -> Child {
    let child = Command::new("sh")
        .args(["-c", shell_command])
        .spawn()
        .expect("sh starts");
    Child::from_std(child)
}

fn is_gone(pid: Pid) -> bool {
    // A reaped child has no /proc entry; a zombie still has one (state Z).
    !std::path::Path::new(&format!("/proc/{pid}")).exists()
}

fn exit_codes_and_signals_are_reported() {
    assert_eq!(start("exit 0").wait().expect("wait"), ExitStatus::Code(0));
    assert_eq!(start("exit 3").wait().expect("wait"), ExitStatus::Code(3));
    let status = start("kill -TERM $$").wait().expect("wait");
    assert_eq!(
        status,
        ExitStatus::Signal {
            signal: Signal::SIGTERM,
            core_dumped: false
        }
    );
}

fn wait_timeout_gives_up_then_kill_reaps() {
    let mut sleeper = start("exec sleep 30");
    let began = Instant::now();
    assert_eq!(
        sleeper
            .wait_timeout(Duration::from_millis(100))
            .expect("wait"),
        None
    );
    assert!(
        began.elapsed() >= Duration::from_millis(100),
        "waited the full timeout"
    );
    let status = sleeper.kill().expect("kill");
    assert_eq!(status.python_exitcode(), -9);
    assert!(is_gone(sleeper.pid()), "killed child was reaped");
    // Waiting again returns the same status rather than an error.
    assert_eq!(sleeper.wait().expect("wait again"), status);
}

fn wait_timeout_returns_when_the_child_ends() {
    let mut quick = start("exit 7");
    let status = quick.wait_timeout(Duration::from_secs(10)).expect("wait");
    assert_eq!(status, Some(ExitStatus::Code(7)));
}

fn dropping_an_unwaited_child_kills_and_reaps_it() {
    let sleeper = start("exec sleep 30");
    let pid = sleeper.pid();
    drop(sleeper);
    assert!(is_gone(pid), "no zombie and no stray child after drop");
}

fn a_child_that_already_ended_can_still_be_signalled_and_reaped() {
    let mut quick = start("exit 0");
    thread::sleep(Duration::from_millis(200)); // it is a zombie now
    quick
        .signal(Signal::SIGTERM)
        .expect("ESRCH is not an error");
    assert_eq!(quick.wait().expect("wait"), ExitStatus::Code(0));
    assert!(is_gone(quick.pid()));
}

fn a_stopped_child_is_seen_stopped_until_continued() {
    let mut sleeper = start("exec sleep 30");
    assert_eq!(sleeper.activity().expect("look"), Activity::Running);
    sleeper.signal(Signal::SIGSTOP).expect("stop it");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match sleeper.activity().expect("look") {
            Activity::Stopped(signal) => {
                assert_eq!(signal, Signal::SIGSTOP);
                break;
            }
            Activity::Running if Instant::now() < deadline => {
                thread::sleep(Duration::from_millis(1));
            }
            other => panic!("expected a stop, saw {other:?}"),
        }
    }
    assert_eq!(
        sleeper.activity().expect("look"),
        Activity::Stopped(Signal::SIGSTOP),
        "still stopped, though waitpid reports a stop only once"
    );
    sleeper.signal(Signal::SIGCONT).expect("continue it");
    while sleeper.activity().expect("look") != Activity::Running {
        assert!(Instant::now() < deadline, "SIGCONT seen");
        thread::sleep(Duration::from_millis(1));
    }
    sleeper.signal(Signal::SIGSTOP).expect("stop it again");
    while sleeper.activity().expect("look") == Activity::Running {
        assert!(Instant::now() < deadline, "the second stop seen");
        thread::sleep(Duration::from_millis(1));
    }
    let killed = sleeper.kill().expect("a stopped child can be killed");
    assert_eq!(sleeper.activity().expect("look"), Activity::Ended(killed));
    assert!(is_gone(sleeper.pid()));
}

fn thread_count_counts_this_process_threads() {
    let Some(alone) = thread_count() else {
        println!("thread_count: not reported on this system, skipped");
        return;
    };
    assert_eq!(alone, 1, "this test runs without a harness, in one thread");
    let (started_tx, started_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
    let extra = thread::spawn(move || {
        started_tx.send(()).expect("main waits");
        let _ = stop_rx.recv();
    });
    started_rx.recv().expect("thread started");
    assert_eq!(thread_count(), Some(2));
    drop(stop_tx);
    extra.join().expect("thread ends");
    assert_eq!(thread_count(), Some(1));
}

fn main() {
    let checks: [(&str, fn()); 7] = [
        (
            "exit codes and signals are reported",
            exit_codes_and_signals_are_reported,
        ),
        (
            "wait_timeout gives up, then kill reaps",
            wait_timeout_gives_up_then_kill_reaps,
        ),
        (
            "wait_timeout returns when the child ends",
            wait_timeout_returns_when_the_child_ends,
        ),
        (
            "dropping an unwaited child kills and reaps it",
            dropping_an_unwaited_child_kills_and_reaps_it,
        ),
        (
            "an ended child can be signalled and reaped",
            a_child_that_already_ended_can_still_be_signalled_and_reaped,
        ),
        (
            "a stopped child is seen stopped until continued, then ended once killed",
            a_stopped_child_is_seen_stopped_until_continued,
        ),
        (
            "thread_count counts this process's threads",
            thread_count_counts_this_process_threads,
        ),
    ];
    for (name, check) in checks {
        check();
        println!("ok: {name}");
    }
    println!("{} passed, 0 failed", checks.len());
}
