//! The exact-repeat detector of a run: the last k_max states in a ring with a hash of each, so
//! that a state equal bitwise to one of them is found in O(k_max) per step.

/// The last `capacity` states, with a hash of each so that an exact repeat is found in
/// O(k_max) per step and confirmed bitwise only on a hash match.
pub(crate) struct History {
    d: usize,
    capacity: usize,
    states: Vec<f64>,
    hashes: Vec<u64>,
    pub(crate) len: usize,
    head: usize,
}

/// FxHash-style mix of the bits of θ in four independent lanes (so that the mixes of
/// neighbouring coordinates overlap in the pipeline): equal states hash equal; a match is
/// confirmed bitwise.
pub(crate) fn state_hash(theta: &[f64]) -> u64 {
    let mix = |h: u64, v: f64| (h.rotate_left(5) ^ v.to_bits()).wrapping_mul(0x517c_c1b7_2722_0a95);
    let mut lanes = [
        0xcbf2_9ce4_8422_2325_u64,
        0x8422_2325_cbf2_9ce4,
        0x9e37_79b9_7f4a_7c15,
        0x7f4a_7c15_9e37_79b9,
    ];
    let chunks = theta.chunks_exact(4);
    let tail = chunks.remainder();
    for chunk in chunks {
        for (h, v) in lanes.iter_mut().zip(chunk) {
            *h = mix(*h, *v);
        }
    }
    let h = tail.iter().fold(lanes[0], |h, v| mix(h, *v));
    [lanes[1], lanes[2], lanes[3]]
        .iter()
        .fold(h, |h, lane| mix(h, f64::from_bits(*lane)))
}

impl History {
    // bound: d·capacity is at most `MAX_HISTORY_VALUES`, checked by `run_gd` before it builds one.
    pub(crate) fn new(d: usize, capacity: usize) -> Self {
        Self {
            d,
            capacity,
            states: vec![0.0; d * capacity],
            hashes: vec![0; capacity],
            len: 0,
            head: 0,
        }
    }

    /// The state `back` steps ago (1 = the most recent pushed).
    pub(crate) fn get(&self, back: usize) -> &[f64] {
        let slot = (self.head + self.capacity - back) % self.capacity;
        &self.states[slot * self.d..(slot + 1) * self.d]
    }

    /// The smallest k ≤ len with state == the state k steps ago, bitwise: one pass over the
    /// hashes in slot order, a bitwise comparison only on a hash match.
    pub(crate) fn repeat_period(&self, theta: &[f64], hash: u64) -> Option<usize> {
        // A branch-free pass first (it vectorizes): almost every step has no match.
        if !self.hashes.iter().fold(false, |hit, h| hit | (*h == hash)) {
            return None;
        }
        let mut smallest: Option<usize> = None;
        for (slot, _) in self.hashes.iter().enumerate().filter(|(_, h)| **h == hash) {
            // Slot `slot` holds the state `back` steps ago, back ∈ 1..=capacity.
            let back = (self.head + self.capacity - slot - 1) % self.capacity + 1;
            if back > self.len || smallest.is_some_and(|k| k <= back) {
                continue;
            }
            if self
                .get(back)
                .iter()
                .zip(theta)
                .all(|(a, b)| a.to_bits() == b.to_bits())
            {
                smallest = Some(back);
            }
        }
        smallest
    }

    pub(crate) fn push(&mut self, theta: &[f64], hash: u64) {
        let slot = self.head;
        self.states[slot * self.d..(slot + 1) * self.d].copy_from_slice(theta);
        self.hashes[slot] = hash;
        self.head = (self.head + 1) % self.capacity;
        self.len = (self.len + 1).min(self.capacity);
    }

    /// The last k states, oldest first.
    pub(crate) fn orbit(&self, k: usize) -> Vec<Vec<f64>> {
        (1..=k).rev().map(|b| self.get(b).to_vec()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::{History, state_hash};

    /// The definition: the smallest k ≤ len whose state equals θ bitwise.
    fn smallest_repeat(history: &History, theta: &[f64]) -> Option<usize> {
        (1..=history.len).find(|&k| {
            history
                .get(k)
                .iter()
                .zip(theta)
                .all(|(a, b)| a.to_bits() == b.to_bits())
        })
    }

    #[test]
    fn repeat_period_is_the_smallest_bitwise_repeat_through_wraparound() {
        // States cycle through a few values (so repeats at several lags coexist), with -0.0
        // and 0.0 distinct; dimensions 1, 3 (a partial hash lane) and 9.
        for d in [1, 3, 9] {
            for capacity in [1, 2, 5, 8] {
                let mut history = History::new(d, capacity);
                for step in 0..40_u64 {
                    let value = match (step * 7 + step / 5) % 6 {
                        0 => -0.0,
                        1 => 0.0,
                        v => v as f64,
                    };
                    let theta: Vec<f64> = (0..d).map(|i| value + (i % 2) as f64).collect();
                    let hash = state_hash(&theta);
                    assert_eq!(
                        history.repeat_period(&theta, hash),
                        smallest_repeat(&history, &theta),
                        "d = {d}, capacity = {capacity}, step {step}"
                    );
                    history.push(&theta, hash);
                }
            }
        }
    }

    #[test]
    fn equal_states_hash_equal_and_a_changed_bit_changes_the_hash() {
        let theta: Vec<f64> = (0..7).map(|i| i as f64 * 0.3).collect();
        assert_eq!(state_hash(&theta), state_hash(&theta.clone()));
        for i in 0..theta.len() {
            let mut other = theta.clone();
            other[i] = f64::from_bits(other[i].to_bits() ^ 1);
            assert_ne!(state_hash(&theta), state_hash(&other), "coordinate {i}");
        }
    }
}
