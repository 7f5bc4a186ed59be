//! Printing to stdout that survives a closed stdout: `stepsize run … | head -c 10` must end
//! normally once the results are computed (`println!` panics on a broken pipe).

/// `println!` that ignores a closed or failing stdout.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}
