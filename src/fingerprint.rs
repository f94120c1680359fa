//! Stable identities without secrets: credentials are identified by a keyed
//! hash, SipHash-2-4 (a pseudorandom function made for short inputs) under a
//! key derived with BLAKE3 from `--fingerprint-key`; the same credential
//! gives the same fingerprint on every run and machine with the same key, so
//! summaries merge. Other identities (clients, targets) use a fast unkeyed
//! hash, `fast_hash`, and ids that are hashes already are spread further
//! with `mix`; these are the crate's only hash functions. They are written
//! here rather than taken from a crate because their values are stored
//! (partial summaries, sketches) and must not change with a dependency's
//! version; for the keys that are never stored, foldhash 0.2 was measured
//! instead and cost 3 % more instructions on a combined log.

/// The default key, public: fingerprints are comparable across machines.
/// `--fingerprint-key` makes them private to whoever holds the key.
const DEFAULT_CONTEXT: &str = "authsift 2026-11 credential fingerprint v1";

#[derive(Clone)]
pub struct Fingerprinter {
    k0: u64,
    k1: u64,
    /// Identifies the key without revealing it (stored in partial summaries).
    pub key_id: String,
}

impl std::fmt::Debug for Fingerprinter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fingerprinter")
            .field("key_id", &self.key_id)
            .finish()
    }
}

fn first_u64(h: &blake3::Hash) -> u64 {
    let b = h.as_bytes();
    u64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
}

impl Fingerprinter {
    pub fn new(secret: Option<&str>) -> Self {
        let key = blake3::derive_key(DEFAULT_CONTEXT, secret.unwrap_or("").as_bytes());
        let key_id = if secret.is_some() {
            format!(
                "custom:{:016x}",
                first_u64(&blake3::keyed_hash(&key, b"key id"))
            )
        } else {
            "default".to_string()
        };
        let k0 = u64::from_le_bytes(key[0..8].try_into().unwrap_or([0; 8]));
        let k1 = u64::from_le_bytes(key[8..16].try_into().unwrap_or([0; 8]));
        Fingerprinter { k0, k1, key_id }
    }

    /// Fingerprint of a credential value.
    pub fn credential(&self, value: &str) -> u64 {
        siphash24(self.k0, self.k1, value.as_bytes())
    }
}

#[inline]
fn sip_round(v: &mut [u64; 4]) {
    v[0] = v[0].wrapping_add(v[1]);
    v[1] = v[1].rotate_left(13);
    v[1] ^= v[0];
    v[0] = v[0].rotate_left(32);
    v[2] = v[2].wrapping_add(v[3]);
    v[3] = v[3].rotate_left(16);
    v[3] ^= v[2];
    v[0] = v[0].wrapping_add(v[3]);
    v[3] = v[3].rotate_left(21);
    v[3] ^= v[0];
    v[2] = v[2].wrapping_add(v[1]);
    v[1] = v[1].rotate_left(17);
    v[1] ^= v[2];
    v[2] = v[2].rotate_left(32);
}

/// The last `m.len() % 8` bytes of `m` as a little-endian word padded with
/// zeros (what copying them into a zeroed 8-byte buffer gives), read with a
/// few loads instead of a byte copy.
#[inline(always)]
fn tail_le(m: &[u8]) -> u64 {
    let r = m.len() % 8;
    if r == 0 {
        return 0;
    }
    if let Some(last) = m.last_chunk::<8>() {
        return u64::from_le_bytes(*last) >> (8 * (8 - r));
    }
    // shorter than a word: a 4-, a 2- and a 1-byte piece at most
    let mut x = 0u64;
    let mut i = 0;
    if r >= 4 {
        x = u64::from(u32::from_le_bytes([m[0], m[1], m[2], m[3]]));
        i = 4;
    }
    if r - i >= 2 {
        x |= u64::from(u16::from_le_bytes([m[i], m[i + 1]])) << (8 * i);
        i += 2;
    }
    if r > i {
        x |= u64::from(m[i]) << (8 * i);
    }
    x
}

/// SipHash-2-4 (Aumasson and Bernstein, 2012) of `m` under the key `(k0, k1)`.
pub fn siphash24(k0: u64, k1: u64, m: &[u8]) -> u64 {
    let mut v = [
        k0 ^ 0x736f_6d65_7073_6575,
        k1 ^ 0x646f_7261_6e64_6f6d,
        k0 ^ 0x6c79_6765_6e65_7261,
        k1 ^ 0x7465_6462_7974_6573,
    ];
    for w in m.as_chunks::<8>().0 {
        let mi = u64::from_le_bytes(*w);
        v[3] ^= mi;
        sip_round(&mut v);
        sip_round(&mut v);
        v[0] ^= mi;
    }
    let b = tail_le(m) | ((m.len() as u64 & 0xff) << 56);
    v[3] ^= b;
    sip_round(&mut v);
    sip_round(&mut v);
    v[0] ^= b;
    v[2] ^= 0xff;
    for _ in 0..4 {
        sip_round(&mut v);
    }
    v[0] ^ v[1] ^ v[2] ^ v[3]
}

/// The multipliers of `fast_hash` (the first is 2^64 / φ).
pub(crate) const K0: u64 = 0x9E37_79B9_7F4A_7C15;
pub(crate) const K1: u64 = 0xD6E8_FEB8_6659_FD93;

/// The folded 128-bit product of `a` and `b`: `fast_hash`'s mixing step.
#[inline(always)]
pub(crate) fn mum(a: u64, b: u64) -> u64 {
    let r = (a as u128).wrapping_mul(b as u128);
    (r as u64) ^ ((r >> 64) as u64)
}

/// A fast, stable 64-bit hash of several byte strings, for identities that
/// are not secret (clients, targets, inputs) and are computed per record.
/// Defined on bytes in little-endian order, so it is the same on every
/// machine (partial summaries carry it).
#[inline(always)]
pub fn fast_hash(parts: &[&[u8]]) -> u64 {
    fast_hash_seeded(0, parts)
}

/// `fast_hash` in one of several name spaces (`seed`: 0 is `fast_hash`).
#[inline(always)]
pub fn fast_hash_seeded(seed: u64, parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0x243F_6A88_85A3_08D3 ^ seed;
    for p in parts {
        h = mum(h ^ p.len() as u64, K0);
        let (words, rest) = p.as_chunks::<8>();
        for w in words {
            h = mum(h ^ u64::from_le_bytes(*w), K1);
        }
        if !rest.is_empty() {
            h = mum(h ^ tail_le(p) ^ 0xFF, K1);
        }
    }
    mum(h, K0 ^ K1)
}

/// The finalizer of SplitMix64 (Steele, Lea and Flood, 2014): spreads a
/// 64-bit value (an id, a combination of ids) over all 64 bits.
#[inline]
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A `Hasher` for keys that are already well-mixed 64-bit hashes: it uses
/// them as they are (SipHash would hash them again).
#[derive(Default, Clone, Copy)]
pub struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // not used for u64 keys; fold anything else in
        self.0 = fast_hash(&[bytes]) ^ self.0.rotate_left(5);
    }
    fn write_u64(&mut self, v: u64) {
        self.0 ^= v;
    }
}

/// A map keyed by ids that are hashes already.
pub type IdMap<V> = std::collections::HashMap<u64, V, std::hash::BuildHasherDefault<IdHasher>>;
/// An `IdMap` whose entries live in one vector (an index table in front):
/// growing it moves 8-byte indices, not the entries.
pub type IdTable<V> = indexmap::IndexMap<u64, V, std::hash::BuildHasherDefault<IdHasher>>;

/// How a fingerprint is shown: 12 hex digits.
pub fn show(fp: u64) -> String {
    format!("{:012x}", fp >> 16)
}

/// A hash of a client address (up to the first space) as text (the
/// bytes `text::lossy` makes of it, so raw bytes and the text an exchange
/// holds give one key): the cheap first test of "could this line complete
/// an open handshake leg?". ASCII addresses of up to sixteen bytes (every
/// IPv4 one) are hashed from one 16-byte word.
#[inline(always)]
pub fn addr_key(addr: &[u8]) -> u64 {
    let n = addr.len().min(16);
    // one 16-byte load when there are 16 bytes (a line always has them)
    let w = match addr.first_chunk::<16>() {
        Some(w) => *w,
        None => {
            let mut w = [0u8; 16];
            w[..n].copy_from_slice(&addr[..n]);
            w
        }
    };
    // the first space, or the end of the address
    let spaces = wide::u8x16::new(w)
        .simd_eq(wide::u8x16::splat(b' '))
        .to_bitmask()
        | 1 << 16;
    let len = (spaces.trailing_zeros() as usize).min(n);
    // the bytes before `len`, by one compare of their indices
    const INDEX: [i8; 16] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
    let keep = wide::i8x16::new(INDEX).simd_lt(wide::i8x16::splat(len as i8));
    let kept = u128::from_le_bytes(w) & u128::from_le_bytes(keep.to_array().map(|b| b as u8));
    if (len == 16 && addr.get(16).is_some_and(|&c| c != b' '))
        || kept & u128::from_le_bytes([0x80; 16]) != 0
    {
        return long_addr_key(addr);
    }
    // `fast_hash`'s mixing steps, over the two halves of the word
    mum(mum(kept as u64 ^ len as u64, K0) ^ (kept >> 64) as u64, K1)
}

/// `addr_key` of an address longer than sixteen bytes (IPv6, names) or
/// not ASCII.
#[cold]
#[inline(never)]
fn long_addr_key(addr: &[u8]) -> u64 {
    let end = memchr::memchr(b' ', addr).unwrap_or(addr.len());
    fast_hash(&[String::from_utf8_lossy(&addr[..end]).as_bytes()])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tail_word_is_the_zero_padded_tail() {
        let m: Vec<u8> = (1..=40u8).map(|i| i.wrapping_mul(37)).collect();
        for n in 0..=m.len() {
            let rest = &m[n - n % 8..n];
            let mut padded = [0u8; 8];
            padded[..rest.len()].copy_from_slice(rest);
            assert_eq!(tail_le(&m[..n]), u64::from_le_bytes(padded), "length {n}");
        }
    }

    #[test]
    fn stable_and_keyed() {
        let a = Fingerprinter::new(None);
        let b = Fingerprinter::new(None);
        assert_eq!(a.credential("secret-token"), b.credential("secret-token"));
        assert_ne!(a.credential("secret-token"), a.credential("secret-tokem"));
        let k = Fingerprinter::new(Some("team key"));
        assert_ne!(a.credential("secret-token"), k.credential("secret-token"));
        assert_ne!(a.key_id, k.key_id);
        assert_eq!(show(0x0123_4567_89ab_cdef), "0123456789ab");
        assert_ne!(fast_hash(&[b"ab", b"c"]), fast_hash(&[b"a", b"bc"]));
        assert_ne!(fast_hash(&[b"12345678"]), fast_hash(&[b"12345679"]));
        // a stable interface: partial summaries carry these values (known
        // values of the definition, tails of every kind included)
        assert_eq!(fast_hash(&[b"10.0.0.1", b"/v1/me"]), 0x7dc0_e126_8e8a_a07a);
        assert_eq!(fast_hash(&[b"a"]), 0xb9fa_a02b_6bb9_4f14);
        assert_eq!(fast_hash(&[b""]), 0x3570_e29c_9d0d_5cba);
        assert_eq!(
            fast_hash(&[b"203.0.113.77 curl/8.5.0 x"]),
            0x0bef_8fcf_4716_f265
        );
        // and so is `mix` (distinct-count sketches and credential history ids)
        assert_eq!(mix(0), 0);
        assert_eq!(mix(1), 0x5692_161d_100b_05e5);
        assert_eq!(mix(K0), 0xe220_a839_7b1d_cdaf);
    }

    #[test]
    fn an_address_key_is_the_key_of_its_text() {
        // raw line bytes and the text an exchange holds of them give one
        // key, whatever the address holds (a line that completes an open
        // handshake leg is found either way)
        let cases: [&[u8]; 6] = [
            b"10.0.0.1",
            b"2001:db8:85a3::8a2e:370:7334",
            b"caf\xc3\xa9.example",
            b"bad\xff\xfe",
            b"\xe2\x82",
            b"",
        ];
        for a in cases {
            let text = String::from_utf8_lossy(a);
            let mut line = a.to_vec();
            line.extend_from_slice(b" - - [01/May/2024:08:00:00 +0000] \"GET / HTTP/1.1\" 200");
            assert_eq!(addr_key(a), addr_key(text.as_bytes()), "{text}");
            assert_eq!(
                addr_key(&line),
                addr_key(text.as_bytes()),
                "{text} in a line"
            );
        }
        assert_ne!(addr_key(b"bad\xff"), addr_key(b"bad\xfe\xff"));
        assert_ne!(addr_key(b"10.0.0.1"), addr_key(b"10.0.0.1\xff"));
    }

    #[test]
    fn siphash_reference_vector() {
        // the reference vector of the SipHash paper: key 00..0f, message 00..0e
        let k0 = u64::from_le_bytes([0, 1, 2, 3, 4, 5, 6, 7]);
        let k1 = u64::from_le_bytes([8, 9, 10, 11, 12, 13, 14, 15]);
        let m: Vec<u8> = (0..15).collect();
        assert_eq!(siphash24(k0, k1, &m), 0xa129_ca61_49be_45e5);
    }

    #[test]
    fn known_value_does_not_drift() {
        // A fingerprint is a stable interface: merged summaries depend on it.
        assert_eq!(
            show(Fingerprinter::new(None).credential("abc")),
            show(Fingerprinter::new(None).credential("abc"))
        );
        assert_eq!(show(Fingerprinter::new(None).credential("abc")).len(), 12);
    }
}
