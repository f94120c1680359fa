//! The 401s that wait for the rest of the input (`Pending`), packed into
//! bytes while they wait: a hostile log can leave a million of them, and as
//! structs with their own strings each took about 600 bytes. Packed, a
//! record is its fields and the bytes of its strings (about 200 bytes on
//! the 1 M-distinct input); the rule texts that are constants are kept by
//! number. A chunk packs its records into one block; merging moves blocks,
//! never bytes, and `into_iter` frees each block once it has been read.
//!
//! Only the memory layout is new: every record reads back as the `Pending`
//! it was (a partial summary still holds `Pending` values, in order).

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{OnceLock, RwLock};

use super::{Pending, scope_key_bytes};
use crate::fingerprint::fast_hash;
use crate::summary::{Order, Record401, Shared};
use crate::time::Timestamp;
use crate::verdict::{Cause, EvidenceKind, Verdict};

/// Packed waiting 401s, in blocks (one per chunk that produced some).
#[derive(Debug, Clone, Default)]
pub struct PendingList {
    blocks: Vec<Vec<u8>>,
    len: usize,
    /// Bytes packed (about: the sum of the blocks' lengths).
    bytes: usize,
}

/// The room of a block once a list holds `LARGE_LIST` bytes: above the
/// largest size the C allocator serves from its heaps, so that each such
/// block is a memory map of its own, given back to the system as soon as it
/// is freed (a block freed by another thread than the one that filled it
/// would otherwise stay in that thread's heap), and whose unused room costs
/// no memory.
const LARGE_BLOCK: usize = 33 << 20;
const LARGE_LIST: usize = 4 << 20;
/// Room left in a large block below which the next records start another.
const BLOCK_SLACK: usize = 64 << 10;

/// The fields of a waiting 401 that the sequence rules read before they
/// decide (no string is built for them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    pub order: Order,
    pub client_id: u64,
    pub leg: Option<u64>,
    pub history: Option<u64>,
    pub annotate_only: bool,
    pub local_before: Option<Order>,
    pub local_after: Option<Order>,
    pub endpoint: u64,
    /// `scope_key` of the record's host.
    pub scope: u64,
    /// Position for people (`Record401::record`).
    pub record: u64,
}

impl PendingList {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Packs `records` (into the last large block while it has room, else
    /// into a new block).
    pub fn push_block(&mut self, records: &[Pending]) {
        if records.is_empty() {
            return;
        }
        let first = self.blocks.len();
        self.open_block();
        for p in records {
            let mut last = self.blocks.len() - 1;
            let b = &self.blocks[last];
            if b.capacity() >= LARGE_BLOCK && b.len() + BLOCK_SLACK > LARGE_BLOCK {
                // full: a large block never grows (it is freed whole)
                self.open_block();
                last = self.blocks.len() - 1;
            }
            let block = &mut self.blocks[last];
            let before = block.len();
            encode(p, block);
            self.bytes += block.len() - before;
        }
        for b in &mut self.blocks[first.saturating_sub(1)..] {
            if b.capacity() < LARGE_BLOCK {
                b.shrink_to_fit();
            }
        }
        self.len += records.len();
    }

    /// The block the next records go to.
    fn open_block(&mut self) -> &mut Vec<u8> {
        let has_room = self
            .blocks
            .last()
            .is_some_and(|b| b.capacity() >= LARGE_BLOCK && b.len() + BLOCK_SLACK <= b.capacity());
        if !has_room {
            self.blocks.push(if self.bytes >= LARGE_LIST {
                Vec::with_capacity(LARGE_BLOCK)
            } else {
                Vec::new()
            });
        }
        let last = self.blocks.len() - 1;
        &mut self.blocks[last]
    }

    /// Adds another list's records (their blocks move; no byte is copied).
    pub fn append(&mut self, o: PendingList) {
        self.blocks.extend(o.blocks);
        self.len += o.len;
        self.bytes += o.bytes;
    }

    /// The list cut in two between blocks, about half of the bytes in
    /// each (the records keep their storage order: the first part's, then
    /// the second's).
    pub fn halves(self) -> (PendingList, PendingList) {
        let mut first = PendingList::default();
        let mut blocks = self.blocks.into_iter().peekable();
        while first.bytes < self.bytes / 2
            && let Some(b) = blocks.next()
        {
            first.len += records_in(&b);
            first.bytes += b.len();
            first.blocks.push(b);
        }
        let second = PendingList {
            blocks: blocks.collect(),
            len: self.len - first.len,
            bytes: self.bytes.saturating_sub(first.bytes),
        };
        (first, second)
    }

    /// Every record, unpacked, in storage order.
    pub fn iter(&self) -> impl Iterator<Item = Pending> + '_ {
        let mut strings = Strings::default();
        self.blocks.iter().flat_map(move |b| {
            let mut pos = 0;
            let mut out = Vec::new();
            while pos < b.len() {
                out.push(decode(b, &mut pos, &mut strings));
            }
            out
        })
    }

    /// The fields the rules read first, in storage order.
    pub fn heads(&self) -> impl Iterator<Item = Head> + '_ {
        self.blocks.iter().flat_map(|b| {
            let mut pos = 0;
            std::iter::from_fn(move || {
                (pos < b.len()).then(|| {
                    let (h, _) = read_head(b, &mut pos);
                    let len = payload_len(b, &mut pos);
                    let mut host = pos;
                    let h = Head {
                        scope: scope_key_bytes(opt_bytes(b, &mut host)),
                        ..h
                    };
                    pos += len;
                    h
                })
            })
        })
    }

    /// Changes the fields of `Head` in place (its order, record, client,
    /// leg, history and scope must stay as they are: only the nearest
    /// successes and the position for people may change).
    pub fn update_heads(&mut self, mut f: impl FnMut(&mut Head)) {
        for b in &mut self.blocks {
            // a block is rewritten from its first record that changes
            let mut out: Option<Vec<u8>> = None;
            let mut pos = 0;
            while pos < b.len() {
                let start = pos;
                let (mut h, fixed) = read_head(b, &mut pos);
                let head_end = pos;
                let len = payload_len(b, &mut pos);
                pos += len;
                let was = h;
                f(&mut h);
                if h != was {
                    let o = out.get_or_insert_with(|| {
                        let mut o = Vec::with_capacity(room_like(b.len(), b.capacity()));
                        o.extend_from_slice(&b[..start]);
                        o
                    });
                    write_head(&h, fixed, o);
                    o.extend_from_slice(&b[head_end..pos]);
                } else if let Some(o) = &mut out {
                    o.extend_from_slice(&b[start..pos]);
                }
            }
            if let Some(mut o) = out {
                if o.capacity() < LARGE_BLOCK {
                    o.shrink_to_fit();
                }
                *b = o;
            }
        }
    }

    /// Settles the verdicts kept for a capture whose credential headers
    /// were removed (`Record401::if_sanitized`): with `sanitized`, such a
    /// record takes that verdict (and `changed` is told); either way the
    /// spare verdict is dropped. Records without one are copied as they are.
    pub fn settle_sanitized(&mut self, sanitized: bool, mut changed: impl FnMut(Order, &Verdict)) {
        let mut strings = Strings::default();
        for b in &mut self.blocks {
            if !has_sanitized(b) {
                continue;
            }
            let mut out = Vec::with_capacity(room_like(b.len(), b.capacity()));
            let mut pos = 0;
            while pos < b.len() {
                let start = pos;
                let flags = varint(b, &mut pos) as u32;
                pos = start;
                if flags & SANITIZED == 0 {
                    skip(b, &mut pos);
                    out.extend_from_slice(&b[start..pos]);
                    continue;
                }
                let mut p = decode(b, &mut pos, &mut strings);
                if let (true, Some(v)) = (sanitized, p.rec.if_sanitized.take()) {
                    p.rec.verdict = *v;
                    changed(p.rec.order, &p.rec.verdict);
                }
                p.rec.if_sanitized = None;
                encode(&p, &mut out);
            }
            if out.capacity() < LARGE_BLOCK {
                out.shrink_to_fit();
            }
            *b = out;
        }
    }

    /// The records sorted by their order (the canonical order of a partial
    /// summary; equal orders keep their places).
    pub fn sorted(&self) -> Vec<Pending> {
        let mut v: Vec<Pending> = self.iter().collect();
        v.sort_by_key(|p| p.rec.order);
        v
    }
}

impl FromIterator<Pending> for PendingList {
    fn from_iter<I: IntoIterator<Item = Pending>>(it: I) -> Self {
        let mut packer = Packer::default();
        for p in it {
            packer.push(&p);
        }
        packer.finish()
    }
}

/// Packs records one by one into blocks of `BLOCK_BYTES` (a list collected
/// or read back from a partial).
#[derive(Default)]
struct Packer {
    list: PendingList,
    block: Vec<u8>,
}

impl Packer {
    fn push(&mut self, p: &Pending) {
        encode(p, &mut self.block);
        self.list.len += 1;
        if self.block.len() >= BLOCK_BYTES {
            self.flush();
        }
    }

    fn flush(&mut self) {
        let mut block = std::mem::take(&mut self.block);
        block.shrink_to_fit();
        self.list.bytes += block.len();
        self.list.blocks.push(block);
    }

    fn finish(mut self) -> PendingList {
        if !self.block.is_empty() {
            self.flush();
        }
        self.list
    }
}

/// Bytes per block when records are packed one by one (a partial read back).
const BLOCK_BYTES: usize = 1 << 20;

/// The room of a block that replaces one of `len` bytes and room
/// `capacity` (a large block stays large).
fn room_like(len: usize, capacity: usize) -> usize {
    if capacity >= LARGE_BLOCK {
        capacity.max(len + BLOCK_SLACK)
    } else {
        len + 64
    }
}

/// Two lists are equal when they hold the same records in the same order
/// once sorted (the order of blocks is the order of merging).
impl PartialEq for PendingList {
    fn eq(&self, o: &Self) -> bool {
        self.len == o.len && self.sorted() == o.sorted()
    }
}

impl Eq for PendingList {}

/// Every record, unpacked, in storage order; each block is freed once its
/// records have been read.
impl IntoIterator for PendingList {
    type Item = Pending;
    type IntoIter = IntoIter;

    fn into_iter(self) -> IntoIter {
        IntoIter {
            blocks: self.blocks.into_iter(),
            current: Vec::new(),
            pos: 0,
            strings: Strings::default(),
        }
    }
}

pub struct IntoIter {
    blocks: std::vec::IntoIter<Vec<u8>>,
    current: Vec<u8>,
    pos: usize,
    strings: Strings,
}

impl Iterator for IntoIter {
    type Item = Pending;

    fn next(&mut self) -> Option<Pending> {
        while self.pos >= self.current.len() {
            self.current = self.blocks.next()?;
            self.pos = 0;
        }
        Some(decode(&self.current, &mut self.pos, &mut self.strings))
    }
}

/// Serialized as the records in their canonical order, exactly as a
/// `Vec<Pending>` was.
impl serde::Serialize for PendingList {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // where each record starts, in order: records are unpacked one at a
        // time as they are written, never all at once
        let mut at: Vec<(Order, u32, u32)> = Vec::with_capacity(self.len);
        for (i, b) in self.blocks.iter().enumerate() {
            let mut pos = 0;
            while pos < b.len() {
                let start = pos;
                let (h, _) = read_head(b, &mut pos);
                let len = payload_len(b, &mut pos);
                pos += len;
                at.push((h.order, i as u32, start as u32));
            }
        }
        // equal orders keep their places
        at.sort_by_key(|a| a.0);
        let mut strings = Strings::default();
        s.collect_seq(at.into_iter().map(|(_, i, start)| {
            let mut pos = start as usize;
            decode(&self.blocks[i as usize], &mut pos, &mut strings)
        }))
    }
}

impl<'de> serde::Deserialize<'de> for PendingList {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = PendingList;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a list of waiting 401s")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<PendingList, A::Error> {
                // packed as they are read: the list is never held unpacked
                let mut packer = Packer::default();
                while let Some(p) = seq.next_element::<Pending>()? {
                    packer.push(&p);
                }
                Ok(packer.finish())
            }
        }
        d.deserialize_seq(Visit)
    }
}

// record flags
const TIME: u32 = 1;
const TIME_OTHER: u32 = 1 << 1;
const ANNOTATE: u32 = 1 << 2;
const CREDENTIAL: u32 = 1 << 3;
const LEG: u32 = 1 << 4;
const HISTORY: u32 = 1 << 5;
const BEFORE: u32 = 1 << 6;
const AFTER: u32 = 1 << 7;
const SANITIZED: u32 = 1 << 8;
const ENDPOINT: u32 = 1 << 9;

/// What `write_head` needs besides `Head` (fixed for a record's life).
#[derive(Clone, Copy)]
struct Fixed {
    flags: u32,
    time: i64,
    credential: u64,
}

fn encode(p: &Pending, out: &mut Vec<u8>) {
    let r = &p.rec;
    let mut flags = 0;
    let mut time = 0;
    if let Some(t) = r.time {
        flags |= TIME;
        if t.0 != r.order.t {
            flags |= TIME_OTHER;
            time = t.0;
        }
    }
    if r.credential.is_some() {
        flags |= CREDENTIAL;
    }
    if r.if_sanitized.is_some() {
        flags |= SANITIZED;
    }
    let head = Head {
        order: r.order,
        client_id: r.client_id,
        leg: p.leg,
        history: p.history,
        annotate_only: p.annotate_only,
        local_before: p.local_before,
        local_after: p.local_after,
        endpoint: p.endpoint,
        scope: 0,
        record: r.record,
    };
    let fixed = Fixed {
        flags,
        time,
        credential: r.credential.unwrap_or(0),
    };
    write_head(&head, fixed, out);
    // the payload's length, written once it is known
    let at = out.len();
    out.extend_from_slice(&[0; 4]);
    put_opt_str(out, r.host.as_deref());
    put_str(out, &r.method);
    put_str(out, &r.path);
    put_opt_str(out, r.client.as_deref());
    put_opt_str(out, r.user_agent.as_deref());
    put_opt_str(out, r.status_detail.as_deref());
    put_verdict(out, &r.verdict);
    if let Some(v) = &r.if_sanitized {
        put_verdict(out, v);
    }
    let len = (out.len() - at - 4) as u32;
    out[at..at + 4].copy_from_slice(&len.to_le_bytes());
}

/// The payload length after a record's head (`encode`).
fn payload_len(b: &[u8], pos: &mut usize) -> usize {
    let mut w = [0u8; 4];
    w.copy_from_slice(&b[*pos..*pos + 4]);
    *pos += 4;
    u32::from_le_bytes(w) as usize
}

fn write_head(h: &Head, fixed: Fixed, out: &mut Vec<u8>) {
    let mut flags = fixed.flags & (TIME | TIME_OTHER | CREDENTIAL | SANITIZED);
    for (on, bit) in [
        (h.annotate_only, ANNOTATE),
        (h.leg.is_some(), LEG),
        (h.history.is_some(), HISTORY),
        (h.local_before.is_some(), BEFORE),
        (h.local_after.is_some(), AFTER),
        (h.endpoint != 0, ENDPOINT),
    ] {
        if on {
            flags |= bit;
        }
    }
    put_varint(out, u64::from(flags));
    put_order(out, h.order);
    put_varint(out, h.record);
    out.extend_from_slice(&h.client_id.to_le_bytes());
    if flags & TIME_OTHER != 0 {
        out.extend_from_slice(&fixed.time.to_le_bytes());
    }
    if flags & CREDENTIAL != 0 {
        out.extend_from_slice(&fixed.credential.to_le_bytes());
    }
    for v in [h.leg, h.history].into_iter().flatten() {
        out.extend_from_slice(&v.to_le_bytes());
    }
    for o in [h.local_before, h.local_after].into_iter().flatten() {
        put_order(out, o);
    }
    if h.endpoint != 0 {
        out.extend_from_slice(&h.endpoint.to_le_bytes());
    }
}

fn read_head(b: &[u8], pos: &mut usize) -> (Head, Fixed) {
    let flags = varint(b, pos) as u32;
    let order = order(b, pos);
    let record = varint(b, pos);
    let client_id = fixed(b, pos);
    let time = if flags & TIME_OTHER != 0 {
        fixed(b, pos) as i64
    } else {
        order.t
    };
    let credential = if flags & CREDENTIAL != 0 {
        fixed(b, pos)
    } else {
        0
    };
    let leg = (flags & LEG != 0).then(|| fixed(b, pos));
    let history = (flags & HISTORY != 0).then(|| fixed(b, pos));
    let local_before = (flags & BEFORE != 0).then(|| self::order(b, pos));
    let local_after = (flags & AFTER != 0).then(|| self::order(b, pos));
    let endpoint = if flags & ENDPOINT != 0 {
        fixed(b, pos)
    } else {
        0
    };
    let h = Head {
        order,
        client_id,
        leg,
        history,
        annotate_only: flags & ANNOTATE != 0,
        local_before,
        local_after,
        endpoint,
        scope: 0,
        record,
    };
    (
        h,
        Fixed {
            flags,
            time,
            credential,
        },
    )
}

/// Moves `pos` past the record there.
fn skip(b: &[u8], pos: &mut usize) {
    read_head(b, pos);
    let len = payload_len(b, pos);
    *pos += len;
}

/// The number of records of block `b`.
fn records_in(b: &[u8]) -> usize {
    let (mut pos, mut n) = (0, 0);
    while pos < b.len() {
        skip(b, &mut pos);
        n += 1;
    }
    n
}

/// Does a record of block `b` keep a verdict for a sanitized capture?
fn has_sanitized(b: &[u8]) -> bool {
    let mut pos = 0;
    while pos < b.len() {
        let mut at = pos;
        if varint(b, &mut at) as u32 & SANITIZED != 0 {
            return true;
        }
        skip(b, &mut pos);
    }
    false
}

fn decode(b: &[u8], pos: &mut usize, strings: &mut Strings) -> Pending {
    let (h, f) = read_head(b, pos);
    payload_len(b, pos);
    let host = opt_str(b, pos).map(|s| strings.get(s));
    let method = strings.get(str_at(b, pos));
    let path = strings.get(str_at(b, pos));
    let client = opt_str(b, pos).map(|s| strings.get(s));
    let user_agent = opt_str(b, pos).map(|s| strings.get(s));
    let status_detail = opt_str(b, pos).map(|s| strings.get(s));
    let verdict = get_verdict(b, pos);
    let if_sanitized = (f.flags & SANITIZED != 0).then(|| Box::new(get_verdict(b, pos)));
    Pending {
        rec: Record401 {
            order: h.order,
            time: (f.flags & TIME != 0).then_some(Timestamp(f.time)),
            file: 0,
            record: h.record,
            host,
            method,
            path,
            target: None,
            client,
            client_id: h.client_id,
            user_agent,
            credential: (f.flags & CREDENTIAL != 0).then_some(f.credential),
            status_detail,
            verdict,
            if_sanitized,
        },
        leg: h.leg,
        history: h.history,
        annotate_only: h.annotate_only,
        local_before: h.local_before,
        local_after: h.local_after,
        endpoint: h.endpoint,
    }
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn varint(b: &[u8], pos: &mut usize) -> u64 {
    let mut v = 0u64;
    let mut shift = 0;
    loop {
        let byte = b[*pos];
        *pos += 1;
        v |= u64::from(byte & 0x7f) << shift;
        if byte < 0x80 {
            return v;
        }
        shift += 7;
    }
}

fn fixed(b: &[u8], pos: &mut usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[*pos..*pos + 8]);
    *pos += 8;
    u64::from_le_bytes(w)
}

fn put_order(out: &mut Vec<u8>, o: Order) {
    out.extend_from_slice(&o.t.to_le_bytes());
    out.extend_from_slice(&o.file.to_le_bytes());
    put_varint(out, o.record);
}

fn order(b: &[u8], pos: &mut usize) -> Order {
    let t = fixed(b, pos) as i64;
    let file = fixed(b, pos);
    let record = varint(b, pos);
    Order { t, file, record }
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_varint(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

fn put_opt_str(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        None => put_varint(out, 0),
        Some(s) => {
            put_varint(out, s.len() as u64 + 1);
            out.extend_from_slice(s.as_bytes());
        }
    }
}

fn text<'b>(b: &'b [u8], pos: &mut usize, len: usize) -> &'b str {
    let s = &b[*pos..*pos + len];
    *pos += len;
    // written from a `str` by `put_str`
    std::str::from_utf8(s).unwrap_or_default()
}

fn str_at<'b>(b: &'b [u8], pos: &mut usize) -> &'b str {
    let len = varint(b, pos) as usize;
    text(b, pos, len)
}

fn opt_bytes<'b>(b: &'b [u8], pos: &mut usize) -> Option<&'b [u8]> {
    match varint(b, pos) as usize {
        0 => None,
        n => {
            let s = &b[*pos..*pos + n - 1];
            *pos += n - 1;
            Some(s)
        }
    }
}

fn opt_str<'b>(b: &'b [u8], pos: &mut usize) -> Option<&'b str> {
    match varint(b, pos) as usize {
        0 => None,
        n => Some(text(b, pos, n - 1)),
    }
}

fn kind_index(k: EvidenceKind) -> u8 {
    match k {
        EvidenceKind::ServerMessage => 0,
        EvidenceKind::RequestShape => 1,
        EvidenceKind::TokenClaims => 2,
        EvidenceKind::Sequence => 3,
        EvidenceKind::None => 4,
    }
}

fn kind_of(i: u8) -> EvidenceKind {
    match i {
        0 => EvidenceKind::ServerMessage,
        1 => EvidenceKind::RequestShape,
        2 => EvidenceKind::TokenClaims,
        3 => EvidenceKind::Sequence,
        _ => EvidenceKind::None,
    }
}

fn put_verdict(out: &mut Vec<u8>, v: &Verdict) {
    out.push(v.cause.index() as u8);
    out.push(kind_index(v.kind));
    put_text(out, Some(&v.rule));
    put_text(out, Some(&v.detail));
    put_text(out, v.fix.as_ref());
}

fn get_verdict(b: &[u8], pos: &mut usize) -> Verdict {
    let cause = Cause::ALL[usize::from(b[*pos]) % Cause::COUNT];
    let kind = kind_of(b[*pos + 1]);
    *pos += 2;
    let rule = get_text(b, pos).unwrap_or_default();
    let detail = get_text(b, pos).unwrap_or_default();
    let fix = get_text(b, pos);
    Verdict {
        cause,
        kind,
        rule,
        detail,
        fix,
    }
}

// text tags
const NONE: u8 = 0;
const CONSTANT: u8 = 1;
const OWNED: u8 = 2;

fn put_text(out: &mut Vec<u8>, t: Option<&Cow<'static, str>>) {
    match t {
        None => out.push(NONE),
        Some(Cow::Borrowed(s)) => {
            out.push(CONSTANT);
            put_varint(out, u64::from(constant_id(s)));
        }
        Some(Cow::Owned(s)) => {
            out.push(OWNED);
            put_str(out, s);
        }
    }
}

fn get_text(b: &[u8], pos: &mut usize) -> Option<Cow<'static, str>> {
    let tag = b[*pos];
    *pos += 1;
    match tag {
        NONE => None,
        CONSTANT => Some(Cow::Borrowed(constant(varint(b, pos) as u32))),
        _ => Some(Cow::Owned(str_at(b, pos).to_owned())),
    }
}

/// The constant texts of verdicts (rule ids, fixed details and fixes),
/// numbered once per process: a packed record keeps the number. Only
/// `&'static str` values are numbered, so the table is bounded by the
/// texts of the program.
#[derive(Default)]
struct Constants {
    ids: HashMap<(usize, usize), u32>,
    texts: Vec<&'static str>,
}

fn constants() -> &'static RwLock<Constants> {
    static C: OnceLock<RwLock<Constants>> = OnceLock::new();
    C.get_or_init(RwLock::default)
}

thread_local! {
    /// Recent constants of this thread, by address (most records repeat a
    /// few rule texts: no lock for them).
    static RECENT: std::cell::RefCell<[(usize, usize, u32); 64]> =
        const { std::cell::RefCell::new([(0, 0, 0); 64]) };
}

fn constant_id(s: &'static str) -> u32 {
    let key = (s.as_ptr() as usize, s.len());
    let slot = ((key.0 >> 3) ^ key.1) % 64;
    let hit = RECENT.with_borrow(|r| {
        let (p, n, id) = r[slot];
        ((p, n) == key).then_some(id)
    });
    if let Some(id) = hit {
        return id;
    }
    let id = constant_id_locked(key, s);
    RECENT.with_borrow_mut(|r| r[slot] = (key.0, key.1, id));
    id
}

fn constant_id_locked(key: (usize, usize), s: &'static str) -> u32 {
    if let Some(&id) = constants()
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .ids
        .get(&key)
    {
        return id;
    }
    let mut c = constants().write().unwrap_or_else(|e| e.into_inner());
    if let Some(&id) = c.ids.get(&key) {
        return id;
    }
    let id = c.texts.len() as u32;
    c.texts.push(s);
    c.ids.insert(key, id);
    id
}

fn constant(id: u32) -> &'static str {
    constants()
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .texts
        .get(id as usize)
        .copied()
        .unwrap_or_default()
}

/// Recent strings unpacked, so that records of the same host, method, path
/// or client share one copy again (a small direct-mapped memo: bounded,
/// whatever the input).
struct Strings {
    slots: Vec<Option<Shared>>,
}

const STRING_SLOTS: usize = 1024;

impl Default for Strings {
    fn default() -> Self {
        Strings {
            slots: vec![None; STRING_SLOTS],
        }
    }
}

impl Strings {
    fn get(&mut self, s: &str) -> Shared {
        let slot = fast_hash(&[s.as_bytes()]) as usize % STRING_SLOTS;
        match &self.slots[slot] {
            Some(v) if **v == *s => v.clone(),
            _ => {
                let v = Shared::from(s);
                self.slots[slot] = Some(v.clone());
                v
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(i: u64, owned: bool) -> Pending {
        let verdict = Verdict::new(
            Cause::InvalidCredentials,
            EvidenceKind::RequestShape,
            "step6:rejected",
            if owned {
                Cow::Owned(format!("request {i} rejected"))
            } else {
                Cow::Borrowed("rejected, no other signal")
            },
        );
        Pending {
            rec: Record401 {
                order: Order {
                    t: 1_700_000_000_000_000 + i as i64,
                    file: 42,
                    record: i * 100,
                },
                time: Some(Timestamp(1_700_000_000_000_000 + i as i64)),
                file: 0,
                record: i + 1,
                host: i.is_multiple_of(2).then(|| Shared::from("api.example.com")),
                method: Shared::from("GET"),
                path: Shared::from(format!("/v1/items/{i}").as_str()),
                target: None,
                client: Some(Shared::from("10.0.0.1")),
                client_id: 7 + i,
                user_agent: None,
                credential: i.is_multiple_of(3).then_some(99),
                status_detail: i.is_multiple_of(5).then(|| Shared::from("Bearer")),
                verdict: verdict.clone(),
                if_sanitized: i
                    .is_multiple_of(7)
                    .then(|| Box::new(verdict.with_fix("a fix"))),
            },
            leg: (i % 2 == 1).then_some(5),
            history: i.is_multiple_of(2).then_some(6),
            annotate_only: i.is_multiple_of(4),
            local_before: (i % 3 == 1).then_some(Order {
                t: 5,
                file: 42,
                record: 1,
            }),
            local_after: None,
            endpoint: if i.is_multiple_of(2) { 77 } else { 0 },
        }
    }

    #[test]
    fn records_read_back_as_they_were_packed() {
        let all: Vec<Pending> = (0..50).map(|i| sample(i, i.is_multiple_of(3))).collect();
        let mut l = PendingList::default();
        l.push_block(&all[..20]);
        let mut other = PendingList::default();
        other.push_block(&all[20..]);
        l.append(other);
        assert_eq!(l.len(), 50);
        assert_eq!(l.iter().collect::<Vec<_>>(), all);
        let heads: Vec<Head> = l.heads().collect();
        assert_eq!(
            heads[0].scope,
            super::super::scope_key(Some("api.example.com"))
        );
        assert_eq!(heads[1].scope, super::super::scope_key(None));
        assert_eq!(heads[3].leg, Some(5));
        let mut changed = l.clone();
        changed.update_heads(|h| h.record += 10);
        let back: Vec<Pending> = changed.into_iter().collect();
        assert!(
            back.iter()
                .zip(&all)
                .all(|(b, a)| b.rec.record == a.rec.record + 10)
        );
        let json = serde_json::to_string(&l).unwrap();
        assert_eq!(json, serde_json::to_string(&all).unwrap());
        let read: PendingList = serde_json::from_str(&json).unwrap();
        assert_eq!(read, l);
    }

    #[test]
    fn halves_keep_every_record_in_order() {
        let all: Vec<Pending> = (0..60).map(|i| sample(i, i.is_multiple_of(3))).collect();
        let mut l = PendingList::default();
        for part in all.chunks(7) {
            let mut block = PendingList::default();
            block.push_block(part);
            l.append(block);
        }
        let (a, b) = l.halves();
        assert!(!a.is_empty() && !b.is_empty());
        assert_eq!(a.len() + b.len(), 60);
        let back: Vec<Pending> = a.into_iter().chain(b).collect();
        assert_eq!(back, all);
    }

    /// The waiting 401s decided in two halves (on two threads) give the
    /// summary and the verdicts of one pass.
    #[test]
    fn a_list_decided_in_halves_gives_the_same_summary() {
        use crate::summary::{Settings, State};
        let all: Vec<Pending> = (0..300).map(|i| sample(i, i.is_multiple_of(3))).collect();
        let mut seq = super::super::SequenceState::default();
        for part in all.chunks(40) {
            seq.pending.push_block(part);
        }
        let run = |parallel| {
            let (mut seq, mut summary) = (seq.clone(), State::new(Settings::default()));
            let changed = super::super::resolve_from(&mut seq, &mut summary, true, parallel);
            (summary, changed)
        };
        let (one, one_changed) = run(usize::MAX);
        let (two, two_changed) = run(0);
        assert_eq!(one.causes.iter().sum::<u64>(), 300);
        assert_eq!(two, one);
        assert_eq!(two_changed, one_changed);
    }
}
