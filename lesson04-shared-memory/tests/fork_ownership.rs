//! The `shared_memory` crate's fork trap, shown on the raw crate and shown fixed in `Value`.
//!
//! A forked child is a copy of its parent, including the crate's "I created this segment, so I
//! remove its name when I drop" flag. Each check puts the mapping in a `RefCell<Option<_>>` that
//! the child empties: the child drops its copy, while the parent's copy stays where it was.
//! No libtest harness: `fork` needs a single-threaded process.

#[cfg(target_os = "linux")]
mod linux {
    use std::cell::RefCell;
    use std::path::Path;

    use common::process::PANIC_EXIT_CODE;
    use lesson01_process::start::fork_child;
    use lesson04_shared_memory::Value;
    use shared_memory::ShmemConf;

    fn in_dev_shm(name: &str) -> bool {
        Path::new("/dev/shm")
            .join(name.trim_start_matches('/'))
            .exists()
    }

    /// The trap: a child that drops its copy of the crate's `Shmem` removes the parent's name.
    fn a_child_dropping_the_raw_crate_mapping_removes_the_name() {
        let shmem = ShmemConf::new().size(8).create().expect("create");
        let name = shmem.get_os_id().to_string();
        assert!(shmem.is_owner() && in_dev_shm(&name));
        let slot = RefCell::new(Some(shmem));
        let mut child = fork_child(|| {
            drop(slot.borrow_mut().take()); // the child's copy, which believes it is the owner
            0
        })
        .expect("fork");
        assert!(child.wait().expect("wait").success());
        assert!(slot.borrow().is_some(), "the parent still holds its copy");
        assert!(
            !in_dev_shm(&name),
            "the crate's fork trap is gone: the child's drop left {name}; update the lesson"
        );
    }

    /// Fixed: `Value` compares pids, so a child's drop only unmaps its copy.
    fn a_child_dropping_a_value_leaves_the_name_to_the_parent() {
        let value = Value::<f64>::new(1.0).expect("create");
        let name = value.name().to_string();
        let slot = RefCell::new(Some(value));
        let mut child = fork_child(|| {
            if let Some(value) = slot.borrow_mut().take() {
                value.set(2.5);
            } // dropped here, in the child
            0
        })
        .expect("fork");
        assert!(child.wait().expect("wait").success());
        assert!(in_dev_shm(&name), "the child's drop removed {name}");
        let value = slot.take().expect("the parent's copy");
        assert_eq!(value.get(), 2.5, "the child's change");
        drop(Value::<f64>::open(&name).expect("open by name"));
        assert!(in_dev_shm(&name), "an opener's drop removed {name}");
        drop(value);
        assert!(!in_dev_shm(&name), "the creator's drop must remove {name}");
    }

    /// A child that panics unwinds through its values: the name must stay for the parent.
    fn a_child_panicking_with_a_value_leaves_the_name() {
        let value = Value::<i32>::new(1).expect("create");
        let name = value.name().to_string();
        let slot = RefCell::new(Some(value));
        let mut child = fork_child(|| {
            let _mine = slot.borrow_mut().take();
            panic!("on purpose, while holding a Value");
        })
        .expect("fork");
        let status = child.wait().expect("wait");
        assert_eq!(status, common::process::ExitStatus::Code(PANIC_EXIT_CODE));
        assert!(in_dev_shm(&name), "the child's panic removed {name}");
        drop(slot);
        assert!(!in_dev_shm(&name), "the creator's drop must remove {name}");
    }

    pub fn run() {
        a_child_dropping_the_raw_crate_mapping_removes_the_name();
        a_child_dropping_a_value_leaves_the_name_to_the_parent();
        a_child_panicking_with_a_value_leaves_the_name();
        println!("fork_ownership: 3 passed, 0 failed");
    }
}

fn main() {
    #[cfg(target_os = "linux")]
    linux::run();
}
