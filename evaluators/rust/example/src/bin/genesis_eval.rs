//! Correctness checks and timing of `isqrt` for Genesis. Built by evaluate.py with
//! `cargo build --release`; prints one line of contract JSON:
//! {"score", "correct", "metrics", "feedback"}. A panic (overflow, division by zero) exits non-zero
//! and evaluate.py reports it.
use genesis_rust_example::isqrt;
use std::hint::black_box;
use std::time::Instant;

const WARMUP: usize = 3;
const REPEATS: usize = 9;
const CALLS: usize = 20_000;

/// Is `r` the integer square root of `n`? (u128: no overflow for any u64.)
fn is_root(n: u64, r: u64) -> bool {
    let (n, r) = (n as u128, r as u128);
    r * r <= n && (r + 1) * (r + 1) > n
}

/// Deterministic inputs spread over every magnitude of u64.
fn inputs(count: usize) -> Vec<u64> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..count)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state >> (state % 64) // a random bit length, so small and large values both occur
        })
        .collect()
}

fn check() -> (usize, Vec<String>) {
    let mut cases: Vec<u64> = (0..=10_000).collect();
    for r in [1u64, 2, 3, 255, 256, 65_535, 65_536, 4_294_967_295] {
        cases.extend([r * r - 1, r * r, r * r + 1]);
    }
    cases.extend([u64::MAX, u64::MAX - 1, 1 << 63, (1 << 62) - 1]);
    cases.extend(inputs(10_000));
    let mut failures = Vec::new();
    for &n in &cases {
        let r = isqrt(n);
        if !is_root(n, r) && failures.len() < 5 {
            failures.push(format!("isqrt({n}) returned {r}"));
        }
    }
    (cases.len(), failures)
}

/// Median and min nanoseconds per call over REPEATS batches of CALLS calls, after WARMUP batches.
fn time_per_call() -> (f64, f64) {
    let data = inputs(CALLS);
    let batch = || {
        let start = Instant::now();
        let mut sum = 0u64;
        for &n in &data {
            sum = sum.wrapping_add(isqrt(black_box(n)));
        }
        black_box(sum);
        start.elapsed().as_nanos() as f64 / CALLS as f64
    };
    for _ in 0..WARMUP {
        batch();
    }
    let mut samples: Vec<f64> = (0..REPEATS).map(|_| batch()).collect();
    samples.sort_by(|a, b| a.total_cmp(b));
    (samples[REPEATS / 2], samples[0])
}

fn json_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn main() {
    let (checked, failures) = check();
    if !failures.is_empty() {
        let feedback = format!("wrong results (first {}):\n{}", failures.len(), failures.join("\n"));
        println!(
            "{{\"score\": null, \"correct\": false, \"metrics\": {{\"cases\": {checked}}}, \"feedback\": {}}}",
            json_string(&feedback)
        );
        return;
    }
    let (median_ns, min_ns) = time_per_call();
    let feedback = format!("{checked} cases correct; median {median_ns:.2} ns per call (min {min_ns:.2} ns)");
    println!(
        "{{\"score\": {}, \"correct\": true, \"metrics\": {{\"ns_per_call\": {median_ns:.3}, \"min_ns_per_call\": {min_ns:.3}, \"cases\": {checked}}}, \"feedback\": {}}}",
        -median_ns,
        json_string(&feedback)
    );
}
