//! Path templating and target redaction.
#![no_main]

use authsift::path;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let t = path::template(&text);
    assert!(!t.is_empty(), "a template is never empty");
    let _ = path::template(&t);
    let r = path::redact(&text);
    let _ = path::template(&r);
});
