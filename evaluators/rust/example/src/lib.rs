//! A tiny crate for the Genesis demo: an integer square root worth speeding up.

/// The largest `r` with `r * r <= n`.
pub fn isqrt(n: u64) -> u64 {
    if n < 2 {
        return n;
    }
    // Newton's iteration from above: it decreases until it reaches the answer.
    let mut x = n / 2;
    loop {
        let y = (x + n / x) / 2;
        if y >= x {
            return x;
        }
        x = y;
    }
}
