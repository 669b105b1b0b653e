//! The line protocol the device speaks, and the framing that cuts a byte stream into lines.
//!
//! A serial line carries bytes, not messages: one `read()` may return half a line or three
//! lines at once. Both ends therefore cut the stream at line ends themselves ([`Framer`]).
//!
//! The protocol, so that any peer (a terminal program, a pyserial script) can speak it:
//!
//! - A line is printable ASCII (bytes 0x20 to 0x7E) of at most [`MAX_LINE`] bytes, ended by LF.
//!   CR LF and a lone CR end a line too, so terminal programs work as they are.
//! - A command may start with an id: `#`, 1 to [`ID_DIGITS`] digits and a space (`#42 PING`).
//!   The device then starts its reply with the same id (`#42 PONG`), so the host can tell the
//!   reply to this command from one to another (left in the line by an earlier host that gave
//!   up waiting). The lesson's host always sends one; a line without one (a person at a
//!   terminal) gets a reply without one. [`MAX_LINE`] counts the command without its id.
//! - The host sends one command per line; the device answers every line with exactly one line,
//!   ended by CR LF, in order:
//!   - `PING` → `PONG`
//!   - `ECHO <text>` → `<text>`
//!   - `JOB <n>` → `job(n)` in decimal (the notes' kernel), or `ERR ...` when it does not fit
//!     in a `u128` or `n` is over [`JOB_LIMIT`] (a job that long would look like a dead device)
//!   - anything else (an unknown command, an empty line, a line that is not ASCII, a line over
//!     [`MAX_LINE`] bytes) → `ERR <why>`, and the device carries on with the next line.

use std::fmt;

/// The largest `n` the device computes `job(n)` for: about 0.15 s in a release build, so a
/// reply comes well within the host's default timeout (`job(MAX_N)` would take seconds).
pub const JOB_LIMIT: u64 = 100_000_000;

/// The longest line, line end and id excluded, that either side accepts.
pub const MAX_LINE: usize = 1024;

/// The most digits an id may have (`#` and a space come with them).
pub const ID_DIGITS: usize = 10;

/// The longest line on the wire: an id, then a line of [`MAX_LINE`] bytes.
const MAX_WIRE_LINE: usize = MAX_LINE + ID_DIGITS + 2;

/// What the device sends after each reply: CR LF, so a terminal shows each reply on a line of
/// its own. A host that reads lines drops the CR.
pub const REPLY_END: &[u8] = b"\r\n";

/// One line cut from the stream, line end removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// Printable ASCII text.
    Line(String),
    /// A whole line holding a byte that is not printable ASCII: noise (a wrong baud rate) or a
    /// peer that does not speak this protocol.
    Garbled(Vec<u8>),
    /// A line longer than [`MAX_LINE`]: its bytes were dropped, up to its line end. `bytes`
    /// and `id` are those of the line without and with its id, if it started with one (the
    /// id is kept so that even this line's reply can carry it).
    TooLong { bytes: usize, id: Option<String> },
}

/// A line's text as it is; anything else as the transcript shows it.
impl fmt::Display for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Frame::Line(text) => f.write_str(text),
            Frame::Garbled(bytes) => write!(f, "{} (not ASCII text)", Shown(bytes)),
            Frame::TooLong { bytes, .. } => {
                write!(f, "({bytes} bytes with no line end: too long)")
            }
        }
    }
}

/// Cuts a byte stream into [`Frame`]s. Feed it whatever `read()` returned; it keeps the
/// unfinished tail for the next call.
#[derive(Debug, Default)]
pub struct Framer {
    partial: Vec<u8>,
    /// Bytes of the current line dropped because it was already too long.
    overflow: usize,
    /// The last byte was a CR: an LF right after it belongs to the same line end.
    after_cr: bool,
}

impl Framer {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `bytes` and returns every line they complete, in order.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<Frame> {
        let mut frames = Vec::new();
        for &byte in bytes {
            let after_cr = std::mem::replace(&mut self.after_cr, byte == b'\r');
            match byte {
                b'\n' if after_cr => {} // the LF of a CR LF
                b'\n' | b'\r' => frames.push(self.finish_line()),
                _ if self.partial.len() < MAX_WIRE_LINE => self.partial.push(byte),
                _ => self.overflow += 1,
            }
        }
        frames
    }

    /// The bytes of the line that has not ended yet (shown when the peer hangs up mid-line).
    pub fn unfinished(&self) -> &[u8] {
        &self.partial
    }

    /// How many bytes the unfinished line holds, dropped ones included.
    pub fn unfinished_len(&self) -> usize {
        self.partial.len() + self.overflow
    }

    fn finish_line(&mut self) -> Frame {
        let line = std::mem::take(&mut self.partial);
        let overflow = std::mem::take(&mut self.overflow);
        if overflow > 0 {
            let (id, rest) = split_id(&line);
            Frame::TooLong {
                bytes: rest.len() + overflow,
                id: id.map(str::to_string),
            }
        } else if line.iter().all(|byte| (0x20..=0x7e).contains(byte)) {
            Frame::Line(String::from_utf8(line).expect("printable ASCII is UTF-8"))
        } else {
            Frame::Garbled(line)
        }
    }
}

/// Splits the id off the start of a line: `#42 PING` gives `(Some("42"), "PING")`; a line that
/// does not start with one is all command.
pub fn split_id(line: &[u8]) -> (Option<&str>, &[u8]) {
    if let Some(rest) = line.strip_prefix(b"#") {
        let digits = rest.iter().take_while(|byte| byte.is_ascii_digit()).count();
        if (1..=ID_DIGITS).contains(&digits) && rest.get(digits) == Some(&b' ') {
            let id = std::str::from_utf8(&rest[..digits]).expect("ASCII digits are UTF-8");
            return (Some(id), &rest[digits + 1..]);
        }
    }
    (None, line)
}

/// A line as the device reads it: its id, if it has one, and the command without it.
pub fn split_command(frame: Frame) -> (Option<String>, Frame) {
    let (id, command) = match frame {
        Frame::TooLong { bytes, id } => return (id, Frame::TooLong { bytes, id: None }),
        Frame::Line(text) => {
            let (id, command) = split_id(text.as_bytes());
            (id.map(str::to_string), command.to_vec())
        }
        Frame::Garbled(bytes) => {
            let (id, command) = split_id(&bytes);
            (id.map(str::to_string), command.to_vec())
        }
    };
    let frame = if command.len() > MAX_LINE {
        Frame::TooLong {
            bytes: command.len(),
            id: None,
        }
    } else if command.iter().all(|byte| (0x20..=0x7e).contains(byte)) {
        Frame::Line(String::from_utf8(command).expect("printable ASCII is UTF-8"))
    } else {
        Frame::Garbled(command)
    };
    (id, frame)
}

/// A reply with the id of the command it answers, if that had one.
pub fn with_id(id: Option<&str>, reply: &[u8]) -> Vec<u8> {
    match id {
        Some(id) => [b"#", id.as_bytes(), b" ", reply].concat(),
        None => reply.to_vec(),
    }
}

/// The device's answer to one frame, without its line end.
pub fn reply(frame: &Frame) -> String {
    match frame {
        Frame::Line(line) => reply_to_line(line),
        Frame::Garbled(bytes) => format!(
            "ERR not ASCII text: {} (a wrong baud rate looks like this)",
            Shown(bytes)
        ),
        Frame::TooLong { bytes, .. } => {
            format!("ERR line too long: {bytes} bytes, at most {MAX_LINE}")
        }
    }
}

fn reply_to_line(line: &str) -> String {
    let (command, argument) = match line.split_once(' ') {
        Some((command, argument)) => (command, Some(argument)),
        None => (line, None),
    };
    match (command, argument) {
        ("PING", None) => "PONG".to_string(),
        ("ECHO", text) => text.unwrap_or("").to_string(),
        ("JOB", Some(n)) => match n.parse::<u64>() {
            Ok(n) if n > common::MAX_N => format!("ERR {}", common::TooLarge { n }),
            Ok(n) if n > JOB_LIMIT => format!(
                "ERR JOB takes n up to {JOB_LIMIT} here: a larger one would keep the device busy for longer than a host waits"
            ),
            Ok(n) => match common::job(n) {
                Ok(total) => total.to_string(),
                Err(too_large) => format!("ERR {too_large}"),
            },
            Err(_) => format!("ERR JOB needs a whole number from 0 to {}", u64::MAX),
        },
        ("JOB", None) => "ERR JOB needs a number: JOB <n>".to_string(),
        ("", None) => "ERR empty line; commands: PING, ECHO <text>, JOB <n>".to_string(),
        _ => format!(
            "ERR unknown command '{}'; commands: PING, ECHO <text>, JOB <n>",
            cut(line, 40)
        ),
    }
}

/// At most `max` characters of printable ASCII `text`, so that an error reply that quotes a
/// long line stays within [`MAX_LINE`] itself.
fn cut(text: &str, max: usize) -> String {
    if text.len() <= max {
        text.to_string()
    } else {
        format!("{}...", &text[..max])
    }
}

/// Bytes as a reader can see them: printable ASCII as it is, anything else escaped (`\xff`,
/// `\r`), and a long line cut in the middle with its length.
#[derive(Debug, Clone, Copy)]
pub struct Shown<'a>(pub &'a [u8]);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const HEAD: usize = 48;
        const TAIL: usize = 12;
        let bytes = self.0;
        if bytes.len() <= 128 {
            return write!(f, "\"{}\"", escaped(bytes));
        }
        write!(
            f,
            "\"{}...{}\" ({} bytes)",
            escaped(&bytes[..HEAD]),
            escaped(&bytes[bytes.len() - TAIL..]),
            bytes.len()
        )
    }
}

/// Printable ASCII as it is, but `"` and `\` escaped, and everything else as `\r`, `\n`,
/// `\t` or `\xNN`. (`escape_ascii` would also turn `'` into `\'`.)
fn escaped(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &byte in bytes {
        match byte {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\r' => out.push_str("\\r"),
            b'\n' => out.push_str("\\n"),
            b'\t' => out.push_str("\\t"),
            0x20..=0x7e => out.push(char::from(byte)),
            _ => out.push_str(&format!("\\x{byte:02x}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(texts: &[&str]) -> Vec<Frame> {
        texts.iter().map(|t| Frame::Line(t.to_string())).collect()
    }

    #[test]
    fn lines_are_cut_wherever_the_reads_split_them() {
        let mut framer = Framer::new();
        assert_eq!(framer.push(b"PI"), []);
        assert_eq!(framer.unfinished(), b"PI");
        assert_eq!(framer.push(b"NG\nECHO a\nJOB"), lines(&["PING", "ECHO a"]));
        assert_eq!(framer.push(b" 5\n"), lines(&["JOB 5"]));
        assert_eq!(framer.unfinished_len(), 0);
    }

    #[test]
    fn lf_crlf_and_a_lone_cr_each_end_one_line() {
        let mut framer = Framer::new();
        assert_eq!(framer.push(b"a\nb\r\nc\rd\r"), lines(&["a", "b", "c", "d"]));
        // The LF of a CR LF split across two reads is still one line end.
        assert_eq!(framer.push(b"\ne\n"), lines(&["e"]));
        assert_eq!(framer.push(b"\n"), lines(&[""]), "an empty line is a line");
    }

    #[test]
    fn a_line_with_a_byte_that_is_not_printable_ascii_is_garbled() {
        let mut framer = Framer::new();
        assert_eq!(
            framer.push(b"P\xffNG\nok\tno\n"),
            [
                Frame::Garbled(b"P\xffNG".to_vec()),
                Frame::Garbled(b"ok\tno".to_vec())
            ]
        );
    }

    #[test]
    fn a_line_over_the_limit_is_dropped_and_counted_and_the_next_one_is_fine() {
        let mut framer = Framer::new();
        let exact = vec![b'x'; MAX_WIRE_LINE];
        let over = vec![b'y'; MAX_LINE + 500];
        assert_eq!(
            framer.push(&[&exact[..], b"\n"].concat()),
            [Frame::Line("x".repeat(MAX_WIRE_LINE))]
        );
        assert_eq!(framer.push(&over), []);
        assert_eq!(framer.unfinished_len(), MAX_LINE + 500);
        assert_eq!(
            framer.push(b"\nPING\n"),
            [
                Frame::TooLong {
                    bytes: MAX_LINE + 500,
                    id: None
                },
                Frame::Line("PING".into())
            ]
        );
        // An overlong line keeps its id, so that its reply can carry it.
        let tagged_over = [&b"#42 "[..], &over].concat();
        assert_eq!(
            framer.push(&[&tagged_over[..], b"\n"].concat()),
            [Frame::TooLong {
                bytes: MAX_LINE + 500,
                id: Some("42".into())
            }]
        );
    }

    fn answer(line: &str) -> String {
        reply(&Frame::Line(line.to_string()))
    }

    #[test]
    fn every_command_gets_its_reply() {
        assert_eq!(answer("PING"), "PONG");
        assert_eq!(answer("ECHO hello, serial"), "hello, serial");
        assert_eq!(answer("ECHO  two  spaces "), " two  spaces ");
        assert_eq!(answer("ECHO"), "");
        assert_eq!(answer("JOB 1000"), "249833583000");
        assert_eq!(answer("JOB 0"), "0");
        assert_eq!(answer("JOB 1000000"), "249999833333583333000000");
    }

    #[test]
    fn anything_else_gets_an_error_reply() {
        for (line, starts) in [
            (
                "JOB 6074001001",
                "ERR job(6074001001) does not fit in a u128",
            ),
            ("JOB 18446744073709551616", "ERR JOB needs a whole number"),
            ("JOB -1", "ERR JOB needs a whole number"),
            ("JOB 1e6", "ERR JOB needs a whole number"),
            ("JOB", "ERR JOB needs a number"),
            (
                "ping",
                "ERR unknown command 'ping'; commands: PING, ECHO <text>, JOB <n>",
            ),
            ("PING now", "ERR unknown command 'PING now';"),
            ("", "ERR empty line"),
        ] {
            let reply = answer(line);
            assert!(reply.starts_with(starts), "{line:?} -> {reply:?}");
        }
        assert!(
            reply(&Frame::Garbled(vec![0xff, b'a'])).starts_with("ERR not ASCII text: \"\\xffa\"")
        );
        assert_eq!(
            reply(&Frame::TooLong {
                bytes: 2000,
                id: None
            }),
            "ERR line too long: 2000 bytes, at most 1024"
        );
    }

    #[test]
    fn an_error_reply_quoting_a_long_line_stays_within_the_limit() {
        let long = "X".repeat(MAX_LINE);
        let unknown = answer(&long);
        assert!(
            unknown.starts_with("ERR unknown command 'XXXX"),
            "{unknown}"
        );
        assert!(unknown.len() < 120, "{unknown}");
        let garbled = reply(&Frame::Garbled(vec![0xff; MAX_LINE]));
        assert!(garbled.len() <= MAX_LINE, "{} bytes", garbled.len());
    }

    #[test]
    fn a_commands_id_is_split_off_and_its_length_is_the_commands_alone() {
        let line = |text: &str| Frame::Line(text.to_string());
        assert_eq!(
            split_command(line("#42 PING")),
            (Some("42".into()), line("PING"))
        );
        assert_eq!(split_command(line("PING")), (None, line("PING")));
        for not_an_id in ["#PING", "# PING", "#12345678901 PING", "#4x PING", "#42"] {
            assert_eq!(split_command(line(not_an_id)), (None, line(not_an_id)));
        }
        assert_eq!(
            split_command(Frame::Garbled(b"#7 P\xffNG".to_vec())),
            (Some("7".into()), Frame::Garbled(b"P\xffNG".to_vec()))
        );
        let longest = format!("ECHO {}", "x".repeat(MAX_LINE - 5));
        assert_eq!(
            split_command(line(&format!("#1234567890 {longest}"))),
            (Some("1234567890".into()), line(&longest))
        );
        assert_eq!(
            split_command(line(&format!("{longest}y"))),
            (
                None,
                Frame::TooLong {
                    bytes: MAX_LINE + 1,
                    id: None
                }
            )
        );
        assert_eq!(with_id(Some("42"), b"PONG"), b"#42 PONG");
        assert_eq!(with_id(None, b"PONG"), b"PONG");
    }

    #[test]
    fn long_lines_are_shown_cut_with_their_length() {
        assert_eq!(Shown(b"PONG").to_string(), "\"PONG\"");
        assert_eq!(Shown(b"P\r\xff").to_string(), "\"P\\r\\xff\"");
        assert_eq!(
            Shown(b"it's \"x\" \\ \t\n").to_string(),
            "\"it's \\\"x\\\" \\\\ \\t\\n\""
        );
        let long = vec![b'x'; 1019];
        let shown = Shown(&long).to_string();
        assert!(shown.ends_with("xxxxxxxxxxxx\" (1019 bytes)"), "{shown}");
        assert!(shown.len() < 80, "{shown}");
    }
}
