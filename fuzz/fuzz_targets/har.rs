//! The HAR entry scanner and entry parser, through `har::analyze`.
#![no_main]
mod common;

use authsift::input::FormatName;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = authsift::har::find_entries(data);
    let ctx = common::context(false);
    let parsers = authsift::logs::Parsers::default();
    let r = common::analyze(data, FormatName::Har, &parsers, ctx, 1);
    let _ = common::report(r);
});
