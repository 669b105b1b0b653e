//! The third start method: a fork server.
//!
//! Why it exists. Forking is cheap, but forking a process that has more than one thread is
//! unsafe: the child gets a copy of the calling thread only, and a lock another thread held at
//! that moment (the allocator's, stdout's) stays locked in the child for ever. This lesson
//! refuses to fork then ([`crate::start::fork_child`]). Spawn is safe but slow: every child is
//! a fresh `exec` of the program and starts up from nothing. A fork server is the way between:
//! early, while the program still has one thread, it forks a copy of itself, the server. The
//! server never starts a thread, so forking *it* is always safe, and cheap. From then on the
//! program asks the server for each child; the program itself may have as many threads as it
//! likes.
//!
//! How a child starts. The program sends the server the child's orders (text, as for spawn) and
//! its open files, over a Unix socket: the kernel copies open files from one process to another
//! when they travel as `SCM_RIGHTS` ancillary data ([`send_with_fds`]). The server forks; the
//! child runs the program's `child_main` with those orders and exits. Each child also gets a
//! socket of its own back to the program, on which the server sends its pid and then what
//! `waitpid` says of it: the server is the child's parent and reaps it, the program reads the
//! reports ([`common::process::Child::from_reports`]).
//!
//! How CPython does it (`multiprocessing.forkserver`). Its server is started by *spawn*, a fresh
//! interpreter, which imports the modules named in `set_forkserver_preload()` and then forks a
//! child per request; requests arrive on a Unix socket file, file descriptors with `SCM_RIGHTS`
//! as here. Ours is started by *fork* instead: a compiled Rust program has no modules to import
//! and no start-up worth saving, and a fork taken while `main` has one thread is as clean as a
//! fresh start. The catch is the same as CPython's: the server is a copy of the program as it
//! was *when the server started*, so a child sees globals as they were then, not as the parent
//! set them later. Everything a child needs must be passed to it.
//!
//! Faults. The server listens on one end of a `socketpair`, so no socket file exists to be left
//! behind. It dies with the program (`die_with_parent`), and its children die with it. If it
//! dies, the next start fails with one line saying so (this lesson does not restart it), and a
//! parent waiting for one of its children gets an error instead of a hang.

use std::io::{self, IoSlice, IoSliceMut, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::process::ExitCode;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use anyhow::{Context, bail, ensure};
use common::process::{Activity, Child, Pid};
use nix::errno::Errno;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::signal::{SigHandler, Signal, signal};
use nix::sys::socket::{ControlMessage, ControlMessageOwned, MsgFlags, recvmsg, sendmsg};
use nix::unistd::getpid;

use crate::start::{MAX_FDS, Orders, fork_child};

/// What a child started by the server runs: the program's own `main` for a spawned child.
pub type ChildMain = fn(anyhow::Result<Orders>) -> ExitCode;

/// The program's side of its server: the socket it sends requests on, and the server process.
#[derive(Debug)]
struct Server {
    requests: UnixStream,
    process: Child,
}

/// This process's server, once [`start`] has run.
static SERVER: Mutex<Option<Server>> = Mutex::new(None);

fn server() -> MutexGuard<'static, Option<Server>> {
    SERVER.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Starts the server now, by fork: call it early in `main`, while the program has one thread
/// (it refuses otherwise, as any fork does). A second call does nothing. Each child the server
/// starts runs `child_main` with its orders and exits with the code it returns.
pub fn start(child_main: ChildMain) -> anyhow::Result<()> {
    if server().is_some() {
        return Ok(());
    }
    let (ours, theirs) = UnixStream::pair().context("cannot make the forkserver's socket pair")?;
    let our_end = ours.as_raw_fd();
    let process = fork_child(move || {
        // In the server. Our copy of the program's end is never dropped (fork_child ends the
        // server with _exit), so close it by number: the program must be its only holder.
        let _ = nix::unistd::close(our_end);
        serve(theirs, child_main)
    })
    .context("cannot start the forkserver")?;
    *server() = Some(Server {
        requests: ours,
        process,
    });
    Ok(())
}

/// Stops the server, if one runs, and reaps it; its children die with it. Call it last in
/// `main`: a server left running would die with the program anyway (killed by the kernel),
/// but only the program can reap it.
pub fn stop() {
    // Dropping the server's `Child` kills and reaps it.
    drop(server().take());
}

/// The server's pid, once [`start`] has run.
pub fn pid() -> Option<Pid> {
    server().as_ref().map(|server| server.process.pid())
}

/// Asks the server for a child that runs `orders` and is handed `fds`; see
/// [`crate::start::start_with_orders`].
pub(crate) fn start_child(orders: &[String], fds: &[BorrowedFd<'_>]) -> anyhow::Result<Child> {
    let mut server = server();
    let server = server.as_mut().context(
        "the forkserver was not started: call forkserver::start early in main, before any thread",
    )?;
    let (reports, their_reports) =
        UnixStream::pair().context("cannot make a socket pair for the child")?;
    let mut handed = vec![their_reports.as_fd()];
    handed.extend_from_slice(fds);
    let sent = send_with_fds(&server.requests, &encode(orders)?, &handed);
    drop(their_reports);
    let mut pid = [0; 4];
    match sent.and_then(|()| (&reports).read_exact(&mut pid)) {
        Ok(()) => {}
        Err(_) => bail!("{}", server.gone()),
    }
    let pid = i32::from_le_bytes(pid);
    ensure!(pid > 0, "the forkserver could not fork a child");
    Ok(Child::from_reports(Pid::from_raw(pid), reports))
}

impl Server {
    /// Why the server stopped answering, in one line.
    fn gone(&mut self) -> String {
        let pid = self.process.pid();
        let how = match self.process.wait_timeout(Duration::from_millis(500)) {
            Ok(Some(status)) => status.to_string(),
            _ => "its socket closed".to_string(),
        };
        format!("the forkserver (pid {pid}) died ({how}); this lesson does not restart it")
    }
}

/// A request: its length, then the orders, each ending in a NUL byte.
fn encode(orders: &[String]) -> anyhow::Result<Vec<u8>> {
    let mut payload = Vec::new();
    for order in orders {
        ensure!(!order.contains('\0'), "an order cannot contain a NUL byte");
        payload.extend_from_slice(order.as_bytes());
        payload.push(0);
    }
    let length = u32::try_from(payload.len()).context("the orders are too long")?;
    let mut request = length.to_le_bytes().to_vec();
    request.extend(payload);
    Ok(request)
}

/// Sends `bytes` with copies of `fds` attached, in one `sendmsg`. The receiver gets new file
/// descriptors for the same open files (like `dup`, but into another process).
pub fn send_with_fds(socket: &UnixStream, bytes: &[u8], fds: &[BorrowedFd<'_>]) -> io::Result<()> {
    let numbers: Vec<RawFd> = fds.iter().map(AsRawFd::as_raw_fd).collect();
    let rights = [ControlMessage::ScmRights(&numbers)];
    let cmsgs: &[ControlMessage] = if numbers.is_empty() { &[] } else { &rights };
    let sent = sendmsg::<()>(
        socket.as_raw_fd(),
        &[IoSlice::new(bytes)],
        cmsgs,
        MsgFlags::empty(),
        None,
    )?;
    // The files went with the first byte; the rest, if the kernel took only part, follows.
    let mut socket = socket;
    socket.write_all(&bytes[sent..])
}

/// Receives what [`send_with_fds`] sent: exactly `buffer.len()` bytes, and the files that came
/// with them (at most [`MAX_FDS`] + 1). `Ok(None)`: the other end closed before sending anything.
pub fn receive_with_fds(
    socket: &UnixStream,
    buffer: &mut [u8],
) -> io::Result<Option<Vec<OwnedFd>>> {
    let mut space = nix::cmsg_space!([RawFd; MAX_FDS + 1]);
    let (received, fds) = {
        let mut iov = [IoSliceMut::new(buffer)];
        let message = loop {
            match recvmsg::<()>(socket.as_raw_fd(), &mut iov, Some(&mut space), cmsg_flags()) {
                Err(Errno::EINTR) => continue,
                other => break other?,
            }
        };
        // Truncated: the sender sent more files than fit (the server then stops).
        let cmsgs = message
            .cmsgs()
            .map_err(|_| io::Error::other("more files than a request may carry"))?;
        let mut fds = Vec::new();
        for cmsg in cmsgs {
            if let ControlMessageOwned::ScmRights(numbers) = cmsg {
                // Safety: the kernel just installed these descriptors in this process for
                // us; nothing else knows their numbers.
                fds.extend(
                    numbers
                        .iter()
                        .map(|&fd| unsafe { OwnedFd::from_raw_fd(fd) }),
                );
            }
        }
        (message.bytes, fds)
    };
    if received == 0 && !buffer.is_empty() {
        return Ok(None);
    }
    for fd in &fds {
        set_close_on_exec(fd)?;
    }
    let mut socket = socket;
    socket.read_exact(&mut buffer[received..])?;
    Ok(Some(fds))
}

/// Received files are close-on-exec, as every file Rust opens (Linux sets it on arrival).
fn cmsg_flags() -> MsgFlags {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    return MsgFlags::MSG_CMSG_CLOEXEC;
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    return MsgFlags::empty();
}

fn set_close_on_exec(fd: &OwnedFd) -> io::Result<()> {
    // Safety: fcntl only sets the flags of a descriptor we own.
    if unsafe { nix::libc::fcntl(fd.as_raw_fd(), nix::libc::F_SETFD, nix::libc::FD_CLOEXEC) } == -1
    {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// A child the server started, and the socket its reports go to.
struct Served {
    child: Child,
    reports: UnixStream,
    last: Activity,
}

/// The server's loop: one thread, waiting in `poll` for a request or for SIGCHLD (a signal
/// handler writes a byte to `wake`: the self-pipe trick). Returns when the program closes its
/// end of the socket; its children are then killed and reaped as `served` drops.
fn serve(requests: UnixStream, child_main: ChildMain) -> i32 {
    match serve_requests(&requests, child_main) {
        Ok(()) => 0,
        Err(err) => {
            eprintln!("error: forkserver {}: {err:#}", getpid());
            1
        }
    }
}

fn serve_requests(requests: &UnixStream, child_main: ChildMain) -> anyhow::Result<()> {
    // Ctrl-C reaches every process in the terminal's foreground group: the program decides
    // what it means, and the server goes when the program goes. (CPython's server does this too.)
    // Safety: SIG_IGN installs no handler code.
    unsafe { signal(Signal::SIGINT, SigHandler::SigIgn) }?;
    let (wake, wake_write) = UnixStream::pair()?;
    wake.set_nonblocking(true)?;
    let wake_write_fd = wake_write.as_raw_fd();
    signal_hook::low_level::pipe::register(Signal::SIGCHLD as i32, wake_write)?;
    let mut served: Vec<Served> = Vec::new();
    loop {
        let mut fds = [
            PollFd::new(requests.as_fd(), PollFlags::POLLIN),
            PollFd::new(wake.as_fd(), PollFlags::POLLIN),
        ];
        match poll(&mut fds, PollTimeout::NONE) {
            Ok(_) => {}
            Err(Errno::EINTR) => continue,
            Err(errno) => return Err(errno.into()),
        }
        let woken = fds[1].any().unwrap_or(true);
        let requested = fds[0].any().unwrap_or(true);
        if woken {
            while (&wake).read(&mut [0; 64]).is_ok_and(|read| read > 0) {}
            report(&mut served);
        }
        if requested {
            let mut length = [0; 4];
            let Some(mut fds) = receive_with_fds(requests, &mut length)? else {
                return Ok(()); // the program has gone
            };
            let mut orders = vec![0; u32::from_le_bytes(length) as usize];
            (&*requests).read_exact(&mut orders)?;
            ensure!(!fds.is_empty(), "a request came without its report socket");
            let reports = UnixStream::from(fds.remove(0));
            // The server's own files, which a child must not keep open.
            let mut ours = vec![
                requests.as_raw_fd(),
                wake.as_raw_fd(),
                wake_write_fd,
                reports.as_raw_fd(),
            ];
            ours.extend(served.iter().map(|served| served.reports.as_raw_fd()));
            let started = fork_child(move || child(ours, decode(&orders), fds, child_main));
            let pid = started.as_ref().map_or(0, |child| child.pid().as_raw());
            // If the program is gone it cannot be told; the child is then killed as it drops.
            if (&reports).write_all(&pid.to_le_bytes()).is_ok()
                && let Ok(child) = started
            {
                served.push(Served {
                    child,
                    reports,
                    last: Activity::Running,
                });
            }
        }
    }
}

/// In a child the server forked: close the server's files, put back the signals the server
/// changed, and run the program's `child_main`.
fn child(ours: Vec<RawFd>, orders: Vec<String>, fds: Vec<OwnedFd>, child_main: ChildMain) -> i32 {
    for fd in ours {
        let _ = nix::unistd::close(fd);
    }
    // Safety: SIG_DFL installs no handler code.
    unsafe {
        let _ = signal(Signal::SIGCHLD, SigHandler::SigDfl);
        let _ = signal(Signal::SIGINT, SigHandler::SigDfl);
    }
    let orders = Orders {
        parent: nix::unistd::getppid(),
        args: orders,
        fds,
    };
    exit_code(child_main(Ok(orders)))
}

fn decode(orders: &[u8]) -> Vec<String> {
    orders
        .split(|&byte| byte == 0)
        .map(|order| String::from_utf8_lossy(order).into_owned())
        .take(orders.iter().filter(|&&byte| byte == 0).count())
        .collect()
}

/// The number an `ExitCode` stands for (std keeps it private; a spawned child's exit code
/// is at most 255).
fn exit_code(code: ExitCode) -> i32 {
    (0..=255)
        .find(|&number| ExitCode::from(number) == code)
        .map_or(1, i32::from)
}

/// Tells the program what `waitpid` says of each child that stopped, continued or ended since
/// the last look, and forgets the ended ones.
fn report(served: &mut Vec<Served>) {
    served.retain_mut(|served| {
        loop {
            let Ok(now) = served.child.activity() else {
                return false;
            };
            if now == served.last {
                return true;
            }
            served.last = now;
            let _ = (&served.reports).write_all(&now.to_report());
            if let Activity::Ended(_) = now {
                return false;
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_travel_over_a_socket_and_stay_the_same_open_file() {
        let (sender, receiver) = UnixStream::pair().expect("socket pair");
        let (pipe_read, pipe_write) = std::io::pipe().expect("pipe");
        let pipe_write = OwnedFd::from(pipe_write);
        send_with_fds(&sender, b"hello", &[pipe_write.as_fd()]).expect("sent");
        drop(pipe_write);
        let mut buffer = [0; 5];
        let fds = receive_with_fds(&receiver, &mut buffer)
            .expect("received")
            .expect("not the end");
        assert_eq!(&buffer, b"hello");
        assert_eq!(fds.len(), 1);
        // The received descriptor is the pipe's write end: what goes in comes out of the read end.
        let mut received = std::fs::File::from(fds.into_iter().next().expect("one fd"));
        received.write_all(b"through").expect("write");
        drop(received);
        let mut read = String::new();
        let mut pipe_read = pipe_read;
        pipe_read.read_to_string(&mut read).expect("read");
        assert_eq!(read, "through");
    }

    #[test]
    fn several_files_keep_their_order_and_none_is_fine() {
        let (sender, receiver) = UnixStream::pair().expect("socket pair");
        let pipes: Vec<_> = (0..3).map(|_| std::io::pipe().expect("pipe")).collect();
        let ends: Vec<BorrowedFd<'_>> = pipes.iter().map(|(_, write)| write.as_fd()).collect();
        send_with_fds(&sender, b"abc", &ends).expect("sent");
        send_with_fds(&sender, b"d", &[]).expect("sent");
        let mut three = [0; 3];
        let fds = receive_with_fds(&receiver, &mut three)
            .expect("ok")
            .expect("some");
        assert_eq!(fds.len(), 3);
        for (index, fd) in fds.into_iter().enumerate() {
            let mut file = std::fs::File::from(fd);
            file.write_all(&[b'0' + index as u8]).expect("write");
        }
        for (index, (read, _)) in pipes.iter().enumerate() {
            let mut byte = [0];
            (&*read).read_exact(&mut byte).expect("read");
            assert_eq!(byte[0], b'0' + index as u8, "pipe {index}");
        }
        let mut one = [0; 1];
        let fds = receive_with_fds(&receiver, &mut one)
            .expect("ok")
            .expect("some");
        assert!(fds.is_empty());
        assert_eq!(&one, b"d");
        drop(sender);
        assert!(receive_with_fds(&receiver, &mut one).expect("ok").is_none());
    }

    #[test]
    fn orders_survive_the_trip() {
        let orders = vec!["job".to_string(), String::new(), "go=3".to_string()];
        let request = encode(&orders).expect("encodes");
        assert_eq!(decode(&request[4..]), orders);
        assert!(decode(&[]).is_empty());
        assert!(encode(&["a\0b".to_string()]).is_err());
    }

    #[test]
    fn exit_codes_come_back_as_numbers() {
        assert_eq!(exit_code(ExitCode::SUCCESS), 0);
        assert_eq!(exit_code(ExitCode::from(2)), 2);
        assert_eq!(exit_code(ExitCode::from(141)), 141);
    }
}
