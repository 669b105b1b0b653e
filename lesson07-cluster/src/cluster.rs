//! Starting timely-dataflow on connections we make ourselves.
//!
//! timely's own set-up (`CommunicationConfig::Cluster`) retries a missing peer for ever, once a
//! second, printing "retrying" each time, and its listener waits for ever too. So we connect the
//! processes ourselves, with a deadline (`--connect-timeout`), and name the process that did not
//! come; then we hand the connected sockets to timely
//! (`initialize_networking_from_sockets`), which runs its send and receive threads on them.
//!
//! Once running, timely's receive thread panics when a peer's connection ends mid-run
//! ("timely communication error: ... socket closed"); [`install_peer_lost_hook`] turns that
//! panic into one line and ends the process at once, so no worker waits for a peer that is
//! gone.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use timely::WorkerConfig;
use timely::communication::Hooks;
use timely::communication::allocator::zero_copy::initialize::initialize_networking_from_sockets;
use timely::communication::allocator::{AllocatorBuilder, ProcessBuilder};
use timely::worker::Worker;

/// What each connecting process sends first: who it is, and how many processes it expects.
const HELLO: &[u8; 8] = b"lesson07";

/// One process's view of the cluster: every process's address, in order, and which one it is.
#[derive(Debug, Clone)]
pub struct Cluster {
    /// `host:port` of process 0, 1, ...
    pub addresses: Vec<String>,
    /// This process's index into `addresses`.
    pub process: usize,
    /// Worker threads in each process.
    pub threads: usize,
    /// How long to wait for every other process before giving up.
    pub connect_timeout: Duration,
}

impl Cluster {
    /// `process N (host:port)`, for messages.
    pub fn name(&self, process: usize) -> String {
        format!("process {process} ({})", self.addresses[process])
    }
}

/// Listens on our own address, connects to every lower-numbered process and accepts every
/// higher-numbered one, as timely does; gives up when `connect_timeout` has passed, naming the
/// processes still missing. The result has one socket per other process, `None` at our index.
pub fn connect(cluster: &Cluster) -> anyhow::Result<Vec<Option<TcpStream>>> {
    let me = cluster.process;
    let deadline = Instant::now() + cluster.connect_timeout;
    let listener = TcpListener::bind(&cluster.addresses[me])
        .with_context(|| format!("process {me} cannot listen on {}", cluster.addresses[me]))?;
    let lower: Vec<(usize, String)> = cluster.addresses[..me]
        .iter()
        .cloned()
        .enumerate()
        .collect();
    let count = cluster.addresses.len();
    let connecting = thread::spawn(move || {
        lower
            .into_iter()
            .map(|(process, address)| {
                connect_to(&address, me, count, deadline).map_err(|err| (process, address, err))
            })
            .collect::<Vec<_>>()
    });
    let accepted = accept_from_higher(&listener, cluster, deadline);
    let connected = connecting
        .join()
        .map_err(|_| anyhow::anyhow!("the connecting thread panicked"))?;

    let timeout = cluster.connect_timeout.as_secs_f64();
    let mut sockets = Vec::with_capacity(count);
    for result in connected {
        match result {
            Ok(stream) => sockets.push(Some(stream)),
            Err((process, address, err)) => bail!(
                "process {me}: process {process} ({address}) did not answer within {timeout}s ({err}); is it started, and is the address right?"
            ),
        }
    }
    sockets.push(None);
    let accepted = accepted?;
    let missing: Vec<String> = accepted
        .iter()
        .enumerate()
        .filter(|(_, stream)| stream.is_none())
        .map(|(offset, _)| cluster.name(me + 1 + offset))
        .collect();
    if !missing.is_empty() {
        bail!(
            "process {me}: {} did not connect within {timeout}s; is it started, with the same host file?",
            missing.join(", ")
        );
    }
    sockets.extend(accepted);
    Ok(sockets)
}

fn connect_to(address: &str, me: usize, count: usize, deadline: Instant) -> io::Result<TcpStream> {
    let target: SocketAddr = address
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no address for this host"))?;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::Error::new(io::ErrorKind::TimedOut, "timed out"));
        }
        match TcpStream::connect_timeout(&target, left.min(Duration::from_secs(1))) {
            Ok(mut stream) => {
                stream.set_nodelay(true)?;
                stream.write_all(HELLO)?;
                stream.write_all(&(me as u64).to_be_bytes())?;
                stream.write_all(&(count as u64).to_be_bytes())?;
                return Ok(stream);
            }
            // Not listening yet (refused) or not reachable yet: try again until the deadline.
            Err(err) if Instant::now() + Duration::from_millis(50) >= deadline => return Err(err),
            Err(_) => thread::sleep(Duration::from_millis(50)),
        }
    }
}

fn accept_from_higher(
    listener: &TcpListener,
    cluster: &Cluster,
    deadline: Instant,
) -> anyhow::Result<Vec<Option<TcpStream>>> {
    let me = cluster.process;
    let count = cluster.addresses.len();
    let mut accepted: Vec<Option<TcpStream>> = (me + 1..count).map(|_| None).collect();
    listener.set_nonblocking(true)?;
    while accepted.iter().any(Option::is_none) && Instant::now() < deadline {
        match listener.accept() {
            Ok((mut stream, from)) => {
                stream.set_nonblocking(false)?;
                stream
                    .set_read_timeout(Some(Duration::from_secs(1).max(cluster.connect_timeout)))?;
                let mut hello = [0u8; 24];
                if stream.read_exact(&mut hello).is_err() || &hello[..8] != HELLO {
                    continue; // not one of ours (a port scan, a stray client): ignore it
                }
                let process = u64::from_be_bytes(hello[8..16].try_into()?) as usize;
                let their_count = u64::from_be_bytes(hello[16..24].try_into()?) as usize;
                if their_count != count {
                    bail!(
                        "process {me}: the process at {from} has {their_count} processes in its host file, this one {count}"
                    );
                }
                if process <= me || process >= count {
                    bail!("process {me}: the process at {from} says it is process {process}");
                }
                stream.set_read_timeout(None)?;
                stream.set_nodelay(true)?;
                accepted[process - me - 1] = Some(stream);
            }
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                thread::sleep(Duration::from_millis(10))
            }
            Err(err) => return Err(err).context("accepting a connection"),
        }
    }
    Ok(accepted)
}

/// Runs `work` on every worker of this process, over sockets from [`connect`], and returns what
/// each local worker returned.
pub fn execute_on<T, F>(
    cluster: &Cluster,
    sockets: Vec<Option<TcpStream>>,
    work: F,
) -> anyhow::Result<Vec<T>>
where
    T: Send + 'static,
    F: Fn(&mut Worker) -> T + Send + Sync + 'static,
{
    install_peer_lost_hook(cluster);
    let hooks = Hooks::default();
    let local = ProcessBuilder::new_typed_vector(
        cluster.threads,
        hooks.refill.clone(),
        hooks.spill.clone(),
    );
    let (builders, guard) =
        initialize_networking_from_sockets(local, sockets, cluster.process, cluster.threads, hooks)
            .context("starting timely's network threads")?;
    let builders = builders.into_iter().map(AllocatorBuilder::Tcp).collect();
    // A worker that cannot write to stdout (`> /dev/full`) panics in `println!`; caught here,
    // its worker ends normally, so timely still closes the connections in order and the other
    // processes finish instead of each reporting this one lost. We exit once it has.
    let work = move |worker: &mut Worker| {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(worker))).ok()
    };
    let guards =
        timely::execute::execute_from(builders, Box::new(guard), WorkerConfig::default(), work)
            .map_err(anyhow::Error::msg)?;
    let results = guards.join();
    if STDOUT_FAILED.load(Ordering::SeqCst) {
        // The panic hook has said so in one line.
        std::process::exit(1);
    }
    results
        .into_iter()
        .map(|result| match result {
            Ok(Some(value)) => Ok(value),
            Ok(None) => Err(anyhow::anyhow!("a worker panicked")),
            Err(err) => Err(anyhow::Error::msg(err)),
        })
        .collect()
}

/// [`connect`], then [`execute_on`].
pub fn execute<T, F>(cluster: &Cluster, work: F) -> anyhow::Result<Vec<T>>
where
    T: Send + 'static,
    F: Fn(&mut Worker) -> T + Send + Sync + 'static,
{
    let sockets = connect(cluster)?;
    execute_on(cluster, sockets, work)
}

/// Set by the panic hook when a worker could not write to stdout.
static STDOUT_FAILED: AtomicBool = AtomicBool::new(false);

/// From now on, a panic anywhere in this process is one line on stderr and exit code 1, at
/// once: timely's receive and send threads panic when a peer's connection ends, and without
/// this the workers would wait for that peer for ever (or panic in a cascade of backtraces).
pub fn install_peer_lost_hook(cluster: &Cluster) {
    static INSTALLED: Once = Once::new();
    let me = cluster.process;
    let addresses = cluster.addresses.clone();
    INSTALLED.call_once(move || {
        std::panic::set_hook(Box::new(move |info| {
            let message = common::cli::panic_message(info.payload());
            let thread = thread::current();
            let peer = thread
                .name()
                .and_then(|name| {
                    name.strip_prefix("timely:recv-")
                        .or(name.strip_prefix("timely:send-"))
                })
                .and_then(|index| index.parse::<usize>().ok());
            let line = match peer {
                Some(peer) => format!(
                    "error: process {me}: lost process {peer} ({}) mid-run: {}",
                    addresses.get(peer).map_or("?", String::as_str),
                    message.trim_start_matches("timely communication error: ")
                ),
                // Said once here, then left to unwind: the dataflow is finished, so timely
                // can still end its connections cleanly, and the peers see a normal end
                // rather than a lost process (`execute_on` exits after that).
                None if common::cli::stdout_failure(message).is_some() => {
                    common::cli::write_panic_line("", info);
                    STDOUT_FAILED.store(true, Ordering::SeqCst);
                    return;
                }
                None => format!("error: process {me}: a worker panicked: {message}"),
            };
            let _ = writeln!(io::stderr(), "{line}");
            std::process::exit(1);
        }));
    });
}
