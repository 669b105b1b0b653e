//! The host file: one `host:port` per process, process 0 first, as MPI's and timely's host
//! files. Blank lines and lines starting with `#` are skipped.

use std::fmt;
use std::net::ToSocketAddrs;
use std::path::Path;

/// A host file that cannot be used: a bad argument (exit code 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadHostFile(pub String);

impl fmt::Display for BadHostFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadHostFile {}

/// The addresses in the host file at `path`, in order.
pub fn read(path: &Path) -> Result<Vec<String>, BadHostFile> {
    let text = std::fs::read_to_string(path).map_err(|err| {
        BadHostFile(format!(
            "cannot read the host file {}: {err}",
            path.display()
        ))
    })?;
    parse(&text).map_err(|why| BadHostFile(format!("host file {}: {why}", path.display())))
}

/// The addresses in a host file's text; an error names the first bad line.
pub fn parse(text: &str) -> Result<Vec<String>, String> {
    let mut addresses = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        check_line(line).map_err(|why| format!("line {}: '{line}' {why}", number + 1))?;
        addresses.push(line.to_string());
    }
    if addresses.is_empty() {
        return Err("names no process (one host:port a line)".to_string());
    }
    Ok(addresses)
}

fn check_line(line: &str) -> Result<(), &'static str> {
    let (host, port) = line.rsplit_once(':').ok_or("is not host:port")?;
    if host.is_empty() || host.contains(char::is_whitespace) {
        return Err("is not host:port");
    }
    match port.parse::<u16>() {
        Ok(port) if port > 0 => Ok(()),
        _ => Err("has no port number 1-65535 after the last ':'"),
    }
}

/// Whether every address is on this machine's loopback interface (127.0.0.0/8, ::1): nothing
/// then leaves the machine. A name that does not resolve counts as not loopback.
pub fn loopback_only(addresses: &[String]) -> bool {
    addresses.iter().all(|address| {
        address
            .to_socket_addrs()
            .map(|mut resolved| resolved.all(|socket| socket.ip().is_loopback()))
            .unwrap_or(false)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_host_colon_port() {
        let text = "# two processes\n127.0.0.1:7000\n\n  127.0.0.2:7001  \n";
        assert_eq!(
            parse(text),
            Ok(vec![
                "127.0.0.1:7000".to_string(),
                "127.0.0.2:7001".to_string()
            ])
        );
        assert_eq!(parse("[::1]:7000"), Ok(vec!["[::1]:7000".to_string()]));
    }

    #[test]
    fn a_bad_line_is_named() {
        assert_eq!(
            parse("127.0.0.1:7000\nnode2\n"),
            Err("line 2: 'node2' is not host:port".to_string())
        );
        assert_eq!(
            parse("node2:http"),
            Err("line 1: 'node2:http' has no port number 1-65535 after the last ':'".to_string())
        );
        assert!(parse("\n# nothing\n").is_err());
    }

    #[test]
    fn loopback_is_told_from_other_addresses() {
        assert!(loopback_only(&[
            "127.0.0.1:7000".into(),
            "127.0.0.2:7001".into()
        ]));
        assert!(!loopback_only(&[
            "127.0.0.1:7000".into(),
            "192.168.1.20:7001".into()
        ]));
    }
}
