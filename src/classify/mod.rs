//! Classification: why did this 401 happen? Per-exchange rules decide what a
//! single exchange can show (`rules`); the sequence stage (`sequence`)
//! decides what needs the order of exchanges. Every verdict carries the
//! evidence that decided it.

pub mod body;
pub mod challenge;
pub mod credential;
pub mod jwt;
pub mod phrases;
pub mod placeholder;
pub mod reasons;
pub mod redact;
pub mod rules;
pub mod scheme;
pub mod sequence;

pub use crate::verdict::{CAUSES, Cause, CauseInfo, EvidenceKind, Verdict};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_table_is_complete() {
        for c in Cause::ALL {
            assert_eq!(Cause::from_id(c.id()), Some(c));
            assert_eq!(
                serde_json::to_string(&c).unwrap(),
                format!("\"{}\"", c.id())
            );
        }
        assert_eq!(
            CAUSES.iter().map(|i| i.cause).collect::<Vec<_>>(),
            Cause::ALL.to_vec()
        );
        for (i, c) in Cause::ALL.iter().enumerate() {
            assert_eq!(c.index(), i);
        }
    }
}
