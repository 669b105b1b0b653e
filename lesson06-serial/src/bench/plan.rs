//! What `--bench` measures: how many bytes each way, how many runs, and whether the writers
//! are paced to a real line's speed.

/// How many bytes each way, how many runs, at what pace.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub bytes: u64,
    pub runs: usize,
    /// Pace each writer to what a line at this baud rate carries.
    pub paced_baud: Option<u32>,
}

impl Plan {
    /// The defaults: 32 MiB and 5 runs at full speed; paced, one second of line time and 1 run.
    pub fn new(bytes: Option<u64>, runs: Option<usize>, paced_baud: Option<u32>) -> Self {
        let mut plan = Plan {
            bytes: 32 << 20,
            runs: 5,
            paced_baud,
        };
        if let Some(rate) = plan.bytes_per_s() {
            plan.bytes = rate.ceil() as u64;
            plan.runs = 1;
        }
        Plan {
            bytes: bytes.unwrap_or(plan.bytes),
            runs: runs.unwrap_or(plan.runs),
            paced_baud,
        }
    }

    /// A serial line sends 10 bits per byte (a start bit, 8 data bits, a stop bit: "8N1").
    pub fn bytes_per_s(&self) -> Option<f64> {
        self.paced_baud.map(|baud| f64::from(baud) / 10.0)
    }

    /// The plan in words, for the first line of the report.
    pub fn describe(&self) -> String {
        let speed = match (self.paced_baud, self.bytes_per_s()) {
            (Some(baud), Some(rate)) => {
                format!("each writer paced to a real line at {baud} baud ({rate:.0} bytes/s)")
            }
            _ => "at full speed".to_string(),
        };
        let runs = if self.runs == 1 {
            "1 run".to_string()
        } else {
            format!("median of {} runs", self.runs)
        };
        format!(
            "{} bytes each way through a virtual serial pair (a pty in raw mode), {speed}; {runs}",
            self.bytes
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_paced_plan_defaults_to_one_second_of_line_time() {
        let paced = Plan::new(None, None, Some(115_200));
        assert_eq!((paced.bytes, paced.runs), (11_520, 1));
        assert_eq!(paced.bytes_per_s(), Some(11_520.0));
        let full = Plan::new(None, None, None);
        assert_eq!(
            (full.bytes, full.runs, full.bytes_per_s()),
            (32 << 20, 5, None)
        );
        let chosen = Plan::new(Some(1000), Some(2), Some(9600));
        assert_eq!((chosen.bytes, chosen.runs), (1000, 2));
    }
}
