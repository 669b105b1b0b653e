//! A kept cheat of exercise lesson06/add-command: no device at all; it prints the transcript the
//! old statement's commands would give. The check must reject it.

fn main() {
    for (command, reply) in [
        ("PING", "PONG"),
        ("ADD 2 40", "42"),
        ("ADD 18446744073709551615 1", "ERR does not fit"),
        ("ADD 7", "ERR needs two numbers"),
        ("ADD two 2", "ERR needs whole numbers"),
        ("ADD 0 0", "0"),
        ("ECHO still here", "still here"),
    ] {
        println!("> {command}");
        println!("< {reply}");
    }
}
