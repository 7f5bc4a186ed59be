//! Hidden-layer activations σ of [`crate::Mlp`], applied elementwise to a block of
//! pre-activations, with the slopes back-propagation needs.
//!
//! The loops run inside [`pulp::Arch::dispatch`], which compiles them for the widest vector
//! instructions the processor has (AVX-512, AVX2 with FMA) and falls back to plain code
//! elsewhere. Every operation is either an IEEE operation on one element or an explicit
//! [`f64::mul_add`] (one rounding on every machine), so the vector width changes the speed,
//! never the bits. tanh is [`tanh`] below, not the C library's (25 ns a call here, which would
//! cost more than the network's products).

use serde::{Deserialize, Serialize};

/// Hidden-layer activation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Activation {
    /// max(z, 0); ReLU′(0) = 0 and ReLU″ = 0, as in [`crate::TwoLayerRelu`].
    Relu,
    /// tanh z.
    Tanh,
    /// z (a deep linear network with biases).
    Identity,
}

impl Activation {
    /// Every activation with its name in files and front ends.
    pub const NAMES: [(&'static str, Self); 3] = [
        ("relu", Self::Relu),
        ("tanh", Self::Tanh),
        ("identity", Self::Identity),
    ];

    /// The activation called `name` ("relu", "tanh" or "identity").
    pub fn from_name(name: &str) -> Option<Self> {
        Self::NAMES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, a)| *a)
    }

    /// Its name in files and front ends.
    pub fn name(self) -> &'static str {
        Self::NAMES
            .iter()
            .find(|(_, a)| *a == self)
            .map_or("", |(n, _)| n)
    }

    /// a_i = σ(z_i) for every i.
    pub(crate) fn apply(self, z: &[f64], a: &mut [f64]) {
        pulp::Arch::new().dispatch(Apply {
            activation: self,
            z,
            a,
        });
    }

    /// b_i ← σ′(z_i)·b_i (back-propagation through σ), from z and a = σ(z) as
    /// [`Activation::apply`] computed it (tanh′ = 1 − a², no second tanh).
    pub(crate) fn times_slope(self, z: &[f64], a: &[f64], b: &mut [f64]) {
        pulp::Arch::new().dispatch(TimesSlope {
            activation: self,
            z,
            a,
            b,
        });
    }

    /// The R-operator of δ = σ′(z) ⊙ b (Pearlmutter 1994): R(δ)_i = σ′(z_i)·R(b)_i +
    /// σ″(z_i)·R(z)_i·b_i, written with δ instead of b, as σ″·b = (σ″/σ′)·δ: tanh″/tanh′ = −2a,
    /// and σ″ = 0 for ReLU and the identity. `rb` holds R(b) and receives R(δ).
    pub(crate) fn r_times_slope(
        self,
        z: &[f64],
        a: &[f64],
        rz: &[f64],
        delta: &[f64],
        rb: &mut [f64],
    ) {
        pulp::Arch::new().dispatch(RTimesSlope {
            activation: self,
            z,
            a,
            rz,
            delta,
            rb,
        });
    }
}

// The loops as pulp operations: `with_simd` is compiled inside the dispatched function with
// its target features (a closure would be called through a shim that debug builds do not
// inline, leaving `mul_add` a library call).

struct Apply<'a> {
    activation: Activation,
    z: &'a [f64],
    a: &'a mut [f64],
}

impl pulp::WithSimd for Apply<'_> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) {
        match self.activation {
            Activation::Relu => {
                for (a, &z) in self.a.iter_mut().zip(self.z) {
                    *a = positive_part(z);
                }
            }
            Activation::Tanh => {
                for (a, &z) in self.a.iter_mut().zip(self.z) {
                    *a = tanh(z);
                }
            }
            Activation::Identity => self.a.copy_from_slice(self.z),
        }
    }
}

struct TimesSlope<'a> {
    activation: Activation,
    z: &'a [f64],
    a: &'a [f64],
    b: &'a mut [f64],
}

impl pulp::WithSimd for TimesSlope<'_> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) {
        match self.activation {
            Activation::Relu => {
                for (b, &z) in self.b.iter_mut().zip(self.z) {
                    *b *= relu_slope(z);
                }
            }
            Activation::Tanh => {
                for (b, &a) in self.b.iter_mut().zip(self.a) {
                    *b *= 1.0 - a * a;
                }
            }
            Activation::Identity => {}
        }
    }
}

struct RTimesSlope<'a> {
    activation: Activation,
    z: &'a [f64],
    a: &'a [f64],
    rz: &'a [f64],
    delta: &'a [f64],
    rb: &'a mut [f64],
}

impl pulp::WithSimd for RTimesSlope<'_> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) {
        match self.activation {
            Activation::Relu => {
                for (rb, &z) in self.rb.iter_mut().zip(self.z) {
                    *rb *= relu_slope(z);
                }
            }
            Activation::Tanh => {
                let terms = self.a.iter().zip(self.rz).zip(self.delta);
                for (rb, ((&a, &rz), &delta)) in self.rb.iter_mut().zip(terms) {
                    *rb = (1.0 - a * a) * *rb - 2.0 * a * rz * delta;
                }
            }
            Activation::Identity => {}
        }
    }
}

/// `if z > 0 { z } else { 0 }` (so NaN and −0 give +0) as a bit mask: no branch on the sign,
/// which a network's pre-activations flip at random.
#[inline(always)]
fn positive_part(z: f64) -> f64 {
    f64::from_bits(z.to_bits() & u64::from(z > 0.0).wrapping_neg())
}

/// ReLU′(z): 1 for z > 0, else 0 (ReLU′(0) = 0), as a bit mask.
#[inline(always)]
fn relu_slope(z: f64) -> f64 {
    f64::from_bits(1f64.to_bits() & u64::from(z > 0.0).wrapping_neg())
}

/// Above this, 2|x| gives tanh x = 1 in f64 (1 − tanh 20 ≈ 8.5e-18, below half an ulp of 1).
const TANH_SATURATION: f64 = 40.0;

/// 1.5·2⁵²: adding it rounds a number of magnitude below 2⁵¹ to an integer (to nearest, ties to
/// even) and leaves that integer in the low bits of the sum.
const ROUNDING_SHIFTER: f64 = 6_755_399_441_055_744.0;

/// ln 2 split for Cody–Waite reduction (fdlibm's constants, ≈ 0.6931471803691 and
/// 1.9082149293e-10): `LN2_HI` has 32 significant bits, so k·`LN2_HI` is
/// exact for the k used here (k ≤ 58).
const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);

/// 1/n! for n = 2..=13: the Taylor coefficients of e^r − 1 − r (the remainder after degree 13
/// is below r¹⁴/14! < 5e-18 for |r| ≤ ln2/2, under a tenth of an ulp of e^r − 1).
const EXPM1_COEFFICIENTS: [f64; 12] = [
    1.0 / 2.0,
    1.0 / 6.0,
    1.0 / 24.0,
    1.0 / 120.0,
    1.0 / 720.0,
    1.0 / 5040.0,
    1.0 / 40320.0,
    1.0 / 362_880.0,
    1.0 / 3_628_800.0,
    1.0 / 39_916_800.0,
    1.0 / 479_001_600.0,
    1.0 / 6_227_020_800.0,
];

/// tanh x, within about 2 ulps of the exact value (within 3 of the C library's over the whole
/// range, tested), branch-free so that a loop over it vectorizes.
///
/// With y = 2|x| = k ln2 + r (|r| ≤ ln2/2), t = e^y − 1 = 2^k(e^r − 1) + (2^k − 1), e^r − 1 by
/// its Taylor polynomial; tanh|x| = t/(t + 2), which has no cancellation near 0; the sign of x
/// is copied onto the result (so tanh(−0) = −0); NaN stays NaN, ±∞ gives ±1.
#[inline(always)]
pub(crate) fn tanh(x: f64) -> f64 {
    let y = 2.0 * x.abs();
    let y = if y < TANH_SATURATION {
        y
    } else {
        TANH_SATURATION
    };
    let shifted = y.mul_add(std::f64::consts::LOG2_E, ROUNDING_SHIFTER);
    let k = shifted - ROUNDING_SHIFTER;
    let r = k.mul_add(-LN2_LO, k.mul_add(-LN2_HI, y));
    let mut p = EXPM1_COEFFICIENTS[11];
    for &c in EXPM1_COEFFICIENTS[..11].iter().rev() {
        p = p.mul_add(r, c);
    }
    let expm1_r = (r * r).mul_add(p, r);
    // 2^k from k's bits in the shifted sum: the low 12 bits of k + 1023 become the exponent.
    let scale = f64::from_bits(shifted.to_bits().wrapping_add(1023) << 52);
    let t = scale.mul_add(expm1_r, scale - 1.0);
    let magnitude = t / (t + 2.0);
    let result = magnitude.copysign(x);
    if x.is_nan() { x } else { result }
}

#[cfg(test)]
mod tests {
    use super::{Activation, positive_part, relu_slope, tanh};

    /// Distance in units in the last place between two finite doubles of the same sign.
    fn ulps(a: f64, b: f64) -> u64 {
        a.to_bits().abs_diff(b.to_bits())
    }

    #[test]
    fn tanh_is_within_three_ulps_of_the_c_library_over_the_range() {
        let mut worst = (0, 0.0);
        // Logarithmically spaced magnitudes from 1e-300 to 30, both signs, and every
        // reduction interval's ends.
        let mut x = 1e-300_f64;
        while x < 30.0 {
            for v in [x, -x, x * 1.000_000_1] {
                let d = ulps(tanh(v), v.tanh());
                if d > worst.0 {
                    worst = (d, v);
                }
            }
            x *= 1.001;
        }
        for k in 0..60 {
            let edge = (k as f64 + 0.5) * std::f64::consts::LN_2 / 2.0;
            for v in [
                edge,
                f64::from_bits(edge.to_bits() + 1),
                f64::from_bits(edge.to_bits() - 1),
            ] {
                let d = ulps(tanh(v), v.tanh());
                if d > worst.0 {
                    worst = (d, v);
                }
            }
        }
        // Ours rounds four times after the polynomial (t, t + 2, the quotient, and e^r − 1
        // itself within an ulp): at most about 2 ulps from the exact value; the C library's
        // tanh is within an ulp of it. So the two may differ by 3 ulps, not more.
        assert!(worst.0 <= 3, "{} ulps at x = {:e}", worst.0, worst.1);
    }

    #[test]
    fn tanh_special_values() {
        assert_eq!(tanh(0.0).to_bits(), 0.0_f64.to_bits());
        assert_eq!(tanh(-0.0).to_bits(), (-0.0_f64).to_bits());
        assert_eq!(tanh(f64::INFINITY), 1.0);
        assert_eq!(tanh(f64::NEG_INFINITY), -1.0);
        assert_eq!(tanh(20.0), 1.0);
        assert_eq!(tanh(1e300), 1.0);
        assert!(tanh(f64::NAN).is_nan());
        assert_eq!(tanh(f64::MIN_POSITIVE / 8.0), f64::MIN_POSITIVE / 8.0);
    }

    #[test]
    fn relu_masks_are_bitwise_the_branches() {
        let values = [
            0.0,
            -0.0,
            1.5,
            -1.5,
            f64::MIN_POSITIVE / 4.0,
            -f64::MIN_POSITIVE / 4.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            -f64::NAN,
            f64::MAX,
        ];
        for z in values {
            let branch = if z > 0.0 { z } else { 0.0 };
            assert_eq!(positive_part(z).to_bits(), branch.to_bits(), "{z}");
            let slope = if z > 0.0 { 1.0 } else { 0.0 };
            assert_eq!(relu_slope(z).to_bits(), f64::to_bits(slope), "{z}");
        }
    }

    #[test]
    fn dispatched_loops_are_bitwise_the_element_functions() {
        // 37 values: a vector loop's body and its remainder.
        let z: Vec<f64> = (0..37).map(|i| (i as f64 * 0.37 - 6.0) * 0.9).collect();
        for activation in [Activation::Relu, Activation::Tanh, Activation::Identity] {
            let mut a = vec![0.0; z.len()];
            activation.apply(&z, &mut a);
            for (&ai, &zi) in a.iter().zip(&z) {
                let expected = match activation {
                    Activation::Relu => positive_part(zi),
                    Activation::Tanh => tanh(zi),
                    Activation::Identity => zi,
                };
                assert_eq!(ai.to_bits(), expected.to_bits(), "{activation:?} at {zi}");
            }
        }
    }
}
