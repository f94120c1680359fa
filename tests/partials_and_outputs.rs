//! Hostile partial summaries and output files that are never half written:
//! a crafted partial is refused with the field it breaks named (exit 2),
//! merged counts saturate instead of wrapping, output paths are checked
//! before the analysis, outputs appear only whole, and `--partial` bytes do
//! not depend on the thread count or the order of the paths.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use common::*;
use serde_json::{Value, json};

/// A partial summary of `rel` (a fixture) written as `name` in `dir`.
fn partial_of(dir: &Path, rel: &str, name: &str) -> Value {
    let input = copy_fixture(dir, rel);
    authsift(dir, &["analyze", &input, "--partial", name]).expect_code(0);
    serde_json::from_slice(&std::fs::read(dir.join(name)).expect("partial written"))
        .expect("a partial is JSON")
}

fn write_json(dir: &Path, name: &str, v: &Value) {
    std::fs::write(dir.join(name), serde_json::to_vec(v).unwrap()).unwrap();
}

fn names_in(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

// ---------------------------------------------------------------- item 11: crafted partials

/// Each change to a good partial, and the field the refusal must name.
type Edit = fn(&mut Value);

const CRAFTED: &[(&str, Edit)] = &[
    ("settings.bucket_secs", |v| {
        v["state"]["summary"]["settings"]["bucket_secs"] = json!(0)
    }),
    ("settings.bucket_secs", |v| {
        v["state"]["summary"]["settings"]["bucket_secs"] = json!(-3600)
    }),
    ("settings.bucket_secs", |v| {
        v["state"]["summary"]["settings"]["bucket_secs"] = json!(7)
    }),
    ("settings.bucket_secs", |v| {
        v["state"]["summary"]["settings"]["bucket_secs"] = json!(i64::MAX)
    }),
    ("settings.handshake_window_us", |v| {
        v["state"]["summary"]["settings"]["handshake_window_us"] = json!(-1)
    }),
    ("settings.clock_skew_secs", |v| {
        v["state"]["summary"]["settings"]["clock_skew_secs"] = json!(i64::MAX)
    }),
    ("settings.incident_min_credentials", |v| {
        v["state"]["summary"]["settings"]["incident_min_credentials"] = json!(0)
    }),
    ("settings.storm_per_minute", |v| {
        v["state"]["summary"]["settings"]["storm_per_minute"] = json!(0)
    }),
    ("settings.group_by", |v| {
        v["state"]["summary"]["settings"]["group_by"] = json!([])
    }),
    ("settings.group_by", |v| {
        v["state"]["summary"]["settings"]["group_by"] = json!(["cause", "host", "cause"])
    }),
    ("settings.since", |v| {
        v["state"]["summary"]["settings"]["since"] = json!("2024-06-02T00:00:00Z");
        v["state"]["summary"]["settings"]["until"] = json!("2024-06-01T00:00:00Z");
    }),
    ("count is not the sum of its causes", |v| {
        v["state"]["summary"]["patterns"]["rows"][0][1]["count"] = json!(u64::MAX)
    }),
    ("dimensions are not settings.group_by", |v| {
        v["state"]["summary"]["patterns"]["rows"][0][0]["client"] = json!("10.0.0.1")
    }),
    // a type that does not fit: serde's message, which names the value
    ("damaged partial summary", |v| {
        v["state"]["summary"]["causes"] = json!([1, 2])
    }),
];

#[test]
fn crafted_partials_are_refused_naming_the_field() {
    let ws = workspace();
    let good = partial_of(ws.path(), "har/chrome_missing_malformed.har", "good.json");
    assert!(
        good["state"]["summary"]["patterns"]["rows"][0].is_array(),
        "the fixture has patterns to tamper with"
    );
    for (i, (field, edit)) in CRAFTED.iter().enumerate() {
        let mut bad = good.clone();
        edit(&mut bad);
        let name = format!("crafted-{i}.json");
        write_json(ws.path(), &name, &bad);
        for args in [
            vec!["merge", "good.json", &name, "--json"],
            vec!["merge", &name, "--json"],
        ] {
            let r = authsift(ws.path(), &args);
            r.expect_code(2);
            assert!(
                r.stderr.contains(&name) && r.stderr.contains(field),
                "{}: the refusal names the file and {field:?}:\n{}",
                r.describe(),
                r.stderr
            );
            assert!(r.stdout.is_empty(), "{}: nothing is written", r.describe());
        }
    }
}

/// Changes to the sequence state of a good partial (credential histories
/// and 401s that wait for the rest of the input), and the refusal's words.
const CRAFTED_SEQUENCE: &[(&str, Edit)] = &[
    ("interval ends before it starts", |v| {
        let iv = &mut v["state"]["sequence"]["history"][0][1]["intervals"][0];
        iv[0]["t"] = json!(i64::MAX);
    }),
    ("waits for nothing", |v| {
        let p = &mut v["state"]["sequence"]["pending"][0];
        p["leg"] = json!(null);
        p["history"] = json!(null);
    }),
    ("its time and its order disagree", |v| {
        v["state"]["sequence"]["pending"][0]["rec"]["order"]["t"] = json!(0)
    }),
];

#[test]
fn crafted_sequence_states_are_refused_naming_the_field() {
    let ws = workspace();
    let good = partial_of(ws.path(), "sequence/api-history.jsonl", "good.json");
    assert!(
        good["state"]["sequence"]["pending"][0].is_object()
            && good["state"]["sequence"]["history"][0].is_array(),
        "the fixture leaves 401s waiting and credential histories to tamper with"
    );
    authsift(ws.path(), &["merge", "good.json", "--json"]).expect_code(0);
    for (i, (words, edit)) in CRAFTED_SEQUENCE.iter().enumerate() {
        let mut bad = good.clone();
        edit(&mut bad);
        let name = format!("crafted-seq-{i}.json");
        write_json(ws.path(), &name, &bad);
        let r = authsift(ws.path(), &["merge", "good.json", &name, "--json"]);
        r.expect_code(2);
        assert!(
            r.stderr.contains(&name) && r.stderr.contains("sequence.") && r.stderr.contains(words),
            "{}: the refusal names the file, the field and {words:?}:\n{}",
            r.describe(),
            r.stderr
        );
        assert!(r.stdout.is_empty(), "{}: nothing is written", r.describe());
    }
}

#[test]
fn merged_counts_saturate_instead_of_wrapping() {
    let ws = workspace();
    let good = partial_of(ws.path(), "har/chrome_missing_malformed.har", "good.json");
    let mut big = good.clone();
    let files = big["state"]["summary"]["files"]
        .as_object_mut()
        .expect("files by path");
    assert_eq!(files.len(), 1);
    for f in files.values_mut() {
        f["status_401"] = json!(u64::MAX);
        f["exchanges"] = json!(u64::MAX - 1);
    }
    // other inputs than good.json's (the same input in two partials is
    // refused: see tests/batch.rs)
    let mut big2 = big.clone();
    big["provenance"]["inputs"][0]["digest"] = json!("b".repeat(64));
    big2["provenance"]["inputs"][0]["digest"] = json!("c".repeat(64));
    write_json(ws.path(), "big.json", &big);
    write_json(ws.path(), "big2.json", &big2);
    for args in [
        ["merge", "big.json", "good.json", "--json"],
        ["merge", "good.json", "big.json", "--json"],
        ["merge", "big.json", "big2.json", "--json"],
    ] {
        let r = authsift(ws.path(), &args);
        r.expect_code(0);
        let s = r.json();
        assert_eq!(
            s["totals"]["status_401"].as_u64(),
            Some(u64::MAX),
            "{}: saturated, not wrapped",
            r.describe()
        );
        assert_eq!(s["totals"]["exchanges"].as_u64(), Some(u64::MAX));
    }
}

// ---------------------------------------------------------------- item 12: outputs

#[test]
fn output_paths_are_checked_before_the_analysis() {
    let ws = workspace();
    let har = copy_fixture(ws.path(), "har/chrome_missing_malformed.har");
    std::fs::create_dir(ws.path().join("adir")).unwrap();
    let cases: &[(&[&str], &str)] = &[
        (&["--events", "nodir/x.csv"], "--events nodir/x.csv"),
        (&["--partial", "nodir/p.json"], "--partial nodir/p.json"),
        (&["--events", "adir"], "--events adir"),
        (&["--partial", "adir"], "--partial adir"),
        (&["--out", "adir/summary.json/x"], "--out"),
    ];
    // `--out` under an existing file cannot be created
    std::fs::write(ws.path().join("adir/summary.json"), "{}").unwrap();
    for (flags, says) in cases {
        let mut args = vec!["analyze", har.as_str()];
        args.extend_from_slice(flags);
        let r = authsift(ws.path(), &args);
        r.expect_code(2);
        assert!(
            r.stderr.contains(says),
            "{}: the message names {says:?}:\n{}",
            r.describe(),
            r.stderr
        );
        assert!(r.stdout.is_empty(), "{}: no analysis ran", r.describe());
    }
    // and `merge` checks its outputs before reading the partials
    let r = authsift(
        ws.path(),
        &["merge", "missing.json", "--partial", "nodir/p.json"],
    );
    r.expect_code(2);
    assert!(r.stderr.contains("--partial nodir/p.json"), "{}", r.stderr);
    assert_eq!(
        names_in(ws.path()),
        BTreeSet::from([har.clone(), "adir".to_string()]),
        "nothing is left behind"
    );
    assert_eq!(
        names_in(&ws.path().join("adir")),
        BTreeSet::from(["summary.json".to_string()])
    );
}

#[test]
fn partial_and_events_may_go_into_the_out_directory() {
    let ws = workspace();
    let har = copy_fixture(ws.path(), "har/chrome_missing_malformed.har");
    authsift(
        ws.path(),
        &[
            "analyze",
            &har,
            "--out",
            "d/e",
            "--partial",
            "d/e/p.json",
            "--events",
            "d/e/events.csv",
        ],
    )
    .expect_code(0);
    let want: BTreeSet<String> = [
        "summary.json",
        "summary.csv",
        "timeseries.csv",
        "incidents.csv",
        "clients.csv",
        "credentials.csv",
        "p.json",
        "events.csv",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(
        names_in(&ws.path().join("d/e")),
        want,
        "no temporary file is left"
    );
}

#[test]
fn devices_and_pipes_are_written_in_place() {
    let ws = workspace();
    let har = copy_fixture(ws.path(), "har/chrome_missing_malformed.har");
    let r = authsift(
        ws.path(),
        &[
            "analyze",
            &har,
            "--partial",
            "/dev/null",
            "--events",
            "/dev/stdout",
        ],
    );
    r.expect_code(0);
    assert!(
        r.stdout_text().starts_with("time,file,record,"),
        "the events went to stdout through /dev/stdout:\n{}",
        r.stdout_text()
    );
    use std::os::unix::fs::FileTypeExt;
    let null = std::fs::metadata("/dev/null").expect("/dev/null");
    assert!(
        null.file_type().is_char_device(),
        "/dev/null is still a device"
    );
    assert_eq!(
        names_in(Path::new("/dev"))
            .iter()
            .filter(|n| n.contains("authsift"))
            .count(),
        0
    );
}

/// Runs authsift with files limited to `limit_kb` KiB (SIGXFSZ ignored, so
/// a write past it fails with EFBIG like a full disk).
fn authsift_with_file_limit(dir: &Path, limit_kb: u32, args: &[&str]) -> (Option<i32>, String) {
    let mut script = format!("trap '' XFSZ; ulimit -f {limit_kb}; exec \"$0\"");
    for i in 1..=args.len() {
        // ${10}, not $10 (which is $1 followed by 0)
        script.push_str(&format!(" \"${{{i}}}\""));
    }
    let out = Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(bin())
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .output()
        .expect("run sh");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn read_all(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn a_failed_write_leaves_the_previous_outputs_whole() {
    let ws = workspace();
    let small = copy_fixture(ws.path(), "har/chrome_missing_malformed.har");
    let mut big = vec!["analyze".to_string()];
    for h in har_fixtures() {
        let name = format!("all-{}", h.file_name().unwrap().to_string_lossy());
        std::fs::copy(&h, ws.path().join(&name)).unwrap();
        big.push(name);
    }
    authsift(
        ws.path(),
        &[
            "analyze",
            &small,
            "--out",
            "out",
            "--partial",
            "p.json",
            "--events",
            "ev.csv",
        ],
    )
    .expect_code(0);
    let before_dir = read_all(&ws.path().join("out"));
    let before_partial = std::fs::read(ws.path().join("p.json")).unwrap();
    let before_events = std::fs::read(ws.path().join("ev.csv")).unwrap();
    // a limit every output of the big run is larger than
    let limit_kb = 1;
    for flags in [
        ["--out", "out"],
        ["--partial", "p.json"],
        ["--events", "ev.csv"],
    ] {
        let mut args: Vec<&str> = big.iter().map(String::as_str).collect();
        args.extend_from_slice(&flags);
        let (code, stderr) = authsift_with_file_limit(ws.path(), limit_kb, &args);
        assert_eq!(code, Some(4), "{flags:?}: a failed write exits 4\n{stderr}");
        assert!(
            stderr.contains(flags[1]) && !stderr.contains("panicked"),
            "{flags:?}: the error names the output:\n{stderr}"
        );
    }
    assert_eq!(
        read_all(&ws.path().join("out")),
        before_dir,
        "--out keeps the earlier run's files, whole, and no temporary file"
    );
    assert_eq!(
        std::fs::read(ws.path().join("p.json")).unwrap(),
        before_partial
    );
    assert_eq!(
        std::fs::read(ws.path().join("ev.csv")).unwrap(),
        before_events
    );
    let mut want: BTreeSet<String> = big[1..].iter().cloned().collect();
    for n in [small.as_str(), "out", "p.json", "ev.csv"] {
        want.insert(n.to_string());
    }
    assert_eq!(names_in(ws.path()), want, "no temporary file is left");
}

// ---------------------------------------------------------------- item 14: partial bytes

#[test]
fn partial_bytes_do_not_depend_on_threads_or_path_order() {
    let ws = workspace();
    let mut inputs = Vec::new();
    for h in har_fixtures() {
        inputs.push(copy_fixture(
            ws.path(),
            &format!("har/{}", h.file_name().unwrap().to_string_lossy()),
        ));
    }
    for rel in [
        "logs/access-combined.log",
        "logs/access-combined.log.1.gz",
        "logs/caddy.jsonl",
        "logs/u_ex240603.log",
        "logs/u_ex240604.log",
        "sequence/api-history.jsonl",
        "sequence/handshakes.jsonl",
        "sequence/u_ex240605.log",
    ] {
        inputs.push(copy_fixture(ws.path(), rel));
    }
    let reversed: Vec<String> = inputs.iter().rev().cloned().collect();
    let mut want: Option<(String, Vec<u8>)> = None;
    // the reference mode cuts inputs into 4 KiB chunks: many chunk edges
    // inside each input, split differently across threads
    for (order, paths) in [("given", &inputs), ("reversed", &reversed)] {
        for (j, reference) in [("1", "0"), ("2", "0"), ("4", "0"), ("1", "1"), ("4", "1")] {
            let name = format!("p-{order}-j{j}-ref{reference}.json");
            let mut args = vec!["analyze", "-j", j, "--partial", name.as_str()];
            args.extend(paths.iter().map(String::as_str));
            let env: &[(&str, &str)] = if reference == "1" {
                &[("AUTHSIFT_REFERENCE", "1")]
            } else {
                &[]
            };
            authsift_env(ws.path(), &args, env).expect_code(0);
            let bytes = std::fs::read(ws.path().join(&name)).unwrap();
            match &want {
                None => want = Some((name, bytes)),
                Some((first, w)) => assert!(
                    *w == bytes,
                    "{name} differs from {first}:\n--- {first}\n{}\n--- {name}\n{}",
                    String::from_utf8_lossy(w),
                    String::from_utf8_lossy(&bytes)
                ),
            }
        }
    }
}
