//! The partial-summary reader (parse + validation), then what `merge` does
//! with what it accepts: merge with itself and the empty state, finalize,
//! write the JSON and CSV outputs into memory.
#![no_main]

use authsift::partial::Partial;
use authsift::summary::report::Rows;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(p) = authsift::run::parse_partial(data, "fuzz.json") else {
        return;
    };
    let mut twice = p.clone();
    if twice.check_mergeable(&p).is_ok() {
        twice.merge(p.clone());
    }
    twice.merge(Partial::new(p.summary.settings.clone()));
    let (report, _) = twice.finalize(Rows::All, true);
    let mut out = Vec::new();
    authsift::output::write_json(&report, &mut out).expect("JSON into memory");
    use authsift::output::csv_out;
    csv_out::summary(&report, &mut out).expect("CSV into memory");
    csv_out::timeseries(&report, &mut out).expect("CSV into memory");
    csv_out::incidents(&report, &mut out).expect("CSV into memory");
    csv_out::clients(&report, &mut out).expect("CSV into memory");
    csv_out::credentials(&report, &mut out).expect("CSV into memory");
    let mut once = p;
    let _ = once.finalize(Rows::Top, false);
});
