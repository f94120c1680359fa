//! JWT decoding (claims from arbitrary token text).
#![no_main]

use authsift::classify::jwt;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = jwt::looks_like_jwt(&text);
    if let Some(c) = jwt::decode(&text) {
        for a in &c.aud {
            let _ = jwt::host_of(a);
        }
        if let Some(iss) = &c.iss {
            let _ = jwt::host_of(iss);
        }
    }
    let _ = jwt::host_of(&text);
});
