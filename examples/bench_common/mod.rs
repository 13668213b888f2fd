//! What the `bench_*` examples share: `--name value` arguments and latency reports.

// Each example uses a part of this.
#![allow(dead_code)]

use std::time::Duration;

/// `--name value` pairs from the command line.
pub struct Args(Vec<(String, String)>);

impl Args {
    pub fn parse() -> Args {
        let raw: Vec<String> = std::env::args().skip(1).collect();
        let mut pairs = Vec::new();
        let mut i = 0;
        while i < raw.len() {
            if let Some(name) = raw[i].strip_prefix("--") {
                let value = raw.get(i + 1).cloned().unwrap_or_default();
                pairs.push((name.to_owned(), value));
                i += 2;
            } else {
                pairs.push((String::new(), raw[i].clone()));
                i += 1;
            }
        }
        Args(pairs)
    }

    /// The first argument without a `--name` (a subcommand).
    pub fn command(&self) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n.is_empty())
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self, name: &str, default: &str) -> String {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map_or_else(|| default.to_owned(), |(_, v)| v.clone())
    }

    pub fn number(&self, name: &str, default: u64) -> u64 {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(default)
    }
}

/// Latencies of one run.
#[derive(Default)]
pub struct Latencies(Vec<Duration>);

impl Latencies {
    pub fn push(&mut self, d: Duration) {
        self.0.push(d);
    }

    pub fn merge(&mut self, other: Latencies) {
        self.0.extend(other.0);
    }

    fn percentile_ms(sorted: &[Duration], p: f64) -> f64 {
        if sorted.is_empty() {
            return 0.0;
        }
        let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
        sorted[rank.clamp(1, sorted.len()) - 1].as_secs_f64() * 1000.0
    }

    /// Prints `RESULT name=… rps=… p50_ms=… p99_ms=… n=…` for the script to read.
    pub fn report(mut self, name: &str, elapsed: Duration) {
        self.0.sort_unstable();
        let n = self.0.len();
        let rps = n as f64 / elapsed.as_secs_f64().max(1e-9);
        println!(
            "RESULT name={name} rps={rps:.1} p50_ms={:.3} p99_ms={:.3} n={n}",
            Self::percentile_ms(&self.0, 50.0),
            Self::percentile_ms(&self.0, 99.0),
        );
    }
}

/// Prints `RESULT name=… rps=… seconds=… n=…` for work measured as a whole (no per-call
/// latencies).
pub fn report_total(name: &str, n: u64, elapsed: Duration) {
    let secs = elapsed.as_secs_f64().max(1e-9);
    println!(
        "RESULT name={name} rps={:.1} seconds={secs:.3} n={n}",
        n as f64 / secs
    );
}
