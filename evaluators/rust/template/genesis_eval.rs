//! Genesis harness template for Rust: copy it to src/bin/genesis_eval.rs in your crate and edit
//! the marked parts. evaluate.py builds it with `cargo build --release --offline` and runs it; it
//! must print one line of contract JSON {"score", "correct", "metrics", "feedback"} last.
//! Standard library only: the sandbox has no network for crates.io.
use std::hint::black_box;
use std::time::Instant;

// ---- EDIT 1: the function under evolution (your crate's name, with '-' written '_') -------------
use my_crate::my_function;

const WARMUP: usize = 3;
const REPEATS: usize = 9;

// ---- EDIT 2: correctness: a reference and the cases ----------------------------------------------
fn reference(xs: &[f64]) -> f64 {
    xs.iter().sum()
}

fn cases() -> Vec<Vec<f64>> {
    vec![vec![], vec![1.0], (0..1000).map(|i| i as f64 * 0.5).collect()]
}

/// Returns the number of cases checked and the first few failures.
fn check() -> (usize, Vec<String>) {
    let cases = cases();
    let mut failures = Vec::new();
    for xs in &cases {
        let (want, got) = (reference(xs), my_function(xs));
        if (want - got).abs() > 1e-9 * want.abs().max(1.0) && failures.len() < 5 {
            failures.push(format!("input of {} values: got {got}, expected {want}", xs.len()));
        }
    }
    (cases.len(), failures)
}

// ---- EDIT 3: one timed call's input, and the score (higher is better) ----------------------------
fn timed_input() -> Vec<f64> {
    (0..100_000).map(|i| (i % 97) as f64).collect()
}

/// Default: faster is better. Prefer a deterministic score (an error, a count) when you have one.
fn score_from(median_ns: f64) -> f64 {
    -median_ns
}
// ----------------------------------------------------------------------------------------------------

/// Median and min nanoseconds of one call, after WARMUP untimed calls.
fn time_call() -> (f64, f64) {
    let input = timed_input();
    let once = || {
        let start = Instant::now();
        black_box(my_function(black_box(&input)));
        start.elapsed().as_nanos() as f64
    };
    for _ in 0..WARMUP {
        once();
    }
    let mut samples: Vec<f64> = (0..REPEATS).map(|_| once()).collect();
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
    let (median_ns, min_ns) = time_call();
    let score = score_from(median_ns);
    let feedback = format!("{checked} cases correct; median {median_ns:.0} ns per call (min {min_ns:.0} ns)");
    println!(
        "{{\"score\": {}, \"correct\": true, \"metrics\": {{\"median_ns\": {median_ns:.1}, \"min_ns\": {min_ns:.1}, \"cases\": {checked}}}, \"feedback\": {}}}",
        if score.is_finite() { score.to_string() } else { "null".to_string() },
        json_string(&feedback)
    );
}
