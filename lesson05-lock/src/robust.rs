//! A value and its lock in one shared-memory segment, where the lock survives the death of its
//! holder. Every `unsafe` of this lesson is in this module.
//!
//! The lock is a pthread mutex with three attributes:
//! - **process-shared** (`PTHREAD_PROCESS_SHARED`): it may live in memory that several processes
//!   map, and any of them may lock it;
//! - **robust** (`PTHREAD_MUTEX_ROBUST`): when its holder dies, the kernel marks it "owner died"
//!   and wakes a waiter, whose `pthread_mutex_lock` then returns `EOWNERDEAD` with the lock held.
//!   The new holder calls `pthread_mutex_consistent` to make the mutex usable again. Without
//!   this attribute the waiter would wait for ever, as CPython's `multiprocessing.Lock` does;
//! - **error-checking** (`PTHREAD_MUTEX_ERRORCHECK`): a thread that locks it twice gets `EDEADLK`
//!   (reported as a panic, as `std::sync::Mutex` may do) instead of hanging for ever.
//!
//! # Invariants
//!
//! - The mutex is initialised by [`LockedValue::new_in`] in the segment it has just created,
//!   before `new_in` returns, so before this program can hand the segment to a child (fork) or
//!   lock it, or name it to a child (spawn, forkserver). The struct that holds it is private,
//!   so no other code can map the segment with this type (`Region::open`) and lock a mutex that
//!   is not initialised yet; [`LockedValue::open`], which maps a segment by name, is `unsafe`
//!   and asks its caller for that promise.
//! - The mutex never moves: it lives in the mapping, which stays where it is until the
//!   `LockedValue` drops.
//! - A [`Guard`] exists only while its thread holds the lock, and only that thread unlocks it:
//!   a `Guard` is neither `Send` nor `Sync`.
//! - A [`LockedValue`] is `Send` and `Sync`, as lesson04's `Region` under it is: a
//!   process-shared mutex excludes threads just as it excludes processes, so threads may share
//!   `&LockedValue` (the tests do).
//!
//! Linux only: macOS has process-shared mutexes but no robust ones
//! (`pthread_mutexattr_setrobust` does not exist there), so this lesson does not build its lock
//! on macOS. See the README.

use std::cell::UnsafeCell;
use std::fmt;
use std::marker::PhantomData;
use std::mem::MaybeUninit;

use anyhow::Context;
use lesson04_shared_memory::{Plain, Region, SharedCell, Typecode};
use nix::errno::Errno;
use nix::libc;

/// What the segment holds: the lock, and next to it the value it guards.
#[repr(C)]
struct Shared<T: Typecode> {
    mutex: UnsafeCell<libc::pthread_mutex_t>,
    value: SharedCell<T>,
}

// Safety: a process-shared pthread mutex is made to be used through a pointer by many threads
// and processes at once (that is its whole purpose), and `SharedCell<T>` is an atomic.
unsafe impl<T: Typecode> Sync for Shared<T> {}

// Safety: `pthread_mutex_t` is plain bytes to Rust (libc declares it as a byte array), so any
// bit pattern is a valid value, and it sits in an `UnsafeCell`; `SharedCell<T>` is `Plain`. The
// mutex does hold addresses (glibc links a robust mutex into its holder's list), but only glibc
// and the kernel read them, each in the process that wrote them, which is what process-shared
// robust mutexes are designed for; Rust code never follows them, as `Plain` requires. No
// `Drop`; `#[repr(C)]`.
unsafe impl<T: Typecode> Plain for Shared<T> {}

/// Python's `multiprocessing.Value(typecode, initial)` with its lock: one number in shared
/// memory and, next to it in the same segment, a robust process-shared lock. Read or write the
/// number alone with [`get`](Self::get) and [`set`](Self::set); make several steps one with
/// [`lock`](Self::lock).
#[derive(Debug)]
pub struct LockedValue<T: Typecode> {
    region: Region<Shared<T>>,
}

impl<T: Typecode> LockedValue<T> {
    /// A new segment named `PREFIX-PID-RANDOM` holding `initial` and an unlocked lock.
    pub fn new_in(prefix: &str, initial: T) -> anyhow::Result<Self> {
        let region =
            Region::<Shared<T>>::create(prefix, 1).map_err(|err| err.expecting(Self::what()))?;
        let shared = &region[0];
        init_robust_mutex(shared.mutex.get()).with_context(|| {
            format!(
                "cannot make a robust process-shared mutex in {}",
                region.name()
            )
        })?;
        shared.value.set(initial);
        Ok(Self { region })
    }

    /// Opens the `LockedValue` another process made with [`new_in`](Self::new_in): how a
    /// spawned or forkserver child, which inherits no mapping, reaches its parent's lock.
    ///
    /// # Safety
    ///
    /// `name` must be a segment that [`new_in`](Self::new_in) created (its mutex initialised),
    /// and that its creator has not dropped yet. A child's orders name one: its parent made it
    /// and keeps it until the child is joined. The size is checked; the mutex cannot be.
    pub unsafe fn open(name: &str) -> anyhow::Result<Self> {
        let region =
            Region::<Shared<T>>::open(name, 1).map_err(|err| err.expecting(Self::what()))?;
        Ok(Self { region })
    }

    /// Takes the lock, waiting as long as another thread or process holds it.
    ///
    /// Like `std::sync::Mutex::lock`, it returns an error that still holds the lock when
    /// something went wrong: [`OwnerDied`], when the previous holder died while it held the
    /// lock. Call [`OwnerDied::recover`] to carry on.
    ///
    /// # Panics
    ///
    /// If this thread already holds the lock (it would wait for itself for ever).
    pub fn lock(&self) -> Result<Guard<'_, T>, OwnerDied<'_, T>> {
        let mutex = self.shared().mutex.get();
        // Safety: `new_in` initialised the mutex before this value existed; it lives in the
        // mapping, which outlives `&self`, and never moves.
        match unsafe { libc::pthread_mutex_lock(mutex) } {
            0 => Ok(self.guard()),
            libc::EOWNERDEAD => {
                // We hold the lock now, in the "owner died" state. `consistent` makes it a normal
                // lock again. It is right to do so at once here: the lock guards one atomic
                // value, which a dying holder cannot leave half-written. A lock that guarded
                // several values would have to repair them before this call.
                // Safety: this thread holds the lock (EOWNERDEAD hands it over), as
                // `pthread_mutex_consistent` requires.
                let code = unsafe { libc::pthread_mutex_consistent(mutex) };
                let guard = self.guard();
                assert_eq!(
                    code,
                    0,
                    "pthread_mutex_consistent: {}",
                    Errno::from_raw(code)
                );
                Err(OwnerDied { guard })
            }
            code => match Errno::from_raw(code) {
                Errno::EDEADLK => panic!("this thread already holds the lock"),
                errno => panic!("pthread_mutex_lock failed: {}", errno.desc()),
            },
        }
    }

    /// Python's `lock.acquire()`: [`lock`](Self::lock), and if the previous holder died holding
    /// the lock, say so on stderr in one line and take the lock anyway.
    pub fn acquire(&self) -> Guard<'_, T> {
        self.lock().unwrap_or_else(|dead| {
            eprintln!("pid {}: {dead}; took it anyway", std::process::id());
            dead.recover()
        })
    }

    /// The guard of a lock this thread has just taken.
    fn guard(&self) -> Guard<'_, T> {
        Guard {
            shared: self.shared(),
            _one_thread: PhantomData,
        }
    }

    /// Reads the value without the lock: one whole atomic read, like Python's `value.value`.
    pub fn get(&self) -> T {
        self.shared().value.get()
    }

    /// Writes the value without the lock: one whole atomic write. `set(get() + 1)` is two steps,
    /// and another process may write in between: use [`lock`](Self::lock) for that.
    pub fn set(&self, value: T) {
        self.shared().value.set(value);
    }

    /// The segment's name, as `ls /dev/shm` shows it.
    pub fn name(&self) -> &str {
        self.region.name()
    }

    /// `Value('i')`, for messages.
    pub fn what() -> String {
        format!("Value('{}') with its lock", T::CODE)
    }

    fn shared(&self) -> &Shared<T> {
        &self.region[0]
    }
}

/// Initialises the robust, process-shared, error-checking mutex at `mutex`.
fn init_robust_mutex(mutex: *mut libc::pthread_mutex_t) -> Result<(), Errno> {
    let mut attr = MaybeUninit::<libc::pthread_mutexattr_t>::uninit();
    let attr = attr.as_mut_ptr();
    // Safety: `attr` points to writable memory of the right type, which this call initialises.
    Errno::result(unsafe { libc::pthread_mutexattr_init(attr) })?;
    let made = (|| {
        // Safety: `attr` was initialised just above.
        let code =
            unsafe { libc::pthread_mutexattr_setpshared(attr, libc::PTHREAD_PROCESS_SHARED) };
        check(code)?;
        // Safety: as above.
        let code = unsafe { libc::pthread_mutexattr_setrobust(attr, libc::PTHREAD_MUTEX_ROBUST) };
        check(code)?;
        // Safety: as above.
        let code = unsafe { libc::pthread_mutexattr_settype(attr, libc::PTHREAD_MUTEX_ERRORCHECK) };
        check(code)?;
        // Safety: `mutex` is in a segment this process created a moment ago: no other thread or
        // process uses it yet, it is aligned and writable, and it will not move.
        check(unsafe { libc::pthread_mutex_init(mutex, attr) })
    })();
    // Safety: `attr` is initialised; a mutex made from it does not need it any more.
    unsafe { libc::pthread_mutexattr_destroy(attr) };
    made
}

/// pthread functions return the error number instead of setting `errno`.
fn check(code: libc::c_int) -> Result<(), Errno> {
    match code {
        0 => Ok(()),
        code => Err(Errno::from_raw(code)),
    }
}

/// Proof that this thread holds the lock; dropping it releases the lock. Read and write the
/// value through it.
pub struct Guard<'a, T: Typecode> {
    shared: &'a Shared<T>,
    /// Only the thread that locked a pthread mutex may unlock it: not `Send`, not `Sync`.
    _one_thread: PhantomData<*const ()>,
}

impl<T: Typecode> Guard<'_, T> {
    pub fn get(&self) -> T {
        self.shared.value.get()
    }

    pub fn set(&self, value: T) {
        self.shared.value.set(value);
    }
}

impl<T: Typecode> Drop for Guard<'_, T> {
    fn drop(&mut self) {
        // Safety: a `Guard` exists only while this thread holds the initialised mutex, and it
        // unlocks it once, here.
        let code = unsafe { libc::pthread_mutex_unlock(self.shared.mutex.get()) };
        // EPERM: a forked child dropping its copy of its parent's guard; it never held the lock.
        debug_assert!(code == 0 || code == libc::EPERM, "unlock: {code}");
    }
}

impl<T: Typecode> fmt::Debug for Guard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Guard").field("value", &self.get()).finish()
    }
}

/// The previous holder of the lock died while it held it (`EOWNERDEAD`). This thread holds the
/// lock now; [`recover`](Self::recover) hands over the guard. Dropping this releases the lock.
///
/// The thread version of the same event is a `std::sync::PoisonError`: a thread panicked while
/// it held a `Mutex`, and `into_inner()` takes the guard anyway.
pub struct OwnerDied<'a, T: Typecode> {
    guard: Guard<'a, T>,
}

impl<'a, T: Typecode> OwnerDied<'a, T> {
    /// The lock, recovered: the mutex was marked consistent, so the next `lock` succeeds as
    /// usual. The value is whatever the dead holder last wrote.
    pub fn recover(self) -> Guard<'a, T> {
        self.guard
    }
}

impl<T: Typecode> fmt::Debug for OwnerDied<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnerDied")
            .field("value", &self.guard.get())
            .finish()
    }
}

impl<T: Typecode> fmt::Display for OwnerDied<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the previous holder of the lock died while it held it (EOWNERDEAD); value {:?}",
            self.guard.get()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lock_guards_the_value_next_to_it() {
        let total = LockedValue::<i32>::new_in("lesson05t", 5).expect("create");
        assert_eq!(total.get(), 5);
        {
            let guard = total.lock().expect("nobody died");
            guard.set(guard.get() + 1);
        }
        assert_eq!(total.get(), 6);
        assert!(total.lock().is_ok(), "released when the guard dropped");
    }

    #[test]
    #[should_panic(expected = "this thread already holds the lock")]
    fn locking_twice_in_one_thread_panics_instead_of_hanging() {
        let total = LockedValue::<i32>::new_in("lesson05t", 0).expect("create");
        let _first = total.lock().expect("nobody died");
        let _second = total.lock();
    }

    #[test]
    fn threads_share_a_locked_value_and_its_lock_excludes_them() {
        fn send_and_sync<T: Send + Sync>() {}
        send_and_sync::<LockedValue<i32>>();
        let total = LockedValue::<i32>::new_in("lesson05t", 0).expect("create");
        std::thread::scope(|scope| {
            for adds in [1, 3] {
                let total = &total;
                scope.spawn(move || {
                    for _ in 0..1000 {
                        let guard = total.lock().expect("nobody died");
                        let seen = guard.get();
                        std::thread::yield_now();
                        guard.set(seen + adds);
                    }
                });
            }
        });
        assert_eq!(total.get(), 4000, "no update lost under the lock");
    }

    #[test]
    fn the_segment_holds_the_mutex_and_the_value() {
        let total = LockedValue::<i32>::new_in("lesson05t", 0).expect("create");
        let bytes = std::fs::metadata(std::path::Path::new("/dev/shm").join(total.name()))
            .expect("in /dev/shm")
            .len();
        assert_eq!(
            bytes as usize,
            size_of::<Shared<i32>>(),
            "one segment: the lock and the value"
        );
        assert!(size_of::<Shared<i32>>() >= size_of::<libc::pthread_mutex_t>() + 4);
    }
}
