//! Each log format's tokenizer and parser, through `logs::analyze_bytes`;
//! the first byte chooses the format (`common::LOG_FORMATS`).
#![no_main]
mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, bytes)) = data.split_first() else {
        return;
    };
    let format = common::LOG_FORMATS[sel as usize % common::LOG_FORMATS.len()];
    let parsers = common::parsers(format);
    let ctx = common::context(false);
    let r = common::analyze(bytes, format, parsers, ctx, 1);
    let _ = common::report(r);
});
