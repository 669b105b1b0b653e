//! Reference solution of exercise lesson06/lines. Try the exercise first!

const READS: [&[u8]; 5] = [b"PI", b"NG\nECH", b"O hi\r\n", b"JOB 3\nP", b"I"];

#[derive(Debug, Default)]
struct Lines {
    unfinished: Vec<u8>,
}

impl Lines {
    fn push(&mut self, bytes: &[u8]) -> Vec<String> {
        let mut complete = Vec::new();
        for &byte in bytes {
            if byte == b'\n' {
                let mut line = std::mem::take(&mut self.unfinished);
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                complete.push(String::from_utf8_lossy(&line).into_owned());
            } else {
                self.unfinished.push(byte);
            }
        }
        complete
    }
}

fn main() {
    let mut lines = Lines::default();
    for read in READS {
        for line in lines.push(read) {
            println!("line: {line}");
        }
    }
    println!("unfinished: {}", String::from_utf8_lossy(&lines.unfinished));
}
