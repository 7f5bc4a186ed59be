//! The small-matrix kernels of the deep linear network: a sequential product `mm` that computes
//! products up to [`SMALL`] in each dimension (and 4 × 4 ones unrolled) in a fixed summation
//! order, faer's `matmul` on `Par::Seq` above that; and a copy.

use faer::linalg::matmul::matmul;
use faer::{Accum, MatMut, MatRef, Par};

/// Largest dimension of a product that [`small_product`] computes: below it faer's dispatch
/// (a plan per call, a copy for a transposed factor) costs several times the arithmetic.
pub(super) const SMALL: usize = 8;

/// C = A·B (Accum::Replace) or C += A·B, sequential.
pub(super) fn mm(mut dst: MatMut<'_, f64>, accum: Accum, a: MatRef<'_, f64>, b: MatRef<'_, f64>) {
    let (m, k, n) = (a.nrows(), a.ncols(), b.ncols());
    match (m, k, n) {
        _ if m.max(k).max(n) > SMALL => matmul(dst, accum, a, b, 1.0, Par::Seq),
        (4, 4, 4) if product_4x4(dst.as_mut(), accum, a, b) => {}
        _ if m <= 4 && k <= 4 => small_product::<4, 4>(dst, accum, a, b),
        _ if m <= 4 => small_product::<4, SMALL>(dst, accum, a, b),
        _ if k <= 4 => small_product::<SMALL, 4>(dst, accum, a, b),
        _ => small_product::<SMALL, SMALL>(dst, accum, a, b),
    }
}

/// C = A·B or C += A·B for A of at most R rows and K columns: each entry Σ_p a_ip b_pj summed
/// in p order from 0 (then added to C's entry). A's columns and each column of B are copied to
/// the stack, padded with zeros to R rows and K entries, so that both loops have fixed lengths
/// the compiler unrolls and vectorizes (a padding term adds +0, which changes no sum but −0).
fn small_product<const R: usize, const K: usize>(
    dst: MatMut<'_, f64>,
    accum: Accum,
    a: MatRef<'_, f64>,
    b: MatRef<'_, f64>,
) {
    let mut lhs = [[0.0_f64; R]; K];
    for (column, a_column) in lhs.iter_mut().zip(a.col_iter()) {
        for (v, x) in column.iter_mut().zip(a_column.iter()) {
            *v = *x;
        }
    }
    for (out, b_column) in dst.col_iter_mut().zip(b.col_iter()) {
        let mut bp = [0.0_f64; K];
        for (v, x) in bp.iter_mut().zip(b_column.iter()) {
            *v = *x;
        }
        let mut sum = [0.0_f64; R];
        for (column, bpj) in lhs.iter().zip(bp) {
            for (s, x) in sum.iter_mut().zip(column) {
                *s += x * bpj;
            }
        }
        match accum {
            Accum::Replace => out.iter_mut().zip(&sum).for_each(|(c, s)| *c = *s),
            Accum::Add => out.iter_mut().zip(&sum).for_each(|(c, s)| *c += *s),
        }
    }
}

/// The columns of a 4 × 4 matrix stored by columns or by rows, as arrays (fixed-size copies,
/// which compile to a few moves); None for other strides.
#[inline(always)]
fn columns_4x4(m: MatRef<'_, f64>) -> Option<[[f64; 4]; 4]> {
    let mut out = [[0.0_f64; 4]; 4];
    if let Some(m) = m.try_as_col_major() {
        for (j, column) in out.iter_mut().enumerate() {
            *column = m.col(j).as_slice().try_into().ok()?;
        }
    } else {
        let rows = m.transpose().try_as_col_major()?;
        for i in 0..4 {
            let row: [f64; 4] = rows.col(i).as_slice().try_into().ok()?;
            for (column, x) in out.iter_mut().zip(row) {
                column[i] = x;
            }
        }
    }
    Some(out)
}

/// [`small_product`] for 4 × 4 factors stored by columns or rows and a column-major C: the same
/// sums in the same order, on arrays; false (nothing written) for other layouts.
#[inline(always)]
fn product_4x4(dst: MatMut<'_, f64>, accum: Accum, a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> bool {
    let square = dst.nrows() == 4 && dst.ncols() == 4;
    let (true, Some(lhs), Some(rhs), Some(mut dst)) = (
        square,
        columns_4x4(a),
        columns_4x4(b),
        dst.try_as_col_major_mut(),
    ) else {
        return false;
    };
    for (j, b_column) in rhs.iter().enumerate() {
        let mut sum = [0.0_f64; 4];
        for (column, bpj) in lhs.iter().zip(b_column) {
            for (s, x) in sum.iter_mut().zip(column) {
                *s += x * bpj;
            }
        }
        // A column-major 4 × 4 column is 4 long: the conversion cannot fail.
        if let Ok(out) = <&mut [f64; 4]>::try_from(dst.as_mut().col_mut(j).as_slice_mut()) {
            match accum {
                Accum::Replace => *out = sum,
                Accum::Add => out.iter_mut().zip(sum).for_each(|(c, s)| *c += s),
            }
        }
    }
    true
}

/// dst = src for matrices of the same shape, element by element along column slices where
/// both are column-major (faer's generic `copy_from`, like a `memcpy` call, costs more than the
/// copy for the small matrices of the linear experiments).
pub(super) fn copy(mut dst: MatMut<'_, f64>, src: MatRef<'_, f64>) {
    if let (Some(mut d), Some(s)) = (dst.as_mut().try_as_col_major_mut(), src.try_as_col_major()) {
        for j in 0..s.ncols() {
            let out = d.as_mut().col_mut(j).as_slice_mut();
            out.iter_mut()
                .zip(s.col(j).as_slice())
                .for_each(|(o, x)| *o = *x);
        }
    } else {
        dst.copy_from(src);
    }
}

#[cfg(test)]
mod tests {
    use super::{SMALL, mm};
    use faer::{Accum, Mat};

    /// Σ_p a_ip b_pj in p order from 0, then added to C's entry: the sums `mm` promises.
    fn in_order(
        c: &Mat<f64>,
        accum: Accum,
        a: faer::MatRef<'_, f64>,
        b: faer::MatRef<'_, f64>,
    ) -> Mat<f64> {
        Mat::from_fn(a.nrows(), b.ncols(), |i, j| {
            let mut s = 0.0;
            for p in 0..a.ncols() {
                s += a[(i, p)] * b[(p, j)];
            }
            match accum {
                Accum::Replace => s,
                Accum::Add => c[(i, j)] + s,
            }
        })
    }

    #[test]
    fn small_products_are_the_in_order_sums_and_large_ones_agree_with_them() {
        let value = |seed: usize| ((seed as f64 * 0.618_033_988_7).fract() - 0.5) * 3.0;
        for m in 1..=SMALL + 2 {
            for k in 1..=SMALL + 2 {
                for n in [1, 3, 4, SMALL, SMALL + 2] {
                    let a = Mat::from_fn(m, k, |i, p| value(7 * i + 31 * p + 1));
                    let bt = Mat::from_fn(n, k, |j, p| value(11 * j + 5 * p + 2));
                    let c0 = Mat::from_fn(m, n, |i, j| value(3 * i + 13 * j + 3));
                    let a_rows = a.transpose().to_owned();
                    let b = bt.transpose().to_owned();
                    // Each factor stored by columns and as a transposed view (by rows), as the
                    // gradient's products use them.
                    let layouts = [
                        (a.as_ref(), bt.transpose()),
                        (a_rows.transpose(), b.as_ref()),
                    ];
                    for (accum, (a, b)) in [Accum::Replace, Accum::Add]
                        .into_iter()
                        .flat_map(|accum| layouts.map(|l| (accum, l)))
                    {
                        let expected = in_order(&c0, accum, a, b);
                        let mut c = c0.clone();
                        mm(c.as_mut(), accum, a, b);
                        for j in 0..n {
                            for i in 0..m {
                                let (got, want) = (c[(i, j)], expected[(i, j)]);
                                if m.max(k).max(n) <= SMALL {
                                    assert_eq!(
                                        got.to_bits(),
                                        want.to_bits(),
                                        "{m}x{k}x{n} ({i},{j})"
                                    );
                                } else {
                                    // faer's order: two orders of one sum differ by at most
                                    // 2γ_k·Σ|terms| (Higham eq. 3.5); |terms| ≤ 2.25, |c| ≤ 1.5,
                                    // so 2kε(2.25k + 1.5) with a factor 4 to spare.
                                    let bound =
                                        4.0 * k as f64 * f64::EPSILON * (9.0 * k as f64 + 3.0);
                                    assert!((got - want).abs() <= bound, "{m}x{k}x{n} ({i},{j})");
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
