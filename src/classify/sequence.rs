//! The sequence stage (precedence step 5): causes that show only in the
//! order of exchanges. `ChunkSequence` follows one chunk in input order and
//! decides what the chunk alone can decide (a handshake completed inside
//! it, a leg whose window closed); what needs the rest of the input leaves
//! the chunk as `Pending`, with the chunk's credential successes and the
//! successes of its first window (`heads`). `resolve` decides those once
//! every chunk has been merged. Exact for inputs in time order, however they
//! were cut into chunks, files or partial summaries.

use std::collections::{BTreeMap, VecDeque};

use super::{Cause, EvidenceKind, Verdict};
use crate::fingerprint::{IdMap, IdTable, show};
use crate::summary::{CredHistory, Intervals, Order, Pending, Record401, State, Success};
use crate::time::Timestamp;

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
}

struct LocalCred {
    first: Order,
    last: Order,
    fp: u64,
    first_client: u64,
    is_token: bool,
    scope: u64,
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
}

/// The host part of credential identities, as a hash (empty when the format
/// shows no host).
pub fn scope_key(host: Option<&str>) -> u64 {
    crate::fingerprint::fast_hash(&[host.unwrap_or("").as_bytes()])
}

fn switch_key(client: u64, scope: u64) -> u64 {
    client ^ scope.rotate_left(29)
}

const CLIENT_SLOTS: usize = 4096;

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
    client_slots: Vec<u32>,
    first_t: Option<i64>,
    max_t: i64,
    head_closed: bool,
    heads: Vec<Success>,
    creds: IdTable<LocalCred>,
    awaiting_after: IdMap<Vec<usize>>,
    pending: Vec<Pending>,
}

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
            "{what}, same client succeeded on the same target {:.3} s later",
            gap_us as f64 / 1e6
        ),
    )
}

impl ChunkSequence {
    pub fn new(window_us: i64) -> Self {
        ChunkSequence {
            window_us,
            open: VecDeque::new(),
            open_targets: IdMap::default(),
            open_clients: IdMap::default(),
            client_slots: vec![0; CLIENT_SLOTS],
            first_t: None,
            max_t: i64::MIN,
            head_closed: false,
            heads: Vec::new(),
            creds: IdTable::default(),
            awaiting_after: IdMap::default(),
            pending: Vec::new(),
        }
    }

    /// Could a success with this quick key (client and target) complete an
    /// open leg? (A cheap test that lets log parsers skip the details of most
    /// successful lines.)
    pub fn may_complete(&self, quick_key: u64) -> bool {
        self.open_targets.contains_key(&quick_key)
    }

    /// Has this client (hash of its address) an open leg?
    pub fn may_complete_client(&self, client: u64) -> bool {
        self.client_slots[client_slot(client)] != 0 && self.open_clients.contains_key(&client)
    }

    /// Is a success at time `t` inside the chunk's first window?
    fn in_head(&self, t: i64) -> bool {
        self.first_t.is_none_or(|f| t <= f + self.window_us)
    }

    /// Is the chunk's first window still open (no record seen after it)?
    pub fn head_open(&self) -> bool {
        !self.head_closed
    }

    pub fn has_open_legs(&self) -> bool {
        !self.open.is_empty()
    }

    /// Notes the time of a record and closes legs whose window has passed.
    /// `decided` gets the records of the legs it closes.
    pub fn advance(&mut self, t: i64, mut decided: impl FnMut(Record401)) {
        match self.first_t {
            None => self.first_t = Some(t),
            Some(f) if t > f + self.window_us => self.head_closed = true,
            Some(_) => {}
        }
        self.max_t = self.max_t.max(t);
        while self
            .open
            .front()
            .is_some_and(|front| front.rec.order.t + self.window_us < t)
            && let Some(leg) = self.open.pop_front()
        {
            Self::release(&mut self.open_targets, leg.target);
            Self::release(&mut self.open_clients, leg.client);
            self.client_slots[client_slot(leg.client)] -= 1;
            if let Some(rec) = self.decide(leg) {
                decided(rec);
            }
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
    /// waits in `pending` (for its credential history), which is updated here.
    fn decide(&mut self, leg: OpenLeg) -> Option<Record401> {
        let mut rec = leg.rec;
        match (leg.done, leg.pending) {
            (Some(gap), Some(i)) => {
                let p = &mut self.pending[i];
                p.rec.verdict = handshake_verdict(&rec, gap);
                p.history = None;
                None
            }
            (None, Some(_)) => None,
            (Some(gap), None) => {
                rec.verdict = handshake_verdict(&rec, gap);
                Some(rec)
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
    ) {
        *self.open_targets.entry(target).or_insert(0) += 1;
        *self.open_clients.entry(client).or_insert(0) += 1;
        self.client_slots[client_slot(client)] += 1;
        let pending = history.map(|h| {
            self.history_failure(rec.clone(), h, false);
            self.pending.len() - 1
        });
        self.open.push_back(OpenLeg {
            key,
            target,
            client,
            pending,
            rec,
            done: None,
        });
    }

    /// A 401 whose credential history decides revoked/transient, or whose
    /// evidence may name a refresh.
    pub fn history_failure(&mut self, rec: Record401, history: u64, annotate_only: bool) {
        let local_before = self.creds.get(&history).map(|c| c.last);
        self.awaiting_after
            .entry(history)
            .or_default()
            .push(self.pending.len());
        self.pending.push(Pending {
            rec,
            leg: None,
            history: Some(history),
            annotate_only,
            local_before,
            local_after: None,
        });
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
                    && leg.key == key
                    && order > leg.rec.order
                    && t - leg.rec.order.t <= self.window_us
                {
                    leg.done = Some(t - leg.rec.order.t);
                }
            }
            if self.in_head(t) {
                self.heads.push(Success { key, order });
            }
        }
        for c in creds {
            // the client matters for tokens only ("old token used after
            // refresh"); for other credentials it is not kept, so that the
            // light path of log parsers, which does not read it, gives the
            // same history as a full parse
            let client = if c.is_token { client } else { 0 };
            let e = self.creds.entry(c.history).or_insert(LocalCred {
                first: order,
                last: order,
                fp: c.fp,
                first_client: client,
                is_token: c.is_token,
                scope: c.scope,
            });
            if order < e.first {
                e.first = order;
                e.first_client = client;
            }
            e.last = e.last.max(order);
            e.is_token |= c.is_token;
            if let Some(waiting) = self.awaiting_after.remove(&c.history) {
                for i in waiting {
                    let p = &mut self.pending[i];
                    if order > p.rec.order && p.local_after.is_none_or(|a| order < a) {
                        p.local_after = Some(order);
                    }
                }
            }
        }
    }

    /// Ends the chunk: decided records go to `decided`, the rest into `state`.
    pub fn finish(mut self, state: &mut State, decided: &mut Vec<Record401>) {
        let tail_from = self.max_t.saturating_sub(self.window_us);
        while let Some(leg) = self.open.pop_front() {
            if leg.done.is_none() && leg.rec.order.t >= tail_from {
                // a retry may still come in the next chunk or input
                match leg.pending {
                    Some(i) => self.pending[i].leg = Some(leg.key),
                    None => self.pending.push(Pending {
                        rec: leg.rec,
                        leg: Some(leg.key),
                        history: None,
                        annotate_only: false,
                        local_before: None,
                        local_after: None,
                    }),
                }
            } else if let Some(rec) = self.decide(leg) {
                decided.push(rec);
            }
        }
        let seq = &mut state.sequence;
        let mine: IdTable<CredHistory> = self
            .creds
            .into_iter()
            .map(|(id, c)| {
                let h = CredHistory {
                    intervals: Intervals::new(c.first, c.last),
                    fp: c.fp,
                    first_client: c.first_client,
                    is_token: c.is_token,
                    scope: c.scope,
                };
                (id, h)
            })
            .collect();
        // (the analyzer's own state has none yet: it takes the table whole)
        crate::summary::merge_ids(&mut seq.history, mine, |h, o| h.merge(&o));
        seq.heads.extend(self.heads);
        seq.pending.extend(self.pending);
    }
}

fn at(o: Order) -> String {
    Timestamp(o.t).to_string()
}

/// Decides every pending 401 and records it; with `keep`, returns the final
/// verdicts of those 401s (for the events output), else an empty map.
pub fn resolve(state: &mut State, keep: bool) -> BTreeMap<Order, Verdict> {
    let window = state.settings.handshake_window_us;
    let pending = std::mem::take(&mut state.sequence.pending);
    // decided in the global order (the positions are sorted, not the
    // entries: an entry is large to move); equal orders keep their places
    let mut by_order: Vec<(Order, usize)> = pending
        .iter()
        .enumerate()
        .map(|(i, p)| (p.rec.order, i))
        .collect();
    by_order.sort_unstable();
    let mut heads: IdMap<Vec<Order>> = IdMap::default();
    for s in &state.sequence.heads {
        heads.entry(s.key).or_default().push(s.order);
    }
    for v in heads.values_mut() {
        v.sort();
    }
    // per client and host, the tokens it started using successfully: (first
    // success, identity); only for the clients a pending 401 may need
    let wanted: IdMap<()> = pending
        .iter()
        .filter(|p| p.history.is_some() && p.rec.client_id != 0)
        .map(|p| {
            (
                switch_key(p.rec.client_id, scope_key(p.rec.host.as_deref())),
                (),
            )
        })
        .collect();
    let mut switches: IdMap<Vec<(Order, u64)>> = IdMap::default();
    if !wanted.is_empty() {
        for (id, h) in &state.sequence.history {
            let k = switch_key(h.first_client, h.scope);
            if h.is_token && h.first_client != 0 && wanted.contains_key(&k) {
                switches.entry(k).or_default().push((h.first_ok(), *id));
            }
        }
    }
    for v in switches.values_mut() {
        v.sort();
    }

    let mut changed = BTreeMap::new();
    let mut slots: Vec<Option<Pending>> = pending.into_iter().map(Some).collect();
    for (_, i) in by_order {
        let Some(p) = slots[i].take() else { continue };
        let mut rec = p.rec;
        let o = rec.order;
        let hist = p.history.and_then(|id| state.sequence.history.get(&id));
        if let Some(key) = p.leg {
            let done = heads.get(&key).and_then(|v| {
                let i = v.partition_point(|h| *h <= o);
                v.get(i).filter(|h| h.t - o.t <= window).map(|h| h.t - o.t)
            });
            if let Some(gap) = done {
                rec.verdict = handshake_verdict(&rec, gap);
            }
        }
        if rec.verdict.cause != Cause::ChallengeHandshake
            && let (Some(h), false) = (hist, p.annotate_only)
        {
            let fp = show(h.fp);
            let before = h.before(o).max(p.local_before.filter(|b| *b < o));
            if let Some(before) = before {
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
                            "credential {fp} succeeded until {}, fails from {} and never succeeds again",
                            at(before),
                            at(o)
                        ),
                    ),
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
            let floor = hist.and_then(|h| h.before(o));
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
        state.record(&rec, valid_elsewhere);
    }
    state.sequence.heads.clear();
    changed
}
