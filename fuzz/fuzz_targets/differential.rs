//! One input, four ways: default and reference mode, one and two threads.
//! The summaries must be byte-identical (the reference run is the plainest
//! correct path; the thread count never changes a result). The first byte
//! chooses the format: 0 HAR, then `common::LOG_FORMATS`.
#![no_main]
mod common;

use authsift::input::FormatName;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, bytes)) = data.split_first() else {
        return;
    };
    let i = sel as usize % (common::LOG_FORMATS.len() + 1);
    let format = if i == 0 {
        FormatName::Har
    } else {
        common::LOG_FORMATS[i - 1]
    };
    let parsers = common::parsers(format);
    let base = common::report(common::analyze(
        bytes,
        format,
        parsers,
        common::context(false),
        1,
    ));
    for (reference, threads) in [(false, 2), (true, 1), (true, 2)] {
        let other = common::report(common::analyze(
            bytes,
            format,
            parsers,
            common::context(reference),
            threads,
        ));
        if other == base {
            continue;
        }
        // README: the sequence rules are exact for inputs in time order
        // however they are cut; out of order, where chunks are cut (the
        // reference mode's are small) may change what they decide. What
        // does not depend on the sequence must still agree.
        if !base.2 && same_without_sequence(&base.0, &other.0) {
            continue;
        }
        {
            panic!(
                "{format:?} reference={reference} threads={threads} differs from default -j1:\n--- default -j1\n{}\n--- other\n{}",
                String::from_utf8_lossy(&base.0),
                String::from_utf8_lossy(&other.0)
            );
        }
    }
});

/// The summaries agree on everything the sequence rules do not decide:
/// totals (but the benign count), files and problems.
fn same_without_sequence(a: &[u8], b: &[u8]) -> bool {
    let strip = |bytes: &[u8]| {
        let mut v: serde_json::Value = serde_json::from_slice(bytes).expect("summary JSON");
        let o = v.as_object_mut().expect("an object");
        o.retain(|k, _| matches!(k.as_str(), "totals" | "files" | "problems"));
        if let Some(t) = o.get_mut("totals").and_then(|t| t.as_object_mut()) {
            t.remove("benign_401");
        }
        v
    };
    strip(a) == strip(b)
}
