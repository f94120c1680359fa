//! Counts per cause for the tables with one row per client or credential:
//! most rows only ever see one cause, so that case is kept in 16 bytes
//! instead of a counter per cause (the tables hold hundreds of thousands of
//! rows, and every byte of a row is copied when tables grow and merge).
//! Serialized as a counter per cause, in the order of `Cause::ALL`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::verdict::Cause;

/// Counts per cause. Canonical: `Many` only once two causes have counted,
/// so equal counts compare equal.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Tally {
    #[default]
    Empty,
    One(Cause, u64),
    Many(Box<[u64; Cause::COUNT]>),
}

impl Tally {
    /// Adds `n` to `cause`.
    pub fn add(&mut self, cause: Cause, n: u64) {
        if n == 0 {
            return;
        }
        match self {
            Tally::Empty => *self = Tally::One(cause, n),
            Tally::One(c, m) if *c == cause => *m = (*m).saturating_add(n),
            Tally::One(c, m) => {
                let mut all = [0u64; Cause::COUNT];
                all[c.index()] = *m;
                all[cause.index()] = n;
                *self = Tally::Many(Box::new(all));
            }
            Tally::Many(all) => all[cause.index()] = all[cause.index()].saturating_add(n),
        }
    }

    /// Adds every count of `other`.
    pub fn merge(&mut self, other: &Tally) {
        match other {
            Tally::Empty => {}
            Tally::One(c, n) => self.add(*c, *n),
            Tally::Many(all) => {
                for (c, &n) in Cause::ALL.iter().zip(all.iter()) {
                    self.add(*c, n);
                }
            }
        }
    }

    /// A counter per cause, in the order of `Cause::ALL`.
    pub fn counts(&self) -> [u64; Cause::COUNT] {
        match self {
            Tally::Empty => [0; Cause::COUNT],
            Tally::One(c, n) => {
                let mut all = [0u64; Cause::COUNT];
                all[c.index()] = *n;
                all
            }
            Tally::Many(all) => **all,
        }
    }

    /// The tally of a counter per cause (canonical).
    pub fn from_counts(counts: [u64; Cause::COUNT]) -> Tally {
        let mut t = Tally::Empty;
        for (c, n) in Cause::ALL.iter().zip(counts) {
            t.add(*c, n);
        }
        t
    }
}

impl Serialize for Tally {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.counts().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Tally {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        <[u64; Cause::COUNT]>::deserialize(d).map(Tally::from_counts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cause() -> impl Strategy<Value = Cause> {
        (0..Cause::COUNT).prop_map(|i| Cause::ALL[i])
    }

    #[test]
    fn small() {
        assert!(std::mem::size_of::<Tally>() <= 16);
    }

    proptest! {
        /// Adding and merging give what plain per-cause counters give,
        /// the same state whichever way they were reached, and the same JSON.
        #[test]
        fn a_tally_is_a_counter_per_cause(
            adds in proptest::collection::vec((cause(), 0..5u64), 0..12),
            more in proptest::collection::vec((cause(), 0..5u64), 0..12),
        ) {
            let mut plain = [0u64; Cause::COUNT];
            let (mut a, mut b) = (Tally::default(), Tally::default());
            for &(c, n) in &adds {
                plain[c.index()] = plain[c.index()].saturating_add(n);
                a.add(c, n);
            }
            for &(c, n) in &more {
                plain[c.index()] = plain[c.index()].saturating_add(n);
                b.add(c, n);
            }
            let mut ab = a.clone();
            ab.merge(&b);
            let mut ba = b.clone();
            ba.merge(&a);
            prop_assert_eq!(ab.counts(), plain);
            prop_assert_eq!(&ab, &ba);
            prop_assert_eq!(&ab, &Tally::from_counts(plain));
            let json = serde_json::to_string(&ab).expect("json");
            prop_assert_eq!(&json, &serde_json::to_string(&plain).expect("json"));
            let back: Tally = serde_json::from_str(&json).expect("back");
            prop_assert_eq!(back, ab);
        }
    }
}
