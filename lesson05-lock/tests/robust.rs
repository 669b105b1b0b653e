//! The lock survives the death of its holder: a child takes it and dies without releasing it,
//! and the parent is told (`OwnerDied`), recovers it, and can lock it again as usual.
//! No libtest harness: `fork` needs a single-threaded process.

#[cfg(target_os = "linux")]
mod linux {
    use std::thread;
    use std::time::Duration;

    use common::process::ExitStatus;
    use lesson01_process::start::fork_child;
    use lesson05_lock::LockedValue;
    use nix::sys::signal::{Signal, raise};

    const PREFIX: &str = "lesson05t";

    fn killed() -> ExitStatus {
        ExitStatus::Signal {
            signal: Signal::SIGKILL,
            core_dumped: false,
        }
    }

    /// The holder dies of SIGKILL before anyone waits: the next `lock` reports it.
    fn a_holder_killed_with_sigkill_hands_the_lock_over() {
        let total = LockedValue::<i32>::new_in(PREFIX, 0).expect("create");
        let mut child = fork_child(|| {
            let guard = total.lock().expect("nobody died yet");
            guard.set(7);
            let _ = raise(Signal::SIGKILL);
            unreachable!("SIGKILL ends the child");
        })
        .expect("fork");
        assert_eq!(child.wait().expect("reaped"), killed());

        let dead = total.lock().expect_err("its holder died holding it");
        assert_eq!(
            dead.to_string(),
            "the previous holder of the lock died while it held it (EOWNERDEAD); value 7"
        );
        let guard = dead.recover();
        assert_eq!(guard.get(), 7, "what the dead holder wrote");
        guard.set(8);
        drop(guard);
        let guard = total.lock().expect("recovered: a normal lock again");
        assert_eq!(guard.get(), 8);
    }

    /// The parent is already waiting in `lock` when the holder dies: it wakes up with the lock.
    fn a_waiter_wakes_up_when_the_holder_dies() {
        let total = LockedValue::<i32>::new_in(PREFIX, 0).expect("create");
        let mut child = fork_child(|| {
            let _guard = total.lock().expect("nobody died yet");
            total.set(1); // "I hold it": the parent starts waiting now
            thread::sleep(Duration::from_millis(200));
            let _ = raise(Signal::SIGKILL);
            unreachable!("SIGKILL ends the child");
        })
        .expect("fork");
        while total.get() != 1 {
            thread::sleep(Duration::from_millis(1));
        }
        let dead = total.lock().expect_err("woken by the holder's death");
        assert_eq!(dead.recover().get(), 1);
        assert_eq!(child.wait().expect("reaped"), killed());
    }

    /// A holder that exits (even normally) without releasing the lock is a dead holder too.
    fn a_holder_that_exits_without_releasing_is_dead_too() {
        let total = LockedValue::<i32>::new_in(PREFIX, 0).expect("create");
        let mut child = fork_child(|| {
            let guard = total.lock().expect("nobody died yet");
            guard.set(3);
            std::mem::forget(guard); // never unlocked
            0
        })
        .expect("fork");
        assert!(child.wait().expect("reaped").success());
        let dead = total.lock().expect_err("its holder exited holding it");
        assert_eq!(dead.recover().get(), 3);
        assert!(total.lock().is_ok());
    }

    /// Dropping the `OwnerDied` without `recover()` releases the lock, and it stays usable.
    fn dropping_owner_died_still_leaves_a_usable_lock() {
        let total = LockedValue::<i32>::new_in(PREFIX, 0).expect("create");
        let mut child = fork_child(|| {
            std::mem::forget(total.lock().expect("nobody died yet"));
            0
        })
        .expect("fork");
        assert!(child.wait().expect("reaped").success());
        drop(total.lock().expect_err("its holder exited holding it"));
        assert!(total.lock().is_ok(), "not ENOTRECOVERABLE");
    }

    pub fn run() {
        a_holder_killed_with_sigkill_hands_the_lock_over();
        a_waiter_wakes_up_when_the_holder_dies();
        a_holder_that_exits_without_releasing_is_dead_too();
        dropping_owner_died_still_leaves_a_usable_lock();
        println!("robust: 4 passed, 0 failed");
    }
}

fn main() {
    #[cfg(target_os = "linux")]
    linux::run();
}
