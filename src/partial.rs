//! The mergeable state of an analysis: the summary of decided 401s and the
//! sequence state of the 401s whose cause still waits for other inputs.
//! Chunks, inputs and partial summaries written on other machines
//! (`--partial`, `merge`) combine with one `merge`; `finalize` decides what
//! waited and hands the summary to the report.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::classify::Verdict;
use crate::classify::sequence::{self, SequenceState};
use crate::summary::report::{Report, Rows};
use crate::summary::{Order, Settings, State};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Partial {
    /// Counters of decided 401s, parse problems.
    pub summary: State,
    /// What waits for other inputs.
    pub sequence: SequenceState,
}

impl Partial {
    pub fn new(settings: Settings) -> Self {
        Partial {
            summary: State::new(settings),
            sequence: SequenceState::default(),
        }
    }

    /// Combines another part (associative and commutative; callers check
    /// `check_mergeable` first).
    pub fn merge(&mut self, o: Partial) {
        let Partial { summary, sequence } = o;
        let seq = &mut self.sequence;
        let sum = &mut self.summary;
        rayon::join(|| seq.merge(sequence), || sum.merge(summary));
    }

    /// Why two parts cannot be merged, if they cannot.
    pub fn check_mergeable(&self, o: &Partial) -> Result<(), String> {
        self.summary.check_mergeable(&o.summary)
    }

    /// Why this part could not come from a run of authsift (see
    /// `State::validate`), naming the field.
    pub fn validate(&self) -> Result<(), String> {
        self.summary.validate()?;
        self.sequence.validate()
    }

    /// Puts order-free collections into their canonical order.
    pub fn canonicalize(&mut self) {
        self.sequence.canonicalize();
        self.summary.trim_exact();
    }

    /// Settles what one whole input decides about itself (see
    /// `sequence::settle_input`).
    pub fn settle_input(&mut self) {
        sequence::settle_input(&mut self.sequence);
    }

    /// Decides every 401 that waited and builds the report; with `keep`,
    /// also returns the final verdicts of those 401s (for the events
    /// output).
    pub fn finalize(&mut self, rows: Rows, keep: bool) -> (Report, BTreeMap<Order, Verdict>) {
        let changed = sequence::resolve(&mut self.sequence, &mut self.summary, keep);
        self.summary.trim_exact();
        let successes = self.sequence.success_spans(&self.summary.credentials);
        (self.summary.finalize_in_place(rows, &successes), changed)
    }
}
