//! The split-cost model of the gradient's evaluation: the flops of each side of a split layer
//! m, and the m that balances them (module docs of `deep_linear`).

/// The flops of C = A B for A a × k, B k × b.
fn product_cost(a: usize, k: usize, b: usize) -> f64 {
    a as f64 * k as f64 * b as f64
}

/// The split layer m ∈ 1..=L (module docs) whose two sides cost the closest to the same
/// flops (the first such m); P and G, which both sides need, count for neither.
pub(super) fn balanced_split(n: &[usize]) -> usize {
    let l = n.len() - 1;
    let lower = |m: usize| -> f64 {
        let above = if m < l {
            product_cost(n[m], n[l], n[0])
        } else {
            0.0
        };
        above
            + (2..=m)
                .map(|j| {
                    product_cost(n[j], n[j - 1], n[0])
                        + product_cost(n[j - 1], n[j], n[0])
                        + product_cost(n[j], n[0], n[j - 1])
                })
                .sum::<f64>()
    };
    let upper = |m: usize| -> f64 {
        if m == l {
            return 0.0;
        }
        product_cost(n[l], n[0], n[m])
            + (m + 1..l)
                .map(|j| {
                    product_cost(n[l], n[j], n[j - 1])
                        + product_cost(n[l], n[j - 1], n[j])
                        + product_cost(n[j], n[l], n[j - 1])
                })
                .sum::<f64>()
    };
    let cost = |m: usize| lower(m).max(upper(m));
    (1..=l)
        .min_by(|&a, &b| cost(a).total_cmp(&cost(b)))
        .unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::balanced_split;

    #[test]
    fn the_split_balances_the_two_sides_of_the_gradient() {
        // L square layers: 3m − 2 products below the split, 3(L − m) − 2 above it.
        for (depth, split) in [(1, 1), (2, 1), (3, 1), (4, 2), (10, 5), (11, 5), (21, 10)] {
            assert_eq!(balanced_split(&vec![4; depth + 1]), split, "L = {depth}");
        }
        // Wide layers at the top pull the split up.
        assert_eq!(balanced_split(&[2, 2, 2, 2, 2, 16, 16]), 5);
    }
}
