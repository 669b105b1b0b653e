//! Python's `multiprocessing.Value` and `Array`, typed: `Value::<f64>` is `Value('d', ...)`,
//! `Array::<i32>` is `Array('i', [...])`. Each lives in a named shared-memory segment of its own
//! ([`crate::shm::Region`]), so a forked child sees the same numbers as its parent, and a spawned
//! child or any other process of the same user can open it by name.
//!
//! Every item is an atomic, and `get`/`set` are single atomic loads and stores: two processes can
//! never tear a value. `value.set(value.get() + 1.0)` is still two steps, though, just as
//! `value.value += 1` is in Python: another process may set the value in between. Making that one
//! step is what a lock is for (lesson05).

use std::fmt;
use std::ops::Deref;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::atomic::{AtomicI32, AtomicU64};

use crate::shm::{Plain, Region, ShmError};

/// The prefix of this lesson's segment names: `/dev/shm/lesson04-PID-RANDOM`.
pub const PREFIX: &str = "lesson04";

/// A Python typecode and the Rust type it stands for (the README has the whole table).
pub trait Typecode: Copy + fmt::Debug + 'static {
    /// Python's typecode: `'d'` for C `double`, `'i'` for C `int`.
    const CODE: char;
    /// The atomic type that holds one value in shared memory.
    type Atomic: Plain;
    fn load(atomic: &Self::Atomic) -> Self;
    fn store(atomic: &Self::Atomic, value: Self);
}

/// `'d'`: a C `double`. There is no `AtomicF64`, so the float's bits live in an `AtomicU64`.
impl Typecode for f64 {
    const CODE: char = 'd';
    type Atomic = AtomicU64;
    fn load(atomic: &AtomicU64) -> f64 {
        f64::from_bits(atomic.load(SeqCst))
    }
    fn store(atomic: &AtomicU64, value: f64) {
        atomic.store(value.to_bits(), SeqCst);
    }
}

/// `'i'`: a C `int`.
impl Typecode for i32 {
    const CODE: char = 'i';
    type Atomic = AtomicI32;
    fn load(atomic: &AtomicI32) -> i32 {
        atomic.load(SeqCst)
    }
    fn store(atomic: &AtomicI32, value: i32) {
        atomic.store(value, SeqCst);
    }
}

/// One number in shared memory: what `array[i]` is. Read it with `get`, change it with `set`.
#[repr(transparent)]
pub struct SharedCell<T: Typecode>(T::Atomic);

impl<T: Typecode> SharedCell<T> {
    pub fn get(&self) -> T {
        T::load(&self.0)
    }

    pub fn set(&self, value: T) {
        T::store(&self.0, value);
    }
}

impl<T: Typecode> fmt::Debug for SharedCell<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.get().fmt(f)
    }
}

/// Python's `multiprocessing.Value(typecode, initial)`: one number in shared memory.
#[derive(Debug)]
pub struct Value<T: Typecode> {
    region: Region<SharedCell<T>>,
}

impl<T: Typecode> Value<T> {
    /// `Value('d', 1.0)` is `Value::<f64>::new(1.0)`: a new segment named `lesson04-PID-RANDOM`.
    pub fn new(initial: T) -> Result<Self, ShmError> {
        Self::new_in(PREFIX, initial)
    }

    /// The same, with segment names that start with `prefix` instead of `lesson04`.
    pub fn new_in(prefix: &str, initial: T) -> Result<Self, ShmError> {
        let value = Self {
            region: Region::create(prefix, 1).map_err(|err| err.expecting(Self::what()))?,
        };
        value.set(initial);
        Ok(value)
    }

    /// Opens the `Value` another process created: a clear error if there is no segment by that
    /// name, or if it is not the size of one `T`.
    pub fn open(name: &str) -> Result<Self, ShmError> {
        Ok(Self {
            region: Region::open(name, 1).map_err(|err| err.expecting(Self::what()))?,
        })
    }

    /// Python's `value.value`.
    pub fn get(&self) -> T {
        self.region[0].get()
    }

    /// Python's `value.value = new`.
    pub fn set(&self, new: T) {
        self.region[0].set(new);
    }

    /// The segment's name (what `ls /dev/shm` shows on Linux).
    pub fn name(&self) -> &str {
        self.region.name()
    }

    /// `Value('d')`, for messages.
    pub fn what() -> String {
        format!("Value('{}')", T::CODE)
    }
}

/// Python's `multiprocessing.Array(typecode, items)`: a fixed number of numbers in shared
/// memory, one-dimensional as in Python. It derefs to a slice of [`SharedCell`]s, so
/// `array[0].set(7)`, `array.len()`, `array.iter()` and `&array[1..]` work as on any slice.
#[derive(Debug)]
pub struct Array<T: Typecode> {
    region: Region<SharedCell<T>>,
}

impl<T: Typecode> Array<T> {
    /// `Array('i', [1, 2, 3])` is `Array::<i32>::from_slice(&[1, 2, 3])`. Unlike Python, it cannot
    /// be empty: a segment needs at least one byte.
    pub fn from_slice(items: &[T]) -> Result<Self, ShmError> {
        Self::from_slice_in(PREFIX, items)
    }

    /// The same, with segment names that start with `prefix` instead of `lesson04`.
    pub fn from_slice_in(prefix: &str, items: &[T]) -> Result<Self, ShmError> {
        let array = Self {
            region: Region::create(prefix, items.len())
                .map_err(|err| err.expecting(Self::what(items.len())))?,
        };
        for (cell, &item) in array.iter().zip(items) {
            cell.set(item);
        }
        Ok(array)
    }

    /// Opens the `Array` of `len` items another process created: a clear error if there is no
    /// segment by that name, or if its size is not `len` items of `T`.
    pub fn open(name: &str, len: usize) -> Result<Self, ShmError> {
        Ok(Self {
            region: Region::open(name, len).map_err(|err| err.expecting(Self::what(len)))?,
        })
    }

    /// Python's `array[:]`: a copy of every item, read one by one.
    pub fn to_vec(&self) -> Vec<T> {
        self.iter().map(SharedCell::get).collect()
    }

    /// The segment's name (what `ls /dev/shm` shows on Linux).
    pub fn name(&self) -> &str {
        self.region.name()
    }

    /// `Array('i', 3)`, for messages.
    pub fn what(len: usize) -> String {
        format!("Array('{}', {len})", T::CODE)
    }
}

impl<T: Typecode> Deref for Array<T> {
    type Target = [SharedCell<T>];

    fn deref(&self) -> &[SharedCell<T>] {
        &self.region
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A segment's path, to look at it the way `ls -l /dev/shm` does (Linux).
    #[cfg(target_os = "linux")]
    fn path(name: &str) -> std::path::PathBuf {
        std::path::Path::new("/dev/shm").join(name)
    }

    #[test]
    fn a_value_reads_back_what_was_set_through_another_mapping() {
        let value = Value::<f64>::new(1.0).expect("create");
        assert_eq!(value.get(), 1.0);
        let other = Value::<f64>::open(value.name()).expect("open");
        other.set(2.5);
        assert_eq!(value.get(), 2.5, "two mappings of one segment, one memory");
    }

    #[test]
    fn an_array_is_a_slice_of_cells() {
        let array = Array::<i32>::from_slice(&[1, 2, 3]).expect("create");
        assert_eq!(array.len(), 3);
        array[0].set(7);
        for item in &array[1..] {
            item.set(item.get() * 10);
        }
        let other = Array::<i32>::open(array.name(), 3).expect("open");
        assert_eq!(other.to_vec(), [7, 20, 30]);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn segments_are_private_exclusive_and_removed_by_their_creator_only() {
        use std::os::unix::fs::PermissionsExt;

        let value = Value::<i32>::new(5).expect("create");
        let name = value.name().to_string();
        assert!(
            name.starts_with(&format!("lesson04-{}-", std::process::id())),
            "{name}"
        );
        let mode = std::fs::metadata(path(&name))
            .expect("in /dev/shm")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "owner read/write only");

        // O_EXCL: creating an existing name fails, whoever made it.
        let again = shared_memory::ShmemConf::new()
            .os_id(format!("/{name}"))
            .size(4)
            .create();
        assert!(matches!(
            again,
            Err(shared_memory::ShmemError::MappingIdExists)
        ));

        // An opener is not the creator: dropping it leaves the name.
        drop(Value::<i32>::open(&name).expect("open"));
        assert!(path(&name).exists(), "an opener removed the segment");
        drop(value);
        assert!(!path(&name).exists(), "the creator left its segment behind");
    }

    #[test]
    fn threads_can_share_values_and_arrays() {
        fn send_and_sync<T: Send + Sync>() {}
        send_and_sync::<Value<f64>>();
        send_and_sync::<Array<i32>>();
        send_and_sync::<Region<SharedCell<i32>>>();
        let value = Value::<i32>::new(0).expect("create");
        let array = Array::<i32>::from_slice(&[0, 0]).expect("create");
        let moved = std::thread::scope(|scope| {
            for (slot, adds) in [(0, 1), (1, 3)] {
                let (value, array) = (&value, &array);
                scope.spawn(move || {
                    for _ in 0..100 {
                        array[slot].set(array[slot].get() + adds);
                    }
                    if slot == 0 {
                        value.set(7);
                    }
                });
            }
            // Moved into a thread, and dropped there: the name is removed all the same.
            let moved = Value::<f64>::new(1.5).expect("create");
            let name = moved.name().to_string();
            scope.spawn(move || assert_eq!(moved.get(), 1.5));
            name
        });
        assert_eq!(array.to_vec(), [100, 300]);
        assert_eq!(value.get(), 7);
        #[cfg(target_os = "linux")]
        assert!(
            !path(&moved).exists(),
            "dropped in another thread, and removed"
        );
    }

    #[test]
    fn opening_a_missing_segment_says_so() {
        let err = Value::<f64>::open("lesson04-1-000000000000").expect_err("no such segment");
        assert!(matches!(err, ShmError::NotFound { .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            "no shared-memory segment named lesson04-1-000000000000 (it was never created, or its owner removed it)"
        );
    }

    #[test]
    fn opening_with_the_wrong_type_or_length_says_what_was_expected() {
        let value = Value::<f64>::new(1.0).expect("create");
        let name = value.name();
        let err = Value::<i32>::open(name).expect_err("8 bytes are not an i32");
        assert_eq!(
            err.to_string(),
            format!("shared-memory segment {name} holds 8 bytes, but Value('i') needs 4")
        );
        let err = Array::<i32>::open(name, 3).expect_err("8 bytes are not 3 x i32");
        assert_eq!(
            err.to_string(),
            format!("shared-memory segment {name} holds 8 bytes, but Array('i', 3) needs 12")
        );
        assert!(Array::<i32>::open(name, 2).is_ok(), "8 bytes are 2 x i32");
    }

    #[test]
    fn bad_names_and_lengths_are_refused() {
        let err = Value::<f64>::open("../etc/passwd").expect_err("not a name");
        assert!(matches!(err, ShmError::BadName { .. }), "{err:?}");
        let err = Array::<i32>::from_slice(&[]).expect_err("empty");
        assert_eq!(
            err.to_string(),
            "cannot put Array('i', 0) in shared memory: a segment holds at least 1 byte and at most isize::MAX"
        );
        let err = Value::<f64>::new_in("lesson-04", 1.0).expect_err("bad prefix");
        assert!(matches!(err, ShmError::BadName { .. }), "{err:?}");
    }
}
