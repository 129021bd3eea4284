//! How numbers are written everywhere (job ids, CSV files, `--filter`,
//! tables that keep every digit): Rust's shortest form that reads back to
//! the same bits, so a value written and read again is the value trained.

/// A float in Rust's shortest form that reads back to the same bits.
pub fn float(x: f64) -> String {
    format!("{x:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_round_trip() {
        for x in [0.1, 1.0, 1e-7, 123456.789, f64::NAN, f64::INFINITY, -0.0] {
            let back: f64 = float(x).parse().unwrap();
            assert!(back.to_bits() == x.to_bits() || (x.is_nan() && back.is_nan()));
        }
        assert_eq!(float(0.1), "0.1");
    }
}
