//! A HAR capture read in one pass per chunk (`har::analyze_chunked`)
//! gives the same partial summary, report and events as the reference
//! mode's two passes, whatever the chunk size: every entry is counted once,
//! with its own number, however the chunks cut the capture, whatever its
//! bodies hold. The reference harness runs the binary with the default
//! chunk size, which holds a small capture whole; here chunks are as small
//! as a few bytes.

mod common;

use authsift::analyzer::{ChunkResult, Context, Source};
use authsift::fingerprint::Fingerprinter;
use authsift::har;
use authsift::summary::Settings;
use authsift::summary::report::Rows;
use common::scenario;
use common::*;
use proptest::prelude::*;
use serde_json::{Value, json};

const NAME: &str = "capture.har";

fn context(reference: bool) -> Context {
    let mut ctx = Context::new(Settings::default(), Fingerprinter::new(Some("k")), true);
    ctx.reference = reference;
    ctx
}

/// Everything a run makes of the capture: the partial summary, the report
/// and the events, as bytes.
fn outputs(mut r: ChunkResult, ctx: &Context) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    r.settle_input(ctx.sanitized, NAME);
    let events = serde_json::to_vec(&r.events).expect("events serialize");
    let mut state = r.state;
    state.canonicalize();
    let partial = serde_json::to_vec(&state).expect("partial serializes");
    let (report, _) = state.finalize(Rows::All, true);
    let mut json = Vec::new();
    authsift::output::write_json(&report, &mut json).expect("JSON into memory");
    (partial, json, events)
}

/// Requires the chunked reading of `doc` to give the reference bytes.
fn same_as_reference(what: &str, doc: &[u8], chunks: &[usize]) {
    let src = Source::new(NAME, 0, "har");
    let reference = context(true);
    let want = outputs(har::analyze(doc, &reference, &src, 1), &reference);
    let ctx = context(false);
    for &chunk in chunks {
        for threads in [1, 2] {
            let got = outputs(har::analyze_chunked(doc, &ctx, &src, threads, chunk), &ctx);
            for (name, g, w) in [
                ("partial", &got.0, &want.0),
                ("summary", &got.1, &want.1),
                ("events", &got.2, &want.2),
            ] {
                assert!(
                    g == w,
                    "{what}, chunks of {chunk} bytes, -j{threads}: the {name} differs from the reference mode's\n--- reference\n{}\n--- chunked\n{}",
                    String::from_utf8_lossy(w),
                    String::from_utf8_lossy(g)
                );
            }
        }
    }
}

/// Generated traffic as a capture, with bodies and header values that hold
/// what looks like the capture's own structure.
fn capture(seed: u64, episodes: usize, pretty: bool) -> Vec<u8> {
    let evs = scenario::traffic_for(scenario::Fmt::Har, seed, episodes);
    let tricks = [
        r#"{"startedDateTime":"2024-05-01T00:00:00Z","request":{"method":"GET","headers":[]}}"#,
        r#"],"entries":[{"#,
        "\\\"},{\\",
        "\n    },\n    {\n      \"startedDateTime\": \"x\"",
    ];
    let entries: Vec<Value> = evs
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let mut v = scenario::har_entry(e);
            let trick = tricks[i % tricks.len()];
            if v["response"]["content"]["text"].is_null() {
                v["response"]["content"]["text"] = json!(trick.repeat(i % 5));
            }
            v["_initiator"] =
                json!({"stack": [{"startedDateTime": "2024-05-01T00:00:00Z", "note": trick}]});
            v
        })
        .collect();
    let doc = json!({"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": entries}});
    if pretty {
        serde_json::to_vec_pretty(&doc).unwrap()
    } else {
        serde_json::to_vec(&doc).unwrap()
    }
}

#[test]
fn generated_captures_give_the_reference_bytes_for_any_chunk_size() {
    for (seed, pretty) in [(0xC4A1, true), (0xC4A2, false)] {
        let doc = capture(seed, 150, pretty);
        same_as_reference(
            &format!("generated capture (pretty: {pretty})"),
            &doc,
            &[7, 301, 4096, 65536],
        );
    }
}

/// Dense traffic, listed as a capture that writes entries as they
/// complete: many retries are listed before the 401 they answer.
fn completion_capture(seed: u64) -> (Vec<u8>, Vec<u8>) {
    let mut evs = scenario::traffic(seed, 160, 300, 4);
    scenario::strictly_increasing(&mut evs);
    let in_time = scenario::har_doc(&evs.iter().map(scenario::har_entry).collect::<Vec<_>>());
    scenario::by_completion(&mut evs, seed);
    let listed = scenario::har_doc(&evs.iter().map(scenario::har_entry).collect::<Vec<_>>());
    (in_time.into_bytes(), listed.into_bytes())
}

/// The totals and causes of the summary JSON of `doc` (reference mode).
fn causes(doc: &[u8]) -> (Value, Value) {
    let ctx = context(true);
    let src = Source::new(NAME, 0, "har");
    let (_, json, _) = outputs(har::analyze(doc, &ctx, &src, 1), &ctx);
    let v: Value = serde_json::from_slice(&json).unwrap();
    (v["totals"].clone(), v["causes"].clone())
}

#[test]
fn a_capture_listed_as_entries_completed_reads_as_in_time_order_for_any_chunk_size() {
    for seed in [0xB0C1, 0xB0C2] {
        let (in_time, listed) = completion_capture(seed);
        // handshake legs whose retry is listed first are completed across
        // every cut of the capture into parts (an entry per part at 7 bytes)
        same_as_reference(
            &format!("capture listed by completion, seed {seed:x}"),
            &listed,
            &[7, 301, 4096, 65536],
        );
        let (time_totals, time_causes) = causes(&in_time);
        let (totals, by_cause) = causes(&listed);
        assert_eq!(
            (&totals, &by_cause),
            (&time_totals, &time_causes),
            "seed {seed:x}: the verdicts depend on the order of the entries"
        );
        assert!(
            by_cause["challenge_handshake"].as_u64().unwrap() > 10,
            "seed {seed:x}: {by_cause}"
        );
    }
}

#[test]
fn every_fixture_capture_gives_the_reference_bytes_in_small_chunks() {
    let mut files = har_fixtures();
    let mut nasty: Vec<_> = std::fs::read_dir(fixture("nasty"))
        .expect("fixtures/nasty exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "har"))
        .collect();
    nasty.sort();
    files.extend(nasty);
    for path in files {
        let doc = std::fs::read(&path).unwrap();
        same_as_reference(&path.display().to_string(), &doc, &[1, 64, 1000]);
    }
}

proptest! {
    #![proptest_config(proptest_cases(24))]

    /// A capture cut anywhere, read in chunks of any size: the same bytes
    /// as the reference mode (the entries before the cut, the cut reported).
    #[test]
    fn a_cut_capture_gives_the_reference_bytes(
        seed in 0u64..1000,
        pretty: bool,
        cut in any::<prop::sample::Index>(),
        chunk in 1usize..5000,
    ) {
        let doc = capture(seed, 12, pretty);
        let cut = cut.index(doc.len() + 1);
        same_as_reference(&format!("seed {seed} cut at {cut}"), &doc[..cut], &[chunk]);
    }
}

/// A capture whose header objects come in the shapes exporters and
/// sanitizers write (members in another order, extra members, null and
/// empty values, escaped names, the status after the headers, no headers
/// at all), with the unusual headers a verdict depends on: the fast reader
/// keeps only the headers a verdict reads and must keep these.
fn header_shapes(sign: &str) -> String {
    let entry = |t: u32, method: &str, path: &str, req: &str, resp: &str| {
        format!(
            r#"{{"startedDateTime": "2024-05-01T08:00:{t:02}.000Z", "time": 1.5,
  "request": {{"method": "{method}", "url": "https://api.example.com{path}", "httpVersion": "HTTP/1.1", "cookies": [], {req}}},
  {resp}, "timings": {{"send": 0, "wait": 1, "receive": 0}}}}"#
        )
    };
    let ua = r#"{"value": "shape-test/1.0", "name": "User-Agent"}"#;
    let entries = [
        // a key header in capitals, value before name, an extra member;
        // the status after the headers, a set-cookie among them
        entry(
            1,
            "GET",
            "/v1/items",
            &format!(
                r#""headers": [{ua}, {{"comment": "", "value": "mk_live_shape_0001", "name": "X-GOOG-API-KEY"}}, {{"name": "accept", "value": ""}}]"#
            ),
            r#""response": {"headers": [{"name": "Set-Cookie", "value": null}, {"name": "etag", "value": "\"v1\""}], "status": 200, "content": {"size": 2, "text": "[]"}}"#,
        ),
        // the same key refused: the revoked rule follows the success above
        entry(
            3,
            "GET",
            "/v1/items",
            &format!(
                r#""headers": [{{"name":"x-goog-api-key","value":"mk_live_shape_0001"}}, {ua}]"#
            ),
            r#""response": {"headers": [{"name": "www-authentic\u0061te", "value": "Bearer error=\"invalid_token\""}, {"value": "key revoked", "name": "X-Error-Message"}], "status": 401, "content": {"size": 0, "text": ""}}"#,
        ),
        // a sanitized export: no headers member, a null one, empty values
        entry(
            5,
            "GET",
            "/v1/open",
            r#""queryString": []"#,
            r#""response": {"status": 401, "headers": null, "content": {"size": 0}}"#,
        ),
        entry(
            6,
            "GET",
            "/v1/open",
            r#""headers": [{"name": "Authorization", "value": ""}, {"name": null, "value": "x"}]"#,
            r#""response": {"status": 200, "headers": [], "content": {"size": 0}}"#,
        ),
        // the only credential sign of the capture, whatever its value
        entry(
            8,
            "POST",
            "/v1/proxy",
            &format!(r#""headers": [{ua}, {{"name": "{sign}", "value": null}}]"#),
            r#""response": {"status": 204, "headers": [{"name": "x-request-id", "value": "r1"}]}"#,
        ),
    ];
    format!(
        "{{\n  \"log\": {{\"version\": \"1.2\", \"creator\": {{\"name\": \"t\", \"version\": \"1\"}},\n  \"entries\": [\n{}\n]}}}}\n",
        entries.join(",\n")
    )
}

#[test]
fn header_shapes_give_the_reference_bytes() {
    let src = Source::new(NAME, 0, "har");
    let ctx = context(false);
    let mut seen = Vec::new();
    for sign in ["Proxy-Authorization", "x-proxy-note"] {
        let doc = header_shapes(sign);
        same_as_reference(sign, doc.as_bytes(), &[1, 64, 1 << 20]);
        let (_, summary, _) = outputs(har::analyze(doc.as_bytes(), &ctx, &src, 1), &ctx);
        seen.push(String::from_utf8(summary).expect("UTF-8 JSON"));
    }
    // what the kept headers decide: the key's history and the challenge
    let s = &seen[0];
    assert!(s.contains("revoked_credentials"), "{s}");
    // a Proxy-Authorization header, even empty, says the capture kept its
    // credential headers; without it they may have been removed
    assert_ne!(seen[0], seen[1], "the credential sign changes nothing");
}
