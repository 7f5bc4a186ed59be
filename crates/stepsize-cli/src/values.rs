//! The command line's value syntaxes, checked once: a point `A[,B…]`, a range `LO:HI`, an axis
//! `LO:HI:N`, a positive step size, a shard `I/N` or `slurm`.

use crate::error::CliError;
use gd_core::Shard;
use gd_core::analyses::Axis;

fn number(flag: &str, text: &str) -> Result<f64, CliError> {
    let x: f64 = text
        .trim()
        .parse()
        .map_err(|_| CliError::flag(flag, format!("{text:?}"), "a number"))?;
    if x.is_finite() {
        Ok(x)
    } else {
        Err(CliError::flag(flag, text, "a finite number"))
    }
}

/// A point `A[,B…]` of finite numbers.
pub fn point(flag: &str, text: &str) -> Result<Vec<f64>, CliError> {
    text.split(',').map(|t| number(flag, t)).collect()
}

/// A step size: finite and > 0.
pub fn eta(flag: &str, text: &str) -> Result<f64, CliError> {
    let x = number(flag, text)?;
    if x > 0.0 {
        Ok(x)
    } else {
        Err(CliError::flag(flag, text, "a step size > 0"))
    }
}

/// A range `LO:HI` with LO < HI.
pub fn range(flag: &str, text: &str) -> Result<(f64, f64), CliError> {
    let parts: Vec<&str> = text.split(':').collect();
    let [lo, hi] = parts.as_slice() else {
        return Err(CliError::flag(flag, text, "LO:HI"));
    };
    let (lo, hi) = (number(flag, lo)?, number(flag, hi)?);
    if lo < hi {
        Ok((lo, hi))
    } else {
        Err(CliError::flag(flag, text, "LO:HI with LO < HI"))
    }
}

/// An axis `LO:HI:N` with LO < HI and 2 ≤ N ≤ `max`.
pub fn axis(flag: &str, text: &str, max: usize) -> Result<Axis, CliError> {
    let parts: Vec<&str> = text.split(':').collect();
    let [lo, hi, n] = parts.as_slice() else {
        return Err(CliError::flag(flag, text, "LO:HI:N"));
    };
    let (lo, hi) = range(flag, &format!("{lo}:{hi}"))
        .map_err(|_| CliError::flag(flag, text, "LO:HI:N with finite LO < HI"))?;
    let n = count(flag, n, 2, max)?;
    Axis::new(lo, hi, n).map_err(|_| CliError::flag(flag, text, "LO:HI:N with LO < HI"))
}

/// A count in `min..=max`.
pub fn count(flag: &str, text: &str, min: usize, max: usize) -> Result<usize, CliError> {
    let n: usize = text.trim().parse().map_err(|_| {
        CliError::flag(
            flag,
            format!("{text:?}"),
            format!("an integer in {min}..={max}"),
        )
    })?;
    if (min..=max).contains(&n) {
        Ok(n)
    } else {
        Err(CliError::flag(
            flag,
            n,
            format!("an integer in {min}..={max}"),
        ))
    }
}

/// `I/N` (0-based I < N) or `slurm` (Slurm's array variables).
pub fn shard(text: &str) -> Result<Shard, CliError> {
    if text == "slurm" {
        return match Shard::from_slurm_env() {
            Some(shard) => Ok(shard?),
            None => Err(CliError::flag(
                "--shard",
                "slurm",
                "inside a Slurm array job (SLURM_ARRAY_TASK_ID is not set)",
            )),
        };
    }
    Shard::parse(text).map_err(|_| CliError::flag("--shard", text, "I/N with 0 ≤ I < N, or slurm"))
}
