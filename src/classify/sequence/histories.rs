//! The credential histories of a part, split into shards by a few bits of
//! their identity. A part of a large log holds hundreds of thousands of
//! histories; two parts merge shard by shard, and a shard of two parts fits
//! in a core's cache where the whole table does not (one table: 23 ms to
//! merge two halves of a 2 GB log; the shards also merge on all workers).

use rayon::prelude::*;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::CredHistory;
use crate::fingerprint::IdTable;
use crate::summary::merge_ids;

/// Shards of a part with any history.
const SHARDS: usize = 64;

/// Credential histories by (host, value) identity.
#[derive(Debug, Clone, Default)]
pub struct Histories {
    /// Empty until the first history (a part without credentials allocates
    /// nothing), then `SHARDS` tables.
    shards: Vec<IdTable<CredHistory>>,
}

/// The shard of an identity: bits the hash tables do not look at (they use
/// the low bits for the slot and the top seven for the tag).
#[inline(always)]
fn shard(id: u64) -> usize {
    (id >> 32) as usize % SHARDS
}

impl Histories {
    pub fn get(&self, id: &u64) -> Option<&CredHistory> {
        self.shards.get(shard(*id))?.get(id)
    }

    /// The history of `id`, made by `new` when there is none.
    #[inline]
    pub fn get_or_insert_with(
        &mut self,
        id: u64,
        new: impl FnOnce() -> CredHistory,
    ) -> &mut CredHistory {
        self.shard_mut(id).entry(id).or_insert_with(new)
    }

    /// Sets the history of `id`.
    pub fn insert(&mut self, id: u64, h: CredHistory) {
        self.shard_mut(id).insert(id, h);
    }

    fn shard_mut(&mut self, id: u64) -> &mut IdTable<CredHistory> {
        if self.shards.is_empty() {
            self.shards = (0..SHARDS).map(|_| IdTable::default()).collect();
        }
        &mut self.shards[shard(id)]
    }

    pub fn len(&self) -> usize {
        self.shards.iter().map(IdTable::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.shards.iter().all(IdTable::is_empty)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&u64, &CredHistory)> {
        self.shards.iter().flatten()
    }

    /// Every identity and its history, on all workers.
    pub fn par_iter(&self) -> impl ParallelIterator<Item = (&u64, &CredHistory)> {
        self.shards.par_iter().flat_map_iter(|s| s.iter())
    }

    /// Every history, on all workers.
    pub fn par_values(&self) -> impl ParallelIterator<Item = &CredHistory> {
        self.shards.par_iter().flat_map_iter(IdTable::values)
    }

    /// Changes every history, on all workers.
    pub fn par_update(&mut self, f: impl Fn(&mut CredHistory) + Sync + Send) {
        self.shards
            .par_iter_mut()
            .for_each(|s| s.values_mut().for_each(&f));
    }

    /// Adds another part's histories (associative, commutative), shard by
    /// shard on all workers.
    pub fn merge(&mut self, o: Histories) {
        if o.shards.is_empty() {
            return;
        }
        if self.shards.is_empty() {
            *self = o;
            return;
        }
        self.shards
            .par_iter_mut()
            .zip(o.shards)
            .for_each(|(into, from)| merge_ids(into, from, |h, v| h.merge(&v)));
    }
}

impl PartialEq for Histories {
    /// The same histories, however they are sharded.
    fn eq(&self, o: &Histories) -> bool {
        self.len() == o.len() && self.iter().all(|(k, v)| o.get(k) == Some(v))
    }
}

impl Eq for Histories {}

impl FromIterator<(u64, CredHistory)> for Histories {
    fn from_iter<I: IntoIterator<Item = (u64, CredHistory)>>(it: I) -> Self {
        let mut h = Histories::default();
        for (k, v) in it {
            h.insert(k, v);
        }
        h
    }
}

/// Written as a list of (identity, history) sorted by identity.
impl Serialize for Histories {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut v: Vec<(&u64, &CredHistory)> = self.iter().collect();
        v.sort_by_key(|(k, _)| **k);
        v.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Histories {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Histories, D::Error> {
        let v: Vec<(u64, CredHistory)> = Vec::deserialize(d)?;
        Ok(v.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::Order;

    fn at(t: i64) -> Order {
        Order {
            t,
            file: 0,
            record: t as u64,
        }
    }

    fn seen(t: i64) -> CredHistory {
        CredHistory {
            intervals: super::super::Intervals::new(at(t), at(t)),
            fp: 7,
            first_client: t as u64,
            is_token: false,
            scope: 0,
        }
    }

    /// Merging parts gives the histories one part of all the successes
    /// gives, whatever shard an identity falls in and whichever side holds
    /// it, and the list written is sorted by identity.
    #[test]
    fn parts_merge_into_the_histories_of_the_whole() {
        let ids: Vec<u64> = (0..500u64)
            .map(|i| crate::fingerprint::mix(i + 1))
            .collect();
        let mut left: Histories = ids[..300].iter().map(|&k| (k, seen(1))).collect();
        let right: Histories = ids[200..].iter().map(|&k| (k, seen(2))).collect();
        left.merge(right);
        assert_eq!(left.len(), 500);
        for (i, k) in ids.iter().enumerate() {
            let h = left.get(k).expect("every identity is kept");
            let times: Vec<i64> = h.intervals.iter().map(|(f, _)| f.t).collect();
            let want = match i {
                0..200 => vec![1],
                200..300 => vec![1, 2],
                _ => vec![2],
            };
            assert_eq!(times, want, "identity {i}");
            assert_eq!(h.first_client, want[0] as u64);
        }
        let written = serde_json::to_value(&left).expect("serializes");
        let keys: Vec<u64> = written
            .as_array()
            .expect("a list")
            .iter()
            .map(|e| e[0].as_u64().expect("an identity"))
            .collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        assert_eq!(keys, sorted);
        let back: Histories = serde_json::from_value(written).expect("reads back");
        assert_eq!(back, left);
        assert!(Histories::default().is_empty());
        assert_ne!(back, Histories::default());
    }
}
