//! What the figures say: the table, the labelled rates, and a verdict from each ratio.

use common::timing::BUILD;

use super::measure::{Rates, Workers};

/// What a total ratio says about the line.
pub fn judge(ratio: f64) -> &'static str {
    if ratio >= 1.3 {
        "full duplex: the directions did not take turns"
    } else if ratio <= 1.1 {
        "no gain: the two directions together moved no more than one alone, as if they took turns"
    } else {
        "partly: the directions overlapped, but each slowed the other down a lot"
    }
}

/// A rate for the table: MB/s at a pty's speed, bytes/s at a real line's.
fn shown_rate(bytes_per_s: f64) -> String {
    if bytes_per_s >= 1e6 {
        format!("{:.1} MB/s", bytes_per_s / 1e6)
    } else {
        format!("{bytes_per_s:.0} bytes/s")
    }
}

/// The table, the rates with their labels (threads first), and a verdict for each.
pub fn report(threads: Rates, processes: Rates) {
    let rates = [(Workers::Threads, threads), (Workers::Processes, processes)];
    println!("             one way           both ways at once          both at once, in total");
    for (workers, rate) in &rates {
        println!(
            "{:<10} {:>14}   {:>14} each way   {:.2}x one way",
            workers.name(),
            shown_rate(rate.one_way),
            shown_rate(rate.both_each),
            rate.total_ratio()
        );
    }
    println!(
        "serial one-way: {:.0} bytes/s  (threads; {BUILD})",
        threads.one_way
    );
    println!(
        "serial full-duplex: {:.0} bytes/s each way  (threads; {BUILD})",
        threads.both_each
    );
    println!(
        "serial one-way, processes: {:.0} bytes/s  ({BUILD})",
        processes.one_way
    );
    println!(
        "serial full-duplex, processes: {:.0} bytes/s each way  ({BUILD})",
        processes.both_each
    );
    for (workers, rate) in &rates {
        println!(
            "verdict, {}: {} (both at once carried {:.2}x one direction alone)",
            workers.name(),
            judge(rate.total_ratio()),
            rate.total_ratio()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_verdict_follows_the_figures() {
        let full = Rates {
            one_way: 100.0,
            both_each: 80.0,
        };
        assert!((full.total_ratio() - 1.6).abs() < 1e-9);
        assert!(judge(full.total_ratio()).starts_with("full duplex"));
        assert!(judge(1.0).starts_with("no gain"));
        assert!(judge(1.2).starts_with("partly"));
    }

    #[test]
    fn rates_show_in_mb_at_a_ptys_speed_and_in_bytes_at_a_lines() {
        assert_eq!(shown_rate(104_869_344.0), "104.9 MB/s");
        assert_eq!(shown_rate(11_479.4), "11479 bytes/s");
    }
}
