//! The per-chunk analysis: every parser hands its exchanges to an
//! `Analyzer`, which classifies 401s, follows the sequence state of the
//! chunk and folds everything into a `State`. One analyzer per chunk;
//! chunks are merged with `State::merge`.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::classify::challenge;
use crate::classify::redact::{self, Secrets};
use crate::classify::rules::{self, RuleSettings};
use crate::classify::sequence::{
    self, ChunkSequence, HeadLeg, Listing, Seam, Seen, SeenCredential, endpoint_key, scope_key,
};
use crate::classify::{Cause, Verdict};
use crate::exchange::{ClientView, Exchange, Position};
use crate::fingerprint::{Fingerprinter, IdMap, fast_hash, fast_hash_seeded, mix};
use crate::logs::errorlog::ErrorIndex;
use crate::partial::Partial;
use crate::path;
use crate::summary::{FileStats, Order, Record401, Settings, Shared, State};
use crate::time::Timestamp;

/// Bytes per chunk of a log. Fixed (not derived from the thread count):
/// chunk edges are where parts of an input are analysed apart.
pub const CHUNK_BYTES: usize = 8 << 20;
/// Bytes per chunk in the reference mode: many chunk edges on small inputs.
pub const REFERENCE_CHUNK_BYTES: usize = 4 << 10;
/// Credentials in one query that the light path takes (more: the full parse).
pub const LIGHT_MAX_CREDENTIALS: usize = 4;

/// Everything about a run that does not change while it runs.
#[derive(Debug, Clone)]
pub struct Context {
    pub settings: Settings,
    pub rules: RuleSettings,
    pub fingerprints: Fingerprinter,
    /// Keep every 401 for the events output.
    pub keep_events: bool,
    /// The reference mode (`AUTHSIFT_REFERENCE=1`): the plainest correct
    /// path — no block scanner, no light path for successful records, no
    /// compact JSON reader, no memo caches, small chunks. Every fast path
    /// must give the same bytes as this mode (tests/reference.rs).
    pub reference: bool,
    /// Whether captures had their credential headers removed
    /// (`--sanitized`).
    pub sanitized: Sanitized,
    /// The longest record read (`--max-record-bytes`): a longer line or HAR
    /// entry is counted as unparsed and skipped, never held.
    pub max_record_bytes: usize,
    /// The authentication lines of the run's error logs, read before the
    /// access logs (`logs::errorlog`): an access-log 401 is joined to its line.
    pub errors: Option<std::sync::Arc<ErrorIndex>>,
}

/// `--sanitized`: were the captures' credential headers removed?
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sanitized {
    /// Decided per capture from what it shows.
    #[default]
    Auto,
    Yes,
    No,
}

/// The default of `--max-record-bytes`: 64 MiB.
pub const MAX_RECORD_BYTES: usize = 64 << 20;

impl Context {
    pub fn new(settings: Settings, fingerprints: Fingerprinter, keep_events: bool) -> Self {
        let rules = RuleSettings {
            clock_skew_secs: settings.clock_skew_secs,
        };
        Context {
            settings,
            rules,
            fingerprints,
            keep_events,
            reference: false,
            sanitized: Sanitized::Auto,
            max_record_bytes: MAX_RECORD_BYTES,
            errors: None,
        }
    }

    /// Bytes per chunk of a log (fixed per mode, never derived from the
    /// thread count).
    pub fn chunk_bytes(&self) -> usize {
        if self.reference {
            REFERENCE_CHUNK_BYTES
        } else {
            CHUNK_BYTES
        }
    }
}

/// The input a chunk belongs to.
#[derive(Debug, Clone)]
pub struct Source {
    /// The path as the user gave it (or `-`).
    pub name: String,
    /// Stable identity for the global order.
    pub key: u64,
    /// Index in this run's input table.
    pub id: u32,
    pub format: String,
    /// The known layout the input is read as (`KnownLayout::what`).
    pub layout: Option<&'static str>,
}

impl Source {
    pub fn new(name: &str, id: u32, format: &str) -> Self {
        Source {
            name: name.to_string(),
            key: crate::summary::input_key(name),
            id,
            format: format.to_string(),
            layout: None,
        }
    }

    /// A capture (HAR) rather than a log.
    pub fn is_capture(&self) -> bool {
        self.format == "har"
    }

    /// How the input lists its records (`sequence::Listing`).
    pub fn listing(&self) -> Listing {
        if self.is_capture() {
            Listing::Started
        } else {
            Listing::Answered
        }
    }
}

/// What a chunk produced.
pub struct ChunkResult {
    pub state: Partial,
    pub events: Vec<Record401>,
    /// 401s whose verdict waits for the input's `CaptureSigns`.
    pub deferred: Vec<Record401>,
    pub capture: CaptureSigns,
    /// What waits for the stretch of the input listed before this one (a
    /// capture's 401 whose retry may be listed before it).
    pub seam: Seam,
}

impl ChunkResult {
    /// Appends the result of the stretch of the same input that follows
    /// this one (its record positions already shifted).
    pub fn append(&mut self, mut next: ChunkResult) {
        let window = self.state.summary.settings.handshake_window_us;
        let joined = self.seam.join(std::mem::take(&mut next.seam), window);
        next.decide_head_legs(joined);
        self.state.merge(next.state);
        self.events.extend(next.events);
        self.deferred.extend(next.deferred);
        self.capture.merge(next.capture);
    }

    /// Decides this stretch's 401s that waited for the stretch before it
    /// (`Seam::join`), each with the gap of the success that answers it.
    fn decide_head_legs(&mut self, legs: Vec<(HeadLeg, Option<i64>)>) {
        let mut changed: HashMap<Order, Verdict> = HashMap::new();
        let mut in_pending: HashMap<Order, i64> = HashMap::new();
        for (leg, gap) in legs {
            match (leg.rec, gap) {
                (Some(mut rec), gap) => {
                    if let Some(gap) = gap {
                        rec.verdict = sequence::handshake_verdict(&rec, gap);
                        changed.insert(rec.order, rec.verdict.clone());
                    }
                    count(&mut self.state.summary, &mut self.deferred, rec);
                }
                (None, Some(gap)) => {
                    in_pending.insert(leg.order, gap);
                }
                // it waits on, for its credential history or another input
                (None, None) => {}
            }
        }
        if !in_pending.is_empty() {
            let pending = std::mem::take(&mut self.state.sequence.pending);
            let mut rest = Vec::new();
            for p in pending {
                match in_pending.get(&p.rec.order) {
                    Some(&gap) => {
                        let mut rec = p.rec;
                        rec.verdict = sequence::handshake_verdict(&rec, gap);
                        changed.insert(rec.order, rec.verdict.clone());
                        count(&mut self.state.summary, &mut self.deferred, rec);
                    }
                    None => rest.push(p),
                }
            }
            self.state.sequence.pending = rest.into_iter().collect();
        }
        if !changed.is_empty() {
            for e in &mut self.events {
                if let Some(v) = changed.get(&e.order) {
                    e.verdict = v.clone();
                }
            }
        }
    }

    /// Settles what the whole input decides about itself (call once, on
    /// the result of a whole input): afterwards nothing in it depends on
    /// where the input was cut into chunks.
    pub fn settle_input(&mut self, policy: Sanitized, name: &str) {
        // no stretch before the input's first answers what still waits
        let rest = std::mem::take(&mut self.seam).settle();
        self.decide_head_legs(rest.into_iter().map(|l| (l, None)).collect());
        self.state.settle_input();
        let c = &self.capture;
        let is_capture = self
            .state
            .summary
            .files
            .get(name)
            .is_some_and(|f| f.format == "har");
        if !is_capture {
            return;
        }
        // CAUSES.md step 0: no credential header anywhere, while a server
        // says it received a credential the request does not show
        let sanitized = match policy {
            Sanitized::Yes => true,
            Sanitized::No => false,
            Sanitized::Auto => c.removed(),
        };
        self.state.summary.file_mut(name).sanitized = Some(sanitized);
        let mut changed: HashMap<Order, Verdict> = HashMap::new();
        for mut rec in std::mem::take(&mut self.deferred) {
            if let (true, Some(v)) = (sanitized, rec.if_sanitized.take()) {
                rec.verdict = *v;
                changed.insert(rec.order, rec.verdict.clone());
            }
            self.state.summary.record(&rec, false);
        }
        self.state
            .sequence
            .pending
            .settle_sanitized(sanitized, |o, v| {
                changed.insert(o, v.clone());
            });
        if !changed.is_empty() {
            for e in &mut self.events {
                if let Some(v) = changed.get(&e.order) {
                    e.verdict = v.clone();
                }
            }
        }
    }

    /// Adds `lines` to every record position of input `name` (a chunk
    /// numbers its lines from 1; the driver knows where the chunk starts).
    pub fn shift_records(&mut self, name: &str, lines: u64) {
        if lines == 0 {
            return;
        }
        if let Some(f) = self.state.summary.files.get_mut(name) {
            f.shift_positions(lines);
        }
        self.state
            .sequence
            .pending
            .update_heads(|p| p.record += lines);
        for e in &mut self.events {
            e.record += lines;
        }
        for d in &mut self.deferred {
            d.record += lines;
        }
        self.seam.shift_records(lines);
        // a part holds one input: every example is one of its records
        for x in self.state.summary.patterns.examples_mut() {
            x.record += lines;
        }
    }
}

/// The path of a request target: what the quick test keys. Every
/// handshake leg and its retry share it (`path::handshake_target` starts
/// with it), so the test lets no retry pass by.
#[inline]
pub fn handshake_path(target: &[u8]) -> &[u8] {
    match memchr::memchr(b'?', target) {
        Some(i) => &target[..i],
        None => target,
    }
}

/// The key of the "could this success complete an open handshake leg?"
/// test: client address (as the exchange holds it) and the path of the
/// request target (`handshake_path`). Log parsers compute it from a
/// record's head, without a full parse.
#[inline]
pub fn quick_key(client: Option<&[u8]>, target: &[u8]) -> u64 {
    fast_hash(&[client.unwrap_or(b""), handshake_path(target)])
}

/// The first stage of that test: the client address alone.
#[inline]
pub fn client_key(client: Option<&[u8]>) -> u64 {
    crate::fingerprint::addr_key(client.unwrap_or(b""))
}

/// The client identity of an address and a user agent (0: neither), as
/// the summaries and the sequence rules key clients.
pub(crate) fn client_identity(addr: Option<&[u8]>, user_agent: Option<&[u8]>) -> u64 {
    match (addr, user_agent) {
        (None, None) => 0,
        (a, u) => fast_hash(&[a.unwrap_or(b""), u.unwrap_or(b"")]),
    }
}

/// The history identity of a credential (fingerprint `fp`) on a host
/// (`scope_key`).
fn history_id(fp: u64, scope: u64) -> u64 {
    mix(fp ^ scope.rotate_left(17))
}

pub struct Analyzer<'c> {
    ctx: &'c Context,
    src: &'c Source,
    state: State,
    stats: FileStats,
    seq: ChunkSequence,
    events: Vec<Record401>,
    /// Verdicts decided after their event was written (events output only).
    changed: HashMap<Order, Verdict>,
    /// 401s whose verdict waits for the input's `CaptureSigns`.
    deferred: Vec<Record401>,
    capture: CaptureSigns,
    strings: IdMap<Shared>,
    derived: IdMap<Option<Shared>>,
    /// Endpoint keys by a hash of method and path (see `endpoint`).
    endpoints: IdMap<u64>,
    /// Recent long credentials and their fingerprints (see `fingerprint`).
    /// (value, fingerprint) per slot; a slot's string is reused (no
    /// allocation once it has held a long token).
    recent: Vec<(String, u64)>,
    /// Error-log lines this part's 401s were joined to (file, line).
    joined: Vec<(String, u64)>,
}

/// The most entries a memo of an analyzer keeps (strings, derived strings,
/// endpoints): an analyzer reads a run of chunks, and on an input whose
/// every record differs a memo would otherwise grow with the run. Full, it
/// starts again empty (a memo never changes a result).
const MEMO_ENTRIES: usize = 1 << 16;

fn forget_when_full<V>(memo: &mut IdMap<V>) {
    if memo.len() >= MEMO_ENTRIES {
        memo.clear();
    }
}

/// Slots of the recent-credential memo (a power of two).
const RECENT_SLOTS: usize = 4096;
/// Credentials shorter than this are hashed every time (as cheap as a look-up).
const RECENT_MIN_LEN: usize = 48;

impl<'c> Analyzer<'c> {
    /// An analyzer of a whole input, or of the part that starts it.
    pub fn new(ctx: &'c Context, src: &'c Source) -> Self {
        Self::for_part(ctx, src, true)
    }

    /// An analyzer of one part of an input (`starts_input`: the first).
    pub fn for_part(ctx: &'c Context, src: &'c Source, starts_input: bool) -> Self {
        Analyzer {
            ctx,
            src,
            state: State::new(ctx.settings.clone()),
            stats: FileStats {
                format: src.format.clone(),
                layout: src.layout.map(str::to_string),
                ..FileStats::default()
            },
            seq: ChunkSequence::new(
                ctx.settings.handshake_window_us,
                starts_input,
                src.listing(),
            ),
            events: Vec::new(),
            changed: HashMap::new(),
            deferred: Vec::new(),
            capture: CaptureSigns::default(),
            strings: IdMap::default(),
            derived: IdMap::default(),
            endpoints: IdMap::default(),
            recent: Vec::new(),
            joined: Vec::new(),
        }
    }

    /// The run's error-log index, when there is one.
    #[inline]
    pub fn errors(&self) -> Option<&ErrorIndex> {
        self.ctx.errors.as_deref()
    }

    /// A 401 was joined to line `line` of error log `file`.
    pub fn error_joined(&mut self, file: &str, line: u64) {
        self.joined.push((file.to_string(), line));
    }

    /// An error log was read: its authentication lines.
    pub fn error_log_read(&mut self, auth_failures: u64) {
        self.stats.error_log.get_or_insert_default().auth_failures += auth_failures;
    }

    pub fn source(&self) -> &Source {
        self.src
    }

    pub fn add_bytes(&mut self, n: u64) {
        self.stats.bytes += n;
    }

    /// Records that were counted and need no detail (not 401, no sequence use).
    pub fn count_plain(&mut self, n: u64) {
        self.stats.exchanges += n;
    }

    /// A record that could not be parsed at all.
    pub fn unparsed(&mut self, position: u64, message: impl Into<String>) {
        self.stats.unparsed(position, message.into());
    }

    /// A remark on how the input was read, kept once per input (at its
    /// first position): counts nothing.
    #[cold]
    pub fn note(&mut self, position: u64, message: &str) {
        self.stats.note(position, message);
    }

    /// The longest record that is read (`Context::max_record_bytes`).
    #[inline(always)]
    pub fn max_record(&self) -> usize {
        self.ctx.max_record_bytes
    }

    /// A record longer than the limit: counted as unparsed, not read.
    #[cold]
    pub fn oversized(&mut self, position: u64, len: u64) {
        let max = self.ctx.max_record_bytes;
        self.unparsed(
            position,
            format!("record of {len} bytes is longer than --max-record-bytes ({max}): skipped"),
        );
    }

    /// A record that counted, but with a field that could not be read.
    pub fn degraded(&mut self, position: u64, message: impl Into<String>) {
        self.stats.degraded += 1;
        self.stats.problem(position, message.into());
    }

    /// A record that was analysed with a field that could not be read: the
    /// problem is reported when the record matters to the report (a 401,
    /// a success whose credential the history follows, or any record when
    /// a time filter is set) — never for records parsed only because the
    /// sequence rules looked at them, so the report does not depend on
    /// which records a fast path had to parse.
    pub fn degraded_record(&mut self, ex: &Exchange<'_>, problem: String) {
        let matters = ex.status == 401
            || self.has_time_filter()
            || (ex.is_success() && {
                let mut any = false;
                rules::success_credentials(ex, |_| any = true);
                any
            });
        if matters {
            self.degraded(ex.pos.record, problem);
        }
    }

    /// Is this the reference mode?
    pub fn reference(&self) -> bool {
        self.ctx.reference
    }

    /// The whole input failed (or stopped early).
    pub fn failed(&mut self, message: impl Into<String>) {
        self.stats.error.get_or_insert(message.into());
    }

    pub fn unparsed_count(&self) -> u64 {
        self.stats.unparsed
    }

    pub fn exchange_count(&self) -> u64 {
        self.stats.exchanges + self.stats.unparsed
    }

    /// Must every successful exchange still be looked at in detail (the
    /// chunk's first handshake window is not over)?
    pub fn head_open(&self) -> bool {
        self.seq.head_open()
    }

    /// Is a `--since`/`--until` filter set?
    pub fn has_time_filter(&self) -> bool {
        self.ctx.settings.since.is_some() || self.ctx.settings.until.is_some()
    }

    /// Has a record of the chunk given its time yet? (The first one that
    /// does is read by every mode: the input's first window starts there.)
    pub fn has_time(&self) -> bool {
        self.seq.has_time()
    }

    /// Must the records after this part still be read for its sequences
    /// (`lookahead`)?
    pub fn needs_more(&self) -> bool {
        self.seq.needs_more()
    }

    /// A record after this part, read only to finish its sequences: a 401
    /// ends the legs whose window it is past, a success may complete a leg
    /// or belong to the input's first window. Nothing is counted.
    pub fn lookahead(&mut self, ex: &Exchange<'_>) {
        self.seq.end_own();
        let Some(t) = ex.time else { return };
        if ex.status == 401 {
            self.advance(t.0, Seen::Failure);
        } else if ex.is_success() {
            self.advance(t.0, Seen::Success);
            let order = self.order(ex.pos, t.0);
            let client_id = Self::client_id(ex);
            let key = Self::handshake_key(ex, client_id);
            self.seq.success(key, order, client_id, &[]);
        }
    }

    /// Are there 401s waiting for a successful retry?
    pub fn has_open_legs(&self) -> bool {
        self.seq.has_open_legs()
    }

    /// Could a success with this `quick_key` complete an open leg?
    pub fn may_complete(&self, quick_key: u64) -> bool {
        self.seq.may_complete(quick_key)
    }

    /// Has the client with this address key (`fingerprint::addr_key`) an open
    /// leg? (`None`: unknown, so maybe.)
    #[inline]
    pub fn may_complete_client(&self, prefix: Option<u64>) -> bool {
        prefix.is_none_or(|p| self.seq.may_complete_client(p))
    }

    fn order(&self, pos: Position, t: i64) -> Order {
        Order {
            t,
            file: self.src.key,
            record: pos.offset,
        }
    }

    pub(crate) fn client_id(ex: &Exchange<'_>) -> u64 {
        client_identity(
            ex.client_addr.as_deref().map(str::as_bytes),
            ex.user_agent.as_deref().map(str::as_bytes),
        )
    }

    /// The handshake identity: the same client (address and user agent, or
    /// the user agent of a browser capture) asking for the same method and
    /// target, ids of one request left out (`path::handshake_target`). A
    /// request that carried a credential in its query has none: such a 401
    /// is no leg (it rejected that credential), and such a success answers
    /// no leg (a key sent after a 401 that lacked it answers no challenge:
    /// that 401 was a missing key).
    fn handshake_key(ex: &Exchange<'_>, client_id: u64) -> Option<u64> {
        if crate::classify::credential::query_credentials(&ex.target)
            .next()
            .is_some()
        {
            return None;
        }
        match ex.shows.client {
            ClientView::None => None,
            ClientView::UserAgent | ClientView::AddrAndAgent => Some(fast_hash(&[
                &client_id.to_le_bytes(),
                ex.method.as_bytes(),
                path::handshake_target(&ex.target).as_bytes(),
            ])),
        }
    }

    /// Identity of a credential on the exchange's host (history is per host).
    /// The host credential identities are kept under (none when the format
    /// shows no host).
    fn scope(ex: &Exchange<'_>) -> u64 {
        scope_key(if ex.shows.host {
            ex.host.as_deref()
        } else {
            None
        })
    }

    fn history_id(&self, ex: &Exchange<'_>, fp: u64) -> u64 {
        history_id(fp, Self::scope(ex))
    }

    /// The endpoint of an exchange (method and path template) for the
    /// endpoint table of the sequence rules.
    fn endpoint(&mut self, ex: &Exchange<'_>) -> u64 {
        // remembered per method and path (not in the reference mode)
        let memo =
            (!self.ctx.reference).then(|| fast_hash(&[ex.method.as_bytes(), ex.path().as_bytes()]));
        if let Some(e) = memo.and_then(|k| self.endpoints.get(&k)) {
            return *e;
        }
        self.new_endpoint(ex, memo)
    }

    /// `endpoint` of a method and path not remembered (`memo`: the key it
    /// is remembered under). Out of line: most records repeat an endpoint.
    #[cold]
    #[inline(never)]
    fn new_endpoint(&mut self, ex: &Exchange<'_>, memo: Option<u64>) -> u64 {
        let template = self
            .derived(0, &[ex.path().as_bytes()], || {
                Some(path::template(&ex.target))
            })
            .unwrap_or_else(|| Shared::from("/"));
        let e = endpoint_key(&ex.method, &template);
        if let Some(k) = memo {
            forget_when_full(&mut self.endpoints);
            self.endpoints.insert(k, e);
        }
        e
    }

    fn status_detail(ex: &Exchange<'_>) -> Option<String> {
        if let Some((sub, win32)) = ex.response.substatus {
            return Some(format!("{}.{sub}.{win32}", ex.status));
        }
        if ex.response.challenges.is_empty() {
            return None;
        }
        // shared by every record with these challenges: the request's own
        // secrets are scrubbed per record (`record_of`)
        let chs = challenge::parse_all(ex.response.challenges.iter().map(|c| &**c));
        let mut parts: Vec<String> = Vec::new();
        for c in &chs {
            let mut s = display_scheme(&c.scheme);
            if let Some(e) = c.param("error") {
                s.push_str(" error=");
                s.push_str(&rules::safe_quote(e));
            }
            if !parts.contains(&s) {
                parts.push(s);
            }
        }
        Some(parts.join(", "))
    }

    /// One shared copy of a string per chunk (hosts, methods, clients repeat).
    fn intern(&mut self, s: &str) -> Shared {
        if self.ctx.reference {
            return Shared::from(s);
        }
        let k = fast_hash(&[s.as_bytes()]);
        match self.strings.get(&k) {
            Some(v) if &**v == s => v.clone(),
            Some(_) => Shared::from(s),
            None => {
                let v = Shared::from(s);
                forget_when_full(&mut self.strings);
                self.strings.insert(k, v.clone());
                v
            }
        }
    }

    /// A derived string (a path template, a challenge summary), computed once
    /// per distinct input per chunk.
    fn derived(
        &mut self,
        kind: u8,
        input: &[&[u8]],
        make: impl FnOnce() -> Option<String>,
    ) -> Option<Shared> {
        if self.ctx.reference {
            return make().map(|s| Shared::from(s.as_str()));
        }
        let k = fast_hash_seeded(mix(u64::from(kind) + 1), input);
        if let Some(v) = self.derived.get(&k) {
            return v.clone();
        }
        let v = make().map(|s| self.intern(&s));
        forget_when_full(&mut self.derived);
        self.derived.insert(k, v.clone());
        v
    }

    /// The keyed fingerprint of a credential.
    ///
    /// A client sends the same long token with request after request: the
    /// fingerprint of a long credential is remembered in a direct-mapped
    /// memo, its slot picked from a few of its bytes and the whole value
    /// compared on a hit (so the memo never changes a fingerprint).
    fn fingerprint(&mut self, value: &str) -> u64 {
        let b = value.as_bytes();
        let n = b.len();
        if n < RECENT_MIN_LEN || self.ctx.reference {
            return self.ctx.fingerprints.credential(value);
        }
        let word = |at: usize| u64::from_le_bytes(b[at..at + 8].try_into().unwrap_or([0; 8]));
        let slot = (mix(word(n - 8) ^ word(n / 2).rotate_left(23) ^ n as u64) as usize)
            & (RECENT_SLOTS - 1);
        if self.recent.is_empty() {
            self.recent.resize(RECENT_SLOTS, (String::new(), 0));
        }
        let (v, fp) = &mut self.recent[slot];
        // an empty slot holds "", which no value of this length equals
        if v == value {
            return *fp;
        }
        *fp = self.ctx.fingerprints.credential(value);
        v.clear();
        v.push_str(value);
        *fp
    }

    fn record_of(
        &mut self,
        ex: &Exchange<'_>,
        verdict: Verdict,
        primary_credential: Option<&str>,
        secrets: &Secrets<'_>,
    ) -> Record401 {
        let t = ex.time.map_or(i64::MIN, |t| t.0);
        let credential = primary_credential.map(|c| self.fingerprint(c));
        let host = match (&ex.host, ex.shows.host) {
            (Some(h), true) => Some(self.intern(redact::strip_host_userinfo(h))),
            _ => None,
        };
        let method = self.intern(&ex.method);
        let path_bytes = ex.path().as_bytes();
        let path = self
            .derived(0, &[path_bytes], || Some(path::template(&ex.target)))
            .unwrap_or_else(|| Shared::from("/"));
        // the template is shared by every record of its path: the request's
        // own secrets are scrubbed from it here
        let path = match secrets.scrub_whole(&path, "{token}") {
            Cow::Borrowed(_) => path,
            Cow::Owned(p) => Shared::from(p.as_str()),
        };
        let target = self.ctx.keep_events.then(|| {
            let t = path::redact(&ex.target);
            Shared::from(&*secrets.scrub_path(&t, "REDACTED"))
        });
        // a client may repeat its credential in the user agent
        let user_agent = ex
            .user_agent
            .as_deref()
            .map(|u| match secrets.scrub_seldom(u) {
                Cow::Borrowed(u) => self.intern(u),
                Cow::Owned(u) => self.intern(&u),
            });
        // an address repeats little (most failing clients fail a few times):
        // kept as it is, not looked up; without one, the user agent
        let client = match ex.client_addr.as_deref() {
            Some(a) => Some(Shared::from(a)),
            None => user_agent.clone(),
        };
        let sub = ex
            .response
            .substatus
            .map(|(s, w)| format!("{s}.{w}"))
            .unwrap_or_default();
        // the challenges and the substatus (most records have neither:
        // nothing to derive)
        let status_detail = if ex.response.challenges.is_empty() && ex.response.substatus.is_none()
        {
            None
        } else if ex.response.challenges.is_empty() {
            self.derived(1, &[sub.as_bytes()], || Self::status_detail(ex))
        } else {
            let mut key: Vec<&[u8]> = ex
                .response
                .challenges
                .iter()
                .map(|c| c.as_bytes())
                .collect();
            key.push(sub.as_bytes());
            self.derived(1, &key, || Self::status_detail(ex))
        };
        let status_detail = status_detail.map(|d| match secrets.scrub(&d) {
            Cow::Borrowed(_) => d,
            Cow::Owned(s) => Shared::from(s.as_str()),
        });
        Record401 {
            if_sanitized: None,
            order: self.order(ex.pos, t),
            time: ex.time,
            file: self.src.id,
            record: ex.pos.record,
            host,
            method,
            path,
            target,
            client,
            client_id: Self::client_id(ex),
            user_agent,
            credential,
            status_detail,
            verdict,
        }
    }

    /// Counts an exchange (either route: `exchange`, `light_success`);
    /// returns whether it is inside `--since`/`--until`. Outside, a record
    /// is not reported, but a success still tells the sequence rules what
    /// happened around the window.
    fn count_exchange(&mut self, time: Option<Timestamp>) -> bool {
        self.stats.exchanges += 1;
        let s = &self.ctx.settings;
        let in_range = match time {
            Some(t) => s.since.is_none_or(|x| t >= x) && s.until.is_none_or(|x| t < x),
            None => s.since.is_none() && s.until.is_none(),
        };
        if !in_range {
            self.stats.filtered += 1;
        }
        in_range
    }

    /// Notes the time of a record: the legs whose window it closes are
    /// decided and recorded.
    fn advance(&mut self, t: i64, seen: Seen) {
        let (state, deferred, changed) = (&mut self.state, &mut self.deferred, &mut self.changed);
        let keep_events = self.ctx.keep_events;
        self.seq.advance(t, seen, |rec| {
            if keep_events {
                changed.insert(rec.order, rec.verdict.clone());
            }
            count(state, deferred, rec);
        });
    }

    /// One parsed exchange (any status).
    pub fn exchange(&mut self, ex: &Exchange<'_>) {
        if ex.shows == crate::exchange::Shows::HAR {
            self.capture.bare(ex);
        }
        let in_range = self.count_exchange(ex.time);
        if let Some(t) = ex.time {
            let seen = if ex.status == 401 {
                Seen::Failure
            } else if ex.is_success() {
                Seen::Success
            } else {
                Seen::Other
            };
            self.advance(t.0, seen);
        }
        if ex.status == 401 {
            if in_range {
                self.stats.status_401 += 1;
                self.on_401(ex);
            }
        } else if ex.is_success() {
            self.on_success(ex);
        }
    }

    /// (Kept out of `exchange`: the rules make it large, and the successes
    /// that most records are run through `exchange` without it.)
    #[cold]
    #[inline(never)]
    fn on_401(&mut self, ex: &Exchange<'_>) {
        let secrets = Secrets::of(ex);
        let rules::Assessment {
            verdict,
            needs_sequence,
            leg,
            history_credential,
            history_in_query,
            primary_credential,
            if_sanitized,
            credential_hidden,
        } = rules::assess_with(ex, &self.ctx.rules, &secrets);
        let mut rec = self.record_of(ex, verdict, primary_credential.as_deref(), &secrets);
        // only a capture (which shows every credential carrier) can have
        // had its credential headers removed
        if ex.shows == crate::exchange::Shows::HAR {
            rec.if_sanitized = if_sanitized.map(Box::new);
            self.capture.credential_hidden |= credential_hidden;
        }
        if self.ctx.keep_events {
            self.events.push(rec.clone());
        }
        let Some(t) = ex.time else {
            count(&mut self.state, &mut self.deferred, rec);
            return;
        };
        self.seq.seen_on(Self::scope(ex), t.0);
        let endpoint = if history_credential.is_some() && !history_in_query {
            self.endpoint(ex)
        } else {
            0
        };
        if needs_sequence {
            if leg && let Some(key) = Self::handshake_key(ex, rec.client_id) {
                let addr = ex.client_addr.as_deref().map(str::as_bytes);
                let history = history_credential.as_deref().map(|c| {
                    let fp = self.fingerprint(c);
                    self.history_id(ex, fp)
                });
                self.seq.leg(
                    rec,
                    key,
                    quick_key(addr, ex.target.as_bytes()),
                    client_key(addr),
                    history,
                    endpoint,
                );
                return;
            }
            if let Some(c) = &history_credential {
                let fp = self.fingerprint(c);
                let id = self.history_id(ex, fp);
                self.seq.history_failure(rec, id, false, endpoint);
                return;
            }
        }
        if matches!(
            rec.verdict.cause,
            Cause::ExpiredCredentials | Cause::RevokedCredentials
        ) && rec.client_id != 0
            && let Some(fp) = rec.credential
        {
            let id = self.history_id(ex, fp);
            self.seq.history_failure(rec, id, true, 0);
            return;
        }
        count(&mut self.state, &mut self.deferred, rec);
    }

    fn on_success(&mut self, ex: &Exchange<'_>) {
        let Some(t) = ex.time else { return };
        let order = self.order(ex.pos, t.0);
        let client_id = Self::client_id(ex);
        let key = Self::handshake_key(ex, client_id);
        let scope = Self::scope(ex);
        // the endpoint is read once, for the first credential outside the
        // query; the credentials are kept on the stack (a request carries
        // a few)
        let mut endpoint = None;
        let mut first = [SeenCredential::default(); 8];
        let (mut n, mut more) = (0, Vec::new());
        rules::success_credentials(ex, |c| {
            let e = if c.in_query {
                0
            } else {
                *endpoint.get_or_insert_with(|| self.endpoint(ex))
            };
            let seen = self.seen(&c.value, c.is_token, scope, e);
            match first.get_mut(n) {
                Some(slot) => {
                    *slot = seen;
                    n += 1;
                }
                None => more.push(seen),
            }
        });
        if more.is_empty() {
            self.seq.success(key, order, client_id, &first[..n]);
        } else {
            let all: Vec<SeenCredential> = first.into_iter().chain(more).collect();
            self.seq.success(key, order, client_id, &all);
        }
    }

    /// A credential (`rules::identifies_credential`) a success carried, on
    /// the host of `scope`, as the history keeps it; `endpoint`: the
    /// endpoint key (`Analyzer::endpoint`) when the per-endpoint rule
    /// follows it, else 0.
    fn seen(&mut self, value: &str, is_token: bool, scope: u64, endpoint: u64) -> SeenCredential {
        let fp = self.fingerprint(value);
        SeenCredential {
            history: history_id(fp, scope),
            fp,
            is_token,
            scope,
            endpoint,
        }
    }

    /// A successful record that matters only for the credentials in its
    /// query string (at most four): the light path of log parsers (no
    /// handshake: the caller checked that no open leg can need it; `client`
    /// is the client identity, needed for tokens only; `scope` the host's
    /// `scope_key`).
    pub fn light_success(
        &mut self,
        offset: u64,
        t: Timestamp,
        query_creds: [Option<(std::borrow::Cow<'_, str>, bool)>; LIGHT_MAX_CREDENTIALS],
        client: u64,
        scope: u64,
    ) {
        self.count_exchange(Some(t));
        self.advance(t.0, Seen::Success);
        let order = Order {
            t: t.0,
            file: self.src.key,
            record: offset,
        };
        let mut creds = [SeenCredential::default(); LIGHT_MAX_CREDENTIALS];
        let mut n = 0;
        for (v, is_token) in query_creds.into_iter().flatten() {
            if rules::identifies_credential(&v) {
                creds[n] = self.seen(&v, is_token, scope, 0);
                n += 1;
            }
        }
        self.seq.success(None, order, client, &creds[..n]);
    }

    pub fn finish(mut self) -> ChunkResult {
        let mut decided = Vec::new();
        let (sequence, seam) = self.seq.finish(&mut decided);
        if self.ctx.keep_events {
            self.changed
                .extend(decided.iter().map(|r| (r.order, r.verdict.clone())));
            for e in &mut self.events {
                if let Some(v) = self.changed.get(&e.order) {
                    e.verdict = v.clone();
                }
            }
        }
        for rec in decided {
            count(&mut self.state, &mut self.deferred, rec);
        }
        let name = self.src.name.clone();
        let stats = std::mem::take(&mut self.stats);
        self.state.files.insert(name, stats);
        for (file, line) in std::mem::take(&mut self.joined) {
            self.state
                .files
                .entry(file)
                .or_default()
                .error_log
                .get_or_insert_default()
                .joined
                .insert(line);
        }
        ChunkResult {
            state: Partial {
                summary: self.state,
                sequence,
            },
            events: self.events,
            deferred: self.deferred,
            capture: self.capture,
            seam,
        }
    }

    /// An entry of a capture carried a credential header (an
    /// `Authorization`, `Cookie`, `Proxy-Authorization` or `Set-Cookie`,
    /// whatever its value).
    pub fn credential_header_seen(&mut self) {
        self.capture.credential_headers = true;
    }
}

/// Counts a decided 401, or keeps it aside when its verdict rests on "no
/// credential seen" alone, until the whole input says whether its
/// credential headers were removed (`ChunkResult::settle_input`).
fn count(state: &mut State, deferred: &mut Vec<Record401>, mut rec: Record401) {
    if rec.if_sanitized.is_some() && rec.verdict.rule == rules::NO_CREDENTIAL {
        deferred.push(rec);
    } else {
        rec.if_sanitized = None;
        state.record(&rec, false);
    }
}

/// What a capture shows of its own credential headers, for the decision
/// whether they were removed.
#[derive(Debug, Clone, Default)]
pub struct CaptureSigns {
    /// Some entry carried a credential header.
    pub credential_headers: bool,
    /// Some 401 showed no credential while the server said it got one.
    pub credential_hidden: bool,
    /// Endpoints (method, host, path) that answered 401, and 2xx, to
    /// requests that showed no credential.
    pub failed_bare: IdMap<()>,
    pub ok_bare: IdMap<()>,
}

impl CaptureSigns {
    fn merge(&mut self, o: CaptureSigns) {
        self.credential_headers |= o.credential_headers;
        self.credential_hidden |= o.credential_hidden;
        self.failed_bare.extend(o.failed_bare);
        self.ok_bare.extend(o.ok_bare);
    }

    /// Signs that the capture's credential headers were removed: none is
    /// left anywhere, while a server said it received a credential the
    /// request does not show, or an endpoint that refused a request without
    /// a visible credential accepted another one without any.
    fn removed(&self) -> bool {
        !self.credential_headers
            && (self.credential_hidden
                || self
                    .failed_bare
                    .keys()
                    .any(|k| self.ok_bare.contains_key(k)))
    }

    /// Notes a capture's exchange that shows no credential: no credential
    /// header, no user in its URL, no credential query parameter (an api
    /// key, a signed URL's signature) and no form credential (a form body is
    /// read for 401s and for successes that may post one, `har::exchange_of`).
    fn bare(&mut self, ex: &Exchange<'_>) {
        let r = &ex.request;
        // a preflight shows no credential in any capture: no sign either way
        if ex.preflight
            || r.authorization.is_some()
            || !r.key_headers.is_empty()
            || r.cookie.is_some()
            || crate::classify::redact::request_userinfo(ex).is_some()
            || !r.form.is_empty()
            || crate::classify::credential::query_credentials(&ex.target)
                .next()
                .is_some()
        {
            return;
        }
        let key = fast_hash(&[
            ex.method.as_bytes(),
            ex.host.as_deref().unwrap_or("").as_bytes(),
            ex.path().as_bytes(),
        ]);
        if ex.status == 401 {
            self.failed_bare.insert(key, ());
        } else if ex.is_success() {
            self.ok_bare.insert(key, ());
        }
    }
}

fn display_scheme(lower: &str) -> String {
    match crate::classify::scheme::lookup(lower) {
        Some(s) => s.display.into(),
        None => rules::safe_quote(lower),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fingerprint::Fingerprinter;

    /// One entry of a capture: a GET of `/report` by one browser, at
    /// `ms` after 10:00, listed `at` (its byte offset).
    fn entry(
        at: u64,
        ms: i64,
        status: u16,
        auth: Option<&'static str>,
        cookie: bool,
    ) -> Exchange<'static> {
        let mut ex = Exchange::new(
            Position {
                file: 0,
                record: at,
                offset: at,
            },
            crate::exchange::Shows::HAR,
        );
        ex.status = status;
        ex.time = Some(Timestamp(1_717_581_600_000_000 + ms * 1000));
        ex.method = "GET".into();
        ex.host = Some("intranet.example.com".into());
        ex.target = "/report".into();
        ex.user_agent = Some("Mozilla/5.0".into());
        ex.request.authorization = auth.map(Into::into);
        if cookie {
            ex.request.cookie = Some("sid=s3ss10n-v4lue-0123456789abcdef".into());
        }
        if status == 401 {
            ex.response.challenges = vec!["Negotiate".into()];
        }
        ex
    }

    /// The capture `entries`, cut into parts at `cuts`, analysed part by
    /// part and joined: the cause of each 401, by offset.
    fn causes_in_parts(entries: &[Exchange<'_>], cuts: &[usize]) -> Vec<(u64, Cause)> {
        let ctx = Context::new(Settings::default(), Fingerprinter::new(Some("k")), true);
        let src = Source::new("c.har", 0, "har");
        let mut bounds = vec![0];
        bounds.extend_from_slice(cuts);
        bounds.push(entries.len());
        let mut whole: Option<ChunkResult> = None;
        for w in bounds.windows(2) {
            let mut a = Analyzer::for_part(&ctx, &src, w[0] == 0);
            for ex in &entries[w[0]..w[1]] {
                a.exchange(ex);
            }
            for ex in &entries[w[1]..] {
                if !a.needs_more() {
                    break;
                }
                a.lookahead(ex);
            }
            let r = a.finish();
            match &mut whole {
                None => whole = Some(r),
                Some(x) => x.append(r),
            }
        }
        let mut r = whole.expect("a part");
        r.settle_input(Sanitized::No, "c.har");
        let mut state = r.state;
        let changed =
            crate::classify::sequence::resolve(&mut state.sequence, &mut state.summary, true);
        let mut out: Vec<(u64, Cause)> = r
            .events
            .iter()
            .map(|e| {
                let v = changed.get(&e.order).unwrap_or(&e.verdict);
                (e.order.record, v.cause)
            })
            .collect();
        out.sort_by_key(|(at, _)| *at);
        out
    }

    #[test]
    fn a_retry_listed_before_its_401_completes_it_wherever_the_capture_is_cut() {
        const NEGOTIATE: Option<&str> = Some("Negotiate YIIGhgYGKwYBBQUCoIIGejCCBnagMDAu");
        let entries = [
            // a retry listed before the 401 it answers (completion order)
            entry(10, 200, 200, NEGOTIATE, false),
            entry(20, 0, 401, None, false),
            // the same with a session cookie on the 401 (its credential
            // history waits for the rest of the input)
            entry(30, 5_200, 200, NEGOTIATE, true),
            entry(40, 5_000, 401, None, true),
            // a success that started more than the window after the 401
            entry(50, 31_000, 200, NEGOTIATE, false),
            entry(60, 20_000, 401, None, false),
            // a success no longer waiting: an entry listed after it started
            // more than a window later, before the 401 is listed
            entry(70, 40_500, 200, NEGOTIATE, false),
            entry(80, 51_000, 200, None, false),
            entry(90, 40_000, 401, None, false),
            // a 401 that ends the input, its retry listed before it
            entry(100, 60_300, 200, NEGOTIATE, false),
            entry(110, 60_000, 401, None, false),
        ];
        let want = vec![
            (20, Cause::ChallengeHandshake),
            (40, Cause::ChallengeHandshake),
            (60, Cause::MissingCredentials),
            (90, Cause::MissingCredentials),
            (110, Cause::ChallengeHandshake),
        ];
        assert_eq!(causes_in_parts(&entries, &[]), want, "one part");
        for cut in 1..entries.len() {
            assert_eq!(causes_in_parts(&entries, &[cut]), want, "cut at {cut}");
        }
        let every: Vec<usize> = (1..entries.len()).collect();
        assert_eq!(causes_in_parts(&entries, &every), want, "an entry per part");
        // a log lists a retry after its 401: a success listed first
        // answers nothing there
        let ctx = Context::new(Settings::default(), Fingerprinter::new(Some("k")), true);
        let src = Source::new("c.log", 0, "combined");
        let mut a = Analyzer::new(&ctx, &src);
        a.exchange(&entries[0]);
        a.exchange(&entries[1]);
        let r = a.finish();
        assert_eq!(r.events[0].verdict.cause, Cause::MissingCredentials);
    }

    #[test]
    fn a_leg_and_its_retry_share_the_target_but_ids_of_one_request() {
        const NEGOTIATE: Option<&str> = Some("Negotiate YIIGhgYGKwYBBQUCoIIGejCCBnagMDAu");
        let with = |mut ex: Exchange<'static>, target: &'static str| {
            ex.target = target.into();
            ex
        };
        let entries = [
            // an id per request in the query (Exchange's cafeReqId), and an
            // empty parameter only the retry has
            with(
                entry(10, 0, 401, None, false),
                "/report?ClientId=JZQXKWVE&cafeReqId=3f6b1c9e-52a0-4d7e-9b1f-0c2d3e4f5a61;",
            ),
            with(
                entry(20, 100, 200, NEGOTIATE, false),
                "/report?ClientId=JZQXKWVE&cafeReqId=8a2d4e6f-1b3c-4d5e-8f70-a1b2c3d4e5f6;&encoding=;",
            ),
            // another page is another request: its success answers nothing
            with(
                entry(24, 200, 401, None, false),
                "/report?page=2&_=1717581600000",
            ),
            with(
                entry(26, 300, 200, NEGOTIATE, false),
                "/report?page=3&_=1717581600100",
            ),
            // a key in the query of the success answers no challenge
            with(entry(30, 1_000, 401, None, false), "/data"),
            with(
                entry(40, 1_100, 200, None, false),
                "/data?api_key=mk_test_0123456789abcdef",
            ),
        ];
        assert_eq!(
            causes_in_parts(&entries, &[]),
            vec![
                (10, Cause::ChallengeHandshake),
                (24, Cause::MissingCredentials),
                (30, Cause::MissingCredentials)
            ]
        );
        // the quick test of log parsers keys the path, which every leg and
        // its retry share
        let ip = Some(&b"10.0.0.1"[..]);
        assert_eq!(quick_key(ip, b"/p?a=1"), quick_key(ip, b"/p"));
        assert_ne!(quick_key(ip, b"/p?a=1"), quick_key(ip, b"/q?a=1"));
        assert_eq!(handshake_path(b"/a/b?c=d?e"), b"/a/b");
    }

    #[test]
    fn remembered_fingerprints_are_the_fingerprints() {
        let ctx = Context::new(Settings::default(), Fingerprinter::new(Some("k")), false);
        let src = Source::new("t.log", 0, "combined");
        let mut a = Analyzer::new(&ctx, &src);
        // long values that share their last and middle bytes (the same memo
        // slot) but differ elsewhere, asked for again and again
        let tail = "m".repeat(40);
        let values: Vec<String> = (0..50)
            .map(|i| format!("{i:08}{}{tail}", "x".repeat(i % 3)))
            .chain((0..50).map(|i| format!("{i}-token-{tail}")))
            .collect();
        for _ in 0..3 {
            for v in &values {
                assert_eq!(a.fingerprint(v), ctx.fingerprints.credential(v), "{v}");
            }
        }
    }
}
