//! The WWW-Authenticate parser.
#![no_main]

use authsift::classify::challenge;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for c in challenge::parse(&text) {
        let _ = c.param("error");
        let _ = c.param("realm");
        let _ = c.is("bearer");
    }
    let _ = challenge::parse_all(text.split('\n'));
});
