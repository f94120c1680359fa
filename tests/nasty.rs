//! Nasty inputs (`fixtures/nasty/`): a HAR cut inside an entry, one invalid
//! entry among valid ones, binary noise with a `.har` name, CRLF line ends,
//! invalid UTF-8 inside a string. None may panic; each gets a clear message
//! and the documented exit code (0 success, 1 an input failed or was
//! truncated, 2 usage error or nothing could be analysed, 3 --strict with
//! unparsed records).

mod common;

use common::*;
use serde_json::Value;

const ALL: &[&str] = &[
    "truncated_mid_entry.har",
    "one_invalid_entry.har",
    "binary_noise.har",
    "crlf_line_ends.har",
    "invalid_utf8_in_string.har",
];

fn nasty(name: &str) -> (tempfile::TempDir, String) {
    let ws = workspace();
    let n = copy_fixture(ws.path(), &format!("nasty/{name}"));
    (ws, n)
}

#[test]
fn the_fixtures_are_as_nasty_as_their_names() {
    // guards against an editor or a git setting "repairing" them
    let bytes = |n: &str| std::fs::read(fixture(&format!("nasty/{n}"))).unwrap();
    let crlf = bytes("crlf_line_ends.har");
    assert!(
        crlf.windows(2).filter(|w| *w == b"\r\n").count() > 50
            && !crlf
                .iter()
                .enumerate()
                .any(|(i, &b)| b == b'\n' && (i == 0 || crlf[i - 1] != b'\r'))
    );
    assert!(std::str::from_utf8(&bytes("invalid_utf8_in_string.har")).is_err());
    let noise = bytes("binary_noise.har");
    assert!(
        serde_json::from_slice::<Value>(&noise).is_err()
            && noise.iter().filter(|&&b| b >= 0x80).count() > 1000
    );
    let cut = bytes("truncated_mid_entry.har");
    assert!(serde_json::from_slice::<Value>(&cut).is_err() && cut.starts_with(b"{"));
}

#[test]
fn nothing_panics_whatever_the_flags() {
    for name in ALL {
        let (ws, n) = nasty(name);
        for flags in [
            vec!["analyze"],
            vec!["analyze", "--json"],
            vec!["analyze", "--strict", "-j", "1"],
            vec![
                "analyze", "--format", "har", "--out", "o", "--events", "e.ndjson", "-j", "4",
            ],
        ] {
            let mut args = flags.clone();
            args.push(&n);
            let r = authsift(ws.path(), &args);
            r.expect_no_panic();
            assert!(
                matches!(r.code, Some(0..=3)),
                "{}: exit code outside the documented ones\n{}",
                r.describe(),
                r.stderr
            );
        }
        // and through stdin
        let bytes = std::fs::read(ws.path().join(&n)).unwrap();
        authsift_stdin(ws.path(), &["analyze", "--json", "-"], &bytes).expect_no_panic();
    }
}

#[test]
fn a_truncated_har_counts_its_complete_entries_and_exits_1() {
    let (ws, n) = nasty("truncated_mid_entry.har");
    let r = authsift(ws.path(), &["analyze", "--json", &n]);
    r.expect_no_panic();
    let s = r.json();
    assert_eq!(
        u(&s["totals"]["exchanges"]),
        3,
        "the three complete entries are analysed"
    );
    assert_eq!(u(&s["totals"]["status_401"]), 2);
    assert_eq!(u(&s["causes"]["missing_credentials"]), 1);
    assert_eq!(u(&s["causes"]["placeholder_credentials"]), 1);
    assert_eq!(
        u(&s["totals"]["unparsed"]),
        1,
        "the cut entry is counted as unparsed"
    );
    let problem = s["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["file"] == n.as_str())
        .expect("a problem for the file");
    assert_eq!(
        problem["position"], 3,
        "the problem names the entry that was cut: {problem}"
    );
    assert!(
        problem["message"].as_str().unwrap().contains("cut off"),
        "{problem}"
    );
    assert!(
        r.stderr.contains(&n) && r.stderr.contains("truncated"),
        "stderr says the file is truncated: {}",
        r.stderr
    );
    // README and --help: 1 = an input failed or was truncated (the rest was
    // analysed); 2 = nothing could be analysed. Three entries were analysed.
    r.expect_code(1);
}

#[test]
fn one_invalid_entry_is_reported_and_the_rest_analysed() {
    let (ws, n) = nasty("one_invalid_entry.har");
    let r = authsift(ws.path(), &["analyze", "--json", &n]);
    r.expect_code(0);
    let s = r.json();
    assert_eq!(u(&s["totals"]["exchanges"]), 4);
    assert_eq!(u(&s["totals"]["unparsed"]), 1);
    assert_eq!(u(&s["totals"]["status_401"]), 3);
    assert_eq!(
        s["problems"][0]["position"], 2,
        "entry 2 (from 0) is the bad one: {}",
        s["problems"]
    );
    assert!(
        r.stderr.contains("1 of 5 records"),
        "stderr reports the unparsed entry: {}",
        r.stderr
    );
    // the message says what is wrong but does not quote the entry (it holds a key)
    let msg = s["problems"][0]["message"].as_str().unwrap();
    assert!(
        msg.starts_with("unexpected value type") && !msg.contains("mk_live"),
        "{msg}"
    );
    // a capture's problem is labelled by its entry, not as if it were a line
    assert!(
        r.stderr.contains("first at entry 2: unexpected value type"),
        "{}",
        r.stderr
    );
    let table = authsift(ws.path(), &["analyze", &n]);
    assert!(
        table
            .stdout_text()
            .contains(&format!("{n}: entry 2: unexpected value type")),
        "{}",
        table.stdout_text()
    );
    // --strict turns it into exit code 3, and still writes the summary
    let r = authsift(ws.path(), &["analyze", "--json", "--strict", &n]);
    r.expect_code(3);
    assert_eq!(u(&r.json()["totals"]["unparsed"]), 1);
    // --strict on a clean file is still 0
    let (ws2, clean) = nasty("crlf_line_ends.har");
    authsift(ws2.path(), &["analyze", "--strict", &clean]).expect_code(0);
}

#[test]
fn binary_noise_named_har_is_refused_with_exit_2() {
    let (ws, n) = nasty("binary_noise.har");
    let r = authsift(ws.path(), &["analyze", &n]);
    r.expect_code(2);
    assert!(
        r.stderr.contains(&n) && r.stderr.contains("not recognised"),
        "{}",
        r.stderr
    );
    let r = authsift(ws.path(), &["analyze", "--format", "har", &n]);
    r.expect_code(2);
    assert!(
        r.stderr.contains(&n) && r.stderr.contains("not a HAR"),
        "{}",
        r.stderr
    );
    // the message never echoes the bytes
    assert!(!r.stderr.contains('\u{fffd}'), "{}", r.stderr);
}

#[test]
fn crlf_line_ends_read_like_lf() {
    let (ws, n) = nasty("crlf_line_ends.har");
    let lf: Vec<u8> = std::fs::read(ws.path().join(&n))
        .unwrap()
        .into_iter()
        .filter(|&b| b != b'\r')
        .collect();
    std::fs::write(ws.path().join("lf.har"), &lf).unwrap();
    let a = authsift(ws.path(), &["analyze", "--json", &n]);
    a.expect_code(0);
    let b = authsift(ws.path(), &["analyze", "--json", "lf.har"]);
    b.expect_code(0);
    let (a, b) = (a.json(), b.json());
    assert_eq!(a["causes"], b["causes"]);
    assert_eq!(u(&a["totals"]["exchanges"]), 4);
    assert_eq!(u(&a["totals"]["status_401"]), 3);
    assert_eq!(u(&a["totals"]["unparsed"]), 0);
    for id in [
        "missing_credentials",
        "placeholder_credentials",
        "malformed_credentials",
    ] {
        assert_eq!(u(&a["causes"][id]), 1, "{id}: {}", a["causes"]);
    }
}

#[test]
fn invalid_utf8_in_a_string_costs_at_most_that_entry() {
    let (ws, n) = nasty("invalid_utf8_in_string.har");
    let r = authsift(ws.path(), &["analyze", "--json", &n]);
    r.expect_code(0);
    let s = r.json();
    // entry 1 (a 200) holds the bad byte; the three 401s around it are analysed
    assert_eq!(u(&s["totals"]["status_401"]), 3);
    assert_eq!(
        u(&s["totals"]["exchanges"]) + u(&s["totals"]["unparsed"]),
        4,
        "every entry is accounted for"
    );
    for id in [
        "missing_credentials",
        "placeholder_credentials",
        "malformed_credentials",
    ] {
        assert_eq!(u(&s["causes"][id]), 1, "{id}: {}", s["causes"]);
    }
    for p in s["problems"].as_array().unwrap() {
        assert_eq!(p["position"], 1, "only entry 1 may be a problem: {p}");
    }
}
