//! The sequence stage (precedence step 5): causes that show only in the
//! order of exchanges. `ChunkSequence` follows one chunk in input order and
//! decides what the chunk alone can decide (a handshake completed inside
//! it, a leg whose window closed); what needs the rest of the input leaves
//! the chunk as `Pending`, with the chunk's credential successes and the
//! successes of its first window (`heads`). `resolve` decides those once
//! every chunk has been merged. Exact for inputs in time order, however they
//! were cut into chunks, files or partial summaries.
//!
//! A capture lists its entries as they completed, not as they started
//! (`Listing::Started`): there a success also waits, for a 401 listed after
//! it that started before it, and what the chunk before may still answer
//! leaves the chunk as its `Seam`, joined to its neighbour's in input order
//! (`Seam::join`).

use std::collections::{BTreeMap, VecDeque};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

mod histories;
mod packed;

pub use histories::Histories;
pub use packed::{Head, PendingList};

use super::{Cause, EvidenceKind, Verdict};
use crate::fingerprint::{IdMap, IdTable, show};
use crate::summary::{CredentialFailures, Order, Record401, State, merge_ids};
use crate::time::Timestamp;

/// Where a credential succeeded, on one host: the first and last success of
/// each input that saw it (of each chunk while an input is analysed; see
/// `settle_input`). The 401s that wait for other inputs carry the nearest
/// successes of their own input, so these intervals answer "a success
/// before" and "a success after" for them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredHistory {
    pub intervals: Intervals,
    /// Fingerprint of the value (host-independent).
    pub fp: u64,
    /// The client of the first success (for "old token used after refresh").
    pub first_client: u64,
    pub is_token: bool,
    /// Hash of the host (see `scope_key`).
    pub scope: u64,
}

/// First and last success per chunk or input, sorted; the first pair is
/// kept inline (most credentials are seen by one: no allocation for them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intervals {
    first: (Order, Order),
    more: Vec<(Order, Order)>,
}

impl Intervals {
    pub fn new(first: Order, last: Order) -> Self {
        Intervals {
            first: (first, last),
            more: Vec::new(),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &(Order, Order)> {
        std::iter::once(&self.first).chain(self.more.iter())
    }

    /// Adds intervals, keeping them sorted and without repeats.
    pub fn extend(&mut self, add: impl IntoIterator<Item = (Order, Order)>) {
        let mut all: Vec<(Order, Order)> = self.iter().copied().chain(add).collect();
        all.sort();
        all.dedup();
        self.first = all[0];
        all.remove(0);
        self.more = all;
    }
}

impl Serialize for Intervals {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for Intervals {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut v: Vec<(Order, Order)> = Vec::deserialize(d)?;
        if v.is_empty() {
            return Err(serde::de::Error::custom(
                "a credential history without an interval",
            ));
        }
        v.sort();
        v.dedup();
        let first = v.remove(0);
        Ok(Intervals { first, more: v })
    }
}

impl CredHistory {
    pub fn first_ok(&self) -> Order {
        self.intervals.iter().map(|i| i.0).min().unwrap_or(Order {
            t: i64::MAX,
            file: 0,
            record: 0,
        })
    }

    pub fn last_ok(&self) -> Order {
        self.intervals.iter().map(|i| i.1).max().unwrap_or(Order {
            t: i64::MIN,
            file: 0,
            record: 0,
        })
    }

    /// Adds another part's successes of the same credential on the same host.
    pub fn merge(&mut self, o: &CredHistory) {
        if (o.first_ok(), o.first_client) < (self.first_ok(), self.first_client) {
            self.first_client = o.first_client;
        }
        self.intervals.extend(o.intervals.iter().copied());
        self.is_token |= o.is_token;
    }

    /// The nearest success before `o` that these intervals prove.
    pub fn before(&self, o: Order) -> Option<Order> {
        self.intervals
            .iter()
            .filter_map(|&(f, l)| {
                if l < o {
                    Some(l)
                } else if f < o {
                    Some(f)
                } else {
                    None
                }
            })
            .max()
    }

    /// The nearest success after `o` that these intervals prove.
    pub fn after(&self, o: Order) -> Option<Order> {
        self.intervals
            .iter()
            .filter_map(|&(f, l)| {
                if f > o {
                    Some(f)
                } else if l > o {
                    Some(l)
                } else {
                    None
                }
            })
            .min()
    }
}

/// A successful request seen in a chunk's first handshake window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Success {
    pub key: u64,
    pub order: Order,
}

/// A 401 whose cause waits for the rest of the input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    pub rec: Record401,
    /// Handshake key (client, method, path) when it can be a leg not completed in its chunk.
    pub leg: Option<u64>,
    /// Credential history identity when revoked/transient may apply.
    pub history: Option<u64>,
    /// Only the evidence may change (stale token after a refresh).
    pub annotate_only: bool,
    /// Nearest successes of the history credential inside the 401's own chunk.
    pub local_before: Option<Order>,
    pub local_after: Option<Order>,
    /// The endpoint (`endpoint_key`) of a 401 whose history credential the
    /// endpoint table follows; 0 when it does not (a credential in the
    /// query string).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub endpoint: u64,
}

fn is_zero(v: &u64) -> bool {
    *v == 0
}

/// The last success of a credential (history identity) on one endpoint of
/// its host (method and path template).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointOk {
    pub history: u64,
    pub endpoint: u64,
    pub last: Order,
}

impl EndpointOk {
    fn key(history: u64, endpoint: u64) -> u64 {
        crate::fingerprint::mix(history ^ endpoint.rotate_left(31))
    }
}

/// The endpoint of an exchange for the endpoint table: its method and path
/// template, as a hash (never 0: 0 means "not followed").
pub fn endpoint_key(method: &str, template: &str) -> u64 {
    crate::fingerprint::fast_hash(&[method.as_bytes(), template.as_bytes()]).max(1)
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SequenceState {
    /// Credential history by (host, value) identity.
    pub history: Histories,
    /// Serialized as a list of `Pending`, in order.
    pub pending: PendingList,
    pub heads: Vec<Success>,
    /// Where each credential succeeded, per endpoint of its host (for
    /// credentials in headers and cookies; see `SeenCredential::endpoint`).
    #[serde(default, with = "sorted_endpoints")]
    pub endpoints: IdTable<EndpointOk>,
    /// The time of the last 401 and of the last success carrying a
    /// credential, per host (`scope_key`): the records every mode reads.
    /// A revocation is told against the rest of its host's traffic.
    #[serde(default)]
    pub ends: BTreeMap<u64, i64>,
}

mod sorted_endpoints {
    use super::EndpointOk;
    use crate::fingerprint::IdTable;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(m: &IdTable<EndpointOk>, s: S) -> Result<S::Ok, S::Error> {
        let mut v: Vec<&EndpointOk> = m.values().collect();
        v.sort_by_key(|e| (e.history, e.endpoint));
        v.serialize(s)
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<IdTable<EndpointOk>, D::Error> {
        let v: Vec<EndpointOk> = Vec::deserialize(d)?;
        let mut m = IdTable::default();
        for e in v {
            super::add_endpoint(&mut m, e);
        }
        Ok(m)
    }
}

/// Adds a success on an endpoint to the table (the latest is kept).
fn add_endpoint(m: &mut IdTable<EndpointOk>, e: EndpointOk) {
    m.entry(EndpointOk::key(e.history, e.endpoint))
        .and_modify(|x| x.last = x.last.max(e.last))
        .or_insert(e);
}

impl SequenceState {
    /// Why this sequence state could not come from a run of authsift (a
    /// partial summary read back), naming the field.
    pub fn validate(&self) -> Result<(), String> {
        for (id, h) in self.history.iter() {
            if h.intervals.iter().any(|(f, l)| f > l) {
                return Err(format!(
                    "sequence.history[{id}]: a success interval ends before it starts"
                ));
            }
        }
        for (i, p) in self.pending.iter().enumerate() {
            if p.leg.is_none() && p.history.is_none() {
                return Err(format!(
                    "sequence.pending[{i}] waits for nothing (neither a handshake leg nor a credential history)"
                ));
            }
            if p.rec.time.is_some_and(|t| t.0 != p.rec.order.t) {
                return Err(format!(
                    "sequence.pending[{i}]: its time and its order disagree"
                ));
            }
        }
        Ok(())
    }

    /// Combines another part's sequence state (associative, commutative).
    pub fn merge(&mut self, o: SequenceState) {
        self.history.merge(o.history);
        merge_ids(&mut self.endpoints, o.endpoints, |a, b| {
            a.last = a.last.max(b.last)
        });
        for (k, t) in o.ends {
            let e = self.ends.entry(k).or_insert(t);
            *e = (*e).max(t);
        }
        self.pending.append(o.pending);
        self.heads.extend(o.heads);
    }

    /// Puts order-free collections into their canonical order, so that two
    /// equal states serialize to the same bytes.
    /// (The waiting 401s are written in their order whatever their order
    /// in memory: see `PendingList`.)
    pub fn canonicalize(&mut self) {
        self.heads.sort();
        self.heads.dedup();
    }

    /// The first and last success of every credential that failed, by
    /// fingerprint (most credentials in the history never failed).
    pub fn success_spans(&self, failed: &IdTable<CredentialFailures>) -> IdMap<(Order, Order)> {
        let found: Vec<(u64, Order, Order)> = self
            .history
            .par_values()
            .filter(|h| failed.contains_key(&h.fp))
            .map(|h| (h.fp, h.first_ok(), h.last_ok()))
            .collect();
        let mut spans: IdMap<(Order, Order)> = IdMap::default();
        for (fp, first, last) in found {
            let e = spans.entry(fp).or_insert((first, last));
            e.0 = e.0.min(first);
            e.1 = e.1.max(last);
        }
        spans
    }
}

struct OpenLeg {
    key: u64,
    target: u64,
    client: u64,
    /// The pending entry of the same 401 when its credential history also
    /// matters (a leg that carried a session cookie).
    pending: Option<usize>,
    rec: Record401,
    /// Gap to the success that completed it, in microseconds.
    done: Option<i64>,
    /// Gap to the nearest success listed before it that answers it (a
    /// capture out of time order, `Listing::Started`): it stands when no
    /// success listed after it completes it.
    back: Option<i64>,
    /// The latest time of the part's records listed up to it (its own
    /// included): whether a success listed before the part may still
    /// answer it (`reaches_back`).
    reach: i64,
    /// Its window has ended (a 401 past it was seen) while a leg before it
    /// in the queue is still open (an input out of time order): no success
    /// completes it any more; it leaves the queue when it reaches the front.
    ended: bool,
}

/// How an input lists its records against the times they carry, which
/// decides where the success that completes a handshake leg may stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    /// A server's log: a line is written once its request is answered, and
    /// a client sends its retry only once the 401 has arrived, so the retry
    /// is listed after the 401 it answers, whatever time each line carries.
    Answered,
    /// A capture (HAR): each entry carries the time its request started
    /// (`startedDateTime`), but entries are listed as they completed
    /// (Playwright, Chrome) or as a tool merged them, so the retry may be
    /// listed before the 401 it answers. Its successes wait for such 401s.
    Started,
}

/// A 401 that no success of its own part completed, and that a success
/// listed before the part may still answer (`Listing::Started`): it waits
/// for the part before it (`Seam::join`).
#[derive(Debug, Clone)]
pub struct HeadLeg {
    pub key: u64,
    pub order: Order,
    /// The latest time of the records listed from the start of the part
    /// (or parts) up to it: a success listed before them answers it only if
    /// it was still waiting (no record listed after it started more than a
    /// window later).
    reach: i64,
    /// The 401, unless it waits in its part's `pending` (for its
    /// credential history, or for another input).
    pub rec: Option<Record401>,
}

/// What a part of a capture (`Listing::Started`) leaves for the parts
/// beside it: the successes still waiting for a 401 listed after them, at
/// its end, and the 401s no success of the part answered that one listed
/// before it may answer. Parts are joined in input order (`join`).
#[derive(Debug, Clone, Default)]
pub struct Seam {
    starts_input: bool,
    /// The latest time of the part's own records.
    latest: Option<i64>,
    /// The successes still waiting at the part's end, in input order.
    answers: Vec<Success>,
    head_legs: Vec<HeadLeg>,
}

impl Seam {
    /// Joins the part listed right after this one: its 401s that a success
    /// of this part answers are completed, the others whose reach this part
    /// ends (or that follow the input's start) are decided as they are;
    /// returns those, each with the gap of the success that answers it.
    pub fn join(&mut self, later: Seam, window: i64) -> Vec<(HeadLeg, Option<i64>)> {
        let mut decided = Vec::new();
        for mut leg in later.head_legs {
            // the nearest success listed before it that still waited for it
            let answer = self.answers.iter().rev().find(|a| {
                a.key == leg.key
                    && a.order > leg.order
                    && a.order.t - leg.order.t <= window
                    && leg.reach <= a.order.t.saturating_add(window)
            });
            if let Some(a) = answer {
                let gap = a.order.t - leg.order.t;
                decided.push((leg, Some(gap)));
                continue;
            }
            leg.reach = leg.reach.max(self.latest.unwrap_or(i64::MIN));
            if self.starts_input || !reaches_back(leg.order.t, leg.reach, window) {
                decided.push((leg, None));
            } else {
                self.head_legs.push(leg);
            }
        }
        // a success waits until a record listed after it started more than
        // a window later
        if let Some(latest) = later.latest {
            self.answers
                .retain(|a| a.order.t.saturating_add(window) >= latest);
            self.latest = Some(self.latest.map_or(latest, |l| l.max(latest)));
        }
        self.answers.extend(later.answers);
        decided
    }

    /// Adds `lines` to the position for people of the 401s held here
    /// (`ChunkResult::shift_records`).
    pub fn shift_records(&mut self, lines: u64) {
        for rec in self.head_legs.iter_mut().filter_map(|l| l.rec.as_mut()) {
            rec.record += lines;
        }
    }

    /// The 401s still waiting once the whole input is joined: nothing
    /// listed before them answers them.
    pub fn settle(self) -> Vec<HeadLeg> {
        self.head_legs
    }
}

/// May a success listed before a part answer a 401 at `t` whose part's
/// records up to it reach `reach`? Only one that started after it, within
/// the window, and still waited when the 401 was listed.
fn reaches_back(t: i64, reach: i64, window: i64) -> bool {
    reach <= t.saturating_add(window.saturating_mul(2))
}

/// A credential a successful request carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SeenCredential {
    /// (host, value) identity for the history.
    pub history: u64,
    pub fp: u64,
    pub is_token: bool,
    /// Hash of the host it was seen on (`scope_key`).
    pub scope: u64,
    /// The exchange's endpoint (`endpoint_key`) when the endpoint table
    /// follows this credential (a header or a cookie; 0 for a credential in
    /// the query string, which the log parsers' light path reads without
    /// the path).
    pub endpoint: u64,
}

/// The host part of credential identities, as a hash (empty when the format
/// shows no host).
pub fn scope_key(host: Option<&str>) -> u64 {
    scope_key_bytes(host.map(str::as_bytes))
}

/// `scope_key` of a host's bytes.
fn scope_key_bytes(host: Option<&[u8]>) -> u64 {
    crate::fingerprint::fast_hash(&[host.unwrap_or(b"")])
}

fn switch_key(client: u64, scope: u64) -> u64 {
    client ^ scope.rotate_left(29)
}

const CLIENT_SLOTS: usize = 4096;

/// Ended legs a queue keeps before it drops them (`ChunkSequence::advance`).
const COMPACT_MIN: usize = 64;

#[inline]
fn client_slot(client: u64) -> usize {
    (client >> 52) as usize % CLIENT_SLOTS
}

/// Sequence tracking inside one chunk.
pub struct ChunkSequence {
    window_us: i64,
    open: VecDeque<OpenLeg>,
    open_targets: IdMap<u32>,
    open_clients: IdMap<u32>,
    /// Open legs per slot of client keys (a counting filter in front of
    /// `open_clients`: most successful lines are answered from it alone).
    client_slots: Box<[u32; CLIENT_SLOTS]>,
    first_t: Option<i64>,
    /// Open legs that no success has completed yet.
    waiting: usize,
    /// A leg was queued before an earlier-timed one (an input out of time
    /// order) since the queue was last empty.
    disordered: bool,
    /// Legs in `open` whose window ended behind one still open.
    ended: usize,
    /// Closed from the start in a chunk that does not start its input
    /// (only the input's first window's successes are kept).
    head_closed: bool,
    heads: Vec<Success>,
    /// The credential histories of the successes so far: one interval
    /// each, kept in the form the sequence state takes (`finish` moves it).
    creds: Histories,
    endpoints: IdTable<EndpointOk>,
    ends: IdMap<i64>,
    /// The 401s waiting for a later success of their credential in the
    /// chunk, by history identity: the index of the last one, and through
    /// `waiting_before` the ones before it (a list through one vector: no
    /// allocation per credential).
    awaiting_after: IdMap<usize>,
    /// For each waiting 401 by index, the one before it that waits for the
    /// same credential (`NO_INDEX`: none).
    waiting_before: Vec<usize>,
    /// The waiting 401s not packed yet (from index `packed.len()` on): the
    /// most recent ones, which an open leg may still change.
    pending: Vec<Pending>,
    /// The waiting 401s packed (`PendingList`) as the chunk goes, so that a
    /// long run of chunks does not hold them as structs.
    packed: PendingList,
    /// Successes after packed 401s that waited for them: (index, order of
    /// the success), applied to `local_after` when the chunk ends.
    after_packed: Vec<(usize, Order)>,
    listing: Listing,
    starts_input: bool,
    /// The chunk's own records have ended (what follows is read ahead, for
    /// the legs only).
    own_ended: bool,
    /// `Listing::Started`: the latest time of the chunk's own records.
    latest: Option<i64>,
    /// `Listing::Started`: the successes that may answer a 401 listed after
    /// them, by time, with their handshake key; a success leaves at the
    /// first record listed after it that started more than a window later.
    answers: BTreeMap<Order, u64>,
    /// How many of `answers` have each handshake key.
    answer_keys: IdMap<u32>,
    head_legs: Vec<HeadLeg>,
    /// Waiting 401s (legs that carried a session cookie) that a success
    /// completed: decided, they leave the list when the chunk ends.
    answered_in_pending: usize,
}

/// No waiting 401 (`ChunkSequence::waiting_before`).
const NO_INDEX: usize = usize::MAX;

/// Waiting 401s kept unpacked before the oldest are packed.
const UNPACKED: usize = 4096;

pub fn handshake_verdict(rec: &Record401, gap_us: i64) -> Verdict {
    let what = match rec.status_detail.as_deref() {
        Some(d) if !d.is_empty() => format!("{d} challenge"),
        _ => "401".to_string(),
    };
    Verdict::new(
        Cause::ChallengeHandshake,
        EvidenceKind::Sequence,
        "sequence:handshake",
        format!(
            "{what}, same client succeeded on the same request {:.3} s later",
            gap_us as f64 / 1e6
        ),
    )
}

/// What kind of record a time belongs to (`ChunkSequence::advance`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// A 401: it closes the legs whose window it is past.
    Failure,
    /// A success: it may close the input's first window.
    Success,
    /// Any other record: only the first time of the chunk.
    Other,
}

impl ChunkSequence {
    /// `keeps_heads`: the chunk starts its input.
    pub fn new(window_us: i64, keeps_heads: bool, listing: Listing) -> Self {
        ChunkSequence {
            window_us,
            open: VecDeque::new(),
            ended: 0,
            open_targets: IdMap::default(),
            open_clients: IdMap::default(),
            client_slots: Box::new([0; CLIENT_SLOTS]),
            first_t: None,
            waiting: 0,
            disordered: false,
            head_closed: !keeps_heads,
            heads: Vec::new(),
            creds: Histories::default(),
            endpoints: IdTable::default(),
            ends: IdMap::default(),
            awaiting_after: IdMap::default(),
            waiting_before: Vec::new(),
            pending: Vec::new(),
            packed: PendingList::default(),
            after_packed: Vec::new(),
            listing,
            starts_input: keeps_heads,
            own_ended: false,
            latest: None,
            answers: BTreeMap::new(),
            answer_keys: IdMap::default(),
            head_legs: Vec::new(),
            answered_in_pending: 0,
        }
    }

    /// The chunk's own records have ended: what comes now is read ahead
    /// for its open legs only (it answers none of them itself).
    pub fn end_own(&mut self) {
        self.own_ended = true;
    }

    /// Does the chunk follow its successes to 401s listed after them (a
    /// capture, and a record of the chunk's own)?
    fn answers_later(&self) -> bool {
        self.listing == Listing::Started && !self.own_ended
    }

    /// Could a success before this chunk answer a 401 at `t` whose reach
    /// is `reach`?
    fn may_be_answered_before(&self, t: i64, reach: i64) -> bool {
        self.listing == Listing::Started
            && !self.starts_input
            && reaches_back(t, reach, self.window_us)
    }

    /// Could a success with this quick key (client and target) complete an
    /// open leg? (A cheap test that lets log parsers skip the details of most
    /// successful lines.)
    pub fn may_complete(&self, quick_key: u64) -> bool {
        self.open_targets.contains_key(&quick_key)
    }

    /// Has this client (hash of its address) an open leg? Asked of most
    /// successful records: the slot count is read in place, the map only
    /// when the slot is taken.
    #[inline(always)]
    pub fn may_complete_client(&self, client: u64) -> bool {
        self.client_slots[client_slot(client)] != 0 && self.has_open_client(client)
    }

    #[inline(never)]
    fn has_open_client(&self, client: u64) -> bool {
        self.open_clients.contains_key(&client)
    }

    /// Is a success at time `t` inside the chunk's first window?
    fn in_head(&self, t: i64) -> bool {
        self.first_t.is_none_or(|f| t <= f + self.window_us)
    }

    /// Is the input's first window still open (no 401 or success seen
    /// after it)? Only in the chunk that starts the input.
    pub fn head_open(&self) -> bool {
        !self.head_closed
    }

    pub fn has_open_legs(&self) -> bool {
        !self.open.is_empty()
    }

    /// Must the records after the chunk still be read (a leg that no
    /// success has completed and no 401 has closed, or the input's first
    /// window)?
    pub fn needs_more(&self) -> bool {
        self.waiting > 0 || !self.head_closed
    }

    /// Notes the time of a record. The input's first window ends at the
    /// first 401 or success past it; a leg's window ends at the first 401
    /// past it (legs are kept in input order; in an input out of time
    /// order a later leg may end first). `decided` gets the records of the
    /// legs it ends. Only 401s and successes count, because every mode
    /// reads all of them where it matters (the fast paths skip the others).
    pub fn advance(&mut self, t: i64, seen: Seen, mut decided: impl FnMut(Record401)) {
        let w = self.window_us;
        let first = *self.first_t.get_or_insert(t);
        if self.answers_later() {
            self.latest = Some(self.latest.map_or(t, |l| l.max(t)));
            // the successes this record started more than a window after
            while let Some(e) = self.answers.first_entry()
                && e.key().t.saturating_add(w) < t
            {
                let key = e.remove();
                Self::release(&mut self.answer_keys, key);
            }
        }
        if seen == Seen::Other {
            return;
        }
        if t > first.saturating_add(w) {
            self.head_closed = true;
        }
        if seen != Seen::Failure {
            return;
        }
        let past = |l: &OpenLeg| l.ended || l.rec.order.t.saturating_add(w) < t;
        while self.open.front().is_some_and(past)
            && let Some(leg) = self.open.pop_front()
        {
            if leg.ended {
                self.ended -= 1;
            } else {
                self.release_leg(leg.target, leg.client, leg.done.is_none());
            }
            if let Some(rec) = self.decide(leg) {
                decided(rec);
            }
        }
        if self.open.is_empty() {
            self.disordered = false;
        }
        if !self.disordered {
            return;
        }
        // later legs whose window ended before the first's (an input out of
        // time order) end where they are
        let mut released = Vec::new();
        for leg in self.open.iter_mut().filter(|l| !l.ended) {
            if leg.rec.order.t.saturating_add(w) < t {
                leg.ended = true;
                released.push((leg.target, leg.client, leg.done.is_none()));
            }
        }
        self.ended += released.len();
        for (target, client, undone) in released {
            self.release_leg(target, client, undone);
        }
        // once most of the queue has ended, the ended legs leave it (the
        // others keep their order): the queue holds the legs a success may
        // still complete, not every leg behind the first, however far back
        // in time the input jumps
        if self.ended > COMPACT_MIN && self.ended * 2 > self.open.len() {
            let (gone, open): (VecDeque<OpenLeg>, VecDeque<OpenLeg>) =
                std::mem::take(&mut self.open)
                    .into_iter()
                    .partition(|l| l.ended);
            self.open = open;
            self.ended = 0;
            for leg in gone {
                if let Some(rec) = self.decide(leg) {
                    decided(rec);
                }
            }
        }
    }

    /// A leg no success can complete any more leaves the filters.
    fn release_leg(&mut self, target: u64, client: u64, undone: bool) {
        Self::release(&mut self.open_targets, target);
        Self::release(&mut self.open_clients, client);
        self.client_slots[client_slot(client)] -= 1;
        if undone {
            self.waiting -= 1;
        }
    }

    fn release(map: &mut IdMap<u32>, k: u64) {
        if let Some(n) = map.get_mut(&k) {
            *n -= 1;
            if *n == 0 {
                map.remove(&k);
            }
        }
    }

    /// The record of a leg whose window has closed; `None` when the 401 also
    /// waits in `pending` (for its credential history), which is updated
    /// here, or when no success of the chunk answered it and one listed
    /// before the chunk still may (it waits in `head_legs`, for `Seam::join`).
    fn decide(&mut self, leg: OpenLeg) -> Option<Record401> {
        let mut rec = leg.rec;
        // the success listed after it first, else the nearest listed before
        let gap = leg.done.or(leg.back);
        let head = gap.is_none() && self.may_be_answered_before(rec.order.t, leg.reach);
        match (gap, leg.pending) {
            (Some(gap), Some(i)) => {
                // an open leg's 401 is never packed (see `pack`); it now
                // waits for nothing and leaves the list when the chunk ends
                if let Some(p) = self.unpacked(i) {
                    p.rec.verdict = handshake_verdict(&rec, gap);
                    p.history = None;
                    self.answered_in_pending += 1;
                }
                None
            }
            (None, Some(_)) => {
                if head {
                    self.head_legs.push(HeadLeg {
                        key: leg.key,
                        order: rec.order,
                        reach: leg.reach,
                        rec: None,
                    });
                }
                None
            }
            (Some(gap), None) => {
                rec.verdict = handshake_verdict(&rec, gap);
                Some(rec)
            }
            (None, None) if head => {
                self.head_legs.push(HeadLeg {
                    key: leg.key,
                    order: rec.order,
                    reach: leg.reach,
                    rec: Some(rec),
                });
                None
            }
            (None, None) => Some(rec),
        }
    }

    /// A 401 that may be a handshake leg; `history` when a credential it
    /// carried (a session cookie) decides it if no retry completes it.
    pub fn leg(
        &mut self,
        rec: Record401,
        key: u64,
        target: u64,
        client: u64,
        history: Option<u64>,
        endpoint: u64,
    ) {
        *self.open_targets.entry(target).or_insert(0) += 1;
        *self.open_clients.entry(client).or_insert(0) += 1;
        self.client_slots[client_slot(client)] += 1;
        self.waiting += 1;
        self.disordered |= self
            .open
            .back()
            .is_some_and(|b| b.rec.order.t > rec.order.t);
        let pending = history.map(|h| {
            self.history_failure(rec.clone(), h, false, endpoint);
            self.next_index() - 1
        });
        let back = self.answered_before(key, rec.order);
        self.open.push_back(OpenLeg {
            key,
            target,
            client,
            pending,
            rec,
            done: None,
            back,
            reach: self.latest.unwrap_or(i64::MIN),
            ended: false,
        });
    }

    /// The gap to the nearest success of `key` listed before a 401 at
    /// `order` that answers it: it started after the 401, within the
    /// window, and no record listed after it started more than a window
    /// later (`Listing::Started`; `answers` holds just those).
    fn answered_before(&self, key: u64, order: Order) -> Option<i64> {
        if !self.answer_keys.contains_key(&key) {
            return None;
        }
        let until = Order {
            t: order.t.saturating_add(self.window_us),
            file: u64::MAX,
            record: u64::MAX,
        };
        self.answers
            .range(order..=until)
            .filter(|(o, k)| **k == key && **o > order)
            .max_by_key(|(o, _)| (o.file, o.record))
            .map(|(o, _)| o.t - order.t)
    }

    /// A 401 whose credential history decides revoked/transient (or, with
    /// `endpoint`, a credential this endpoint does not take), or whose
    /// evidence may name a refresh.
    pub fn history_failure(
        &mut self,
        rec: Record401,
        history: u64,
        annotate_only: bool,
        endpoint: u64,
    ) {
        let local_before = self.creds.get(&history).map(|c| c.intervals.first.1);
        if self.pending.len() >= 2 * UNPACKED {
            self.pack();
        }
        let i = self.next_index();
        let before = self.awaiting_after.insert(history, i).unwrap_or(NO_INDEX);
        self.waiting_before.push(before);
        self.pending.push(Pending {
            rec,
            leg: None,
            history: Some(history),
            annotate_only,
            local_before,
            local_after: None,
            endpoint,
        });
    }

    /// Notes the time of a 401, or of a success carrying a credential, on
    /// the host `scope` (`SequenceState::ends`).
    pub fn seen_on(&mut self, scope: u64, t: i64) {
        let e = self.ends.entry(scope).or_insert(t);
        *e = (*e).max(t);
    }

    /// A successful exchange: completes legs, feeds the credential history.
    pub fn success(
        &mut self,
        key: Option<u64>,
        order: Order,
        client: u64,
        creds: &[SeenCredential],
    ) {
        let t = order.t;
        if let Some(key) = key {
            for leg in self.open.iter_mut() {
                if leg.done.is_none()
                    && !leg.ended
                    && leg.key == key
                    && order > leg.rec.order
                    && t - leg.rec.order.t <= self.window_us
                {
                    leg.done = Some(t - leg.rec.order.t);
                    self.waiting -= 1;
                }
            }
            if !self.head_closed && self.in_head(t) {
                self.heads.push(Success { key, order });
            }
            if self.answers_later() {
                self.answers.insert(order, key);
                *self.answer_keys.entry(key).or_insert(0) += 1;
            }
        }
        if let Some(c) = creds.first() {
            self.seen_on(c.scope, t);
        }
        for c in creds {
            // the client matters for tokens only ("old token used after
            // refresh"); for other credentials it is not kept, so that the
            // light path of log parsers, which does not read it, gives the
            // same history as a full parse
            let client = if c.is_token { client } else { 0 };
            let e = self.creds.get_or_insert_with(c.history, || CredHistory {
                intervals: Intervals::new(order, order),
                fp: c.fp,
                first_client: client,
                is_token: c.is_token,
                scope: c.scope,
            });
            let span = &mut e.intervals.first;
            if order < span.0 {
                span.0 = order;
                e.first_client = client;
            }
            span.1 = span.1.max(order);
            e.is_token |= c.is_token;
            if c.endpoint != 0 {
                add_endpoint(
                    &mut self.endpoints,
                    EndpointOk {
                        history: c.history,
                        endpoint: c.endpoint,
                        last: order,
                    },
                );
            }
            let mut next = self.awaiting_after.remove(&c.history).unwrap_or(NO_INDEX);
            while let Some(&before) = self.waiting_before.get(next) {
                match self.unpacked(next) {
                    Some(p) => later_success(&mut p.local_after, p.rec.order, order),
                    None => self.after_packed.push((next, order)),
                }
                next = before;
            }
        }
    }

    /// Ends the chunk: decided records go to `decided`; what waits for the
    /// rest of the input is returned.
    pub fn finish(mut self, decided: &mut Vec<Record401>) -> (SequenceState, Seam) {
        while let Some(leg) = self.open.pop_front() {
            if leg.done.is_none() && leg.back.is_none() && !leg.ended {
                // open at the end of the input: a retry may come in another
                // input (or be listed before the chunk)
                if self.may_be_answered_before(leg.rec.order.t, leg.reach) {
                    self.head_legs.push(HeadLeg {
                        key: leg.key,
                        order: leg.rec.order,
                        reach: leg.reach,
                        rec: None,
                    });
                }
                match leg.pending {
                    Some(i) => {
                        if let Some(p) = self.unpacked(i) {
                            p.leg = Some(leg.key);
                        }
                    }
                    None => self.pending.push(Pending {
                        rec: leg.rec,
                        leg: Some(leg.key),
                        history: None,
                        annotate_only: false,
                        local_before: None,
                        local_after: None,
                        endpoint: 0,
                    }),
                }
            } else if let Some(rec) = self.decide(leg) {
                decided.push(rec);
            }
        }
        let mut answers: Vec<Success> = std::mem::take(&mut self.answers)
            .into_iter()
            .map(|(order, key)| Success { key, order })
            .collect();
        answers.sort_by_key(|a| (a.order.file, a.order.record));
        let seam = Seam {
            starts_input: self.starts_input,
            latest: self.latest,
            answers,
            head_legs: std::mem::take(&mut self.head_legs),
        };
        let history = std::mem::take(&mut self.creds);
        let mut pending = std::mem::take(&mut self.packed);
        pending.push_block(&self.pending);
        if !self.after_packed.is_empty() {
            // each 401 waits for one success at most (`success` removes it)
            self.after_packed.sort_unstable_by_key(|(i, _)| *i);
            let mut next = self.after_packed.iter().peekable();
            let mut i = 0;
            pending.update_heads(|h| {
                if let Some(&&(_, order)) = next.peek().filter(|(at, _)| *at == i) {
                    later_success(&mut h.local_after, h.order, order);
                    next.next();
                }
                i += 1;
            });
        }
        if self.answered_in_pending > 0 {
            // a completed leg waits for nothing (a partial that kept it
            // would not read back)
            pending = pending
                .into_iter()
                .filter_map(|p| {
                    if p.leg.is_none() && p.history.is_none() {
                        decided.push(p.rec);
                        None
                    } else {
                        Some(p)
                    }
                })
                .collect();
        }
        let state = SequenceState {
            history,
            pending,
            heads: self.heads,
            endpoints: self.endpoints,
            ends: self.ends.into_iter().collect(),
        };
        (state, seam)
    }

    /// The index the next waiting 401 gets.
    fn next_index(&self) -> usize {
        self.packed.len() + self.pending.len()
    }

    /// The waiting 401 at `i`, if it is not packed yet.
    fn unpacked(&mut self, i: usize) -> Option<&mut Pending> {
        let at = i.checked_sub(self.packed.len())?;
        self.pending.get_mut(at)
    }

    /// Packs the oldest unpacked 401s, keeping the newest `UNPACKED` and
    /// every one an open leg may still change.
    fn pack(&mut self) {
        let first_open = self
            .open
            .iter()
            .filter_map(|l| l.pending)
            .min()
            .unwrap_or(usize::MAX);
        let n = (self.pending.len() - UNPACKED).min(first_open.saturating_sub(self.packed.len()));
        if n == 0 {
            return;
        }
        self.packed.push_block(&self.pending[..n]);
        self.pending.drain(..n);
    }

    /// Has a record of the chunk given its time?
    pub fn has_time(&self) -> bool {
        self.first_t.is_some()
    }
}

/// A success at `order` of the credential of a 401 at `at` that waited for
/// its first later success.
fn later_success(after: &mut Option<Order>, at: Order, order: Order) {
    if order > at && after.is_none_or(|a| order < a) {
        *after = Some(order);
    }
}

/// Successes by handshake key, in order.
fn heads_by_key(heads: &[Success]) -> IdMap<Vec<Order>> {
    let mut by_key: IdMap<Vec<Order>> = IdMap::default();
    for s in heads {
        by_key.entry(s.key).or_default().push(s.order);
    }
    for v in by_key.values_mut() {
        v.sort();
    }
    by_key
}

/// The gap to the first success of `key` after `o` within the window in
/// another input, if any (inside an input, the input's order decided).
fn completion(heads: &IdMap<Vec<Order>>, key: u64, o: Order, window: i64) -> Option<i64> {
    heads.get(&key).and_then(|v| {
        let i = v.partition_point(|h| *h <= o);
        v[i..]
            .iter()
            .take_while(|h| h.t - o.t <= window)
            .find(|h| h.file != o.file)
            .map(|h| h.t - o.t)
    })
}

/// Settles what one whole input leaves for other inputs, once all its
/// chunks are merged: the 401s whose credential history needs other inputs
/// keep the nearest successes of their own input, and the history keeps
/// one interval per credential (the input's first and last success). The
/// legs still open are those at the input's end, and the successes kept
/// are those of its first window, so nothing left depends on where the
/// input was cut into chunks.
pub fn settle_input(seq: &mut SequenceState) {
    let history = &seq.history;
    seq.pending.update_heads(|p| {
        let o = p.order;
        if let Some(h) = p.history.and_then(|id| history.get(&id)) {
            p.local_before = h.before(o).max(p.local_before.filter(|b| *b < o));
            p.local_after = match (h.after(o), p.local_after) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
    });
    seq.history
        .par_update(|h| h.intervals = Intervals::new(h.first_ok(), h.last_ok()));
}

fn at(o: Order) -> String {
    Timestamp(o.t).to_string()
}

/// The remedy of a revocation that only the sequence shows.
const REVOKED_BY_SEQUENCE: &str = "issue a new credential and find out who revoked it, unless it is an opaque token that expired: that fails the same way, and the sequence cannot tell the two apart (check the token's lifetime first)";

/// How much of the capture followed a failure, in evidence words.
fn remaining(us: i64) -> String {
    if us <= 0 {
        return "no later record in the capture (it ends with this failure)".into();
    }
    format!("no success in the remaining {} of the capture", span(us))
}

/// A duration as people read it: `45 s`, `2 min 50 s`, `3 h 5 min`, `2 d 4 h`.
pub fn span(us: i64) -> String {
    let s = us / 1_000_000;
    match s {
        0 => format!("{:.1} s", us as f64 / 1e6),
        1..=59 => format!("{s} s"),
        60..=3599 => match s % 60 {
            0 => format!("{} min", s / 60),
            r => format!("{} min {r} s", s / 60),
        },
        3600..=86399 => match (s % 3600) / 60 {
            0 => format!("{} h", s / 3600),
            m => format!("{} h {m} min", s / 3600),
        },
        _ => match (s % 86400) / 3600 {
            0 => format!("{} d", s / 86400),
            h => format!("{} d {h} h", s / 86400),
        },
    }
}

/// The 401s of each credential on each endpoint of its host that the
/// sequence decides, and where the host accepted those credentials
/// (CAUSES.md step 5: an endpoint that does not take a credential the host
/// accepts elsewhere).
struct EndpointRejections {
    /// (history, endpoint) key → (401s, the first, whether two of them came
    /// in a row).
    rejected: IdMap<(u64, Order, bool)>,
    /// history → (endpoint, last success) of the credentials rejected twice
    /// in a row on one endpoint.
    accepted: IdMap<Vec<(u64, Order)>>,
}

impl EndpointRejections {
    fn of(pending: &PendingList, table: &IdTable<EndpointOk>, history: &Histories) -> Self {
        // per (history, endpoint): each 401 and the nearest success of its
        // credential after it (in its own input, or proven by the history)
        let mut runs: IdMap<Vec<(Order, Option<Order>)>> = IdMap::default();
        for p in pending
            .heads()
            .filter(|p| p.endpoint != 0 && !p.annotate_only)
        {
            let Some(h) = p.history else { continue };
            let o = p.order;
            let next = [p.local_after, history.get(&h).and_then(|c| c.after(o))]
                .into_iter()
                .flatten()
                .filter(|a| *a > o)
                .min();
            runs.entry(EndpointOk::key(h, p.endpoint))
                .or_default()
                .push((o, next));
        }
        let rejected: IdMap<(u64, Order, bool)> = runs
            .into_iter()
            .map(|(k, mut v)| {
                v.sort();
                // two rejections with no success of the credential between
                // them: the endpoint refused it twice in a row (a
                // credential that fails once here and once there, working
                // in between, is a hiccup each time)
                let in_row = v.windows(2).any(|w| w[0].1.is_none_or(|a| a > w[1].0));
                (k, (v.len() as u64, v[0].0, in_row))
            })
            .collect();
        let twice: IdMap<()> = pending
            .heads()
            .filter(|p| {
                p.endpoint != 0
                    && p.history.is_some_and(|h| {
                        rejected
                            .get(&EndpointOk::key(h, p.endpoint))
                            .is_some_and(|r| r.0 >= 2 && r.2)
                    })
            })
            .filter_map(|p| p.history.map(|h| (h, ())))
            .collect();
        let mut accepted: IdMap<Vec<(u64, Order)>> = IdMap::default();
        if !twice.is_empty() {
            for e in table.values() {
                if twice.contains_key(&e.history) {
                    accepted
                        .entry(e.history)
                        .or_default()
                        .push((e.endpoint, e.last));
                }
            }
        }
        EndpointRejections { rejected, accepted }
    }

    /// The verdict of a 401 whose endpoint does not take its credential:
    /// rejected there at least twice (two of them in a row, with no success
    /// of the credential between), never accepted there, and accepted
    /// on other endpoints of the host after it was first rejected here (a
    /// credential that never works again after the rejections reads as
    /// revoked instead).
    fn refused(
        &self,
        history: Option<u64>,
        endpoint: u64,
        rec: &Record401,
        fp: &str,
    ) -> Option<Verdict> {
        let h = history?;
        if endpoint == 0 {
            return None;
        }
        let &(n, first, in_row) = self.rejected.get(&EndpointOk::key(h, endpoint))?;
        let oks = self.accepted.get(&h)?;
        if n < 2 || !in_row || oks.iter().any(|(e, _)| *e == endpoint) {
            return None;
        }
        let last = oks.iter().map(|(_, l)| *l).max()?;
        if last <= first {
            return None;
        }
        let k = oks.len();
        Some(
            Verdict::new(
                Cause::InsufficientScope,
                EvidenceKind::Sequence,
                "sequence:endpoint",
                format!(
                    "credential {fp} rejected {n} times on {} {} and never accepted there; the host accepted it on {k} other endpoint{} (last at {})",
                    rec.method,
                    rec.path,
                    if k == 1 { "" } else { "s" },
                    at(last)
                ),
            )
            .with_fix(
                "use a credential with the permission this endpoint needs (ask for its scope or role): the host accepts this one elsewhere",
            ),
        )
    }
}

/// Decides every pending 401 and records it in `summary`; with `keep`,
/// returns the final verdicts of those 401s (for the events output), else
/// an empty map.
pub fn resolve(
    seq: &mut SequenceState,
    summary: &mut State,
    keep: bool,
) -> BTreeMap<Order, Verdict> {
    resolve_from(seq, summary, keep, PARALLEL_RESOLVE)
}

/// `resolve`, deciding the list in two halves side by side from `parallel`
/// waiting 401s on.
fn resolve_from(
    seq: &mut SequenceState,
    summary: &mut State,
    keep: bool,
    parallel: usize,
) -> BTreeMap<Order, Verdict> {
    let state = seq;
    let window = summary.settings.handshake_window_us;
    let pending = std::mem::take(&mut state.pending);
    let heads = heads_by_key(&state.heads);
    // per client and host, the tokens it started using successfully: (first
    // success, identity); only for the clients a pending 401 may need, and
    // only when a client started using a token at all
    let started = state
        .history
        .par_values()
        .any(|h| h.is_token && h.first_client != 0);
    let wanted: IdMap<()> = if started {
        pending
            .heads()
            .filter(|p| p.history.is_some() && p.client_id != 0)
            .map(|p| (switch_key(p.client_id, p.scope), ()))
            .collect()
    } else {
        IdMap::default()
    };
    let mut switches: IdMap<Vec<(Order, u64)>> = IdMap::default();
    if !wanted.is_empty() {
        let found: Vec<(u64, Order, u64)> = state
            .history
            .par_iter()
            .filter(|(_, h)| h.is_token && h.first_client != 0)
            .map(|(id, h)| (switch_key(h.first_client, h.scope), h.first_ok(), *id))
            .filter(|(k, _, _)| wanted.contains_key(k))
            .collect();
        for (k, first, id) in found {
            switches.entry(k).or_default().push((first, id));
        }
    }
    for v in switches.values_mut() {
        v.sort();
    }
    let endpoints = EndpointRejections::of(&pending, &state.endpoints, &state.history);

    let d = Deciding {
        heads: &heads,
        window,
        history: &state.history,
        ends: &state.ends,
        switches: &switches,
        endpoints: &endpoints,
        keep,
    };
    // each 401 is decided alone and the summary does not depend on the
    // order it records them in (nor on how it is split: states merge):
    // the two halves of the list are decided beside each other, and the
    // memory of each block goes back as soon as it has been read
    let changed = if pending.len() < parallel.max(2) {
        d.record_all(pending, summary)
    } else {
        let (first, second) = pending.halves();
        let mut other = State::new(summary.settings.clone());
        let (mut changed, more) = rayon::join(
            || d.record_all(first, summary),
            || d.record_all(second, &mut other),
        );
        summary.merge(other);
        changed.extend(more);
        changed
    };
    state.heads.clear();
    changed
}

/// Below this many waiting 401s the list is decided on one thread.
const PARALLEL_RESOLVE: usize = 4096;

/// What `resolve` decides the waiting 401s with (read only).
struct Deciding<'s> {
    heads: &'s IdMap<Vec<Order>>,
    window: i64,
    history: &'s Histories,
    ends: &'s BTreeMap<u64, i64>,
    switches: &'s IdMap<Vec<(Order, u64)>>,
    endpoints: &'s EndpointRejections,
    keep: bool,
}

impl Deciding<'_> {
    /// Decides the 401s of `pending` and records them in `summary`; with
    /// `keep`, returns their final verdicts.
    fn record_all(&self, pending: PendingList, summary: &mut State) -> BTreeMap<Order, Verdict> {
        let (heads, window, keep) = (self.heads, self.window, self.keep);
        let (switches, endpoints) = (self.switches, self.endpoints);
        let mut changed = BTreeMap::new();
        for p in pending {
            let mut rec = p.rec;
            let o = rec.order;
            let hist = p.history.and_then(|id| self.history.get(&id));
            if let Some(key) = p.leg
                && let Some(gap) = completion(heads, key, o, window)
            {
                rec.verdict = handshake_verdict(&rec, gap);
            }
            // the nearest success before the 401 that is known
            let before = hist.and_then(|h| h.before(o).max(p.local_before.filter(|b| *b < o)));
            if rec.verdict.cause != Cause::ChallengeHandshake
                && let (Some(h), false) = (hist, p.annotate_only)
            {
                let fp = show(h.fp);
                if let Some(scope) = endpoints.refused(p.history, p.endpoint, &rec, &fp) {
                    rec.verdict = scope;
                } else if let Some(before) = before {
                    let after = match (h.after(o), p.local_after) {
                        (Some(a), Some(b)) => Some(a.min(b)),
                        (a, b) => a.or(b),
                    };
                    rec.verdict = match after {
                    Some(after) => Verdict::new(
                        Cause::TransientRejection,
                        EvidenceKind::Sequence,
                        "sequence:transient",
                        format!(
                            "credential {fp} succeeded at {} and again at {}, fails in between",
                            at(before),
                            at(after)
                        ),
                    ),
                    None => Verdict::new(
                        Cause::RevokedCredentials,
                        EvidenceKind::Sequence,
                        "sequence:revoked",
                        format!(
                            "credential {fp} succeeded until {}, fails from {} and never succeeds again: {}",
                            at(before),
                            at(o),
                            remaining(
                                self
                                    .ends
                                    .get(&scope_key(rec.host.as_deref()))
                                    .map_or(0, |e| e.saturating_sub(o.t))
                            )
                        ),
                    )
                    .with_fix(REVOKED_BY_SEQUENCE),
                };
                }
            }
            // "old token used after refresh": the newest token this client started
            // using on this host after this credential's last success (if it had any)
            if let Some(id) = p.history
                && matches!(
                    rec.verdict.cause,
                    Cause::ExpiredCredentials | Cause::RevokedCredentials
                )
                && rec.client_id != 0
                && let Some(list) =
                    switches.get(&switch_key(rec.client_id, scope_key(rec.host.as_deref())))
            {
                let floor = before;
                if let Some((when, _)) = list
                    .iter()
                    .rev()
                    .find(|(w, other)| *other != id && *w < o && floor.is_none_or(|f| *w > f))
                {
                    rec.verdict
                        .detail
                        .to_mut()
                        .push_str(&format!("; old token used after refresh at {}", at(*when)));
                }
            }
            let valid_elsewhere = hist.is_some();
            if keep {
                changed.insert(o, rec.verdict.clone());
            }
            summary.record(&rec, valid_elsewhere);
        }
        changed
    }
}
