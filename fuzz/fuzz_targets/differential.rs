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
        if other != base {
            panic!(
                "{format:?} reference={reference} threads={threads} differs from default -j1:\n--- default -j1\n{}\n--- other\n{}",
                String::from_utf8_lossy(&base.0),
                String::from_utf8_lossy(&other.0)
            );
        }
    }
});
