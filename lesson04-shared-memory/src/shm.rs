//! Typed regions of named POSIX shared memory, on top of the `shared_memory` crate. Every
//! `unsafe` of this lesson is in this module, but for one call in [`crate::signals`].
//!
//! A [`Region<T>`] is a named segment (`/dev/shm/PREFIX-PID-RANDOM` on Linux) that holds `len`
//! values of a plain-old-data type `T`, one after the other. [`crate::value`] builds Python's
//! `Value` and `Array` on it; lesson05 puts its own `#[repr(C)]` struct in one.
//!
//! # Invariants
//!
//! - A `Region<T>` maps at least `len * size_of::<T>()` bytes, readable and writable, shared with
//!   every process that maps the same segment, at an address aligned for `T` (mmap returns
//!   page-aligned memory; [`Region::create`] and [`Region::open`] check it anyway).
//! - The mapping lives exactly as long as the `Region`: the crate unmaps it when the `Region`
//!   drops, so the `&[T]` that `Deref` hands out cannot outlive it.
//! - Other processes may write the memory at any moment, and so may other threads of this one:
//!   a `Region` is `Send` and `Sync` (see the `unsafe impl`s), so `&Value` can go to scoped
//!   threads. So a `Region` only ever hands out shared references (`&[T]`, never `&mut`), and
//!   `T: Plain` promises the rest: every bit pattern is a valid `T`, and every byte that can
//!   change sits in an `UnsafeCell` (atomics are made of one).
//! - The memory of a new segment is reserved when it is created (`posix_fallocate`, Linux), so a
//!   full `/dev/shm` is an error from [`Region::create`], never a SIGBUS at the first store.
//! - The process that created a segment holds an exclusive `flock` on it for as long as its
//!   `Region` lives (the lock goes with the process: the kernel drops it when the last copy of
//!   the descriptor closes, even after SIGKILL). That is how [`crate::cleanup`] tells a segment
//!   in use from one left by a dead run: it removes only a segment it can lock itself. A pid
//!   would lie: a run in another PID namespace sees other pids, or none.
//! - Only the process that created a segment removes its name, once, when its `Region` drops.
//!   The crate would decide by a flag that `fork` copies into the child (so a child dropping its
//!   copy removed the name under the parent's feet), and it also skips the removal when the
//!   segment's descriptor happens to be 0 (only if the program closed its own stdin first). So
//!   the crate is never left in charge: every `Region` tells it "not the owner"
//!   (`set_owner(false)`), and `Drop` unlinks by itself, in the creating process only (it
//!   compares pids).

use std::fmt;
use std::marker::PhantomData;
use std::mem::{align_of, needs_drop, size_of};
use std::ops::Deref;
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::atomic::{AtomicI8, AtomicI16, AtomicI32, AtomicI64, AtomicIsize};
use std::sync::atomic::{AtomicU8, AtomicU16, AtomicU32, AtomicU64, AtomicUsize};

use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::sys::stat::Mode;
use nix::unistd::{Pid, getpid};
use shared_memory::{Shmem, ShmemConf, ShmemError};

use crate::value::{SharedCell, Typecode};

/// Types that may live in shared memory and be read through a shared reference while other
/// processes write them.
///
/// # Safety
///
/// Implement it only for a type `T` where all of this holds:
/// - every bit pattern of `size_of::<T>()` bytes is a valid `T`: a new segment is all zeroes,
///   and an opened one holds whatever another process wrote there;
/// - every byte that may change once the segment exists is inside an `UnsafeCell` (atomic types
///   are), since other processes write while this one holds a `&T`; this is also why `T: Sync`;
/// - no Rust code ever reads an address out of a `T`: it holds no references, `Box`es, raw
///   pointers or other Rust pointers (an address means nothing in another process). Bytes that
///   only the C library or the kernel use as addresses, each in the process that wrote them,
///   are allowed: a robust process-shared pthread mutex (lesson05) links itself into its
///   holder's list that way. And `T` needs no `Drop`;
/// - its layout is fixed: a primitive, or `#[repr(C)]` / `#[repr(transparent)]` over such types.
///
/// `AtomicBool` is not `Plain`: only the bytes 0 and 1 are valid for it.
pub unsafe trait Plain: Sync + Sized {}

// Safety: each atomic integer is an `UnsafeCell` around an integer of the same size: any bit
// pattern is valid, it has no pointers and no `Drop`, and its layout is the integer's.
unsafe impl Plain for AtomicI8 {}
// Safety: as for `AtomicI8`.
unsafe impl Plain for AtomicU8 {}
// Safety: as for `AtomicI8`.
unsafe impl Plain for AtomicI16 {}
// Safety: as for `AtomicI8`.
unsafe impl Plain for AtomicU16 {}
// Safety: as for `AtomicI8`.
unsafe impl Plain for AtomicI32 {}
// Safety: as for `AtomicI8`.
unsafe impl Plain for AtomicU32 {}
// Safety: as for `AtomicI8`.
unsafe impl Plain for AtomicI64 {}
// Safety: as for `AtomicI8`.
unsafe impl Plain for AtomicU64 {}
// Safety: as for `AtomicI8`.
unsafe impl Plain for AtomicIsize {}
// Safety: as for `AtomicI8`.
unsafe impl Plain for AtomicUsize {}
// Safety: an array of `Plain` items has no bytes of its own (no padding between items), so
// every property of `T` holds for `[T; N]`.
unsafe impl<T: Plain, const N: usize> Plain for [T; N] {}
// Safety: `SharedCell<T>` is `#[repr(transparent)]` over `T::Atomic`, which is `Plain`.
unsafe impl<T: Typecode> Plain for SharedCell<T> {}

/// What went wrong with a segment, in one line.
#[derive(Debug)]
pub enum ShmError {
    /// A prefix or a name this module does not accept.
    BadName { name: String, why: &'static str },
    /// No segment has that name: it was never created, or its creator removed it.
    NotFound { name: String },
    /// The segment belongs to someone else (segments are created with mode 0600).
    PermissionDenied { name: String },
    /// The segment is not the size of what the caller expects to find in it.
    WrongSize {
        name: String,
        bytes: usize,
        expected: usize,
        what: String,
    },
    /// `/dev/shm` has no room left for a new segment of that size.
    NoSpace { name: String, bytes: usize },
    /// `len` values of the type do not fit in memory, or there are none.
    BadLength { len: usize, what: String },
    /// Any other failure of the system calls.
    Os {
        action: &'static str,
        name: String,
        errno: Errno,
    },
}

impl fmt::Display for ShmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShmError::BadName { name, why } => {
                write!(f, "{name:?} is not a usable shared-memory name: {why}")
            }
            ShmError::NotFound { name } => write!(
                f,
                "no shared-memory segment named {name} (it was never created, or its owner removed it)"
            ),
            ShmError::PermissionDenied { name } => write!(
                f,
                "shared-memory segment {name}: permission denied (mode 0600: only the user who created it may open it)"
            ),
            ShmError::WrongSize {
                name,
                bytes,
                expected,
                what,
            } => write!(
                f,
                "shared-memory segment {name} holds {bytes} bytes, but {what} needs {expected}"
            ),
            ShmError::NoSpace { name, bytes } => write!(
                f,
                "cannot create shared-memory segment {name}: no room left for {bytes} bytes (is /dev/shm full?)"
            ),
            ShmError::BadLength { what, .. } => write!(
                f,
                "cannot put {what} in shared memory: a segment holds at least 1 byte and at most isize::MAX"
            ),
            ShmError::Os {
                action,
                name,
                errno,
            } => write!(
                f,
                "cannot {action} shared-memory segment {name}: {}",
                errno.desc()
            ),
        }
    }
}

impl std::error::Error for ShmError {}

impl ShmError {
    /// The same error, naming what the caller was after (`Value('d')`) instead of the raw type.
    pub fn expecting(self, wanted: impl Into<String>) -> Self {
        match self {
            ShmError::WrongSize {
                name,
                bytes,
                expected,
                ..
            } => ShmError::WrongSize {
                name,
                bytes,
                expected,
                what: wanted.into(),
            },
            ShmError::BadLength { len, .. } => ShmError::BadLength {
                len,
                what: wanted.into(),
            },
            other => other,
        }
    }
}

/// A named shared-memory segment holding `len` values of type `T`. It derefs to `&[T]`.
pub struct Region<T: Plain> {
    shmem: Shmem,
    /// The name without the leading `/`, as it appears in `/dev/shm`.
    name: String,
    len: usize,
    /// The process that created the segment and must remove it; `None` if it was opened.
    creator: Option<Pid>,
    /// The creator's descriptor of the segment, which holds the `flock` that says the segment is
    /// in use (a forked child's copy shares it); `None` if it was opened.
    _in_use: Option<OwnedFd>,
    _values: PhantomData<T>,
}

/// How many random hex digits a name carries: 48 bits, which nobody can guess in advance, in a
/// name short enough for macOS (31 bytes at most).
const RANDOM_DIGITS: usize = 12;

impl<T: Plain> Region<T> {
    /// Creates a new segment named `PREFIX-PID-RANDOM` for `len` values, all bits zero.
    ///
    /// The segment is created exclusively (`O_CREAT | O_EXCL`: if the name exists, whoever made
    /// it, this fails and we try another random name), readable and writable by this user only
    /// (mode 0600), locked as in use, and with its memory reserved: see the module's invariants.
    pub fn create(prefix: &str, len: usize) -> Result<Self, ShmError> {
        check_prefix(prefix)?;
        let bytes = byte_size::<T>(len)?;
        for _ in 0..8 {
            let name = format!("{prefix}-{}-{}", getpid(), random_hex(RANDOM_DIGITS)?);
            let created = nix::sys::mman::shm_open(
                format!("/{name}").as_str(),
                OFlag::O_CREAT | OFlag::O_EXCL | OFlag::O_RDWR,
                Mode::S_IRUSR | Mode::S_IWUSR,
            );
            let in_use = match created {
                Ok(fd) => fd,
                // Someone made this name already: never use a segment we did not create.
                Err(Errno::EEXIST) => continue,
                Err(errno) => {
                    return Err(ShmError::Os {
                        action: "create",
                        name,
                        errno,
                    });
                }
            };
            match Self::lock_reserve_and_map(in_use, &name, len, bytes) {
                Ok(Some(region)) => return Ok(region),
                // A sweep took the name in the instant before our lock: try another one.
                Ok(None) => continue,
                Err(err) => {
                    let _ = nix::sys::mman::shm_unlink(format!("/{name}").as_str());
                    return Err(err);
                }
            }
        }
        Err(ShmError::Os {
            action: "create",
            name: format!("{prefix}-{}-*", getpid()),
            errno: Errno::EEXIST,
        })
    }

    /// Opens the segment `name` (with or without its leading `/`), which must hold exactly `len`
    /// values of `T`. This process will not remove it: its creator does.
    pub fn open(name: &str, len: usize) -> Result<Self, ShmError> {
        let name = check_name(name)?;
        let expected = byte_size::<T>(len)?;
        let shmem = ShmemConf::new()
            .os_id(format!("/{name}"))
            .open()
            .map_err(|err| match err {
                ShmemError::MapOpenFailed(errno) => match Errno::from_raw(errno as i32) {
                    Errno::ENOENT => ShmError::NotFound { name: name.clone() },
                    Errno::EACCES => ShmError::PermissionDenied { name: name.clone() },
                    // mmap refuses a length of 0: the segment is empty.
                    Errno::EINVAL => ShmError::WrongSize {
                        name: name.clone(),
                        bytes: 0,
                        expected,
                        what: describe::<T>(len),
                    },
                    errno => ShmError::Os {
                        action: "open",
                        name: name.clone(),
                        errno,
                    },
                },
                other => os_error("open", &name, other),
            })?;
        if !size_fits(shmem.len(), expected) {
            return Err(ShmError::WrongSize {
                bytes: shmem.len(),
                name,
                expected,
                what: describe::<T>(len),
            });
        }
        Self::new(shmem, name, len, None, None)
    }

    /// The rest of [`create`](Self::create), for the segment it has just created: lock it as in
    /// use, reserve its memory, and map it. `None` if the name is gone by then.
    fn lock_reserve_and_map(
        in_use: OwnedFd,
        name: &str,
        len: usize,
        bytes: usize,
    ) -> Result<Option<Self>, ShmError> {
        let failed = |action, errno| ShmError::Os {
            action,
            name: name.to_string(),
            errno,
        };
        lock(&in_use, false).map_err(|errno| failed("lock", errno))?;
        reserve(&in_use, bytes).map_err(|errno| match errno {
            Errno::ENOSPC => ShmError::NoSpace {
                name: name.to_string(),
                bytes,
            },
            errno => failed("reserve memory for", errno),
        })?;
        let shmem = match ShmemConf::new().os_id(format!("/{name}")).open() {
            Ok(shmem) => shmem,
            Err(ShmemError::MapOpenFailed(errno)) if errno as i32 == Errno::ENOENT as i32 => {
                return Ok(None);
            }
            Err(err) => return Err(os_error("map", name, err)),
        };
        if !size_fits(shmem.len(), bytes) {
            return Err(failed("map", Errno::EIO));
        }
        Self::new(shmem, name.to_string(), len, Some(getpid()), Some(in_use)).map(Some)
    }

    fn new(
        mut shmem: Shmem,
        name: String,
        len: usize,
        creator: Option<Pid>,
        in_use: Option<OwnedFd>,
    ) -> Result<Self, ShmError> {
        const {
            assert!(
                size_of::<T>() > 0,
                "a zero-sized type needs no shared memory"
            );
            assert!(align_of::<T>() <= 4096, "mmap aligns to a page, no more");
            assert!(
                !needs_drop::<T>(),
                "no process runs the destructors of shared values"
            );
        }
        // We remove the name ourselves, in `Drop`; the crate must never do it (see the module's
        // invariants).
        shmem.set_owner(false);
        let region = Self {
            shmem,
            name,
            len,
            creator,
            _in_use: in_use,
            _values: PhantomData,
        };
        // mmap returns page-aligned memory; should it not, refuse (dropping `region` removes a
        // segment we created) rather than make a misaligned reference.
        if region.shmem.as_ptr().align_offset(align_of::<T>()) != 0 {
            return Err(ShmError::Os {
                action: "map",
                name: region.name.clone(),
                errno: Errno::EFAULT,
            });
        }
        Ok(region)
    }

    /// The segment's name, as it appears in `/dev/shm` on Linux (no leading `/`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether this process created the segment (and so removes it when this drops).
    pub fn is_creator(&self) -> bool {
        self.creator == Some(getpid())
    }
}

// Safety: a `Region` is a mapping, a name and a descriptor; nothing in it belongs to one thread.
// Moving it to another thread moves its drop there, which unmaps, closes and unlinks: system
// calls any thread may make (`is_creator` compares process ids, not threads).
unsafe impl<T: Plain> Send for Region<T> {}

// Safety: `&Region` hands out only `&[T]`, and `T: Plain` requires `T: Sync` with every byte
// that may change in an `UnsafeCell`: the same memory is already written by other processes at
// any moment, and threads of this one are no different. The mapping outlives every `&[T]`.
unsafe impl<T: Plain> Sync for Region<T> {}

impl<T: Plain> Deref for Region<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        // Safety: `create`/`open` checked that the mapping holds at least `len` values of `T`
        // and that its address is aligned for `T`; it stays mapped while `self` lives; and
        // `T: Plain` makes any bytes a valid `T` and keeps every byte other processes may
        // change inside an `UnsafeCell`, so a shared reference to them is sound.
        unsafe { std::slice::from_raw_parts(self.shmem.as_ptr().cast::<T>(), self.len) }
    }
}

impl<T: Plain> Drop for Region<T> {
    fn drop(&mut self) {
        // A forked child holds a copy of this `Region` with the parent's pid in `creator`: it
        // only unmaps its copy (the crate does that next); the name stays for the parent.
        if self.is_creator() {
            // Best effort: nobody to report to in a destructor, and ENOENT means it is gone.
            let _ = nix::sys::mman::shm_unlink(format!("/{}", self.name).as_str());
        }
    }
}

impl<T: Plain> fmt::Debug for Region<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Region")
            .field("name", &self.name)
            .field("len", &self.len)
            .field("creator", &self.creator)
            .finish_non_exhaustive()
    }
}

/// Takes the exclusive `flock` of a segment: waiting for it, or (`try_only`) failing at once
/// with `EWOULDBLOCK` if another descriptor holds it.
fn lock(segment: &OwnedFd, try_only: bool) -> Result<(), Errno> {
    let operation = if try_only {
        nix::libc::LOCK_EX | nix::libc::LOCK_NB
    } else {
        nix::libc::LOCK_EX
    };
    loop {
        // Safety: `flock` takes a descriptor, which `segment` keeps open, and a number.
        let locked = unsafe { nix::libc::flock(segment.as_raw_fd(), operation) };
        match Errno::result(locked) {
            Err(Errno::EINTR) => continue,
            result => return result.map(drop),
        }
    }
}

/// Gives a new segment its size, with every page of it reserved where the system can (Linux):
/// a full `/dev/shm` says so here (`ENOSPC`). Elsewhere it only sets the size.
fn reserve(segment: &OwnedFd, bytes: usize) -> Result<(), Errno> {
    let bytes = nix::libc::off_t::try_from(bytes).map_err(|_| Errno::EFBIG)?;
    #[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
    loop {
        match nix::fcntl::posix_fallocate(segment, 0, bytes) {
            Err(Errno::EINTR) => continue,
            result => return result,
        }
    }
    #[cfg(not(any(target_os = "linux", target_os = "android", target_os = "freebsd")))]
    nix::unistd::ftruncate(segment, bytes)
}

/// Removes the segment `name` (without its leading `/`) if no process holds it in use (see the
/// module's invariants): `Ok(true)` if it did, `Ok(false)` if the segment is in use or already
/// gone. The lock is held while the name is removed, so its creator cannot take it meanwhile.
pub fn remove_if_unused(name: &str) -> Result<bool, Errno> {
    let path = format!("/{}", check_name(name).map_err(|_| Errno::EINVAL)?);
    let segment = match nix::sys::mman::shm_open(path.as_str(), OFlag::O_RDWR, Mode::empty()) {
        Ok(segment) => segment,
        Err(Errno::ENOENT) => return Ok(false),
        Err(errno) => return Err(errno),
    };
    match lock(&segment, true) {
        Ok(()) => {}
        Err(Errno::EWOULDBLOCK) => return Ok(false),
        Err(errno) => return Err(errno),
    }
    match nix::sys::mman::shm_unlink(path.as_str()) {
        Ok(()) => Ok(true),
        Err(Errno::ENOENT) => Ok(false),
        Err(errno) => Err(errno),
    }
}

fn byte_size<T>(len: usize) -> Result<usize, ShmError> {
    len.checked_mul(size_of::<T>())
        .filter(|&bytes| bytes > 0 && bytes <= isize::MAX as usize)
        .ok_or_else(|| ShmError::BadLength {
            len,
            what: describe::<T>(len),
        })
}

/// Linux reports a segment's exact size; macOS rounds it up to a whole page.
fn size_fits(bytes: usize, expected: usize) -> bool {
    if cfg!(target_os = "macos") {
        bytes >= expected && bytes - expected < 65536
    } else {
        bytes == expected
    }
}

fn describe<T>(len: usize) -> String {
    format!("{len} x {}", short_type_name::<T>())
}

/// `SharedCell<f64>` rather than `lesson04_shared_memory::value::SharedCell<f64>`.
fn short_type_name<T>() -> String {
    let mut short = String::new();
    let mut path = String::new();
    for c in std::any::type_name::<T>().chars().chain([' ']) {
        if c.is_alphanumeric() || c == '_' || c == ':' {
            path.push(c);
        } else {
            short.push_str(path.rsplit("::").next().unwrap_or_default());
            path.clear();
            short.push(c);
        }
    }
    short.trim_end().to_string()
}

fn os_error(action: &'static str, name: &str, err: ShmemError) -> ShmError {
    let errno = match err {
        ShmemError::MapCreateFailed(errno)
        | ShmemError::MapOpenFailed(errno)
        | ShmemError::UnknownOsError(errno) => Errno::from_raw(errno as i32),
        ShmemError::MappingIdExists => Errno::EEXIST,
        _ => Errno::UnknownErrno,
    };
    ShmError::Os {
        action,
        name: name.to_string(),
        errno,
    }
}

/// A prefix names the lesson: `lesson04`. Letters and digits only, so that the pid and the
/// random part can be read back from a name, and short, for macOS's 31-byte names.
fn check_prefix(prefix: &str) -> Result<(), ShmError> {
    let why = if prefix.is_empty() || prefix.len() > 10 {
        "a prefix has 1 to 10 characters"
    } else if !prefix.chars().all(|c| c.is_ascii_alphanumeric()) {
        "a prefix has only ASCII letters and digits"
    } else {
        return Ok(());
    };
    Err(ShmError::BadName {
        name: prefix.to_string(),
        why,
    })
}

/// A segment name with its leading `/` removed, if it is one `shm_open` takes as it is.
fn check_name(name: &str) -> Result<String, ShmError> {
    let bare = name.strip_prefix('/').unwrap_or(name);
    let why = if bare.is_empty() || bare.len() > 250 {
        "a name has 1 to 250 characters"
    } else if bare.contains('/') || bare.contains('\0') || bare == "." || bare == ".." {
        "a name is one word: no '/', no NUL, not '.' or '..'"
    } else {
        return Ok(bare.to_string());
    };
    Err(ShmError::BadName {
        name: name.to_string(),
        why,
    })
}

/// `digits` random lowercase hex digits from the system's random source.
fn random_hex(digits: usize) -> Result<String, ShmError> {
    use std::io::Read;
    let mut bytes = vec![0_u8; digits.div_ceil(2)];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut random| random.read_exact(&mut bytes))
        .map_err(|err| ShmError::Os {
            action: "name",
            name: "/dev/urandom".to_string(),
            errno: Errno::from_raw(err.raw_os_error().unwrap_or(0)),
        })?;
    let mut hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    hex.truncate(digits);
    Ok(hex)
}

/// Splits a name made by [`Region::create`] into its prefix's owner pid, if it is one:
/// `lesson04-1234-0123456789ab` with prefix `lesson04` gives 1234.
pub fn owner_pid(prefix: &str, name: &str) -> Option<i32> {
    let (pid, random) = name
        .strip_prefix(prefix)?
        .strip_prefix('-')?
        .split_once('-')?;
    let is_random = random.len() == RANDOM_DIGITS
        && random
            .chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c));
    let is_pid = !pid.is_empty() && pid.chars().all(|c| c.is_ascii_digit());
    if !(is_random && is_pid) {
        return None;
    }
    pid.parse().ok().filter(|&pid| pid > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_the_owner_pid_and_a_random_part() {
        assert_eq!(
            owner_pid("lesson04", "lesson04-1234-0123456789ab"),
            Some(1234)
        );
        for not_ours in [
            "lesson04-1234-0123456789a",         // too short
            "lesson04-1234-0123456789AB",        // not our lowercase hex
            "lesson04--0123456789ab",            // no pid
            "lesson04-0-0123456789ab",           // pid 0 is no process
            "lesson05-1234-0123456789ab",        // another prefix
            "lesson04x-1234-0123456789ab",       // a longer prefix
            "lesson04-12x4-0123456789ab",        // not a number
            "lesson04-1234-0123456789ab-x",      // something after
            "pym-1234-abcdefgh",                 // CPython's
            "lesson04-99999999999-0123456789ab", // not an i32
        ] {
            assert_eq!(owner_pid("lesson04", not_ours), None, "{not_ours}");
        }
    }

    #[test]
    fn random_parts_differ() {
        let first = random_hex(RANDOM_DIGITS).expect("random");
        let second = random_hex(RANDOM_DIGITS).expect("random");
        assert_eq!(first.len(), RANDOM_DIGITS);
        assert_ne!(first, second, "48 random bits twice the same");
    }

    #[test]
    fn prefixes_and_names_are_checked() {
        assert!(check_prefix("lesson04").is_ok());
        for bad in ["", "lesson-04", "a/b", "lesson04lesson05", "é"] {
            assert!(check_prefix(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            check_name("/lesson04-1-abc").ok().as_deref(),
            Some("lesson04-1-abc")
        );
        assert_eq!(
            check_name("lesson04-1-abc").ok().as_deref(),
            Some("lesson04-1-abc")
        );
        for bad in ["", "/", "a/b", "..", "/..", "nul\0"] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn type_names_are_short() {
        assert_eq!(short_type_name::<AtomicI32>(), "AtomicI32");
        assert_eq!(short_type_name::<SharedCell<f64>>(), "SharedCell<f64>");
        assert_eq!(
            short_type_name::<[SharedCell<i32>; 2]>(),
            "[SharedCell<i32>; 2]"
        );
    }
}
