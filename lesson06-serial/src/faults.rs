//! `--device-fault`: the ways the built-in device can misbehave, so each fault a host must
//! survive can be seen without extra hardware or programs.

use crate::protocol::{Frame, MAX_LINE, reply};

/// A way for the built-in device to misbehave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Fault {
    /// Read every command and never answer.
    Silent,
    /// Answer with noise, as a peer at the wrong baud rate would.
    Garbled,
    /// Answer with a line twice as long as the protocol allows.
    TooLong,
    /// Send half a reply ("PON", no line end), then close the line.
    HangUp,
}

impl Fault {
    /// Its name on the command line.
    pub fn name(self) -> String {
        use clap::ValueEnum;
        self.to_possible_value()
            .map_or_else(|| format!("{self:?}"), |value| value.get_name().to_string())
    }
}

/// What the device does about one line it heard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Send this line (its line end is added when it is sent).
    Reply(Vec<u8>),
    /// Send nothing.
    Nothing,
    /// Send these bytes, with no line end, and hang up.
    PartThenHangUp(&'static [u8]),
}

/// The answer to `frame`: the protocol's reply, or what `fault` makes of it.
pub fn answer(frame: &Frame, fault: Option<Fault>) -> Answer {
    match fault {
        None => Answer::Reply(reply(frame).into_bytes()),
        Some(Fault::Silent) => Answer::Nothing,
        Some(Fault::Garbled) => Answer::Reply(b"\xf8\x80\x1e\xfe\x86\xe0".to_vec()),
        Some(Fault::TooLong) => Answer::Reply(vec![b'A'; 2 * MAX_LINE]),
        Some(Fault::HangUp) => Answer::PartThenHangUp(b"PON"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_fault_spoils_the_answer_its_own_way() {
        let ping = Frame::Line("PING".into());
        assert_eq!(answer(&ping, None), Answer::Reply(b"PONG".to_vec()));
        assert_eq!(answer(&ping, Some(Fault::Silent)), Answer::Nothing);
        match answer(&ping, Some(Fault::Garbled)) {
            Answer::Reply(noise) => assert!(!noise.is_ascii()),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            answer(&ping, Some(Fault::TooLong)),
            Answer::Reply(vec![b'A'; 2 * MAX_LINE])
        );
        assert_eq!(
            answer(&ping, Some(Fault::HangUp)),
            Answer::PartThenHangUp(b"PON")
        );
        assert_eq!(Fault::TooLong.name(), "too-long");
    }
}
