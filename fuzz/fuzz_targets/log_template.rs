//! The nginx/Apache format-string compiler; a spec that compiles then reads
//! the lines after the first one (the spec).
#![no_main]
mod common;

use authsift::logs::Parsers;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (spec, lines) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let Ok(spec) = std::str::from_utf8(spec) else {
        return;
    };
    let Ok(parsers) = Parsers::new(Some(spec), None) else {
        return;
    };
    let Some(format) = parsers.implied_format() else {
        return;
    };
    let ctx = common::context(false);
    let r = common::analyze(lines, format, &parsers, ctx, 1);
    let _ = common::report(r);
});
