//! Cut and damaged HAR documents through the library entry point
//! (`har::analyze`): every prefix of a small capture, and random cuts and
//! byte flips of every capture in `fixtures/har` and `fixtures/nasty`. None
//! may panic, and a cut document must say so: the input failed (truncated)
//! or an entry is counted as unparsed. Through the binary: a cut file next
//! to a good one fails alone (exit 1) and the good one is still analysed.
//!
//! The random part runs `PROPTEST_CASES` cases (a small default, so that a
//! debug `cargo test` stays within seconds); `PROPTEST_CASES=5000 cargo
//! test --release --test har_cuts` is a deep run.

mod common;

use std::path::PathBuf;

use authsift::analyzer::{ChunkResult, Context, Source};
use authsift::fingerprint::Fingerprinter;
use authsift::har;
use authsift::summary::{FileStats, Settings};
use common::*;
use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;

const NAME: &str = "cut.har";

fn context() -> Context {
    // events on: the events path runs too
    Context::new(Settings::default(), Fingerprinter::new(None), true)
}

fn analyze(ctx: &Context, bytes: &[u8], threads: usize) -> ChunkResult {
    let src = Source::new(NAME, 0, "har");
    har::analyze(bytes, ctx, &src, threads)
}

fn stats(r: &ChunkResult) -> &FileStats {
    r.state.summary.files.get(NAME).expect("the input's row")
}

/// Length of the document without the whitespace after its last value: a
/// prefix at least this long is the whole document.
fn content_len(doc: &[u8]) -> usize {
    doc.iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(0, |p| p + 1)
}

/// Requires that `doc[..cut]` reports the cut.
fn expect_cut_reported(ctx: &Context, name: &str, doc: &[u8], cut: usize, threads: usize) {
    let r = analyze(ctx, &doc[..cut], threads);
    let f = stats(&r);
    assert!(
        f.error.is_some() || f.unparsed > 0,
        "{name} cut at byte {cut} of {}: analysed as complete ({} exchanges, no error, nothing unparsed)",
        doc.len(),
        f.exchanges
    );
}

fn fixtures() -> Vec<PathBuf> {
    let mut v = har_fixtures();
    let mut nasty: Vec<PathBuf> = std::fs::read_dir(fixture("nasty"))
        .expect("fixtures/nasty exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "har"))
        .collect();
    nasty.sort();
    v.extend(nasty);
    v
}

#[test]
fn every_prefix_of_a_small_capture_reports_the_cut() {
    let path = fixture("har/martian_compact_oneline.har");
    let doc = std::fs::read(&path).unwrap();
    let ctx = context();
    let full = analyze(&ctx, &doc, 1);
    assert!(
        stats(&full).error.is_none() && stats(&full).unparsed == 0,
        "the whole capture is clean"
    );
    for cut in 0..content_len(&doc) {
        expect_cut_reported(&ctx, "martian_compact_oneline.har", &doc, cut, 1);
    }
    // the whole document, with or without its trailing whitespace, is complete
    for cut in content_len(&doc)..=doc.len() {
        let r = analyze(&ctx, &doc[..cut], 1);
        assert!(stats(&r).error.is_none(), "cut at {cut}: {:?}", stats(&r));
    }
}

#[test]
fn the_walk_to_log_entries_reports_every_cut() {
    // each prefix stops the walk somewhere else: inside a key, an escape,
    // a skipped value, a number, between members
    let doc = br#"{"v\"x":[1,{"a":"]\\"}],"log":{"pages":[{"t":"x\"}"}],"n":12,"entries":[{"startedDateTime":"2024-05-01T00:00:00Z","request":{"method":"GET","url":"https://h/x","headers":[]},"response":{"status":401,"headers":[]}}],"x":{"y":"z"}},"tail":[]}"#;
    let ctx = context();
    let full = analyze(&ctx, doc, 1);
    assert!(stats(&full).error.is_none(), "{:?}", stats(&full));
    assert_eq!(stats(&full).exchanges, 1);
    for cut in 0..doc.len() {
        expect_cut_reported(&ctx, "walk", doc, cut, 1);
    }
    let r = analyze(&ctx, br#"{"lo\"#, 1);
    let err = stats(&r).error.as_deref().unwrap_or("");
    assert!(err.contains("truncated"), "{err}");
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(48)
}

proptest! {
    #![proptest_config(ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::with_cases(cases())
    })]

    /// A random cut of any fixture: no panic, and the cut is reported. A
    /// third of the cuts fall in the first 512 bytes (the walk to
    /// log.entries) and a third in the last 64 (after the array).
    #[test]
    fn random_cuts_are_reported(
        which in any::<prop::sample::Index>(),
        region in 0u8..3,
        at in any::<prop::sample::Index>(),
        threads in 1usize..4,
    ) {
        let files = fixtures();
        let path = which.get(&files);
        let doc = std::fs::read(path).unwrap();
        let len = content_len(&doc);
        let cut = match region {
            0 => at.index(len.min(512)),
            1 => len - 1 - at.index(len.min(64)),
            _ => at.index(len),
        };
        let name = path.file_name().unwrap().to_string_lossy();
        expect_cut_reported(&context(), &name, &doc, cut, threads);
    }

    /// Random byte flips (and a cut) of any fixture: no panic, and every
    /// entry the scan found is counted once, parsed or not.
    #[test]
    fn random_damage_never_panics(
        which in any::<prop::sample::Index>(),
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<Option<prop::sample::Index>>(),
        threads in 1usize..4,
    ) {
        let files = fixtures();
        let mut doc = std::fs::read(which.get(&files)).unwrap();
        for (at, byte) in &flips {
            let i = at.index(doc.len());
            doc[i] = *byte;
        }
        if let Some(c) = cut {
            doc.truncate(c.index(doc.len()));
        }
        let r = analyze(&context(), &doc, threads);
        let f = stats(&r);
        prop_assert_eq!(f.bytes, doc.len() as u64);
    }
}

#[test]
fn a_cut_file_fails_alone() {
    let ws = workspace();
    std::fs::write(ws.path().join("t.har"), b"{\"lo\\").unwrap();
    let good = copy_fixture(ws.path(), "har/mitmproxy_token_claims.har");
    let alone = authsift(ws.path(), &["analyze", "--json", &good]);
    alone.expect_code(0);
    let r = authsift(ws.path(), &["analyze", "--json", "t.har", &good]);
    r.expect_no_panic();
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    r.expect_code(1);
    assert!(
        r.stderr.contains("t.har") && r.stderr.contains("truncated"),
        "stderr names the cut file: {}",
        r.stderr
    );
    let (s, a) = (r.json(), alone.json());
    assert_eq!(u(&s["totals"]["failed_inputs"]), 1);
    assert_eq!(s["totals"]["exchanges"], a["totals"]["exchanges"]);
    assert_eq!(s["totals"]["status_401"], a["totals"]["status_401"]);
    assert_eq!(
        s["causes"], a["causes"],
        "the good file is analysed as alone"
    );
}
