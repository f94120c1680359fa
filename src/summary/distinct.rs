//! Distinct counts that stay bounded: an exact set up to `EXACT_LIMIT`
//! elements, then a HyperLogLog sketch with 2^12 registers (standard error
//! 1.04/√4096 ≈ 1.6 %). The state is a function of the set of elements
//! alone, whatever the order of inserts and merges, so merges are
//! associative, commutative and deterministic.

use std::collections::HashSet;
use std::hash::BuildHasherDefault;

use crate::fingerprint::{IdHasher, K0, mix};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub const EXACT_LIMIT: usize = 1024;

/// A set of ids that are hashes already.
pub type IdSet = HashSet<u64, BuildHasherDefault<IdHasher>>;
const P: u32 = 12;
const M: usize = 1 << P;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Distinct {
    Exact(IdSet),
    Sketch(Box<[u8; M]>),
}

impl Default for Distinct {
    fn default() -> Self {
        Distinct::Exact(IdSet::default())
    }
}

/// Spreads an id over 64 bits (ids are usually hashes already; this keeps
/// the sketch sound for small integers in tests): SplitMix64's step.
fn spread(x: u64) -> u64 {
    mix(x.wrapping_add(K0))
}

/// 2^-r, exactly: built from its bits (every `u8` gives a normal number)
/// instead of by repeated multiplication.
fn inverse_power_of_two(r: u8) -> f64 {
    f64::from_bits((1023 - u64::from(r)) << 52)
}

fn sketch_insert(regs: &mut [u8; M], x: u64) {
    let h = spread(x);
    let idx = (h >> (64 - P)) as usize;
    let rest = h << P;
    let rank = (rest.leading_zeros().min(64 - P) + 1) as u8;
    if regs[idx] < rank {
        regs[idx] = rank;
    }
}

impl Distinct {
    pub fn insert(&mut self, x: u64) {
        match self {
            Distinct::Exact(set) => {
                set.insert(x);
                if set.len() > EXACT_LIMIT {
                    self.promote();
                }
            }
            Distinct::Sketch(regs) => sketch_insert(regs, x),
        }
    }

    fn promote(&mut self) {
        if let Distinct::Exact(set) = self {
            let mut regs = Box::new([0u8; M]);
            for &x in set.iter() {
                sketch_insert(&mut regs, x);
            }
            *self = Distinct::Sketch(regs);
        }
    }

    pub fn merge(&mut self, other: &Distinct) {
        match (&mut *self, other) {
            (Distinct::Exact(a), Distinct::Exact(b)) => {
                a.extend(b.iter().copied());
                if a.len() > EXACT_LIMIT {
                    self.promote();
                }
            }
            (Distinct::Exact(_), Distinct::Sketch(_)) => {
                self.promote();
                self.merge(other);
            }
            (Distinct::Sketch(a), Distinct::Exact(b)) => {
                for &x in b {
                    sketch_insert(a, x);
                }
            }
            (Distinct::Sketch(a), Distinct::Sketch(b)) => {
                for (x, y) in a.iter_mut().zip(b.iter()) {
                    *x = (*x).max(*y);
                }
            }
        }
    }

    pub fn is_exact(&self) -> bool {
        matches!(self, Distinct::Exact(_))
    }

    /// The count: exact, or the HyperLogLog estimate (never below the exact limit).
    pub fn count(&self) -> u64 {
        match self {
            Distinct::Exact(s) => s.len() as u64,
            Distinct::Sketch(regs) => {
                let m = M as f64;
                let alpha = 0.7213 / (1.0 + 1.079 / m);
                let sum: f64 = regs.iter().map(|&r| inverse_power_of_two(r)).sum();
                let zeros = regs.iter().filter(|&&r| r == 0).count();
                let raw = alpha * m * m / sum;
                let est = if raw <= 2.5 * m && zeros > 0 {
                    m * (m / zeros as f64).ln()
                } else {
                    raw
                };
                (est.round() as u64).max(EXACT_LIMIT as u64 + 1)
            }
        }
    }
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Repr {
    Exact(Vec<u64>),
    Sketch(String),
}

impl Serialize for Distinct {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Distinct::Exact(set) => {
                let mut v: Vec<u64> = set.iter().copied().collect();
                v.sort_unstable();
                Repr::Exact(v)
            }
            Distinct::Sketch(regs) => Repr::Sketch(STANDARD.encode(&regs[..])),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Distinct {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Repr::deserialize(d)? {
            Repr::Exact(v) => {
                let mut out = Distinct::Exact(IdSet::default());
                for x in v {
                    out.insert(x);
                }
                Ok(out)
            }
            Repr::Sketch(s) => {
                let bytes = STANDARD.decode(s).map_err(serde::de::Error::custom)?;
                let regs: [u8; M] = bytes
                    .try_into()
                    .map_err(|_| serde::de::Error::custom("sketch has the wrong size"))?;
                Ok(Distinct::Sketch(Box::new(regs)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverse_powers_of_two_are_exact() {
        for r in 0..=u8::MAX {
            assert_eq!(inverse_power_of_two(r), 2f64.powi(-i32::from(r)), "{r}");
        }
    }

    #[test]
    fn exact_below_the_limit() {
        let mut d = Distinct::default();
        for x in [5, 3, 5, 9] {
            d.insert(x);
        }
        assert_eq!(d.count(), 3);
        assert!(d.is_exact());
    }

    #[test]
    fn sketch_error_is_within_bounds() {
        for n in [2_000u64, 50_000, 400_000] {
            let mut d = Distinct::default();
            for x in 0..n {
                d.insert(x * 7919);
            }
            assert!(!d.is_exact());
            let err = (d.count() as f64 - n as f64).abs() / n as f64;
            assert!(err < 0.05, "n={n} estimate={} err={err}", d.count());
        }
    }

    #[test]
    fn merge_is_order_independent() {
        let parts: Vec<Vec<u64>> = vec![
            (0..700).collect(),
            (500..1300).collect(),
            (1200..1250).collect(),
        ];
        let build = |order: &[usize]| {
            let mut acc = Distinct::default();
            for &i in order {
                let mut d = Distinct::default();
                for &x in &parts[i] {
                    d.insert(x);
                }
                acc.merge(&d);
            }
            acc
        };
        let a = build(&[0, 1, 2]);
        assert_eq!(a, build(&[2, 1, 0]));
        assert_eq!(a, build(&[1, 0, 2]));
        let mut all = Distinct::default();
        for x in 0..1300 {
            all.insert(x);
        }
        assert_eq!(a, all);
    }

    #[test]
    fn serde_round_trip() {
        let mut d = Distinct::default();
        for x in 0..3000 {
            d.insert(x);
        }
        let s = serde_json::to_string(&d).unwrap();
        assert_eq!(serde_json::from_str::<Distinct>(&s).unwrap(), d);
        let e = Distinct::Exact([1, 2].into_iter().collect());
        assert_eq!(
            serde_json::from_str::<Distinct>(&serde_json::to_string(&e).unwrap()).unwrap(),
            e
        );
    }
}
