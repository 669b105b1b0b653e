//! lesson06-serial run as a student runs it: the session over the virtual pair, the host and the
//! device against a line the test holds (a pty whose other end the test plays), each fault, the
//! full-duplex measurement, and the README.

use std::process::Command as StdCommand;

use course_tests::procs::Running;
use course_tests::pty::Peer;
use course_tests::{TIMEOUT, lesson_bin, readme, workspace_root};
use snapbox::cmd::Command;

fn lesson() -> Command {
    Command::new(lesson_bin("lesson06-serial")).timeout(TIMEOUT)
}

/// Exit code, stdout and stderr of a run that must end by itself.
fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let output = lesson().args(args).output().expect("runs");
    (
        output.status.code(),
        String::from_utf8(output.stdout).expect("utf-8"),
        String::from_utf8(output.stderr).expect("utf-8"),
    )
}

/// One transcript line: role, pid, arrow and what was shown, e.g. `("reader", 42, "<-", "\"PONG\"")`.
fn transcript(out: &str) -> Vec<(String, u32, String, String)> {
    out.lines()
        .filter_map(|line| {
            let (ms, rest) = line.split_once(" ms  ")?;
            ms.trim().parse::<f64>().ok()?;
            let mut words = rest.split_whitespace();
            let role = words.next()?.to_string();
            (words.next()? == "pid").then_some(())?;
            let pid = words.next()?.parse().ok()?;
            let arrow = words.next()?.to_string();
            let shown = rest.split_once(&format!(" {arrow} "))?.1.to_string();
            Some((role, pid, arrow, shown))
        })
        .collect()
}

/// What the host's reader got, in order.
fn replies(out: &str) -> Vec<String> {
    transcript(out)
        .into_iter()
        .filter(|(role, ..)| role == "reader")
        .map(|(.., shown)| shown)
        .collect()
}

/// The pid written right after `marker` on the first line that holds it.
fn pid_after(out: &str, marker: &str) -> u32 {
    out.lines()
        .find_map(|line| Some(&line[line.find(marker)? + marker.len()..]))
        .and_then(|rest| rest.split([' ', ',']).next()?.parse().ok())
        .unwrap_or_else(|| panic!("no {marker:?} line in {out}"))
}

/// Like [`run`], in a shell that first runs `limit` (e.g. `ulimit -n 8`), with `env` set.
fn run_limited(limit: &str, env: &[(&str, &str)], args: &[&str]) -> (Option<i32>, String, String) {
    let mut command = Command::new("/bin/sh")
        .args(["-c", &format!("{limit} && exec \"$0\" \"$@\"")])
        .arg(lesson_bin("lesson06-serial"))
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .timeout(TIMEOUT);
    for (key, value) in env {
        command = command.env(key, value);
    }
    let output = command.output().expect("runs");
    (
        output.status.code(),
        String::from_utf8(output.stdout).expect("utf-8"),
        String::from_utf8(output.stderr).expect("utf-8"),
    )
}

#[test]
fn the_session_shows_every_exchange_between_three_processes() {
    let (code, out, err) = run(&[]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert_eq!(err, "");
    let host = pid_after(&out, "host:   pid ");
    let reader = pid_after(&out, "its reader, pid ");
    let device = pid_after(&out, "device: pid ");
    assert!(
        host != reader && reader != device && host != device,
        "{out}"
    );
    let lines = transcript(&out);
    assert_eq!(
        lines.len(),
        4 * 7,
        "host, device twice, reader for each of 7 commands: {out}"
    );
    for (role, pid, arrow, _) in &lines {
        let (expected_pid, expected_arrows) = match role.as_str() {
            "host" => (host, &["->"][..]),
            "reader" => (reader, &["<-"][..]),
            "device" => (device, &["<-", "->"][..]),
            other => panic!("role {other}"),
        };
        assert_eq!(*pid, expected_pid, "{role}: {out}");
        assert!(expected_arrows.contains(&arrow.as_str()), "{role} {arrow}");
    }
    let got = replies(&out);
    assert_eq!(
        got[..4],
        [
            "\"PONG\"",
            "\"hello, serial\"",
            "\"249833583000\"",
            "\"249999833333583333000000\""
        ]
    );
    assert!(
        got[4].starts_with("\"ERR job(6074001001) does not fit in a u128"),
        "{}",
        got[4]
    );
    assert!(
        got[5].starts_with("\"ERR unknown command 'HELLO'"),
        "{}",
        got[5]
    );
    assert_eq!(got[6], "\"PONG\"", "the session went on after the errors");
    assert!(
        out.contains("a second open fails: cannot open /dev/pts/")
            && out
                .contains("(another process has it open, and serialport opens ports exclusively)"),
        "{out}"
    );
    assert!(
        out.ends_with(&format!(
            "device: pid {device} saw the hang-up and exited: exit code 0\n"
        )),
        "{out}"
    );
}

#[test]
fn every_command_gets_its_reply_and_anything_else_an_error_reply() {
    let commands = [
        ("PING", "\"PONG\""),
        ("ECHO  spaced  text ", "\" spaced  text \""),
        ("ECHO", "\"\""),
        ("JOB 0", "\"0\""),
        ("JOB 10", "\"2355\""),
        ("JOB 1000", "\"249833583000\""),
        (
            "JOB 6074001001",
            "\"ERR job(6074001001) does not fit in a u128",
        ),
        ("JOB 18446744073709551616", "\"ERR JOB needs a whole number"),
        ("JOB -5", "\"ERR JOB needs a whole number"),
        ("JOB", "\"ERR JOB needs a number"),
        ("ping", "\"ERR unknown command 'ping'"),
        ("", "\"ERR empty line"),
        ("ECHO 你好", "\"ERR not ASCII text"),
        ("PING", "\"PONG\""),
    ];
    let mut args = Vec::new();
    for (command, _) in &commands {
        args.extend(["--send", command]);
    }
    let (code, out, err) = run(&args);
    assert_eq!(code, Some(0), "{out}{err}");
    let got = replies(&out);
    assert_eq!(got.len(), commands.len(), "{out}");
    for ((command, expected), reply) in commands.iter().zip(&got) {
        assert!(
            reply.starts_with(expected),
            "{command:?} -> {reply} (expected {expected}...)"
        );
    }
}

#[test]
fn a_long_line_comes_back_and_a_too_long_one_is_refused_and_the_session_goes_on() {
    let longest = format!("ECHO {}", "x".repeat(1019)); // 1024 bytes: the limit
    let too_long = format!("ECHO {}", "y".repeat(1020));
    let (code, out, err) = run(&["--send", &longest, "--send", &too_long, "--send", "PING"]);
    assert_eq!(code, Some(0), "{out}{err}");
    let got = replies(&out);
    assert!(
        got[0].starts_with("\"xxxx") && got[0].ends_with("xxxx\" (1019 bytes)"),
        "{}",
        got[0]
    );
    assert_eq!(got[1], "\"ERR line too long: 1025 bytes, at most 1024\"");
    assert_eq!(got[2], "\"PONG\"");
}

#[test]
fn each_fault_of_the_device_ends_the_host_with_one_line_and_exit_code_1() {
    let cases = [
        (
            "silent",
            "error: no reply to \"PING\" within 300 ms: the device is silent",
        ),
        (
            "garbled",
            "error: the reply to \"PING\" is not ASCII text: \"\\xf8\\x80",
        ),
        (
            "too-long",
            "error: the reply to \"PING\" is longer than the protocol allows (2048 bytes, at most 1024)",
        ),
        (
            "hang-up",
            "error: the device hung up in the middle of its reply to \"PING\", after \"PON\"",
        ),
    ];
    for (fault, message) in cases {
        // Only the silent device is meant to time out; the others must get the time they need.
        let timeout = if fault == "silent" { "300" } else { "20000" };
        let (code, out, err) = run(&[
            "--device-fault",
            fault,
            "--send",
            "PING",
            "--timeout-ms",
            timeout,
        ]);
        assert_eq!(code, Some(1), "{fault}: {out}{err}");
        assert_eq!(err.lines().count(), 1, "{fault}: {err}");
        assert!(err.starts_with(message), "{fault}: {err}");
        assert!(
            out.contains("device pid ") && out.contains("<- \"PING\""),
            "{fault}: the device heard the command: {out}"
        );
    }
}

/// Starts the lesson as the host on the test's line, and reads the command it sends: `PING`,
/// after its id (`#42 PING`). Returns the lesson and the id.
fn host_on(peer: &Peer, extra: &[&str]) -> (Running, u64) {
    let mut args = vec!["--port", peer.path(), "--send", "PING"];
    args.extend(extra);
    let lesson = Running::start(&lesson_bin("lesson06-serial"), &args);
    let sent = peer.read_until(b" PING\n", TIMEOUT);
    let id = std::str::from_utf8(&sent)
        .ok()
        .and_then(|sent| {
            sent.strip_prefix('#')?
                .strip_suffix(" PING\n")?
                .parse()
                .ok()
        })
        .unwrap_or_else(|| panic!("\"#<id> PING\" in {:?}", sent.escape_ascii().to_string()));
    (lesson, id)
}

/// Plays the device: answers the command sent with `id` with `reply`, as the protocol says.
fn answer(peer: &Peer, id: u64, reply: &str) {
    peer.write(format!("#{id} {reply}\r\n").as_bytes());
}

#[test]
fn the_host_talks_to_a_device_on_a_real_port() {
    let peer = Peer::new();
    let (lesson, id) = host_on(&peer, &[]);
    answer(&peer, id, "PONG");
    let (status, stdout, stderr) = lesson.finish(TIMEOUT);
    assert!(status.success(), "{status}: {stderr}");
    let out = stdout.join("\n");
    assert!(
        out.contains(&format!(
            "host:   opened {} at 115200 baud, exclusively",
            peer.path()
        )),
        "{out}"
    );
    assert_eq!(replies(&out), ["\"PONG\""]);
}

#[test]
fn a_silent_peer_times_out() {
    let peer = Peer::new();
    let (lesson, _) = host_on(&peer, &["--timeout-ms", "400"]);
    let (status, _, stderr) = lesson.finish(TIMEOUT);
    assert_eq!(status.code(), Some(1));
    assert_eq!(
        stderr,
        "error: no reply to \"PING\" within 400 ms: the device is silent or still busy (is it running, at the same baud rate?)\n"
    );
}

#[test]
fn a_peer_that_garbles_overruns_or_hangs_up_mid_line_gets_one_line() {
    let patient = ["--timeout-ms", "20000"]; // a timeout is not what these cases are about
    let garbled = Peer::new();
    let (lesson, _) = host_on(&garbled, &patient);
    garbled.write(b"\x8f\xfe\xa1\r\n");
    let (status, _, stderr) = lesson.finish(TIMEOUT);
    assert_eq!(status.code(), Some(1));
    assert!(
        stderr.starts_with("error: the reply to \"PING\" is not ASCII text: \"\\x8f\\xfe\\xa1\""),
        "{stderr}"
    );

    let overrun = Peer::new();
    let (lesson, _) = host_on(&overrun, &patient);
    overrun.write(&[b'A'; 3000]); // and never a line end
    let (status, _, stderr) = lesson.finish(TIMEOUT);
    assert_eq!(status.code(), Some(1));
    assert!(
        stderr.starts_with("error: the reply to \"PING\" is longer than the protocol allows"),
        "{stderr}"
    );

    let quitter = Peer::new();
    let (lesson, _) = host_on(&quitter, &patient);
    quitter.write(b"PON");
    quitter.wait_until_read(TIMEOUT);
    drop(quitter);
    let (status, _, stderr) = lesson.finish(TIMEOUT);
    assert_eq!(status.code(), Some(1));
    // A pty passes written bytes on to the other end a moment later, and a hang-up throws away
    // what has not been read: so now and then "PON" is lost with the line, and the lesson can
    // only say that the device hung up before replying. Either way: one line, exit code 1.
    assert!(
        [
            "error: the device hung up in the middle of its reply to \"PING\", after \"PON\"\n",
            "error: the device hung up before it replied to \"PING\"\n",
        ]
        .contains(&stderr.as_str()),
        "{stderr}"
    );
}

#[test]
fn a_missing_port_or_one_that_is_no_terminal_gets_one_line() {
    let (code, _, err) = run(&["--port", "/dev/lesson06-no-such-port"]);
    assert_eq!(code, Some(1));
    assert!(
        err.starts_with("error: cannot open /dev/lesson06-no-such-port: No such file or directory (no such port: is the adapter plugged in?"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1);
    let (code, _, err) = run(&["--port", "/dev/null"]);
    assert_eq!(code, Some(1));
    assert!(err.starts_with("error: cannot open /dev/null: "), "{err}");
    assert_eq!(err.lines().count(), 1);
}

#[test]
fn a_port_without_permission_gets_one_line_with_the_dialout_hint() {
    let root = nix::unistd::geteuid().is_root();
    // Root may open anything, so root runs the lesson as `nobody` against the test's pty (mode
    // 620, owned by root); anyone else is refused a file with no permissions at all.
    let (peer, path): (Option<Peer>, String) = if root {
        let peer = Peer::new();
        let path = peer.path().to_string();
        (Some(peer), path)
    } else {
        let path =
            std::env::temp_dir().join(format!("lesson06-no-permission-{}", std::process::id()));
        std::fs::write(&path, b"").expect("temp file");
        let mut permissions = std::fs::metadata(&path).expect("stat").permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o000);
        std::fs::set_permissions(&path, permissions).expect("chmod 000");
        (None, path.to_string_lossy().into_owned())
    };
    let mut command = StdCommand::new(lesson_bin("lesson06-serial"));
    command.args(["--port", &path]);
    if root {
        std::os::unix::process::CommandExt::uid(&mut command, 65534);
        std::os::unix::process::CommandExt::gid(&mut command, 65534);
    }
    let output = command.output();
    if peer.is_none() {
        let _ = std::fs::remove_file(&path);
    }
    let output = match output {
        Ok(output) => output,
        Err(err) => {
            course_tests::skip_unless_ci(&format!(
                "skipped: cannot run the lesson as user nobody here: {err}"
            ));
            return;
        }
    };
    let err = String::from_utf8_lossy(&output.stderr);
    if root && err.contains("Permission denied") && !err.starts_with("error: cannot open") {
        course_tests::skip_unless_ci(&format!(
            "skipped: user nobody cannot run the lesson's binary here: {}",
            err.trim_end()
        ));
        return;
    }
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    let expected = format!("error: cannot open {path}: Permission denied");
    assert!(err.starts_with(&expected), "{err}");
    if cfg!(target_os = "linux") {
        assert!(err.contains("dialout group"), "{err}");
    }
}

#[test]
fn the_device_alone_answers_a_host_on_a_real_port_until_it_hangs_up() {
    let peer = Peer::new();
    let mut lesson = Running::start(
        &lesson_bin("lesson06-serial"),
        &["--device", "--port", peer.path()],
    );
    lesson.wait_for_line(TIMEOUT, |line| line.starts_with("device: pid "));
    let longest = "x".repeat(1019);
    let too_long = "y".repeat(1020);
    // Three line ends (LF, CR LF, CR) and a line split over two writes. The second write waits
    // until the device has read the first one to its end, so the two cannot arrive as one read:
    // until it logged the third line (the bytes of one write reach it together) and the line
    // holds nothing unread.
    peer.write(format!("PING\nECHO {longest}\r\nECHO {too_long}\rJOB 10").as_bytes());
    lesson.wait_for_line(TIMEOUT, |line| line.contains("<- (1025 bytes"));
    peer.wait_until_read(TIMEOUT);
    peer.write(b"00\n");
    let got = peer.read_until(b"249833583000\r\n", TIMEOUT);
    let expected = format!(
        "PONG\r\n{longest}\r\nERR line too long: 1025 bytes, at most 1024\r\n249833583000\r\n"
    );
    assert_eq!(String::from_utf8_lossy(&got), expected);
    drop(peer);
    let (status, stdout, stderr) = lesson.finish(TIMEOUT);
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with("error: the other end of /dev/pts/") && stderr.ends_with(" hung up\n"),
        "{stderr}"
    );
    let out = stdout.join("\n");
    let received: Vec<String> = transcript(&out)
        .into_iter()
        .filter(|(role, _, arrow, _)| role == "device" && arrow == "<-")
        .map(|(.., shown)| shown)
        .collect();
    assert_eq!(received.len(), 4, "{out}");
    assert_eq!(received[0], "\"PING\"");
    assert_eq!(received[2], "(1025 bytes with no line end: too long)");
    assert_eq!(received[3], "\"JOB 1000\"");
}

#[test]
fn the_device_on_its_own_pty_serves_one_host_after_another() {
    let mut device = Running::start(&lesson_bin("lesson06-serial"), &["--device"]);
    let path = pty_of_device(&mut device);
    for _ in 0..2 {
        let (code, out, err) = run(&["--port", &path, "--send", "PING", "--send", "JOB 1000"]);
        assert_eq!(code, Some(0), "{out}{err}");
        assert_eq!(replies(&out), ["\"PONG\"", "\"249833583000\""]);
    }
    match pyserial_present() {
        Some(true) => {
            let output = StdCommand::new("python3")
                .arg(course_tests::python_script("lesson06-serial", "host.py"))
                .arg(&path)
                .output()
                .expect("python3 runs");
            let stdout = String::from_utf8_lossy(&output.stdout);
            assert!(
                output.status.success(),
                "{stdout}{}",
                String::from_utf8_lossy(&output.stderr)
            );
            assert_eq!(
                stdout,
                "PING -> PONG\nECHO hello from pyserial -> hello from pyserial\nJOB 1000 -> 249833583000\nNOPE -> ERR unknown command 'NOPE'; commands: PING, ECHO <text>, JOB <n>\n"
            );
        }
        _ => eprintln!(
            "skipped python/host.py: python3 with pyserial is not available (python3 -m pip install pyserial)"
        ),
    }
    drop(device); // kills it: a device serves until Ctrl-C
}

fn rate_after(out: &str, label: &str) -> f64 {
    let line = out
        .lines()
        .find(|line| line.starts_with(label))
        .unwrap_or_else(|| panic!("no {label:?} in {out}"));
    let rate: f64 = line[label.len()..]
        .split_whitespace()
        .next()
        .and_then(|rate| rate.parse().ok())
        .unwrap_or_else(|| panic!("a rate in {line:?}"));
    let build = if cfg!(debug_assertions) {
        "debug build)"
    } else {
        "release build)"
    };
    assert!(line.ends_with(build), "{line}");
    rate
}

#[test]
fn the_full_duplex_measurement_finishes_with_checked_rates_and_verdicts() {
    let (code, out, err) = run(&["--bench", "--bytes", "400000", "--runs", "1"]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        out.contains("every byte is compared with what was sent"),
        "{out}"
    );
    for label in [
        "serial one-way: ",
        "serial full-duplex: ",
        "serial one-way, processes: ",
        "serial full-duplex, processes: ",
    ] {
        assert!(rate_after(&out, label) > 0.0, "{label}");
    }
    assert!(
        out.lines()
            .any(|l| l.starts_with("serial full-duplex: ") && l.contains(" bytes/s each way ")),
        "{out}"
    );
    for workers in ["threads", "processes"] {
        let verdict = out
            .lines()
            .find(|l| l.starts_with(&format!("verdict, {workers}: ")))
            .unwrap_or_else(|| panic!("a verdict for {workers}: {out}"));
        assert!(
            ["full duplex", "no gain", "partly"]
                .iter()
                .any(|v| verdict.contains(v)),
            "{verdict}"
        );
    }
    assert_eq!(
        out.contains("warning: this is a debug build"),
        cfg!(debug_assertions)
    );
}

#[test]
fn the_paced_measurement_runs_at_a_real_line_speed_and_checks_its_data_too() {
    let (code, out, err) = run(&["--bench", "--paced-baud", "96000", "--bytes", "2400"]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        out.contains("each writer paced to a real line at 96000 baud (9600 bytes/s); 1 run"),
        "{out}"
    );
    for label in ["serial one-way: ", "serial full-duplex: "] {
        let rate = rate_after(&out, label);
        assert!(rate > 0.0, "{label}");
    }
    assert!(
        out.contains("a real line at this speed carries at most 9600 bytes/s each way"),
        "{out}"
    );
}

fn pyserial_present() -> Option<bool> {
    let output = StdCommand::new("python3")
        .args(["-c", "import serial"])
        .output()
        .ok()?;
    Some(output.status.success())
}

#[test]
fn python_runs_the_same_measurement_or_says_in_one_line_how_to_get_pyserial() {
    let (code, out, err) = run(&["--bench", "--python", "--bytes", "300000", "--runs", "1"]);
    assert_eq!(code, Some(0), "{out}{err}");
    let after_ours = out
        .split_once("CPU")
        .map(|(_, rest)| rest.lines().skip(1).collect::<Vec<_>>())
        .expect("our figures first");
    match pyserial_present() {
        None => {
            eprintln!("skipped the CPython half: python3 is not on the PATH");
            assert_eq!(
                after_ours,
                ["python3 is not on the PATH: the CPython comparison is skipped"]
            );
        }
        Some(false) => {
            eprintln!(
                "skipped the CPython half: pyserial is not installed (python3 -m pip install pyserial)"
            );
            assert_eq!(
                after_ours,
                [
                    "pyserial is not installed, so the CPython comparison is skipped: python3 -m pip install pyserial"
                ]
            );
        }
        Some(true) => {
            assert!(after_ours[0].contains("with pyserial "), "{out}");
            for label in ["python serial one-way: ", "python serial full-duplex: "] {
                let line = after_ours
                    .iter()
                    .find(|l| l.starts_with(label))
                    .unwrap_or_else(|| panic!("{label} in {out}"));
                assert!(line.contains("-> Rust/Python "), "{line}");
            }
            assert!(
                after_ours
                    .iter()
                    .any(|l| l.starts_with("verdict, python threads: ")),
                "{out}"
            );
            assert!(
                after_ours
                    .iter()
                    .any(|l| l.starts_with("the notes (其他思考 2) say")),
                "{out}"
            );
        }
    }
}

#[test]
fn bad_arguments_get_one_line_and_exit_code_2() {
    let cases: [&[&str]; 10] = [
        &["--paced-baud", "9600"],
        &["--bench", "--paced-baud", "5"],
        &["--baud", "9600"],
        &["--device", "--bench"],
        &["--bench", "--port", "/dev/ttyUSB0"],
        &["--send", "PING\nPING"],
        &["--bench", "--bytes", "0"],
        &["--device-fault", "loud"],
        &["--timeout-ms", "0"],
        &["--device", "--port", "/dev/ttyUSB0", "--send", "PING"],
    ];
    for args in cases {
        let (code, _, err) = run(args);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("error: "), "{args:?}: {err}");
    }
    let (code, _, err) = run(&["--port", "/dev/ttyUSB0", "--device-fault", "silent"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.starts_with("error: --device-fault makes the built-in device misbehave"),
        "{err}"
    );
}

#[test]
fn readme_console_blocks_are_true() {
    let checked = readme::check(&workspace_root().join("lesson06-serial/README.md"));
    assert!(
        checked >= 2,
        "the README shows the notes' program and the session"
    );
    let checked = readme::check(&workspace_root().join("lesson06-serial/DEEPER.md"));
    assert!(checked >= 2, "DEEPER.md shows the faults");
}

/// DEEPER.md's long-job example, which a console block cannot run (its command needs quotes).
#[test]
fn a_long_job_outlasts_a_short_timeout_and_a_longer_one_is_refused_at_once() {
    let (code, out, err) = run(&["--send", "JOB 100000000", "--timeout-ms", "100"]);
    assert_eq!(code, Some(1), "{out}{err}");
    assert_eq!(
        err,
        "error: no reply to \"JOB 100000000\" within 100 ms: the device is silent or still busy (is it running, at the same baud rate?)\n"
    );
    assert!(
        out.contains("device pid ") && out.contains("<- \"JOB 100000000\""),
        "{out}"
    );
    let (code, out, err) = run(&["--send", "JOB 1000000000"]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        replies(&out)[0].starts_with("\"ERR JOB takes n up to 100000000 here: "),
        "{out}"
    );
}

/// `--plain` runs only the notes' program, and prints what our CPython counterpart prints.
#[test]
fn plain_prints_each_command_and_its_reply_as_the_python_does() {
    let (code, out, err) = run(&["--plain"]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert_eq!(err, "");
    let expected = "PING -> PONG\nECHO hello, serial -> hello, serial\nJOB 1000 -> 249833583000\n";
    assert_eq!(out, expected);
    let Some(python) = course_tests::python3("lesson06's CPython counterpart") else {
        return;
    };
    let output = StdCommand::new(python)
        .arg(course_tests::python_script(
            "lesson06-serial",
            "host_and_device.py",
        ))
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&output.stdout), expected);
}

/// Run out of descriptors at each step in turn: whichever pipe or pty could not be made, the
/// one line says what it was, not a bare `Too many open files`.
#[test]
fn too_few_descriptors_give_one_line_that_says_what_could_not_be_made() {
    let mut out_of_descriptors = 0;
    for args in [
        &["--send", "PING"][..],
        &["--bench", "--bytes", "1000", "--runs", "1"],
    ] {
        for limit in 4..=14 {
            let (code, out, err) = run_limited(&format!("ulimit -n {limit}"), &[], args);
            if code == Some(0) {
                continue;
            }
            let case = format!("ulimit -n {limit}, {args:?}");
            assert_eq!(code, Some(1), "{case}: {out}{err}");
            assert_eq!(err.lines().count(), 1, "{case}: {err}");
            assert!(err.starts_with("error: "), "{case}: {err}");
            if err.contains("Too many open files") {
                out_of_descriptors += 1;
                let (what, _) = err.split_once("Too many open files").expect("found");
                assert!(what.contains("cannot "), "{case}: says what failed: {err}");
            }
        }
    }
    assert!(out_of_descriptors >= 2, "some limit was too low");
}

#[test]
fn a_line_end_inside_send_is_refused_with_its_reason_in_one_line() {
    for line in ["PING\nX", "PING\r", "\nJOB 10"] {
        let (code, out, err) = run(&["--send", "PING", "--send", line]);
        assert_eq!(code, Some(2), "{line:?}: {out}{err}");
        assert_eq!(out, "");
        assert_eq!(err.lines().count(), 1, "{line:?}: {err}");
        assert!(
            err.starts_with("error: invalid value \"")
                && err.contains("for '--send <LINE>': a line cannot hold a line end (CR or LF)"),
            "{line:?}: {err}"
        );
    }
}

/// Threads that ask for a stack larger than the process may map cannot be started: the
/// measurement says so in one line instead of panicking.
#[test]
fn a_thread_that_cannot_be_started_is_one_line_not_a_panic() {
    let (code, out, err) = run_limited(
        "ulimit -v 1000000",
        &[("RUST_MIN_STACK", "1099511627776")],
        &["--bench", "--bytes", "1000", "--runs", "1"],
    );
    assert_eq!(code, Some(1), "{out}{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("error: ") && err.contains("cannot start a writer thread: "),
        "{err}"
    );
}

/// `--port` puts the port in raw mode while it talks; afterwards the port has the settings it
/// had before, whether the host ended well or with an error.
#[test]
fn the_host_leaves_the_port_with_the_settings_it_found() {
    use nix::sys::termios::{InputFlags, LocalFlags, OutputFlags};
    let peer = Peer::new();
    let mut cooked = peer.settings();
    cooked.input_flags |= InputFlags::ICRNL | InputFlags::IXON;
    cooked.output_flags |= OutputFlags::OPOST | OutputFlags::ONLCR;
    cooked.local_flags |= LocalFlags::ECHO | LocalFlags::ICANON | LocalFlags::ISIG;
    peer.set_settings(&cooked);
    let before = peer.settings();

    let (lesson, id) = host_on(&peer, &[]);
    answer(&peer, id, "PONG");
    let (status, _, stderr) = lesson.finish(TIMEOUT);
    assert!(status.success(), "{status}: {stderr}");
    assert_eq!(peer.settings(), before, "after a session that went well");

    let (lesson, _) = host_on(&peer, &["--timeout-ms", "300"]);
    let (status, _, stderr) = lesson.finish(TIMEOUT);
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert_eq!(peer.settings(), before, "after an error (no reply)");
}

/// The path of the pty a `--device` run serves, from its first line.
fn pty_of_device(device: &mut Running) -> String {
    let line = device.wait_for_line(TIMEOUT, |line| line.starts_with("device: pid "));
    line.split_once("a host opens ")
        .and_then(|(_, rest)| rest.split(' ').next())
        .unwrap_or_else(|| panic!("a pty path in {line:?}"))
        .to_string()
}

/// How many bytes wait unread in the tty at `path`.
fn unread_in(path: &str) -> usize {
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::OpenOptionsExt;
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(nix::libc::O_NOCTTY | nix::libc::O_NONBLOCK)
        .open(path)
        .expect("the pty opens");
    let mut unread: nix::libc::c_int = 0;
    // Safety: FIONREAD writes one c_int through the pointer, which points to `unread`.
    let result = unsafe { nix::libc::ioctl(tty.as_raw_fd(), nix::libc::FIONREAD, &mut unread) };
    assert_eq!(result, 0, "FIONREAD on {path}");
    usize::try_from(unread).expect("a count")
}

/// A host that gives up on a long job leaves the job's reply in the line. The next host must
/// not read it as the answer to its own first command: it throws away what waits in the port
/// when it opens it.
#[test]
fn a_reply_left_by_a_host_that_gave_up_is_not_the_next_hosts_answer() {
    let mut device = Running::start(&lesson_bin("lesson06-serial"), &["--device"]);
    let path = pty_of_device(&mut device);
    let (code, out, err) = run(&[
        "--port",
        &path,
        "--send",
        "JOB 20000000",
        "--timeout-ms",
        "1",
    ]);
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(
        err.starts_with("error: no reply to \"JOB 20000000\" within 1 ms"),
        "{err}"
    );
    // The device answers all the same, and its reply waits in the line.
    device.wait_for_line(TIMEOUT, |line| line.contains(" -> \""));
    let deadline = std::time::Instant::now() + TIMEOUT;
    while unread_in(&path) == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the reply never arrived"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let (code, out, err) = run(&["--port", &path, "--send", "PING", "--send", "JOB 10"]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert_eq!(replies(&out), ["\"PONG\"", "\"2355\""]);
    drop(device);
}

/// Each reply carries its command's id: a reply with another id, or none, is not taken as the
/// answer, but ends the host with one line.
#[test]
fn a_reply_with_another_id_or_none_is_an_error_in_one_line() {
    for (reply, message) in [
        (Some(1), "came back as #"),
        (
            None,
            "came back with no id, so it cannot be told from a reply to another command: \"PONG\"",
        ),
    ] {
        let peer = Peer::new();
        let (lesson, id) = host_on(&peer, &[]);
        match reply {
            Some(offset) => answer(&peer, id + offset, "PONG"),
            None => peer.write(b"PONG\r\n"),
        }
        let (status, stdout, stderr) = lesson.finish(TIMEOUT);
        assert_eq!(status.code(), Some(1), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.starts_with(&format!(
                "error: the reply to \"PING\" (sent as #{id}) {message}"
            )),
            "{stderr}"
        );
        assert!(!stdout.join("\n").contains("each answered"), "{stdout:?}");
    }
}

/// DEEPER.md says who may write to the pty `--device` serves without a lock: its owner (the
/// user who runs the lesson), root, and at most the `tty` group; nobody else.
#[test]
fn the_unlocked_slave_of_the_device_is_yours_and_closed_to_others() {
    use std::os::unix::fs::MetadataExt;
    let mut device = Running::start(&lesson_bin("lesson06-serial"), &["--device"]);
    let path = pty_of_device(&mut device);
    let metadata = std::fs::metadata(&path).expect("the pty exists");
    assert_eq!(metadata.uid(), nix::unistd::geteuid().as_raw(), "{path}");
    assert_eq!(metadata.mode() & 0o007, 0, "{path}: others have no access");
    assert_eq!(metadata.mode() & 0o040, 0, "{path}: the group may not read");
    let deeper = std::fs::read_to_string(workspace_root().join("lesson06-serial/DEEPER.md"))
        .expect("DEEPER.md");
    assert!(deeper.contains("`--device` keeps the slave `/dev/pts/N` open without locking it"));
    drop(device);
}
