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

/// FxHash-style mix of the bits of θ: equal states hash equal; a match is confirmed bitwise.
pub(crate) fn state_hash(theta: &[f64]) -> u64 {
    theta.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, v| {
        (h.rotate_left(5) ^ v.to_bits()).wrapping_mul(0x517c_c1b7_2722_0a95)
    })
}

impl History {
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

    pub(crate) fn hash(&self, back: usize) -> u64 {
        self.hashes[(self.head + self.capacity - back) % self.capacity]
    }

    /// The smallest k ≤ len with state == the state k steps ago, bitwise.
    pub(crate) fn repeat_period(&self, theta: &[f64], hash: u64) -> Option<usize> {
        (1..=self.len).find(|&k| {
            self.hash(k) == hash
                && self
                    .get(k)
                    .iter()
                    .zip(theta)
                    .all(|(a, b)| a.to_bits() == b.to_bits())
        })
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
