//! The mergeable summary. `State` counts decided 401s (their verdicts are
//! final when they get here: the sequence stage of `classify` decides what
//! waited for other records) and holds the parse problems. It is a
//! commutative monoid: `merge` is associative and commutative and
//! `State::new` is its identity, so the same code combines rayon chunks,
//! files, and partial summaries written on other machines. `finalize`
//! produces the `Report` that outputs write.

pub mod distinct;
pub mod report;
pub mod tally;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use crate::fingerprint::{IdMap, IdTable, fast_hash};

use serde::{Deserialize, Serialize};

use crate::time::Timestamp;
use crate::verdict::{Cause, EvidenceKind, Verdict};
pub use distinct::Distinct;
pub use tally::Tally;

/// Version of the partial-summary format (`--partial`, `merge`).
pub const PARTIAL_VERSION: u32 = 5;
/// Problems kept per file (the rest are counted).
pub const PROBLEMS_PER_FILE: usize = 20;
/// How the message of a problem that is a remark, not a fault, begins.
pub const NOTE: &str = "note: ";

/// A place in the global order of exchanges: time first, then the input's
/// identity and the record's position, so that the order does not depend on
/// the order of paths on the command line or on threads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Order {
    pub t: i64,
    pub file: u64,
    pub record: u64,
}

/// The identity of an input in the global order (`Order::file`): a hash of
/// its name as given, so that it does not depend on the order of paths.
pub fn input_key(name: &str) -> u64 {
    fast_hash(&[name.as_bytes()])
}

/// A record as people find it: `file:line` for a log, `file:entry N` for
/// a HAR capture (entries are counted from 0, as in `log.entries`).
pub fn record_place(file: &str, format: &str, record: u64) -> String {
    if format == "har" {
        format!("{file}:entry {record}")
    } else {
        format!("{file}:{record}")
    }
}

/// A grouping dimension of the pattern key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dim {
    Cause,
    Host,
    Method,
    Path,
    Client,
    UserAgent,
    Credential,
    StatusDetail,
}

impl Dim {
    pub const ALL: [Dim; 8] = [
        Dim::Cause,
        Dim::Host,
        Dim::Method,
        Dim::Path,
        Dim::Client,
        Dim::UserAgent,
        Dim::Credential,
        Dim::StatusDetail,
    ];
    pub const DEFAULT: [Dim; 4] = [Dim::Cause, Dim::Host, Dim::Method, Dim::Path];
    pub fn id(self) -> &'static str {
        match self {
            Dim::Cause => "cause",
            Dim::Host => "host",
            Dim::Method => "method",
            Dim::Path => "path",
            Dim::Client => "client",
            Dim::UserAgent => "user_agent",
            Dim::Credential => "credential",
            Dim::StatusDetail => "status_detail",
        }
    }
    pub fn from_id(s: &str) -> Option<Dim> {
        Dim::ALL.into_iter().find(|d| d.id() == s)
    }
}

/// Options that change what a summary contains. Two states can only be
/// merged when these are equal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    pub fingerprint_key_id: String,
    pub group_by: Vec<Dim>,
    pub bucket_secs: i64,
    pub handshake_window_us: i64,
    pub clock_skew_secs: i64,
    pub incident_min_credentials: u64,
    pub storm_per_minute: u64,
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
    /// Version of the server-phrase rules that decided the verdicts (the
    /// configuration names it; partials made with other rules do not merge).
    pub phrases_version: u32,
    /// The most rows the pattern, client and credential tables keep.
    #[serde(default)]
    pub limits: Limits,
}

/// The most rows a table keeps (`--max-patterns`, `--max-clients`,
/// `--max-credentials`). When a table has more, the rows kept are those
/// whose keys hash lowest (a choice that depends on the set of keys alone,
/// never on the order in which parts merge), and the others are folded
/// into the table's `other` row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    pub patterns: usize,
    pub clients: usize,
    pub credentials: usize,
}

impl Limits {
    pub const DEFAULT: Limits = Limits {
        patterns: 100_000,
        clients: 250_000,
        credentials: 250_000,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// The rows a capped table has folded: their sum (`other`), and the rank
/// (key hash) above which no row can be among the kept ones any more (once
/// `cap` rows rank at or below it, which stays true as parts merge), so
/// that such rows are folded as they come instead of being stored.
#[derive(Debug, Clone)]
pub struct Fold<V> {
    pub other: Option<V>,
    floor: Option<u64>,
}

impl<V> Default for Fold<V> {
    fn default() -> Self {
        Fold {
            other: None,
            floor: None,
        }
    }
}

/// Only `other` is state: the floor is a shortcut.
impl<V: PartialEq> PartialEq for Fold<V> {
    fn eq(&self, o: &Self) -> bool {
        self.other == o.other
    }
}

impl<V: Eq> Eq for Fold<V> {}

impl<V: Serialize> Serialize for Fold<V> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.other.serialize(s)
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Fold<V> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Fold {
            other: Option::<V>::deserialize(d)?,
            floor: None,
        })
    }
}

impl<V> Fold<V> {
    /// Must a row of this rank be folded as it comes?
    #[inline]
    pub fn folds(&self, rank: u64) -> bool {
        self.floor.is_some_and(|f| rank > f)
    }

    fn lower(&mut self, floor: u64) {
        self.floor = Some(self.floor.map_or(floor, |f| f.min(floor)));
    }

    fn merge(&mut self, o: Fold<V>, both: impl FnOnce(&mut V, V)) {
        if let Some(f) = o.floor {
            self.lower(f);
        }
        match (&mut self.other, o.other) {
            (Some(a), Some(b)) => both(a, b),
            (None, Some(b)) => self.other = Some(b),
            _ => {}
        }
    }

    fn add(&mut self, v: V, both: impl FnOnce(&mut V, V)) {
        match &mut self.other {
            Some(a) => both(a, v),
            None => self.other = Some(v),
        }
    }
}

/// The most rows a capped table holds before it is trimmed back to its cap
/// (while running): a quarter over the cap, so that trimming, which walks
/// the table, costs O(1) a row, while the table stays near its cap.
pub(crate) fn overshoot(cap: usize) -> usize {
    cap.saturating_add((cap / 4).max(1))
}

/// Keeps the `cap` rows of `t` with the lowest keys (ids are hashes),
/// folding the others into `fold`; `exact`: down to `cap` now, else only
/// once the table has more than `overshoot(cap)`. In place: the table
/// keeps its room for the rows to come.
pub(crate) fn trim_ids<V>(
    t: &mut IdTable<V>,
    cap: usize,
    fold: &mut Fold<V>,
    exact: bool,
    add: impl Fn(&mut Fold<V>, V),
) {
    let cap = cap.max(1);
    if t.len() <= cap || (!exact && t.len() <= overshoot(cap)) {
        return;
    }
    let mut keys: Vec<u64> = t.keys().copied().collect();
    let (_, &mut floor, _) = keys.select_nth_unstable(cap - 1);
    drop(keys);
    fold.lower(floor);
    for (_, v) in t.extract_if(.., |k, _| *k > floor) {
        add(fold, v);
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            fingerprint_key_id: "default".into(),
            group_by: Dim::DEFAULT.to_vec(),
            bucket_secs: 3600,
            handshake_window_us: 10_000_000,
            clock_skew_secs: 30,
            incident_min_credentials: 3,
            storm_per_minute: 10,
            since: None,
            until: None,
            phrases_version: 0,
            limits: Limits::DEFAULT,
        }
    }
}

/// The widest time-series bucket a summary can have (100 years: wider would
/// overflow microseconds).
pub const MAX_BUCKET_SECS: i64 = 100 * 366 * 86400;
/// The largest handshake window (`--handshake-window` allows an hour).
pub const MAX_HANDSHAKE_WINDOW_US: i64 = 3600 * 1_000_000;
/// The largest clock skew (ten years: token times are compared in seconds).
pub const MAX_CLOCK_SKEW_SECS: i64 = 10 * 366 * 86400;

impl Settings {
    /// Why these settings could not come from a run of authsift (a damaged
    /// or crafted partial summary), naming the field; what the command line
    /// refuses is refused here too.
    pub fn validate(&self) -> Result<(), String> {
        let b = self.bucket_secs;
        if !(1..=MAX_BUCKET_SECS).contains(&b) || (86400 % b != 0 && b % 86400 != 0) {
            return Err(format!(
                "settings.bucket_secs is {b}: a bucket width is 1 to {MAX_BUCKET_SECS} seconds and divides a day evenly (or is whole days)"
            ));
        }
        if !(0..=MAX_HANDSHAKE_WINDOW_US).contains(&self.handshake_window_us) {
            return Err(format!(
                "settings.handshake_window_us is {}: it must be between 0 and {MAX_HANDSHAKE_WINDOW_US}",
                self.handshake_window_us
            ));
        }
        if !(0..=MAX_CLOCK_SKEW_SECS).contains(&self.clock_skew_secs) {
            return Err(format!(
                "settings.clock_skew_secs is {}: it must be between 0 and {MAX_CLOCK_SKEW_SECS}",
                self.clock_skew_secs
            ));
        }
        if self.incident_min_credentials == 0 {
            return Err("settings.incident_min_credentials is 0: it must be at least 1".into());
        }
        if self.storm_per_minute == 0 {
            return Err("settings.storm_per_minute is 0: it must be at least 1".into());
        }
        if self.group_by.is_empty() {
            return Err("settings.group_by is empty: it needs at least one dimension".into());
        }
        for (i, d) in self.group_by.iter().enumerate() {
            if self.group_by[..i].contains(d) {
                return Err(format!("settings.group_by names {} twice", d.id()));
            }
        }
        if let (Some(s), Some(u)) = (self.since, self.until)
            && s >= u
        {
            return Err("settings.since is not before settings.until".into());
        }
        if self.fingerprint_key_id.is_empty() {
            return Err("settings.fingerprint_key_id is empty".into());
        }
        Ok(())
    }

    /// The settings that differ between two runs, in words, as the
    /// command line spells them: `bucket 1h vs 1d`.
    pub fn differences(&self, o: &Settings) -> Vec<String> {
        fn secs(us: i64) -> String {
            if us % 1_000_000 == 0 {
                format!("{}s", us / 1_000_000)
            } else {
                format!("{}s", us as f64 / 1e6)
            }
        }
        fn time(t: Option<Timestamp>) -> String {
            t.map_or("none".into(), |t| t.to_string())
        }
        let dims = |g: &[Dim]| g.iter().map(|d| d.id()).collect::<Vec<_>>().join(",");
        let mut out = Vec::new();
        let mut differ = |what: &str, a: String, b: String| {
            if a != b {
                out.push(format!("{what} {a} vs {b}"));
            }
        };
        differ(
            "fingerprint key",
            self.fingerprint_key_id.clone(),
            o.fingerprint_key_id.clone(),
        );
        differ("group-by", dims(&self.group_by), dims(&o.group_by));
        differ(
            "bucket",
            width_words(self.bucket_secs),
            width_words(o.bucket_secs),
        );
        differ(
            "handshake window",
            secs(self.handshake_window_us),
            secs(o.handshake_window_us),
        );
        differ(
            "clock skew",
            format!("{}s", self.clock_skew_secs),
            format!("{}s", o.clock_skew_secs),
        );
        differ(
            "incident minimum credentials",
            self.incident_min_credentials.to_string(),
            o.incident_min_credentials.to_string(),
        );
        differ(
            "storm per minute",
            self.storm_per_minute.to_string(),
            o.storm_per_minute.to_string(),
        );
        differ("since", time(self.since), time(o.since));
        differ("until", time(self.until), time(o.until));
        differ(
            "phrase table version",
            self.phrases_version.to_string(),
            o.phrases_version.to_string(),
        );
        differ(
            "max patterns",
            self.limits.patterns.to_string(),
            o.limits.patterns.to_string(),
        );
        differ(
            "max clients",
            self.limits.clients.to_string(),
            o.limits.clients.to_string(),
        );
        differ(
            "max credentials",
            self.limits.credentials.to_string(),
            o.limits.credentials.to_string(),
        );
        out
    }
}

/// A bucket width as `--bucket` takes it: `1h`, `5m`, `1d`, `90s`.
pub fn width_words(secs: i64) -> String {
    if secs % 86400 == 0 {
        format!("{}d", secs / 86400)
    } else if secs % 3600 == 0 {
        format!("{}h", secs / 3600)
    } else if secs % 60 == 0 {
        format!("{}m", secs / 60)
    } else {
        format!("{secs}s")
    }
}

/// Text shared between records (hosts, paths, clients repeat): cloning is
/// a reference-count increment.
pub type Shared = Arc<str>;

/// One 401 with everything the aggregates and the events output need;
/// secret-free (credentials are fingerprints, targets are redacted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record401 {
    pub order: Order,
    pub time: Option<Timestamp>,
    /// Input index in the run that read it (events only: not kept in
    /// partial summaries, whose order of inputs is their own).
    #[serde(skip)]
    pub file: u32,
    pub record: u64,
    pub host: Option<Shared>,
    pub method: Shared,
    /// Path template.
    pub path: Shared,
    /// Redacted target (path and query); only kept for the events output.
    #[serde(skip)]
    pub target: Option<Shared>,
    /// Client as shown: address, or user agent when there is no address.
    pub client: Option<Shared>,
    /// Hash of the client identity (0 when none).
    pub client_id: u64,
    pub user_agent: Option<Shared>,
    /// Credential fingerprint.
    pub credential: Option<u64>,
    pub status_detail: Option<Shared>,
    pub verdict: Verdict,
    /// The verdict if the input's credential headers turn out to have been
    /// removed, where `verdict` rests on "no credential seen" alone (the
    /// input decides once it is read; see `classify::rules::NO_CREDENTIAL`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub if_sanitized: Option<Box<Verdict>>,
}

/// The key of a pattern row: the group-by dimensions, others `None`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
pub struct PatternKey {
    pub cause: Option<Cause>,
    pub host: Option<Shared>,
    pub method: Option<Shared>,
    pub path: Option<Shared>,
    pub client: Option<Shared>,
    pub user_agent: Option<Shared>,
    /// `Some(None)`: grouped by credential, and the 401 carried none.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "grouped"
    )]
    pub credential: Option<Option<u64>>,
    pub status_detail: Option<Shared>,
}

/// A present `credential` field (even `null`) means "grouped by credential".
fn grouped<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<u64>>, D::Error> {
    Option::<u64>::deserialize(d).map(Some)
}

fn text_or_empty(v: &Option<Shared>) -> Shared {
    v.clone().unwrap_or_else(|| Arc::from(""))
}

fn same(k: &Option<Shared>, v: &Option<Shared>) -> bool {
    match (k, v) {
        (Some(a), Some(b)) => a == b,
        (Some(a), None) => a.is_empty(),
        (None, _) => false,
    }
}

impl PatternKey {
    pub fn of(r: &Record401, dims: &[Dim]) -> Self {
        let mut k = PatternKey::default();
        for d in dims {
            match d {
                Dim::Cause => k.cause = Some(r.verdict.cause),
                Dim::Host => k.host = Some(text_or_empty(&r.host)),
                Dim::Method => k.method = Some(r.method.clone()),
                Dim::Path => k.path = Some(r.path.clone()),
                Dim::Client => k.client = Some(text_or_empty(&r.client)),
                Dim::UserAgent => k.user_agent = Some(text_or_empty(&r.user_agent)),
                Dim::Credential => k.credential = Some(r.credential),
                Dim::StatusDetail => k.status_detail = Some(text_or_empty(&r.status_detail)),
            }
        }
        k
    }

    /// Is this the key `of(r, dims)` would build? (without building it)
    fn matches(&self, r: &Record401, dims: &[Dim]) -> bool {
        dims.iter().all(|d| match d {
            Dim::Cause => self.cause == Some(r.verdict.cause),
            Dim::Host => same(&self.host, &r.host),
            Dim::Method => self.method.as_deref() == Some(&*r.method),
            Dim::Path => self.path.as_deref() == Some(&*r.path),
            Dim::Client => same(&self.client, &r.client),
            Dim::UserAgent => same(&self.user_agent, &r.user_agent),
            Dim::Credential => self.credential == Some(r.credential),
            Dim::StatusDetail => same(&self.status_detail, &r.status_detail),
        })
    }

    /// A hash of the key a record falls under, computed without building it.
    fn hash_of(r: &Record401, dims: &[Dim]) -> u64 {
        let mut parts: [&[u8]; 8] = [b""; 8];
        let cause = [r.verdict.cause as u8];
        let cred = r.credential.unwrap_or(0).to_le_bytes();
        fn opt(v: &Option<Shared>) -> &[u8] {
            v.as_deref().map_or(b"", str::as_bytes)
        }
        let canonical = Dim::ALL.iter().filter(|d| dims.contains(d));
        let mut n = 0;
        for (i, d) in canonical.enumerate() {
            n = i + 1;
            parts[i] = match d {
                Dim::Cause => &cause,
                Dim::Host => opt(&r.host),
                Dim::Method => r.method.as_bytes(),
                Dim::Path => r.path.as_bytes(),
                Dim::Client => opt(&r.client),
                Dim::UserAgent => opt(&r.user_agent),
                Dim::Credential => &cred,
                Dim::StatusDetail => opt(&r.status_detail),
            };
        }
        fast_hash(&parts[..n])
    }
}

/// The first example of something, by global order (deterministic under merge).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Example {
    pub order: Order,
    /// The record's position for people (HAR entry index, log line number).
    pub record: u64,
    pub cause: Cause,
    pub kind: EvidenceKind,
    pub rule: Cow<'static, str>,
    pub detail: Cow<'static, str>,
    /// The rule's own remedy, if it has one (`Verdict::fix`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<Cow<'static, str>>,
}

impl Example {
    fn of(r: &Record401) -> Self {
        Example {
            order: r.order,
            record: r.record,
            cause: r.verdict.cause,
            kind: r.verdict.kind,
            rule: r.verdict.rule.clone(),
            detail: r.verdict.detail.clone(),
            fix: r.verdict.fix.clone(),
        }
    }

    /// What to do about the 401s of its pattern (`Verdict::fix`).
    pub fn fix(&self) -> &str {
        self.fix.as_deref().unwrap_or(self.cause.fix())
    }
    /// The earliest wins; equal positions (two inputs of the same name)
    /// are ordered by their text, so that the result does not depend on
    /// the order of merges.
    fn key(&self) -> (Order, &str, &str) {
        (self.order, &self.detail, &self.rule)
    }
    fn merge(&mut self, o: &Example) {
        if o.key() < self.key() {
            *self = o.clone();
        }
    }
    fn offer(&mut self, r: &Record401) {
        if (r.order, &*r.verdict.detail, &*r.verdict.rule) < self.key() {
            *self = Example::of(r);
        }
    }
}

/// Pattern rows, found by a hash of their key (no key is built to look one
/// up); serialized in key order, with the row of folded patterns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Patterns(IdMap<Vec<(PatternKey, PatternStats)>>, Fold<PatternStats>);

fn fold_pattern(a: &mut PatternStats, b: PatternStats) {
    a.merge(&b);
}

impl Patterns {
    pub fn iter(&self) -> impl Iterator<Item = (&PatternKey, &PatternStats)> {
        self.0.values().flatten().map(|(k, v)| (k, v))
    }

    /// The patterns folded by the cap (`Limits::patterns`), summed.
    pub fn other(&self) -> Option<&PatternStats> {
        self.1.other.as_ref()
    }

    pub fn len(&self) -> usize {
        self.0.values().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty() && self.1.other.is_none()
    }

    fn entry(&mut self, r: &Record401, dims: &[Dim], cap: usize) -> &mut PatternStats {
        let h = PatternKey::hash_of(r, dims);
        if self.1.folds(h) {
            let fresh = PatternStats::empty(r);
            let other = self.1.other.get_or_insert(fresh);
            return other;
        }
        if self.0.len() >= overshoot(cap) && !self.0.contains_key(&h) {
            self.trim(cap, false);
            if self.1.folds(h) {
                return self.1.other.get_or_insert(PatternStats::empty(r));
            }
        }
        let bucket = self.0.entry(h).or_default();
        let i = match bucket.iter().position(|(k, _)| k.matches(r, dims)) {
            Some(i) => i,
            None => {
                // most buckets hold one row: no room for more (a pushed
                // row would reserve four)
                bucket.reserve_exact(1);
                bucket.push((PatternKey::of(r, dims), PatternStats::empty(r)));
                bucket.len() - 1
            }
        };
        &mut bucket[i].1
    }

    fn merge(&mut self, mut o: Patterns, cap: usize) {
        // walk the smaller table
        if self.0.len() < o.0.len() {
            std::mem::swap(self, &mut o);
        }
        self.1.merge(o.1, fold_pattern);
        for (h, rows) in o.0 {
            if self.1.folds(h) {
                for (_, v) in rows {
                    self.1.add(v, fold_pattern);
                }
                continue;
            }
            let bucket = self.0.entry(h).or_default();
            for (k, v) in rows {
                match bucket.iter_mut().find(|(bk, _)| *bk == k) {
                    Some((_, p)) => p.merge(&v),
                    None => {
                        bucket.reserve_exact(1);
                        bucket.push((k, v));
                    }
                }
            }
        }
        self.trim(cap, false);
    }

    /// Keeps the `cap` patterns whose keys rank lowest (by hash, then key),
    /// folding the others; `exact` as in `trim_ids`. Also folds the rows a
    /// floor learnt from another part rules out.
    fn trim(&mut self, cap: usize, exact: bool) {
        let cap = cap.max(1);
        // while running, the number of hashes will do (counting rows walks
        // every bucket: only for the exact trim)
        let over = if exact {
            self.len() > cap
        } else {
            self.0.len() > overshoot(cap)
        };
        if !over {
            return;
        }
        let mut ranks: Vec<(u64, &PatternKey)> = self
            .0
            .iter()
            .flat_map(|(h, rows)| rows.iter().map(move |(k, _)| (*h, k)))
            .collect();
        let (_, &mut (floor, _), _) = ranks.select_nth_unstable(cap - 1);
        // the keys kept at the floor's own hash (rarely more than one)
        let mut at_floor: Vec<PatternKey> = ranks
            .iter()
            .filter(|(h, _)| *h == floor)
            .map(|(_, k)| (*k).clone())
            .collect();
        let below = ranks.iter().filter(|(h, _)| *h < floor).count();
        at_floor.sort();
        at_floor.truncate(cap - below);
        drop(ranks);
        self.1.lower(floor);
        // in place: the table keeps its room for the rows to come
        for (_, rows) in self.0.extract_if(|h, _| *h > floor) {
            for (_, v) in rows {
                self.1.add(v, fold_pattern);
            }
        }
        if let Some(rows) = self.0.get_mut(&floor) {
            for (_, v) in rows.extract_if(.., |(k, _)| !at_floor.contains(k)) {
                self.1.add(v, fold_pattern);
            }
        }
    }

    /// Every row's example, the folded row's too.
    pub(crate) fn examples_mut(&mut self) -> impl Iterator<Item = &mut Example> {
        self.0
            .values_mut()
            .flatten()
            .map(|(_, v)| &mut v.example)
            .chain(self.1.other.iter_mut().map(|v| &mut v.example))
    }

    fn sorted(&self) -> Vec<(&PatternKey, &PatternStats)> {
        let mut v: Vec<_> = self.iter().collect();
        v.sort_by(|a, b| a.0.cmp(b.0));
        v
    }
}

/// Serialized form: the rows in key order, and the folded row.
#[derive(Serialize)]
struct PatternsOut<'a> {
    rows: Vec<(&'a PatternKey, &'a PatternStats)>,
    other: Option<&'a PatternStats>,
}

#[derive(Deserialize)]
struct PatternsIn {
    rows: Vec<(PatternKey, PatternStats)>,
    other: Option<PatternStats>,
}

impl Serialize for Patterns {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        PatternsOut {
            rows: self.sorted(),
            other: self.other(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Patterns {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let rows = PatternsIn::deserialize(d)?;
        let mut p = Patterns::default();
        for (k, v) in rows.rows {
            // the hash a record with this key would have: rebuild it from the key
            let h = k.hash();
            p.0.entry(h).or_default().push((k, v));
        }
        p.1.other = rows.other;
        Ok(p)
    }
}

impl PatternKey {
    /// The same hash as `hash_of` gives for the records of this key.
    fn hash(&self) -> u64 {
        let mut parts: Vec<Vec<u8>> = Vec::new();
        let opt = |v: &Option<Shared>| v.as_deref().unwrap_or("").as_bytes().to_vec();
        // the dimensions present, in the canonical order records use
        for d in self.dims() {
            parts.push(match d {
                Dim::Cause => vec![self.cause.map_or(0, |c| c as u8)],
                Dim::Host => opt(&self.host),
                Dim::Method => opt(&self.method),
                Dim::Path => opt(&self.path),
                Dim::Client => opt(&self.client),
                Dim::UserAgent => opt(&self.user_agent),
                Dim::Credential => self
                    .credential
                    .flatten()
                    .unwrap_or(0)
                    .to_le_bytes()
                    .to_vec(),
                Dim::StatusDetail => opt(&self.status_detail),
            });
        }
        let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
        fast_hash(&refs)
    }

    fn dims(&self) -> Vec<Dim> {
        let mut v = Vec::new();
        if self.cause.is_some() {
            v.push(Dim::Cause);
        }
        if self.host.is_some() {
            v.push(Dim::Host);
        }
        if self.method.is_some() {
            v.push(Dim::Method);
        }
        if self.path.is_some() {
            v.push(Dim::Path);
        }
        if self.client.is_some() {
            v.push(Dim::Client);
        }
        if self.user_agent.is_some() {
            v.push(Dim::UserAgent);
        }
        if self.credential.is_some() {
            v.push(Dim::Credential);
        }
        if self.status_detail.is_some() {
            v.push(Dim::StatusDetail);
        }
        v
    }
}

fn min_opt<T: Ord + Copy>(a: Option<T>, b: Option<T>) -> Option<T> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

fn max_opt<T: Ord + Copy>(a: Option<T>, b: Option<T>) -> Option<T> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatternStats {
    pub count: u64,
    pub first_seen: Option<Timestamp>,
    pub last_seen: Option<Timestamp>,
    pub clients: Distinct,
    pub credentials: Distinct,
    pub causes: [u64; Cause::COUNT],
    pub example: Example,
}

impl PatternStats {
    /// A row with nothing counted yet (its example is `r`'s).
    fn empty(r: &Record401) -> Self {
        PatternStats {
            count: 0,
            first_seen: None,
            last_seen: None,
            clients: Distinct::default(),
            credentials: Distinct::default(),
            causes: [0; Cause::COUNT],
            example: Example::of(r),
        }
    }

    fn merge(&mut self, o: &PatternStats) {
        self.count = self.count.saturating_add(o.count);
        self.first_seen = min_opt(self.first_seen, o.first_seen);
        self.last_seen = max_opt(self.last_seen, o.last_seen);
        self.clients.merge(&o.clients);
        self.credentials.merge(&o.credentials);
        for (a, b) in self.causes.iter_mut().zip(o.causes) {
            *a = (*a).saturating_add(b);
        }
        self.example.merge(&o.example);
    }
}

/// Failures of one client with one credential (retry storms).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientStats {
    pub client_id: u64,
    /// Fingerprint, 0 when the 401s carried none.
    pub credential: u64,
    pub client: Shared,
    pub user_agent: Option<Shared>,
    pub count: u64,
    pub first: Option<Timestamp>,
    pub last: Option<Timestamp>,
    /// 401s per minute (minute start in seconds).
    pub per_minute: PerMinute,
    pub causes: Tally,
}

/// Counts per minute (minute start in seconds), sorted by minute. Most
/// clients fail within one minute: that one is kept inline (no allocation,
/// and a row stays small). Serialized as a map from minute to count.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum PerMinute {
    #[default]
    Empty,
    /// The only minute.
    One(i64, u64),
    /// Every minute, sorted, once there are two or more.
    More(Box<Vec<(i64, u64)>>),
}

impl PerMinute {
    /// Adds `n` to minute `m`.
    pub fn add(&mut self, m: i64, n: u64) {
        match self {
            PerMinute::Empty => *self = PerMinute::One(m, n),
            PerMinute::One(m0, c) if *m0 == m => *c = (*c).saturating_add(n),
            PerMinute::One(m0, c) => {
                let x = (*m0, *c);
                *self = PerMinute::More(Box::new(if x.0 < m {
                    vec![x, (m, n)]
                } else {
                    vec![(m, n), x]
                }));
            }
            // records come mostly in time order: the last minute first
            PerMinute::More(more) => match more.last_mut() {
                Some(last) if last.0 == m => last.1 = last.1.saturating_add(n),
                Some(last) if last.0 < m => more.push((m, n)),
                _ => match more.binary_search_by_key(&m, |e| e.0) {
                    Ok(i) => more[i].1 = more[i].1.saturating_add(n),
                    Err(i) => more.insert(i, (m, n)),
                },
            },
        }
    }

    /// Adds every minute of `other` (one pass over both sorted lists: the
    /// minutes of another part may all come before these).
    pub fn merge(&mut self, other: PerMinute) {
        if other == PerMinute::Empty {
            return;
        }
        if *self == PerMinute::Empty {
            *self = other;
            return;
        }
        let (a, b) = (std::mem::take(self), other);
        let mut out: Vec<(i64, u64)> = Vec::with_capacity(a.len() + b.len());
        let (mut x, mut y) = (a.iter().peekable(), b.iter().peekable());
        loop {
            let next = match (x.peek(), y.peek()) {
                (Some(&p), Some(&q)) if p.0 == q.0 => {
                    x.next();
                    y.next();
                    (p.0, p.1.saturating_add(q.1))
                }
                (Some(&p), Some(&q)) if p.0 < q.0 => {
                    x.next();
                    p
                }
                (_, Some(&q)) => {
                    y.next();
                    q
                }
                (Some(&p), None) => {
                    x.next();
                    p
                }
                (None, None) => break,
            };
            out.push(next);
        }
        *self = match out[..] {
            [] => PerMinute::Empty,
            [(m, n)] => PerMinute::One(m, n),
            _ => PerMinute::More(Box::new(out)),
        };
    }

    fn len(&self) -> usize {
        match self {
            PerMinute::Empty => 0,
            PerMinute::One(..) => 1,
            PerMinute::More(more) => more.len(),
        }
    }

    /// Every minute and its count, in minute order.
    pub fn iter(&self) -> impl Iterator<Item = (i64, u64)> + '_ {
        let one = match self {
            PerMinute::One(m, n) => Some((*m, *n)),
            _ => None,
        };
        let more: &[(i64, u64)] = match self {
            PerMinute::More(more) => more,
            _ => &[],
        };
        one.into_iter().chain(more.iter().copied())
    }

    /// The largest count of a minute (0 without any).
    pub fn peak(&self) -> u64 {
        self.iter().map(|(_, n)| n).max().unwrap_or(0)
    }
}

impl Serialize for PerMinute {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for PerMinute {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = BTreeMap::<i64, u64>::deserialize(d)?;
        let mut p = PerMinute::default();
        for (m, n) in map {
            p.add(m, n);
        }
        Ok(p)
    }
}

/// Failures of one credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct CredentialFailures {
    pub count: u64,
    pub first: Option<Timestamp>,
    pub last: Option<Timestamp>,
    pub causes: Tally,
}

/// 401s of otherwise valid credentials on one host in one minute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct IncidentBucket {
    pub count: u64,
    pub first: Option<Timestamp>,
    pub last: Option<Timestamp>,
    pub credentials: Distinct,
    pub clients: Distinct,
    pub causes: [u64; Cause::COUNT],
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// Entry index (HAR, 0-based) or line number (logs, 1-based).
    pub position: u64,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct FileStats {
    pub format: String,
    pub bytes: u64,
    pub exchanges: u64,
    pub status_401: u64,
    pub unparsed: u64,
    /// Records that counted but had a field that could not be read (a bad timestamp, say).
    pub degraded: u64,
    /// Records outside `--since`/`--until` (counted, not analysed).
    pub filtered: u64,
    pub problems: Vec<Problem>,
    /// The first record that could not be parsed, with why (the problems
    /// also hold notes and degraded records, and only the first
    /// `PROBLEMS_PER_FILE`): what the diagnostics name as "first at".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_unparsed: Option<Problem>,
    /// The input could not be read (or only partly).
    pub error: Option<String>,
    /// A capture whose credential headers were removed (HAR inputs only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sanitized: Option<bool>,
    /// Why a file found in a directory was passed over (a format that is
    /// not recognised): listed, not analysed, not a failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    /// An error log: its authentication lines and which of them were
    /// joined to a 401 (error-log inputs only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_log: Option<ErrorLogStats>,
    /// The product or framework whose known layout the input was read as
    /// (`logs::template::KNOWN_LAYOUTS`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layout: Option<String>,
}

/// The authentication lines of an error log and the ones joined to a 401.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ErrorLogStats {
    pub auth_failures: u64,
    /// Line numbers (from 1) of the lines some 401 was joined to: a set,
    /// so that the count does not depend on how the 401s were split.
    pub joined: std::collections::BTreeSet<u64>,
}

impl ErrorLogStats {
    fn merge(&mut self, o: &ErrorLogStats) {
        self.auth_failures = self.auth_failures.saturating_add(o.auth_failures);
        self.joined.extend(o.joined.iter().copied());
    }

    /// Authentication lines no 401 was joined to.
    pub fn unjoined(&self) -> u64 {
        self.auth_failures.saturating_sub(self.joined.len() as u64)
    }
}

impl FileStats {
    fn merge(&mut self, o: &FileStats) {
        if self.format.is_empty() {
            self.format = o.format.clone();
        }
        self.bytes = self.bytes.saturating_add(o.bytes);
        self.exchanges = self.exchanges.saturating_add(o.exchanges);
        self.status_401 = self.status_401.saturating_add(o.status_401);
        self.unparsed = self.unparsed.saturating_add(o.unparsed);
        self.degraded = self.degraded.saturating_add(o.degraded);
        self.filtered = self.filtered.saturating_add(o.filtered);
        if let Some(p) = &o.first_unparsed {
            self.first_unparsed_at(p.position, &p.message);
        }
        self.problems.extend(o.problems.iter().cloned());
        self.problems.sort_by(|a, b| {
            a.position
                .cmp(&b.position)
                .then_with(|| a.message.cmp(&b.message))
        });
        self.problems.dedup();
        // a note is kept at its first position only
        let mut seen: Vec<&str> = Vec::new();
        let keep: Vec<bool> = self
            .problems
            .iter()
            .map(|p| {
                !p.message.starts_with(NOTE)
                    || (!seen.contains(&p.message.as_str()) && {
                        seen.push(&p.message);
                        true
                    })
            })
            .collect();
        let mut keep = keep.into_iter();
        self.problems.retain(|_| keep.next().unwrap_or(true));
        self.problems.truncate(PROBLEMS_PER_FILE);
        self.sanitized = match (self.sanitized, o.sanitized) {
            (Some(a), Some(b)) => Some(a || b),
            (a, b) => a.or(b),
        };
        self.error = self.error.take().or_else(|| o.error.clone());
        self.skipped = self.skipped.take().or_else(|| o.skipped.clone());
        self.layout = self.layout.take().or_else(|| o.layout.clone());
        match (&mut self.error_log, &o.error_log) {
            (Some(a), Some(b)) => a.merge(b),
            (a @ None, Some(b)) => *a = Some(b.clone()),
            _ => {}
        }
    }

    /// A remark on how the input was read (its message starts with
    /// `NOTE`): kept once, at its first position; counts nothing.
    pub fn note(&mut self, position: u64, message: &str) {
        debug_assert!(message.starts_with(NOTE));
        match self.problems.iter().position(|p| p.message == message) {
            Some(i) if self.problems[i].position <= position => {}
            Some(i) => {
                self.problems.remove(i);
                self.problem(position, message.to_string());
            }
            None => self.problem(position, message.to_string()),
        }
    }

    /// Adds `lines` to every position the stats hold (a part of an input
    /// numbers its records from its own start).
    pub fn shift_positions(&mut self, lines: u64) {
        for p in self.problems.iter_mut().chain(&mut self.first_unparsed) {
            p.position += lines;
        }
    }

    /// A record that could not be parsed: counted, kept as a problem, and
    /// as the first unparsed record when it is.
    pub fn unparsed(&mut self, position: u64, message: String) {
        self.unparsed = self.unparsed.saturating_add(1);
        self.first_unparsed_at(position, &message);
        self.problem(position, message);
    }

    /// Keeps the first unparsed record in (position, message) order, the
    /// order `merge` keeps problems in, so that it does not depend on how
    /// the input was cut.
    fn first_unparsed_at(&mut self, position: u64, message: &str) {
        let earlier = self
            .first_unparsed
            .as_ref()
            .is_none_or(|f| (position, message) < (f.position, f.message.as_str()));
        if earlier {
            self.first_unparsed = Some(Problem {
                position,
                message: message.to_string(),
            });
        }
    }

    /// Keeps a problem: the first `PROBLEMS_PER_FILE` in (position,
    /// message) order, each once, the order `merge` leaves them in, so the
    /// list does not depend on how the input was cut into parts.
    pub fn problem(&mut self, position: u64, message: String) {
        let p = Problem { position, message };
        let at = self.problems.partition_point(|q| {
            (q.position, q.message.as_str()) <= (p.position, p.message.as_str())
        });
        if at >= PROBLEMS_PER_FILE || (at > 0 && self.problems[at - 1] == p) {
            return;
        }
        self.problems.insert(at, p);
        self.problems.truncate(PROBLEMS_PER_FILE);
    }
}

/// The key of a (client, credential) pair in `State::clients`.
pub fn client_key(client: u64, credential: u64) -> u64 {
    fast_hash(&[&client.to_le_bytes(), &credential.to_le_bytes()])
}

/// Maps keyed by ids written as lists of pairs in id order (deterministic).
mod sorted_ids {
    use crate::fingerprint::IdTable;
    use serde::de::DeserializeOwned;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer, V: Serialize>(m: &IdTable<V>, s: S) -> Result<S::Ok, S::Error> {
        let mut v: Vec<(&u64, &V)> = m.iter().collect();
        v.sort_unstable_by_key(|(k, _)| **k);
        s.collect_seq(v)
    }

    pub fn deserialize<'de, D: Deserializer<'de>, V: DeserializeOwned>(
        d: D,
    ) -> Result<IdTable<V>, D::Error> {
        let v: Vec<(u64, V)> = Vec::deserialize(d)?;
        Ok(v.into_iter().collect())
    }
}

/// Maps whose keys are not strings are written as lists of pairs (JSON
/// object keys must be strings).
mod pairs {
    use serde::de::DeserializeOwned;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::collections::BTreeMap;

    pub fn serialize<S: Serializer, K: Serialize, V: Serialize>(
        m: &BTreeMap<K, V>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(m.iter())
    }

    pub fn deserialize<'de, D, K, V>(d: D) -> Result<BTreeMap<K, V>, D::Error>
    where
        D: Deserializer<'de>,
        K: DeserializeOwned + Ord,
        V: DeserializeOwned,
    {
        let v: Vec<(K, V)> = Vec::deserialize(d)?;
        Ok(v.into_iter().collect())
    }
}

/// Everything a run has learned so far; see the module documentation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    pub settings: Settings,
    pub files: BTreeMap<String, FileStats>,
    pub causes: [u64; Cause::COUNT],
    pub patterns: Patterns,
    /// (bucket start in seconds, cause) → 401s.
    #[serde(with = "pairs")]
    pub timeseries: BTreeMap<(i64, Cause), u64>,
    /// `client_key(client id, credential fingerprint or 0)` → failures.
    #[serde(with = "sorted_ids")]
    pub clients: IdTable<ClientStats>,
    /// The clients folded by the cap (`Limits::clients`), summed.
    pub clients_other: Fold<ClientStats>,
    /// Credential fingerprint → failures.
    #[serde(with = "sorted_ids")]
    pub credentials: IdTable<CredentialFailures>,
    /// The credentials folded by the cap (`Limits::credentials`), summed.
    pub credentials_other: Fold<CredentialFailures>,
    /// (host, minute start in seconds) → 401s of otherwise valid credentials.
    #[serde(with = "pairs")]
    pub incident_buckets: BTreeMap<(Shared, i64), IncidentBucket>,
    /// Input (`input_key`) → its 401s that nothing decided (evidence kind
    /// `none`: no credential, no challenge, no statement), for the advice
    /// on what to log.
    #[serde(default, with = "pairs")]
    pub undecided: BTreeMap<u64, u64>,
}

/// Merges the rows of `o` into `into`, walking the smaller of the two
/// tables; `both` combines a row found in both (it is commutative, so which
/// side is walked does not change the result).
pub(crate) fn merge_ids<V>(
    into: &mut IdTable<V>,
    mut o: IdTable<V>,
    mut both: impl FnMut(&mut V, V),
) {
    if into.len() < o.len() {
        std::mem::swap(into, &mut o);
    }
    into.reserve(o.len());
    for (k, v) in o {
        match into.entry(k) {
            indexmap::map::Entry::Occupied(mut e) => both(e.get_mut(), v),
            indexmap::map::Entry::Vacant(e) => {
                e.insert(v);
            }
        }
    }
}

/// `merge_ids` for a capped table: rows the floor rules out are folded,
/// and the table is trimmed once it has more than `overshoot(cap)` rows.
fn merge_capped<V>(
    into: &mut IdTable<V>,
    o: IdTable<V>,
    fold: &mut Fold<V>,
    cap: usize,
    both: impl FnMut(&mut V, V),
    add: impl Fn(&mut Fold<V>, V),
) {
    if let Some(floor) = fold.floor {
        let mut o = o;
        for (_, v) in o.extract_if(.., |k, _| *k > floor) {
            add(fold, v);
        }
        merge_ids(into, o, both);
        for (_, v) in into.extract_if(.., |k, _| *k > floor) {
            add(fold, v);
        }
    } else {
        merge_ids(into, o, both);
    }
    trim_ids(into, cap, fold, false, add);
}

impl CredentialFailures {
    fn absorb(&mut self, v: CredentialFailures) {
        self.count = self.count.saturating_add(v.count);
        self.first = min_opt(self.first, v.first);
        self.last = max_opt(self.last, v.last);
        self.causes.merge(&v.causes);
    }

    fn fold(f: &mut Fold<CredentialFailures>, v: CredentialFailures) {
        f.add(v, CredentialFailures::absorb);
    }
}

impl ClientStats {
    /// The row of folded clients, before anything is added to it (it has
    /// no identity, and no per-minute counts: storms are per client).
    fn other() -> ClientStats {
        ClientStats {
            client_id: 0,
            credential: 0,
            client: Arc::from(""),
            user_agent: None,
            count: 0,
            first: None,
            last: None,
            per_minute: PerMinute::default(),
            causes: Tally::default(),
        }
    }

    fn fold(f: &mut Fold<ClientStats>, v: ClientStats) {
        let mut o = ClientStats::other();
        o.count = v.count;
        o.first = v.first;
        o.last = v.last;
        o.causes = v.causes;
        f.add(o, ClientStats::absorb);
    }

    /// Adds another part's row of the same client and credential.
    fn absorb(&mut self, v: ClientStats) {
        self.count = self.count.saturating_add(v.count);
        self.first = min_opt(self.first, v.first);
        self.last = max_opt(self.last, v.last);
        self.per_minute.merge(v.per_minute);
        self.causes.merge(&v.causes);
        // keep the display values deterministic: the smallest
        if (&v.client, &v.user_agent) < (&self.client, &self.user_agent) {
            self.client = v.client;
            self.user_agent = v.user_agent;
        }
    }
}

impl State {
    pub fn new(settings: Settings) -> Self {
        State {
            settings,
            files: BTreeMap::new(),
            causes: [0; Cause::COUNT],
            patterns: Patterns::default(),
            timeseries: BTreeMap::new(),
            clients: IdTable::default(),
            clients_other: Fold::default(),
            credentials: IdTable::default(),
            credentials_other: Fold::default(),
            incident_buckets: BTreeMap::new(),
            undecided: BTreeMap::new(),
        }
    }

    /// Trims the capped tables to their caps exactly (what `finalize` and
    /// a written partial show: a function of the set of keys alone).
    pub fn trim_exact(&mut self) {
        let l = self.settings.limits;
        self.patterns.trim(l.patterns, true);
        trim_ids(
            &mut self.clients,
            l.clients,
            &mut self.clients_other,
            true,
            ClientStats::fold,
        );
        trim_ids(
            &mut self.credentials,
            l.credentials,
            &mut self.credentials_other,
            true,
            CredentialFailures::fold,
        );
    }

    pub fn file_mut(&mut self, path: &str) -> &mut FileStats {
        self.files.entry(path.to_string()).or_default()
    }

    /// Counts one decided 401 in every aggregate. `valid_elsewhere` says the
    /// credential succeeded somewhere in the input (for incidents).
    pub fn record(&mut self, r: &Record401, valid_elsewhere: bool) {
        let cause = r.verdict.cause;
        self.causes[cause.index()] += 1;
        let st = self
            .patterns
            .entry(r, &self.settings.group_by, self.settings.limits.patterns);
        st.count += 1;
        st.first_seen = min_opt(st.first_seen, r.time);
        st.last_seen = max_opt(st.last_seen, r.time);
        if r.client_id != 0 {
            st.clients.insert(r.client_id);
        }
        if let Some(fp) = r.credential {
            st.credentials.insert(fp);
        }
        st.causes[cause.index()] += 1;
        st.example.offer(r);
        if r.verdict.kind == EvidenceKind::None {
            *self.undecided.entry(r.order.file).or_insert(0) += 1;
        }

        let Some(t) = r.time else { return };
        *self
            .timeseries
            .entry((t.floor_to(self.settings.bucket_secs).secs(), cause))
            .or_insert(0) += 1;
        if cause.is_benign() {
            return;
        }
        let minute = t.floor_to(60).secs();
        if r.client_id != 0 {
            let key = client_key(r.client_id, r.credential.unwrap_or(0));
            let cap = self.settings.limits.clients;
            if self.clients.len() >= overshoot(cap) && !self.clients.contains_key(&key) {
                trim_ids(
                    &mut self.clients,
                    cap,
                    &mut self.clients_other,
                    false,
                    ClientStats::fold,
                );
            }
            let folded = self.clients_other.folds(key);
            let c = if folded {
                self.clients_other
                    .other
                    .get_or_insert_with(ClientStats::other)
            } else {
                self.clients.entry(key).or_insert_with(|| ClientStats {
                    client_id: r.client_id,
                    credential: r.credential.unwrap_or(0),
                    client: text_or_empty(&r.client),
                    user_agent: r.user_agent.clone(),
                    count: 0,
                    first: None,
                    last: None,
                    per_minute: PerMinute::default(),
                    causes: Tally::default(),
                })
            };
            c.count += 1;
            c.first = min_opt(c.first, r.time);
            c.last = max_opt(c.last, r.time);
            if !folded {
                c.per_minute.add(minute, 1);
            }
            c.causes.add(cause, 1);
        }
        if let Some(fp) = r.credential {
            let cap = self.settings.limits.credentials;
            if self.credentials.len() >= overshoot(cap) && !self.credentials.contains_key(&fp) {
                trim_ids(
                    &mut self.credentials,
                    cap,
                    &mut self.credentials_other,
                    false,
                    CredentialFailures::fold,
                );
            }
            let c = if self.credentials_other.folds(fp) {
                self.credentials_other
                    .other
                    .get_or_insert_with(Default::default)
            } else {
                self.credentials.entry(fp).or_default()
            };
            c.count += 1;
            c.first = min_opt(c.first, r.time);
            c.last = max_opt(c.last, r.time);
            c.causes.add(cause, 1);
            if valid_elsewhere
                && matches!(
                    cause,
                    Cause::TransientRejection
                        | Cause::RevokedCredentials
                        | Cause::InvalidCredentials
                )
            {
                let b = self
                    .incident_buckets
                    .entry((text_or_empty(&r.host), minute))
                    .or_default();
                b.count += 1;
                b.first = min_opt(b.first, r.time);
                b.last = max_opt(b.last, r.time);
                b.credentials.insert(fp);
                if r.client_id != 0 {
                    b.clients.insert(r.client_id);
                }
                b.causes[cause.index()] += 1;
            }
        }
    }

    /// Combines another state into this one. Associative and commutative;
    /// callers check `settings` first (see `check_mergeable`).
    pub fn merge(&mut self, mut o: State) {
        // the largest table merges beside the rest (on another core when
        // there is an idle one)
        let clients = std::mem::take(&mut o.clients);
        let mut into_clients = std::mem::take(&mut self.clients);
        let clients_other = std::mem::take(&mut o.clients_other);
        let mut into_other = std::mem::take(&mut self.clients_other);
        let cap = self.settings.limits.clients;
        rayon::join(
            || {
                into_other.merge(clients_other, ClientStats::absorb);
                merge_capped(
                    &mut into_clients,
                    clients,
                    &mut into_other,
                    cap,
                    ClientStats::absorb,
                    ClientStats::fold,
                );
            },
            || self.merge_rest(o),
        );
        self.clients = into_clients;
        self.clients_other = into_other;
    }

    /// `merge` of everything but clients.
    fn merge_rest(&mut self, mut o: State) {
        // every table below is merged by walking the smaller of the two
        if self.timeseries.len() < o.timeseries.len() {
            std::mem::swap(&mut self.timeseries, &mut o.timeseries);
        }
        if self.incident_buckets.len() < o.incident_buckets.len() {
            std::mem::swap(&mut self.incident_buckets, &mut o.incident_buckets);
        }
        for (k, v) in o.files {
            match self.files.get_mut(&k) {
                Some(f) => f.merge(&v),
                None => {
                    self.files.insert(k, v);
                }
            }
        }
        for (a, b) in self.causes.iter_mut().zip(o.causes) {
            *a = (*a).saturating_add(b);
        }
        for (k, n) in o.undecided {
            let x = self.undecided.entry(k).or_insert(0);
            *x = x.saturating_add(n);
        }
        self.patterns
            .merge(o.patterns, self.settings.limits.patterns);
        for (k, v) in o.timeseries {
            let n = self.timeseries.entry(k).or_insert(0);
            *n = n.saturating_add(v);
        }
        self.credentials_other
            .merge(o.credentials_other, CredentialFailures::absorb);
        merge_capped(
            &mut self.credentials,
            o.credentials,
            &mut self.credentials_other,
            self.settings.limits.credentials,
            CredentialFailures::absorb,
            CredentialFailures::fold,
        );
        for (k, v) in o.incident_buckets {
            let b = self.incident_buckets.entry(k).or_default();
            b.count = b.count.saturating_add(v.count);
            b.first = min_opt(b.first, v.first);
            b.last = max_opt(b.last, v.last);
            b.credentials.merge(&v.credentials);
            b.clients.merge(&v.clients);
            for (x, y) in b.causes.iter_mut().zip(v.causes) {
                *x = (*x).saturating_add(y);
            }
        }
    }

    /// Why this state could not come from a run of authsift (read from a
    /// partial summary), naming the field: settings in range, pattern keys
    /// with the group-by dimensions, every count equal to the sum of its
    /// per-cause counts. Counts themselves may be anything: merges saturate.
    pub fn validate(&self) -> Result<(), String> {
        self.settings.validate()?;
        fn sum(counts: &[u64]) -> Option<u64> {
            counts.iter().try_fold(0u64, |a, &b| a.checked_add(b))
        }
        let mut dims = self.settings.group_by.clone();
        dims.sort();
        for (i, (k, st)) in self.patterns.sorted().into_iter().enumerate() {
            if k.dims() != dims {
                return Err(format!(
                    "summary.patterns[{i}]: the key's dimensions are not settings.group_by"
                ));
            }
            if sum(&st.causes) != Some(st.count) {
                return Err(format!(
                    "summary.patterns[{i}].count is not the sum of its causes"
                ));
            }
        }
        for (id, c) in &self.clients {
            if sum(&c.causes.counts()) != Some(c.count) {
                return Err(format!(
                    "summary.clients[{id}].count is not the sum of its causes"
                ));
            }
            if c.per_minute
                .iter()
                .try_fold(0u64, |a, (_, n)| a.checked_add(n))
                != Some(c.count)
            {
                return Err(format!(
                    "summary.clients[{id}].per_minute does not add up to its count"
                ));
            }
        }
        for (fp, c) in &self.credentials {
            if sum(&c.causes.counts()) != Some(c.count) {
                return Err(format!(
                    "summary.credentials[{fp}].count is not the sum of its causes"
                ));
            }
        }
        for ((host, minute), b) in &self.incident_buckets {
            if sum(&b.causes) != Some(b.count) {
                return Err(format!(
                    "summary.incident_buckets[{host:?}, {minute}].count is not the sum of its causes"
                ));
            }
        }
        for (name, f) in &self.files {
            if f.first_unparsed.is_some() && f.unparsed == 0 {
                return Err(format!(
                    "summary.files[{name:?}].first_unparsed: a first unparsed record of an input without one"
                ));
            }
            if let Some(e) = &f.error_log
                && (e.joined.len() as u64 > e.auth_failures || e.joined.contains(&0))
            {
                return Err(format!(
                    "summary.files[{name:?}].error_log: joined lines that are not its authentication lines"
                ));
            }
        }
        Ok(())
    }

    /// Why two states cannot be merged, if they cannot: the settings that
    /// differ, in words.
    pub fn check_mergeable(&self, o: &State) -> Result<(), String> {
        let diff = self.settings.differences(&o.settings);
        if diff.is_empty() && self.settings == o.settings {
            return Ok(());
        }
        if diff.is_empty() {
            return Err("the analysis settings differ".into());
        }
        Err(format!("the analysis settings differ: {}", diff.join("; ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first unparsed record is the first that failed, whatever notes
    /// and degraded records come before it and however the input was cut.
    #[test]
    fn the_first_unparsed_record_is_no_note_and_survives_the_merge() {
        let note = format!("{NOTE}fields after the user agent not read");
        let mut head = FileStats::default();
        head.note(1, &note);
        head.problem(3, "time is not a Common Log Format timestamp".into());
        let mut tail = FileStats::default();
        tail.unparsed(40, "no quoted request".into());
        tail.unparsed(26, "no status after the request".into());
        let first = |f: &FileStats| {
            f.first_unparsed
                .as_ref()
                .map(|p| (p.position, p.message.clone()))
        };
        let want = Some((26, "no status after the request".to_string()));
        assert_eq!(first(&tail), want);
        for (a, b) in [(&head, &tail), (&tail, &head)] {
            let mut m = a.clone();
            m.merge(b);
            assert_eq!(first(&m), want);
            assert_eq!(m.unparsed, 2);
            assert_eq!(m.problems[0].message, note, "the note is still a problem");
        }
        // more problems than are kept before it: still named
        let mut many = FileStats::default();
        for i in 0..2 * PROBLEMS_PER_FILE as u64 {
            many.problem(i + 1, format!("degraded {i}"));
        }
        many.unparsed(500, "no quoted request".into());
        assert_eq!(many.problems.len(), PROBLEMS_PER_FILE);
        assert_eq!(first(&many), Some((500, "no quoted request".to_string())));
    }

    proptest::proptest! {
        #[test]
        fn per_minute_counts_as_a_sorted_map_does(
            adds in proptest::collection::vec((0i64..6, 1u64..4), 0..20),
        ) {
            let mut p = PerMinute::default();
            let mut want = BTreeMap::new();
            for &(m, n) in &adds {
                p.add(m * 60, n);
                *want.entry(m * 60).or_insert(0) += n;
            }
            let got: Vec<(i64, u64)> = p.iter().collect();
            let want_v: Vec<(i64, u64)> = want.iter().map(|(a, b)| (*a, *b)).collect();
            proptest::prop_assert_eq!(&got, &want_v);
            proptest::prop_assert_eq!(p.peak(), want.values().copied().max().unwrap_or(0));
            // the serialized form is the map's, both ways
            let json = serde_json::to_string(&p).unwrap_or_default();
            proptest::prop_assert_eq!(&json, &serde_json::to_string(&want).unwrap_or_default());
            let back: PerMinute = serde_json::from_str(&json).unwrap_or_default();
            proptest::prop_assert_eq!(&back.iter().collect::<Vec<_>>(), &want_v);
            // merged in two parts, either way round: the same counts, and the
            // same value as adding one by one
            let half = adds.len() / 2;
            let part = |r: &[(i64, u64)]| {
                let mut p = PerMinute::default();
                for &(m, n) in r {
                    p.add(m * 60, n);
                }
                p
            };
            for (x, y) in [(&adds[..half], &adds[half..]), (&adds[half..], &adds[..half])] {
                let mut m = part(x);
                m.merge(part(y));
                proptest::prop_assert_eq!(&m, &p);
            }
        }
    }

    fn rec(t: i64, cause: Cause, host: &str, client: u64, cred: Option<u64>) -> Record401 {
        Record401 {
            order: Order {
                t: t * 1_000_000,
                file: 1,
                record: t as u64,
            },
            time: Some(Timestamp::from_secs(t)),
            file: 0,
            record: t as u64,
            host: Some(host.into()),
            method: "GET".into(),
            path: "/v1/x".into(),
            target: None,
            client: Some(format!("10.0.0.{client}").into()),
            client_id: client,
            user_agent: None,
            credential: cred,
            status_detail: None,
            verdict: Verdict::new(cause, EvidenceKind::None, "r", format!("d{t}")),
            if_sanitized: None,
        }
    }

    fn state_of(recs: &[Record401]) -> State {
        let mut s = State::new(Settings::default());
        for r in recs {
            s.record(r, true);
        }
        s
    }

    #[test]
    fn merge_is_commutative_and_associative_with_identity() {
        let recs: Vec<Record401> = (0..30)
            .map(|i| {
                rec(
                    1714550400 + i * 17,
                    Cause::ALL[i as usize % Cause::COUNT],
                    ["a", "b"][(i % 2) as usize],
                    (i % 5) as u64 + 1,
                    Some((i % 7) as u64),
                )
            })
            .collect();
        let whole = state_of(&recs);
        let (a, rest) = recs.split_at(9);
        let (b, c) = rest.split_at(13);
        let (sa, sb, sc) = (state_of(a), state_of(b), state_of(c));
        let mut ab_c = sa.clone();
        ab_c.merge(sb.clone());
        ab_c.merge(sc.clone());
        let mut a_bc = sa.clone();
        let mut bc = sb.clone();
        bc.merge(sc.clone());
        a_bc.merge(bc);
        let mut cba = sc.clone();
        cba.merge(sb);
        cba.merge(sa);
        cba.merge(State::new(Settings::default()));
        assert_eq!(ab_c, whole);
        assert_eq!(a_bc, whole);
        assert_eq!(cba, whole);
    }

    fn capped(patterns: usize, clients: usize, credentials: usize) -> Settings {
        Settings {
            limits: Limits {
                patterns,
                clients,
                credentials,
            },
            ..Settings::default()
        }
    }

    fn capped_state(recs: &[Record401], settings: &Settings) -> State {
        let mut s = State::new(settings.clone());
        for r in recs {
            s.record(r, true);
        }
        s
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            failure_persistence: None,
            ..proptest::prelude::ProptestConfig::default()
        })]
        /// Capped tables: whatever the split into parts and the order and
        /// shape of the merges, the trimmed state is the same, and the
        /// counts reconcile (the rows plus `other` hold every 401).
        #[test]
        fn capped_merges_do_not_depend_on_order(
            specs in proptest::collection::vec((0u64..40, 0usize..12, 0u64..25, 0u64..30), 1..120),
            cuts in proptest::collection::vec(0usize..120, 0..6),
            order in proptest::collection::vec(0usize..1000, 7),
            caps in (1usize..8, 1usize..8, 1usize..8),
        ) {
            let settings = capped(caps.0, caps.1, caps.2);
            let recs: Vec<Record401> = specs
                .iter()
                .enumerate()
                .map(|(i, &(path, cause, client, cred))| {
                    let mut r = rec(
                        1714550400 + i as i64 * 13,
                        Cause::ALL[cause % Cause::COUNT],
                        ["a", "b"][(path % 2) as usize],
                        client + 1,
                        (cred > 0).then_some(cred),
                    );
                    r.path = format!("/p/{path}").into();
                    r
                })
                .collect();
            let mut whole = capped_state(&recs, &settings);
            whole.trim_exact();
            // the input cut into parts
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c % (recs.len() + 1)).collect();
            cuts.push(0);
            cuts.push(recs.len());
            cuts.sort_unstable();
            let parts: Vec<State> = cuts
                .windows(2)
                .map(|w| capped_state(&recs[w[0]..w[1]], &settings))
                .collect();
            // left to right
            let mut seq = State::new(settings.clone());
            for p in parts.clone() {
                seq.merge(p);
            }
            seq.trim_exact();
            proptest::prop_assert_eq!(&seq, &whole);
            // in another order, as a tree
            let mut shuffled: Vec<(usize, State)> = parts
                .into_iter()
                .enumerate()
                .map(|(i, p)| (order[i % order.len()].wrapping_mul(31) ^ i, p))
                .collect();
            shuffled.sort_by_key(|(k, _)| *k);
            let mut level: Vec<State> = shuffled.into_iter().map(|(_, p)| p).collect();
            while level.len() > 1 {
                let mut next = Vec::new();
                let mut it = level.into_iter();
                while let Some(mut a) = it.next() {
                    if let Some(b) = it.next() {
                        // the right side into the left, or the other way
                        if order[next.len() % order.len()] % 2 == 0 {
                            a.merge(b);
                            next.push(a);
                        } else {
                            let mut b = b;
                            b.merge(a);
                            next.push(b);
                        }
                    } else {
                        next.push(a);
                    }
                }
                level = next;
            }
            let mut tree = level.pop().unwrap_or_else(|| State::new(settings.clone()));
            tree.trim_exact();
            proptest::prop_assert_eq!(&tree, &whole);
            // the caps hold and the totals reconcile
            let n = recs.len() as u64;
            proptest::prop_assert!(whole.patterns.len() <= caps.0);
            proptest::prop_assert!(whole.clients.len() <= caps.1);
            proptest::prop_assert!(whole.credentials.len() <= caps.2);
            let patterns: u64 = whole.patterns.iter().map(|(_, p)| p.count).sum::<u64>()
                + whole.patterns.other().map_or(0, |p| p.count);
            proptest::prop_assert_eq!(patterns, n);
            let with_cred = recs.iter().filter(|r| r.credential.is_some() && !r.verdict.cause.is_benign()).count() as u64;
            let creds: u64 = whole.credentials.values().map(|c| c.count).sum::<u64>()
                + whole.credentials_other.other.as_ref().map_or(0, |c| c.count);
            proptest::prop_assert_eq!(creds, with_cred);
            let failing = recs.iter().filter(|r| !r.verdict.cause.is_benign()).count() as u64;
            let clients: u64 = whole.clients.values().map(|c| c.count).sum::<u64>()
                + whole.clients_other.other.as_ref().map_or(0, |c| c.count);
            proptest::prop_assert_eq!(clients, failing);
            // and the report is the same bytes
            let a = serde_json::to_string(&seq.finalize()).unwrap_or_default();
            let b = serde_json::to_string(&tree.finalize()).unwrap_or_default();
            proptest::prop_assert_eq!(a, b);
        }
    }

    #[test]
    fn a_capped_table_keeps_the_lowest_hashes_and_folds_the_rest() {
        let settings = capped(3, 3, 3);
        let recs: Vec<Record401> = (0..50)
            .map(|i| {
                let mut r = rec(
                    1714550400 + i,
                    Cause::InvalidCredentials,
                    "h",
                    i as u64 + 1,
                    Some(i as u64 + 100),
                );
                r.path = format!("/p/{i}").into();
                r
            })
            .collect();
        let mut s = capped_state(&recs, &settings);
        s.trim_exact();
        assert_eq!(s.patterns.len(), 3);
        assert_eq!(s.patterns.other().map(|p| p.count), Some(47));
        let report = s.finalize();
        let last = report.patterns.last().expect("rows");
        assert!(last.other && last.path.as_deref() == Some(report::OTHER));
        assert_eq!(report.patterns.iter().map(|p| p.count).sum::<u64>(), 50);
        assert_eq!(report.clients_total, 4);
        assert_eq!(report.credentials_total, 4);
        assert!(
            report
                .clients
                .last()
                .is_some_and(|c| c.other && c.count_401 == 47)
        );
    }

    #[test]
    fn example_is_the_earliest() {
        let mut s = state_of(&[rec(200, Cause::Unknown, "a", 1, None)]);
        s.merge(state_of(&[rec(100, Cause::Unknown, "a", 1, None)]));
        let p = s.patterns.iter().next().unwrap().1;
        assert_eq!(p.example.detail, "d100");
        assert_eq!(p.count, 2);
    }

    #[test]
    fn state_round_trips_through_json() {
        let recs: Vec<Record401> = (0..40)
            .map(|i| {
                rec(
                    1714550400 + i * 7,
                    Cause::ALL[i as usize % Cause::COUNT],
                    "h",
                    (i % 3) as u64 + 1,
                    Some(i as u64),
                )
            })
            .collect();
        let mut s = State::new(Settings::default());
        for r in &recs {
            s.record(r, i64::from(r.order.t % 2 == 0) == 1);
        }
        let text = serde_json::to_string(&s).expect("a state serializes");
        let back: State = serde_json::from_str(&text).expect("and reads back");
        assert_eq!(back, s);
        assert_eq!(serde_json::to_string(&back).unwrap(), text);
    }

    #[test]
    fn settings_must_match() {
        let a = State::new(Settings::default());
        let other = Settings {
            fingerprint_key_id: "custom:1".into(),
            ..Settings::default()
        };
        assert!(
            a.check_mergeable(&State::new(other))
                .unwrap_err()
                .contains("fingerprint")
        );
        let other = Settings {
            bucket_secs: 60,
            ..Settings::default()
        };
        assert!(a.check_mergeable(&State::new(other)).is_err());
    }
}
