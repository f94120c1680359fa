//! Where a partial summary comes from: the tool version, the configuration
//! that read its inputs and decided its verdicts (with a fingerprint of it),
//! and each input with its size and content digest. `merge` uses it to
//! refuse partials made with other settings (naming the setting) and an
//! input counted in two partials.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::summary::Settings;

/// How inputs were read: the options beside the analysis settings
/// (`Settings`, which the summary holds) that change a result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reading {
    /// `detect`, or the format every input was read as.
    pub format: String,
    pub log_format: Option<String>,
    pub json_fields: Option<String>,
    /// `--sanitized`: `auto`, `yes` or `no`.
    pub sanitized: String,
    pub max_record_bytes: u64,
}

impl Reading {
    /// The options that differ, in words (`format detect vs caddy`).
    pub fn differences(&self, o: &Reading) -> Vec<String> {
        let opt = |s: &Option<String>| s.as_deref().map_or("none".into(), |s| format!("'{s}'"));
        let mut out = Vec::new();
        let mut differ = |what: &str, a: String, b: String| {
            if a != b {
                out.push(format!("{what} {a} vs {b}"));
            }
        };
        differ("format", self.format.clone(), o.format.clone());
        differ("log format", opt(&self.log_format), opt(&o.log_format));
        differ("json fields", opt(&self.json_fields), opt(&o.json_fields));
        differ("sanitized", self.sanitized.clone(), o.sanitized.clone());
        differ(
            "max record bytes",
            self.max_record_bytes.to_string(),
            o.max_record_bytes.to_string(),
        );
        out
    }
}

/// One input of a run.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct InputRecord {
    pub path: String,
    /// Bytes read (of the file as stored: compressed for a `.gz`).
    pub bytes: u64,
    /// BLAKE3 of the byte count, the first and the last MiB read (see
    /// `input::digest`); none for an input that could not be opened.
    pub digest: Option<String>,
}

impl InputRecord {
    /// What makes two inputs the same: their size and digest. Empty inputs
    /// have no identity (they add nothing, so counting one twice is
    /// harmless, and rotation leaves many).
    fn identity(&self) -> Option<(u64, &str)> {
        match &self.digest {
            Some(d) if self.bytes > 0 => Some((self.bytes, d.as_str())),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// The authsift that wrote the partial.
    pub tool_version: String,
    pub reading: Reading,
    /// 16 hex digits: a hash of `reading` and the summary's settings (the
    /// fingerprint key's id, never the key). Equal fingerprints, equal
    /// configurations.
    pub configuration: String,
    pub inputs: Vec<InputRecord>,
}

/// The configuration fingerprint of `reading` with `settings`.
pub fn fingerprint(reading: &Reading, settings: &Settings) -> String {
    let text = serde_json::to_vec(&(reading, settings)).unwrap_or_default();
    blake3::hash(&text).to_hex()[..16].to_string()
}

impl Provenance {
    pub fn new(reading: Reading, settings: &Settings, mut inputs: Vec<InputRecord>) -> Self {
        inputs.sort();
        Provenance {
            tool_version: env!("CARGO_PKG_VERSION").into(),
            configuration: fingerprint(&reading, settings),
            reading,
            inputs,
        }
    }

    /// Why this provenance could not have been written with `settings`.
    pub fn validate(&self, settings: &Settings) -> Result<(), String> {
        if self.configuration != fingerprint(&self.reading, settings) {
            return Err(
                "provenance.configuration is not the fingerprint of its reading options and settings"
                    .into(),
            );
        }
        Ok(())
    }
}

/// What to do with partials, read in the order given, that hold the same
/// input (see `plan`).
#[derive(Debug, PartialEq, Eq)]
pub enum Take {
    Merge,
    /// Every input of it is counted by another partial (`--allow-duplicates`).
    Skip,
}

/// Decides which partials to merge so that no input is counted twice:
/// partials with more inputs first; one that shares an input with one
/// taken before is refused, or, with `allow_duplicates` and when all of its
/// inputs are counted already, skipped (counted once). `names` are for
/// messages. Returns one `Take` per partial, in the order given.
pub fn plan(partials: &[(&str, &Provenance)], allow_duplicates: bool) -> Result<Vec<Take>, String> {
    let ids = |p: &Provenance| -> Vec<(u64, String, String)> {
        p.inputs
            .iter()
            .filter_map(|i| {
                i.identity()
                    .map(|(b, d)| (b, d.to_string(), i.path.clone()))
            })
            .collect()
    };
    let mut order: Vec<usize> = (0..partials.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(ids(partials[i].1).len()));
    let mut seen: BTreeMap<(u64, String), (String, usize)> = BTreeMap::new();
    let mut take: Vec<Take> = (0..partials.len()).map(|_| Take::Merge).collect();
    for i in order {
        let (name, prov) = partials[i];
        let mine = ids(prov);
        let shared: Vec<&(u64, String, String)> = mine
            .iter()
            .filter(|(b, d, _)| seen.contains_key(&(*b, d.clone())))
            .collect();
        if shared.is_empty() {
            for (b, d, path) in mine {
                seen.entry((b, d)).or_insert((path, i));
            }
            continue;
        }
        let (b, d, path) = shared[0];
        let (other_path, other) = &seen[&(*b, d.clone())];
        let other_name = partials[*other].0;
        let same = if path == other_path {
            format!("input {path}")
        } else {
            format!("input {path} (the same content as {other_path})")
        };
        if allow_duplicates && shared.len() == mine.len() {
            take[i] = Take::Skip;
            continue;
        }
        if allow_duplicates {
            return Err(format!(
                "{name}: {same} is also in {other_name}, and {name} holds other inputs too: \
                 it cannot be counted once (--allow-duplicates skips a partial only when every input of it is in another)"
            ));
        }
        if name == other_name {
            return Err(format!(
                "{name} is given twice: its inputs would be counted twice \
                 (give --allow-duplicates to count them once)"
            ));
        }
        return Err(format!(
            "{name}: {same} is also in {other_name}: it would be counted twice \
             (give --allow-duplicates to count it once)"
        ));
    }
    Ok(take)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prov(inputs: &[(&str, u64, &str)]) -> Provenance {
        Provenance {
            tool_version: "x".into(),
            reading: Reading {
                format: "detect".into(),
                log_format: None,
                json_fields: None,
                sanitized: "auto".into(),
                max_record_bytes: 1,
            },
            configuration: String::new(),
            inputs: inputs
                .iter()
                .map(|&(p, b, d)| InputRecord {
                    path: p.into(),
                    bytes: b,
                    digest: Some(d.into()),
                })
                .collect(),
        }
    }

    #[test]
    fn duplicates_are_refused_or_counted_once() {
        let a = prov(&[("a.log", 10, "aa")]);
        let ab = prov(&[("a.log", 10, "aa"), ("b.log", 5, "bb")]);
        let b = prov(&[("copy.log", 5, "bb")]);
        let empty = prov(&[("e.log", 0, "ee")]);
        assert_eq!(
            plan(&[("1", &a), ("2", &empty), ("3", &empty)], false),
            Ok(vec![Take::Merge, Take::Merge, Take::Merge])
        );
        let err = plan(&[("1", &a), ("2", &a)], false).unwrap_err();
        assert!(err.contains("input a.log is also in 1"), "{err}");
        assert!(err.contains("--allow-duplicates"), "{err}");
        // the partial with more inputs is taken; those inside it skipped
        assert_eq!(
            plan(&[("1", &a), ("2", &ab), ("3", &b)], true),
            Ok(vec![Take::Skip, Take::Merge, Take::Skip])
        );
        let err = plan(&[("1", &b), ("2", &ab)], false).unwrap_err();
        assert!(err.contains("the same content as"), "{err}");
        let c = prov(&[("a.log", 10, "aa"), ("c.log", 7, "cc")]);
        assert!(plan(&[("1", &ab), ("2", &c)], true).is_err());
    }
}
