//! Access logs end to end, through the real binary: every format by name and
//! by detection, compressed inputs (found by their magic bytes), stdin,
//! directories and several files; nothing is lost (every line is counted,
//! unparsed lines are reported by number without their content, a record
//! with an unreadable time still counts); nasty bytes (invalid UTF-8, CRLF,
//! very long lines, no final newline, empty files); the 401 count of every
//! log fixture against an independent count; IIS `#Fields:` restarts and
//! substatus evidence.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::*;
use serde_json::{Value, json};

// ---------------------------------------------------------------- helpers

fn zstd(bytes: &[u8]) -> Vec<u8> {
    zstd::encode_all(bytes, 3).expect("zstd")
}

/// The content of a fixture, decompressed by its magic bytes.
fn content(path: &Path) -> Vec<u8> {
    let raw = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::MultiGzDecoder::new(&raw[..]), &mut out)
            .expect("gunzip");
        out
    } else if raw.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        zstd::decode_all(&raw[..]).expect("unzstd")
    } else {
        raw
    }
}

/// `tests/expected/<name>.json`, if there is one.
fn expected_of(name: &str) -> Option<Value> {
    let p = crate_root()
        .join("tests/expected")
        .join(format!("{name}.json"));
    let text = std::fs::read_to_string(p).ok()?;
    Some(serde_json::from_str(&text).expect("expected files are JSON"))
}

/// The extra flags the expected file of a fixture gives (`--log-format …`).
fn args_of(name: &str) -> Vec<String> {
    expected_of(name)
        .and_then(|e| e["args"].as_array().cloned())
        .unwrap_or_default()
        .iter()
        .map(|a| a.as_str().expect("args are strings").to_owned())
        .collect()
}

fn name_of(p: &Path) -> String {
    p.file_name()
        .expect("a file name")
        .to_string_lossy()
        .into_owned()
}

/// Every log file under `fixtures/logs` and `fixtures/sequence`, recursively, sorted.
fn log_fixtures() -> Vec<PathBuf> {
    fn walk(d: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(d)
            .expect("fixture dir")
            .map(|e| e.expect("entry").path())
            .collect();
        entries.sort();
        for p in entries {
            let n = name_of(&p);
            if n.starts_with('.') || n.ends_with(".md") || n.ends_with(".har") {
                continue;
            }
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p);
            }
        }
    }
    let mut v = Vec::new();
    walk(&fixture("logs"), &mut v);
    walk(&fixture("sequence"), &mut v);
    v
}

/// Reads an events CSV as maps from column to value.
fn events_csv(path: &Path) -> Vec<BTreeMap<String, String>> {
    let (header, rows) = read_csv(path);
    rows.into_iter()
        .map(|r| header.iter().cloned().zip(r).collect())
        .collect()
}

fn event_at(events: &[BTreeMap<String, String>], record: u64) -> &BTreeMap<String, String> {
    events
        .iter()
        .find(|e| e["record"] == record.to_string())
        .unwrap_or_else(|| panic!("no event for record {record}: {events:#?}"))
}

/// Runs `analyze --json ARGS` in `dir` and returns the summary, checking the exit code.
fn summary(dir: &Path, args: &[&str], code: i32) -> Value {
    let mut all = vec!["analyze", "--json"];
    all.extend_from_slice(args);
    let r = authsift(dir, &all);
    r.expect_code(code);
    r.json()
}

/// The totals and causes that must not depend on how an input was read.
fn counts(s: &Value) -> Value {
    let t = &s["totals"];
    json!({
        "exchanges": t["exchanges"], "status_401": t["status_401"], "benign_401": t["benign_401"],
        "unparsed": t["unparsed"], "degraded": t["degraded"], "causes": s["causes"],
    })
}

/// The format names of `--format`, each with the fixture it is tried on
/// and the flags it needs.
const BY_NAME: &[(&str, &str, &[&str])] = &[
    ("combined", "logs/access-combined.log", &[]),
    ("common", "logs/access-common.log", &[]),
    ("nginx", "logs/nginx-auth.log", &[]), // --log-format from its expected file
    ("apache", "logs/apache-custom.log", &[]),
    ("caddy", "logs/caddy.jsonl", &[]),
    ("traefik", "logs/traefik.jsonl", &[]),
    ("envoy", "logs/envoy.jsonl", &[]),
    (
        "jsonl",
        "logs/envoy.jsonl",
        &[
            "--json-fields",
            "status=response_code,time=start_time,path=path,method=method,host=authority,client=downstream_remote_address,user_agent=user_agent",
        ],
    ),
    ("alb", "logs/alb.log", &[]),
    ("iis", "logs/u_ex240603.log", &[]),
    ("w3c", "logs/u_ex240603.log", &[]),
    ("cloudfront", "logs/cloudfront.log", &[]),
    ("w3c", "logs/cloudfront.log", &[]),
];

/// What detection must answer for each log fixture (no flags given).
const DETECTED: &[(&str, &str)] = &[
    ("access-combined.log", "combined"),
    ("access-combined.log.1.gz", "combined"),
    ("access-combined.log.2.zst", "combined"),
    ("access-common.log", "common"),
    ("alb.log", "alb"),
    ("apache-custom.log", "nginx"),
    ("bad-timestamps.log", "combined"),
    ("caddy.jsonl", "caddy"),
    ("caddy-redacted.jsonl", "caddy"),
    ("caddy-reason-headers.jsonl", "caddy"),
    ("cloudfront.log", "cloudfront"),
    ("crlf-latin1-no-eol.log", "combined"),
    ("envoy.jsonl", "envoy"),
    ("garbage-mixed.log", "combined"),
    // combined with its trailing fields recognised: read as the nginx
    // log_format that names them
    ("nginx-auth.log", "nginx"),
    ("proxy-signed-urls.log", "combined"),
    ("traefik.jsonl", "traefik"),
    ("u_ex240603.log", "iis"),
    ("u_ex240604.log", "iis"),
    ("u_ex240614.log", "iis"),
    ("api-history.jsonl", "caddy"),
    ("handshakes.jsonl", "caddy"),
    ("u_ex240605.log", "iis"),
    ("u_ex240612.log", "iis"),
    ("access.log", "combined"),
    ("access.log.1", "combined"),
    ("access.log.2.gz", "combined"),
    ("s3-access.log", "s3"),
    // the router's lines of a Heroku drain are logfmt
    ("heroku-drain.log", "logfmt"),
    ("elb-classic-tcp.log", "alb"),
    ("gorouter.log", "gorouter"),
    ("uwsgi.log", "uwsgi"),
    // Nginx Proxy Manager's proxy log, read with its nginx log_format
    ("npm-proxy.log", "nginx"),
    // web frameworks' request logs, read with their nginx log_format
    ("gin-debug.log", "nginx"),
    ("morgan-short.log", "nginx"),
    ("morgan-dev.log", "nginx"),
    ("morgan-tiny.log", "nginx"),
    ("django-runserver.log", "nginx"),
    ("actix-web.log", "nginx"),
    ("chi.log", "nginx"),
];

// ---------------------------------------------------------------- A.1 formats

#[test]
fn every_format_by_name_reads_what_detection_reads() {
    let ws = workspace();
    let mut failures = Vec::new();
    for (format, rel, extra) in BY_NAME {
        let name = copy_fixture(ws.path(), rel);
        let fixture_args = args_of(&name);
        let mut detected_args: Vec<&str> = fixture_args.iter().map(String::as_str).collect();
        detected_args.push(&name);
        let auto = summary(ws.path(), &detected_args, 0);
        let mut forced_args = vec!["--format", format];
        forced_args.extend(fixture_args.iter().map(String::as_str));
        forced_args.extend_from_slice(extra);
        forced_args.push(&name);
        let forced = summary(ws.path(), &forced_args, 0);
        if forced["files"][0]["format"] != json!(format) {
            failures.push(format!(
                "--format {format} on {rel}: files[0].format is {}",
                forced["files"][0]["format"]
            ));
        }
        if counts(&forced) != counts(&auto) {
            failures.push(format!(
                "--format {format} on {rel} differs from detection ({}):\n  forced:   {}\n  detected: {}",
                auto["files"][0]["format"],
                counts(&forced),
                counts(&auto)
            ));
        }
        if u(&forced["totals"]["status_401"]) == 0 || u(&forced["totals"]["unparsed"]) != 0 {
            failures.push(format!(
                "--format {format} on {rel} found no 401 or unparsed lines: {}",
                forced["totals"]
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // every name clap accepts is exercised (har has its own tests)
    let names: Vec<&str> = BY_NAME.iter().map(|(f, _, _)| *f).collect();
    for f in [
        "combined",
        "common",
        "nginx",
        "apache",
        "caddy",
        "traefik",
        "envoy",
        "jsonl",
        "alb",
        "iis",
        "w3c",
        "cloudfront",
    ] {
        assert!(names.contains(&f), "--format {f} is not tried");
    }
}

#[test]
fn detection_names_the_format_of_every_log_fixture() {
    let ws = workspace();
    let fixtures = log_fixtures();
    let mut failures = Vec::new();
    for p in &fixtures {
        let name = name_of(p);
        let Some((_, want)) = DETECTED.iter().find(|(n, _)| *n == name) else {
            failures.push(format!(
                "{name}: add the format it should be detected as to DETECTED"
            ));
            continue;
        };
        std::fs::copy(p, ws.path().join(&name)).expect("copy");
        let s = summary(ws.path(), &[&name], 0);
        if s["files"][0]["format"] != json!(want) {
            failures.push(format!(
                "{name}: detected as {}, expected {want}",
                s["files"][0]["format"]
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn formats_that_need_a_description_say_which_flag() {
    let ws = workspace();
    let envoy = copy_fixture(ws.path(), "logs/envoy.jsonl");
    let nginx = copy_fixture(ws.path(), "logs/nginx-auth.log");
    for (args, flag) in [
        (
            vec!["analyze", "--format", "jsonl", &envoy],
            "--json-fields",
        ),
        (vec!["analyze", "--format", "nginx", &nginx], "--log-format"),
        (
            vec!["analyze", "--format", "apache", &nginx],
            "--log-format",
        ),
    ] {
        let r = authsift(ws.path(), &args);
        r.expect_code(2);
        assert!(
            r.stderr.contains(flag) && r.stderr.contains(args[3]),
            "{}: the message names the file and {flag}:\n{}",
            r.describe(),
            r.stderr
        );
    }
}

// ---------------------------------------------------------------- A.1 compression, stdin, directories

/// Plain, gzip and zstd content under one name give byte-identical outputs;
/// under misleading names (a `.zst` that is gzip, a `.gz` that is zstd, a
/// `.log` that is gzip) the same counts.
#[test]
fn gzip_and_zstd_are_found_by_their_magic_bytes() {
    let plain = content(&fixture("logs/access-combined.log"));
    let ws = workspace();
    let mut outs = Vec::new();
    for (sub, bytes) in [
        ("plain", plain.clone()),
        ("gzip", gzip(&plain)),
        ("zstd", zstd(&plain)),
    ] {
        let d = ws.path().join(sub);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("access.log"), &bytes).unwrap();
        let r = authsift(
            &d,
            &[
                "analyze",
                "--out",
                "out",
                "--events",
                "ev.csv",
                "access.log",
            ],
        );
        r.expect_code(0);
        let files = [
            "summary.json",
            "summary.csv",
            "credentials.csv",
            "clients.csv",
        ]
        .map(|f| std::fs::read(d.join("out").join(f)).expect("output written"));
        outs.push((sub, files, std::fs::read(d.join("ev.csv")).unwrap()));
    }
    for (sub, files, ev) in &outs[1..] {
        assert!(
            files == &outs[0].1 && ev == &outs[0].2,
            "{sub} content named access.log gives other outputs than the plain file"
        );
    }
    let want = counts(&summary(ws.path(), &["plain/access.log"], 0));
    assert_eq!(u(&want["status_401"]), 10);
    for (name, bytes) in [
        ("misnamed.zst", gzip(&plain)),
        ("misnamed.gz", zstd(&plain)),
        ("misnamed.log", gzip(&plain)),
        ("misnamed.txt", zstd(&plain)),
    ] {
        std::fs::write(ws.path().join(name), bytes).unwrap();
        let got = summary(ws.path(), &[name], 0);
        assert_eq!(counts(&got), want, "{name}");
        assert_eq!(got["files"][0]["format"], json!("combined"), "{name}");
    }
    // the bundled rotated fixtures are compressed too
    for rel in [
        "logs/access-combined.log.1.gz",
        "logs/access-combined.log.2.zst",
    ] {
        let name = copy_fixture(ws.path(), rel);
        let got = summary(ws.path(), &[&name], 0);
        assert_eq!(u(&got["totals"]["exchanges"]), 20, "{name}");
        assert_eq!(u(&got["totals"]["status_401"]), 10, "{name}");
    }
}

/// A gzip file cut short (a copy taken while logrotate compressed it): the
/// complete lines before the cut are analysed and the input is reported as
/// failed (exit 1). Small files too, whose whole content fits in the bytes
/// read for format detection.
#[test]
fn a_truncated_gzip_log_keeps_its_complete_lines_and_fails_the_input() {
    let plain = content(&fixture("logs/access-combined.log"));
    let ws = workspace();
    let mut failures = Vec::new();
    for copies in [400, 50] {
        let text = plain.repeat(copies);
        let mut gz = gzip(&text);
        gz.truncate(gz.len() * 2 / 3);
        std::fs::write(ws.path().join("cut.log.gz"), &gz).unwrap();
        let r = authsift(ws.path(), &["analyze", "--json", "cut.log.gz"]);
        r.expect_no_panic();
        let what = format!(
            "{} bytes of text cut to {} compressed bytes",
            text.len(),
            gz.len()
        );
        if !(r.stderr.contains("cut.log.gz") && r.stderr.contains("gzip")) {
            failures.push(format!(
                "{what}: the message names neither the file nor gzip: {}",
                r.stderr
            ));
        }
        if r.code != Some(1) {
            failures.push(format!(
                "{what}: exit code {:?}, expected 1 (lines analysed, input failed): {}",
                r.code, r.stderr
            ));
        }
        let s: Value = serde_json::from_slice(&r.stdout).unwrap_or(Value::Null);
        let exchanges = s["totals"]["exchanges"].as_u64().unwrap_or(0);
        let lines = (text.iter().filter(|&&b| b == b'\n').count()) as u64;
        if exchanges < lines / 3 {
            failures.push(format!(
                "{what}: only {exchanges} of about {} complete lines were analysed",
                lines / 2
            ));
        }
        if exchanges > 0 && r.stderr.contains("after 0 bytes") {
            failures.push(format!(
                "{what}: {exchanges} lines were read, yet the message says: {}",
                r.stderr.trim()
            ));
        }
        if s["totals"]["failed_inputs"] != json!(1) {
            failures.push(format!(
                "{what}: failed_inputs is {}",
                s["totals"]["failed_inputs"]
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn stdin_plain_gzip_and_zstd_logs_give_the_file_summary() {
    let ws = workspace();
    let name = copy_fixture(ws.path(), "logs/u_ex240603.log");
    let plain = std::fs::read(ws.path().join(&name)).unwrap();
    let want = summary(ws.path(), &[&name], 0);
    for (what, input) in [
        ("plain", plain.clone()),
        ("gzip", gzip(&plain)),
        ("zstd", zstd(&plain)),
    ] {
        let r = authsift_stdin(ws.path(), &["analyze", "--json", "-"], &input);
        r.expect_code(0);
        let got = r.json();
        assert_eq!(counts(&got), counts(&want), "stdin ({what})");
        assert_eq!(got["files"][0]["path"], json!("-"), "stdin ({what})");
        assert_eq!(got["files"][0]["format"], json!("iis"), "stdin ({what})");
    }
    // a format given by name applies to stdin too
    let combined = content(&fixture("logs/access-combined.log"));
    let r = authsift_stdin(
        ws.path(),
        &["analyze", "--json", "--format", "common", "-"],
        &gzip(&combined),
    );
    r.expect_code(0);
    assert_eq!(r.json()["files"][0]["format"], json!("common"));
    assert_eq!(u(&r.json()["totals"]["status_401"]), 10);
}

/// Every output an analysis of `input` (run in `dir`) writes: summary,
/// CSV files and events.
fn all_outputs(dir: &Path, input: &[&str], env: &[(&str, &str)]) -> Vec<(String, Vec<u8>)> {
    let out = dir.join("out");
    let _ = std::fs::remove_dir_all(&out);
    let mut args = vec!["analyze", "-q", "--out", "out", "--events", "out/ev.csv"];
    args.extend_from_slice(input);
    authsift_env(dir, &args, env).expect_code(0);
    let mut files: Vec<_> = std::fs::read_dir(&out)
        .expect("outputs written")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| (name_of(&p), std::fs::read(&p).expect("readable")))
        .collect()
}

/// The first output of `got` that differs from `want`, named.
fn first_difference(want: &[(String, Vec<u8>)], got: &[(String, Vec<u8>)]) -> Option<String> {
    let names = |o: &[(String, Vec<u8>)]| o.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    if names(want) != names(got) {
        return Some(format!("files {:?} against {:?}", names(want), names(got)));
    }
    want.iter()
        .zip(got)
        .find(|(a, b)| a.1 != b.1)
        .map(|(a, b)| {
            format!(
                "{}:\n  want: {}\n  got:  {}",
                a.0,
                String::from_utf8_lossy(&a.1)
                    .chars()
                    .take(600)
                    .collect::<String>(),
                String::from_utf8_lossy(&b.1)
                    .chars()
                    .take(600)
                    .collect::<String>()
            )
        })
}

/// A zstd skippable frame (the metadata pzstd and the seekable format write).
fn skippable_frame(payload: &[u8]) -> Vec<u8> {
    let mut v = 0x184D_2A50u32.to_le_bytes().to_vec();
    v.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    v.extend_from_slice(payload);
    v
}

/// A zstd log of several frames, cut anywhere (inside lines too), with an
/// empty frame and skippable frames among them (what pzstd, `cat a.zst
/// b.zst` and logs compressed in parts look like), is decompressed frame by
/// frame on several threads: its outputs are byte-identical to the plain
/// file's, with one thread and four, in the default and the reference
/// mode (where one decoder reads the frames in order).
#[test]
fn a_zstd_log_of_several_frames_gives_the_plain_files_outputs() {
    let plain = content(&fixture("sequence/api-history.jsonl")).repeat(420);
    assert!(
        plain.len() > 8 << 20,
        "more than one 8 MiB chunk of the analysis"
    );
    let ws = workspace();
    let mut framed = Vec::new();
    let cuts = [
        0,
        1,
        777_777,
        777_777,
        3_000_001,
        5_555_555,
        8_400_000,
        plain.len(),
    ];
    for (i, w) in cuts.windows(2).enumerate() {
        framed.extend(zstd::encode_all(&plain[w[0]..w[1]], 1).expect("zstd"));
        if i % 3 == 1 {
            framed.extend(skippable_frame(b"index of the frames"));
        }
    }
    for (sub, bytes) in [("plain", &plain), ("framed", &framed)] {
        let d = ws.path().join(sub);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("api.jsonl"), bytes).unwrap();
    }
    let want = all_outputs(&ws.path().join("plain"), &["api.jsonl"], &[]);
    let mut partials = Vec::new();
    for (threads, reference) in [("-j4", "0"), ("-j1", "0"), ("-j4", "1"), ("-j2", "0")] {
        let got = all_outputs(
            &ws.path().join("framed"),
            &[threads, "api.jsonl"],
            &[("AUTHSIFT_REFERENCE", reference)],
        );
        if let Some(d) = first_difference(&want, &got) {
            panic!("the zstd file of 7 frames at {threads}, reference {reference}: {d}");
        }
        // the partial summary (with the file's digest) too, whichever decoder
        // read it (-j1: one); not against the reference mode, whose partials
        // of a log longer than a chunk record other chunk offsets
        if reference == "1" {
            continue;
        }
        let partial = authsift_env(
            &ws.path().join("framed"),
            &["analyze", "-q", threads, "--partial", "-", "api.jsonl"],
            &[("AUTHSIFT_REFERENCE", reference)],
        );
        partial.expect_code(0);
        partials.push((threads, reference, partial.stdout));
    }
    for (threads, reference, p) in &partials[1..] {
        assert!(
            p == &partials[0].2,
            "the partial summary at {threads}, reference {reference} differs from the one at -j4 (frames decoded in parallel)"
        );
    }
    // a frame cut short (a copy taken while it was written): the frames
    // cannot be walked, the stream decoder reads what there is and the
    // input fails, named
    std::fs::write(
        ws.path().join("cut.jsonl.zst"),
        &framed[..framed.len() - 100],
    )
    .unwrap();
    let r = authsift(ws.path(), &["analyze", "--json", "-j4", "cut.jsonl.zst"]);
    r.expect_code(1);
    assert!(
        r.stderr.contains("cut.jsonl.zst") && r.stderr.contains("zstd"),
        "{}",
        r.stderr
    );
    assert!(
        u(&r.json()["totals"]["exchanges"]) > 0,
        "the frames before the cut are read"
    );
}

/// Several compressed logs at once (more files than threads; gzip, zstd
/// and plain side by side) give the outputs of the same logs uncompressed.
#[test]
fn several_compressed_logs_give_the_outputs_of_the_plain_ones() {
    let ws = workspace();
    let parts: Vec<(String, Vec<u8>)> = [
        "logs/access-combined.log",
        "sequence/api-history.jsonl",
        "sequence/handshakes.jsonl",
        "logs/caddy.jsonl",
        "logs/traefik.jsonl",
    ]
    .iter()
    .map(|rel| (rel.replace('/', "-"), content(&fixture(rel)).repeat(40)))
    .collect();
    let names: Vec<&str> = parts.iter().map(|(n, _)| n.as_str()).collect();
    let mut args_plain = vec!["-j2"];
    args_plain.extend(&names);
    let mut outs = Vec::new();
    for sub in ["plain", "compressed"] {
        let d = ws.path().join(sub);
        std::fs::create_dir_all(&d).unwrap();
        for (i, (name, bytes)) in parts.iter().enumerate() {
            let stored = match (sub, i % 3) {
                ("plain", _) | (_, 2) => bytes.clone(),
                (_, 0) => gzip(bytes),
                _ => zstd(bytes),
            };
            std::fs::write(d.join(name), stored).unwrap();
        }
        outs.push(all_outputs(&d, &args_plain, &[]));
    }
    if let Some(d) = first_difference(&outs[0], &outs[1]) {
        panic!("compressed logs analysed together: {d}");
    }
}

#[test]
fn a_directory_of_mixed_formats_is_read_file_by_file() {
    let ws = workspace();
    let root = ws.path().join("logs");
    let mut want_401 = 0;
    let mut want_records = 0;
    let mut n = 0;
    for (i, p) in std::fs::read_dir(fixture("logs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .enumerate()
    {
        let name = name_of(&p);
        if name.ends_with(".md") || name.starts_with('.') {
            continue;
        }
        // spread over nested folders
        let d = root.join(["", "a", "a/b"][i % 3]);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::copy(&p, d.join(&name)).unwrap();
        let (records, n401, _) = independent_count(&name, &content(&p));
        want_401 += n401;
        want_records += records;
        n += 1;
    }
    std::fs::write(root.join("a/README.txt"), "rotated nightly by logrotate\n").unwrap();
    let r = authsift(ws.path(), &["analyze", "--json", "logs"]);
    r.expect_code(0);
    let s = r.json();
    assert_eq!(u(&s["totals"]["inputs"]), n, "{}", s["files"]);
    assert_eq!(u(&s["totals"]["status_401"]), want_401);
    assert_eq!(
        u(&s["totals"]["exchanges"]) + u(&s["totals"]["unparsed"]),
        want_records
    );
    for f in s["files"].as_array().unwrap() {
        let path = f["path"].as_str().unwrap();
        let name = path.rsplit('/').next().unwrap();
        let want = DETECTED.iter().find(|(n, _)| *n == name).map(|(_, f)| *f);
        if name == "README.txt" {
            // listed with the reason it was passed over, not a failure
            assert_eq!(f["skipped"], json!("not a recognised format"), "{path}");
            assert_eq!(u(&s["totals"]["skipped_inputs"]), 1);
        } else {
            assert_eq!(f["format"].as_str(), want, "{path}");
            assert!(f["skipped"].is_null(), "{path}");
        }
        assert!(f["error"].is_null(), "{path}: {}", f["error"]);
    }
    assert!(
        r.stderr.contains("README.txt") && r.stderr.contains("skipped"),
        "a file in no known format is skipped with a note: {}",
        r.stderr
    );
}

#[test]
fn several_files_at_once_add_up() {
    let ws = workspace();
    let names: Vec<String> = [
        "logs/access-combined.log",
        "logs/alb.log",
        "logs/caddy.jsonl",
        "logs/u_ex240603.log",
        "logs/garbage-mixed.log",
    ]
    .iter()
    .map(|r| copy_fixture(ws.path(), r))
    .collect();
    let mut want = BTreeMap::<String, u64>::new();
    let mut causes = BTreeMap::<String, u64>::new();
    let mut rows = BTreeMap::new();
    for n in &names {
        let s = summary(ws.path(), &[n], 0);
        for k in ["exchanges", "status_401", "unparsed", "degraded", "bytes"] {
            *want.entry(k.into()).or_default() += u(&s["totals"][k]);
        }
        for (id, c) in causes_of(&s) {
            *causes.entry(id).or_default() += c;
        }
        rows.insert(n.clone(), s["files"][0].clone());
    }
    let mut args: Vec<&str> = names.iter().map(String::as_str).collect();
    args.insert(0, "-j2");
    let all = summary(ws.path(), &args, 0);
    for (k, v) in &want {
        assert_eq!(u(&all["totals"][k.as_str()]), *v, "totals.{k}");
    }
    assert_eq!(u(&all["totals"]["inputs"]), names.len() as u64);
    let got: BTreeMap<String, u64> = causes_of(&all).into_iter().collect();
    assert_eq!(got, causes);
    for f in all["files"].as_array().unwrap() {
        assert_eq!(
            Some(f),
            rows.get(f["path"].as_str().unwrap()),
            "a file's row does not depend on its company"
        );
    }
}

// ---------------------------------------------------------------- A.2 nothing lost

#[test]
fn unparsed_lines_are_counted_and_reported_by_line_number_without_their_content() {
    let ws = workspace();
    let name = copy_fixture(ws.path(), "logs/garbage-mixed.log");
    let text = String::from_utf8(content(&ws.path().join(&name))).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    // independent rule: a record starts with an IPv4 address and " - ", and
    // its quoted request is followed by a three-digit status
    let is_record = |l: &str| {
        let addr_ok = l.split_once(' ').is_some_and(|(a, rest)| {
            rest.starts_with("- ")
                && a.split('.').count() == 4
                && a.split('.').all(|p| p.parse::<u8>().is_ok())
        });
        let status_ok = l
            .split('"')
            .nth(2)
            .and_then(|r| r.split_whitespace().next())
            .is_some_and(|st| st.len() == 3 && st.bytes().all(|b| b.is_ascii_digit()));
        addr_ok && status_ok
    };
    let bad: Vec<u64> = (1..=lines.len() as u64)
        .filter(|i| !is_record(lines[*i as usize - 1]))
        .collect();
    assert_eq!(bad, vec![3, 6, 8, 10, 12, 14], "the fixture changed");

    let r = authsift(ws.path(), &["analyze", "--json", &name]);
    r.expect_code(0);
    let s = r.json();
    assert_eq!(
        u(&s["totals"]["exchanges"]) + u(&s["totals"]["unparsed"]),
        lines.len() as u64,
        "every line is counted"
    );
    assert_eq!(u(&s["totals"]["unparsed"]), bad.len() as u64);
    let positions: Vec<u64> = s["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            assert_eq!(p["file"], json!(name));
            u(&p["position"])
        })
        .collect();
    assert_eq!(positions, bad, "problems name 1-based line numbers");
    assert!(
        r.stderr.contains(&name)
            && r.stderr.contains("6 of 16")
            && r.stderr.contains("combined")
            && r.stderr.contains("at line 3"),
        "stderr says how many, of how many, in which format, and the first line: {}",
        r.stderr
    );
    // no content of a bad line in any message (the fixes and advice are
    // authsift's own words, such as "password")
    let mut own = s.clone();
    for p in own["patterns"].as_array_mut().unwrap() {
        p.as_object_mut().unwrap().remove("fix");
    }
    for f in own["files"].as_array_mut().unwrap() {
        f.as_object_mut().unwrap().remove("advice");
    }
    let all_text = format!("{}\n{}", r.stderr, own);
    for b in &bad {
        let line = lines[*b as usize - 1];
        for word in line.split(|c: char| c.is_whitespace() || c == '"' || c == '=') {
            if word.len() >= 8
                && !text
                    .lines()
                    .filter(|l| is_record(l))
                    .any(|g| g.contains(word))
            {
                assert!(
                    !all_text.contains(word),
                    "the content of line {b} ({word:?}) shows in the output:\n{all_text}"
                );
            }
        }
    }
    // --quiet keeps stderr clean; --strict fails the run but still writes the summary
    let r = authsift(ws.path(), &["analyze", "--json", "--quiet", &name]);
    r.expect_code(0);
    assert!(r.stderr.trim().is_empty(), "{}", r.stderr);
    let r = authsift(ws.path(), &["analyze", "--json", "--strict", &name]);
    r.expect_code(3);
    assert_eq!(u(&r.json()["totals"]["unparsed"]), 6);
    let clean = copy_fixture(ws.path(), "logs/access-combined.log");
    authsift(ws.path(), &["analyze", "--strict", &clean]).expect_code(0);
}

/// More unparsed lines than the summary keeps examples of, spread over a
/// log large enough to be cut into chunks: every one is counted, and the
/// examples are the first ones by line number, whatever the thread count.
#[test]
fn the_first_unparsed_lines_are_reported_across_chunks() {
    let chunk = authsift::logs::CHUNK_BYTES;
    let good = "198.51.100.7 - - [04/Jun/2024:10:00:00 +0000] \"GET /static/app.css HTTP/1.1\" 200 512 \"-\" \"filler/1.0 (compatible; generated)\"\n";
    let mut text = String::new();
    let mut lines = 0u64;
    let mut bad = Vec::new();
    // 10 bad lines in the first chunk, 15 in the third: 25 in all
    while text.len() < 2 * chunk + chunk / 2 {
        lines += 1;
        let in_first = text.len() < chunk / 2 && lines.is_multiple_of(1000) && bad.len() < 10;
        let in_third = text.len() > 2 * chunk + 1000 && lines.is_multiple_of(500) && bad.len() < 25;
        if in_first || in_third {
            text.push_str("<<not a record>>\n");
            bad.push(lines);
        } else {
            text.push_str(good);
        }
    }
    assert_eq!(bad.len(), 25);
    let ws = workspace();
    std::fs::write(ws.path().join("big.log"), &text).unwrap();
    for threads in ["1", "3"] {
        let r = authsift(ws.path(), &["analyze", "--json", "-j", threads, "big.log"]);
        r.expect_code(0);
        let s = r.json();
        assert_eq!(u(&s["totals"]["unparsed"]), 25, "-j{threads}");
        assert_eq!(u(&s["totals"]["exchanges"]) + 25, lines, "-j{threads}");
        let positions: Vec<u64> = s["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| u(&p["position"]))
            .collect();
        assert_eq!(
            positions,
            bad[..20].to_vec(),
            "-j{threads}: the first 20, in order"
        );
        assert!(
            r.stderr.contains("25 of") && r.stderr.contains(&format!("at line {}", bad[0])),
            "-j{threads}: {}",
            r.stderr
        );
    }
}

#[test]
fn a_file_where_most_lines_fail_fails_with_the_format_it_tried() {
    let ws = workspace();
    let iis = copy_fixture(ws.path(), "logs/u_ex240603.log");
    let combined = copy_fixture(ws.path(), "logs/access-combined.log");
    for (format, file) in [("combined", &iis), ("alb", &combined), ("caddy", &combined)] {
        let r = authsift(ws.path(), &["analyze", "--json", "--format", format, file]);
        // a dashboard must not read "no 401s" from an input nothing understood
        r.expect_code(1);
        let failure = r
            .stderr
            .lines()
            .find(|l| l.contains("most records could not be parsed"))
            .unwrap_or_else(|| panic!("no failure for --format {format} on {file}: {}", r.stderr));
        assert!(
            failure.contains(format) && failure.contains(file.as_str()),
            "the failure names the file and the format: {failure}"
        );
        let s = r.json();
        assert_eq!(u(&s["totals"]["failed_inputs"]), 1);
        assert!(s["files"][0]["error"].as_str().unwrap().contains(format));
    }
    // a file where a few lines fail does not fail
    let g = copy_fixture(ws.path(), "logs/garbage-mixed.log");
    let r = authsift(ws.path(), &["analyze", "--json", &g]);
    r.expect_code(0);
    assert!(!r.stderr.contains("most records"), "{}", r.stderr);
}

#[test]
fn a_record_with_an_unreadable_time_still_counts_and_its_401_too() {
    let ws = workspace();
    let name = copy_fixture(ws.path(), "logs/bad-timestamps.log");
    let r = authsift(
        ws.path(),
        &["analyze", "--json", "--events", "ev.csv", &name],
    );
    r.expect_code(0);
    let s = r.json();
    assert_eq!(u(&s["totals"]["exchanges"]), 7);
    assert_eq!(u(&s["totals"]["unparsed"]), 0);
    // line 6 (a 200 without a credential) is only counted, not read in full
    assert_eq!(u(&s["totals"]["degraded"]), 2);
    assert_eq!(u(&s["totals"]["status_401"]), 4);
    let problems: Vec<(u64, String)> = s["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (u(&p["position"]), p["message"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(problems.iter().map(|p| p.0).collect::<Vec<_>>(), vec![4, 5]);
    assert!(
        problems.iter().all(|(_, m)| m.contains("time")),
        "{problems:?}"
    );
    let ev = events_csv(&ws.path().join("ev.csv"));
    assert_eq!(ev.len(), 4);
    for rec in [4, 5] {
        let e = event_at(&ev, rec);
        assert_eq!(e["time"], "", "record {rec} has no readable time");
    }
    assert_eq!(event_at(&ev, 4)["cause"], "invalid_credentials");
    assert_eq!(event_at(&ev, 7)["time"], "2024-06-04T11:00:06.000Z");
    // --strict covers degraded records too (exit 3)
    authsift(ws.path(), &["analyze", "--strict", &name]).expect_code(3);
}

#[test]
fn crlf_invalid_utf8_and_a_missing_final_newline_lose_nothing() {
    let ws = workspace();
    let name = copy_fixture(ws.path(), "logs/crlf-latin1-no-eol.log");
    let raw = std::fs::read(ws.path().join(&name)).unwrap();
    assert!(std::str::from_utf8(&raw).is_err() && !raw.ends_with(b"\n"));
    for (label, args) in [
        (
            "file",
            vec!["analyze", "--json", "--events", "ev.csv", &name],
        ),
        (
            "gzip stdin",
            vec!["analyze", "--json", "--events", "ev.csv", "-"],
        ),
    ] {
        let r = if label == "file" {
            authsift(ws.path(), &args)
        } else {
            authsift_stdin(ws.path(), &args, &gzip(&raw))
        };
        r.expect_code(0);
        let s = r.json();
        assert_eq!(u(&s["totals"]["exchanges"]), 5, "{label}");
        assert_eq!(
            u(&s["totals"]["status_401"]),
            4,
            "{label}: the last line counts"
        );
        assert_eq!(u(&s["totals"]["unparsed"]), 0, "{label}");
        let ev = events_csv(&ws.path().join("ev.csv"));
        assert_eq!(ev.len(), 4, "{label}");
        let e = event_at(&ev, 2);
        assert!(
            e["target"].starts_with("/caf\u{FFFD}/men\u{FFFD}"),
            "{label}: bytes that are not UTF-8 become replacement characters: {e:?}"
        );
        assert_eq!(e["user_agent"], "Navegador/1.0 (Espa\u{FFFD}a)", "{label}");
        assert_eq!(event_at(&ev, 4)["cause"], "invalid_credentials", "{label}");
        assert_eq!(
            event_at(&ev, 5)["target"],
            "/last-line-without-newline",
            "{label}"
        );
        let all = std::fs::read_to_string(ws.path().join("ev.csv")).unwrap() + &r.stdout_text();
        assert!(
            !all.contains('\r'),
            "{label}: a CR of a CRLF line end leaked"
        );
    }
}

/// Builds a combined line with a query of `len` bytes.
fn long_line(len: usize) -> String {
    format!(
        "203.0.113.47 - - [03/Jun/2024:10:00:06 +0000] \"GET /search?q={} HTTP/1.1\" 401 12 \"-\" \"curl/8.7.1\"",
        "a".repeat(len)
    )
}

#[test]
fn very_long_lines_are_records_like_any_other() {
    let head = content(&fixture("logs/access-combined.log"));
    let head = String::from_utf8(head).unwrap();
    let first: Vec<&str> = head.lines().take(3).collect();
    let last: Vec<&str> = head.lines().skip(3).take(2).collect();
    let ws = workspace();
    // 2 MB, and one longer than a chunk (the parallel reader's unit)
    for len in [2 << 20, authsift::logs::CHUNK_BYTES + (1 << 20)] {
        let text = format!(
            "{}\n{}\n{}\n",
            first.join("\n"),
            long_line(len),
            last.join("\n")
        );
        std::fs::write(ws.path().join("long.log"), &text).unwrap();
        let r = authsift(
            ws.path(),
            &["analyze", "--json", "--events", "ev.csv", "long.log"],
        );
        r.expect_code(0);
        let s = r.json();
        assert_eq!(u(&s["totals"]["exchanges"]), 6, "line of {len} bytes");
        assert_eq!(u(&s["totals"]["unparsed"]), 0, "line of {len} bytes");
        assert_eq!(u(&s["totals"]["status_401"]), 4, "line of {len} bytes");
        let ev = events_csv(&ws.path().join("ev.csv"));
        assert!(
            event_at(&ev, 4)["target"].starts_with("/search?q=aaaa"),
            "line of {len} bytes"
        );
        assert_eq!(event_at(&ev, 6)["record"], "6");
        let r = authsift_stdin(
            ws.path(),
            &["analyze", "--json", "-"],
            &gzip(text.as_bytes()),
        );
        r.expect_code(0);
        assert_eq!(
            counts(&r.json()),
            counts(&s),
            "line of {len} bytes on stdin"
        );
    }
}

#[test]
fn an_empty_log_is_not_an_error() {
    let ws = workspace();
    std::fs::write(ws.path().join("access.log"), b"").unwrap();
    let s = summary(ws.path(), &["--format", "combined", "access.log"], 0);
    assert_eq!(u(&s["totals"]["exchanges"]), 0);
    assert!(s["files"][0]["error"].is_null());
    let r = authsift_stdin(
        ws.path(),
        &["analyze", "--json", "--format", "combined", "-"],
        b"",
    );
    r.expect_code(0);
    // logrotate leaves an empty access.log next to yesterday's: the run is fine
    let old = copy_fixture(ws.path(), "logs/access-combined.log");
    let alone = summary(ws.path(), &[&old], 0);
    let r = authsift(ws.path(), &["analyze", "--json", &old, "access.log"]);
    assert_eq!(
        r.code,
        Some(0),
        "an empty access.log next to a good one fails the run:\n{}",
        r.stderr
    );
    let s = r.json();
    assert_eq!(counts(&s), counts(&alone));
    assert!(
        !r.stderr.contains("not recognised"),
        "an empty file is not in an unknown format: {}",
        r.stderr
    );
}

#[test]
fn a_log_in_no_known_format_is_a_clear_error() {
    let ws = workspace();
    std::fs::write(
        ws.path().join("app.log"),
        "2024-06-04 10:00:01,123 INFO  [http-nio-8080-exec-1] c.e.AuthFilter - 401 for /v1/me\n\
         2024-06-04 10:00:02,456 WARN  [http-nio-8080-exec-2] c.e.AuthFilter - token rejected\n",
    )
    .unwrap();
    let check = |r: &Run| {
        r.expect_code(2);
        for f in [
            "combined",
            "common",
            "nginx",
            "apache",
            "caddy",
            "traefik",
            "envoy",
            "jsonl",
            "alb",
            "iis",
            "w3c",
            "cloudfront",
        ] {
            assert!(
                r.stderr.contains(f),
                "the message lists the format {f}: {}",
                r.stderr
            );
        }
        assert!(r.stderr.contains("--format"), "{}", r.stderr);
    };
    let r = authsift(ws.path(), &["analyze", "app.log"]);
    check(&r);
    assert!(r.stderr.contains("app.log"), "{}", r.stderr);
    let bytes = std::fs::read(ws.path().join("app.log")).unwrap();
    check(&authsift_stdin(ws.path(), &["analyze", "-"], &bytes));
}

// ---------------------------------------------------------------- A.3 independent counts

/// Is the first word after a line's quoted request (the second quoted
/// part: `awk -F'"' '{split($3, f, " ")} f[1] == 401'`) 401?
fn status_after_request_is_401(l: &str) -> bool {
    let after_request = l.split('"').nth(2).unwrap_or("");
    after_request.split_whitespace().next() == Some("401")
}

/// Counts records and 401s of a log without the tool: returns (records,
/// 401s, the rule used). Records are the lines that are not empty (and not
/// `#` directives in W3C logs); a CR before the line end is dropped.
fn independent_count(name: &str, bytes: &[u8]) -> (u64, u64, &'static str) {
    let text = String::from_utf8_lossy(bytes);
    let lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let (mut records, mut n401) = (0, 0);
    let json_key = if name.starts_with("traefik") {
        Some("DownstreamStatus")
    } else if name.starts_with("envoy") {
        Some("response_code")
    } else if name.ends_with(".jsonl") {
        Some("status") // Caddy
    } else {
        None
    };
    if let Some(key) = json_key {
        for l in lines.filter(|l| !l.is_empty()) {
            records += 1;
            let v: Value = serde_json::from_str(l).unwrap_or(Value::Null);
            n401 += u64::from(v[key] == json!(401) || v[key] == json!("401"));
        }
        let rule = match key {
            "DownstreamStatus" => "jq 'select(.DownstreamStatus == 401)'",
            "response_code" => "jq 'select(.response_code == 401)'",
            _ => "jq 'select(.status == 401)'",
        };
        return (records, n401, rule);
    }
    if name.starts_with("gin") {
        // Gin: `[GIN] time | status | …`; its own lines start otherwise
        for l in lines.filter(|l| l.starts_with("[GIN] ")) {
            records += 1;
            n401 += u64::from(l.split('|').nth(1).map(str::trim) == Some("401"));
        }
        return (records, n401, "grep '^\\[GIN\\] ' | awk -F'|' '$2 == 401'");
    }
    if name.starts_with("morgan") {
        // morgan: the status is the fifth word from the end (`dev` after
        // its colour codes are taken off: sed 's/\x1b\[[0-9;]*m//g')
        for l in lines.filter(|l| !l.is_empty()) {
            records += 1;
            let mut plain = String::new();
            for (i, part) in l.split('\x1b').enumerate() {
                let text = if i == 0 {
                    part
                } else {
                    part.split_once('m').map_or(part, |(_, t)| t)
                };
                plain.push_str(text);
            }
            let w: Vec<&str> = plain.split_whitespace().collect();
            n401 += u64::from(w.len() >= 5 && w[w.len() - 5] == "401");
        }
        return (
            records,
            n401,
            "sed 's/\\x1b\\[[0-9;]*m//g' | awk '$(NF-4) == 401'",
        );
    }
    if name.starts_with("chi") {
        // chi: `… from client - status size in time`
        for l in lines.filter(|l| !l.is_empty()) {
            records += 1;
            let after = l.rsplit(" - ").next().unwrap_or("");
            n401 += u64::from(after.split_whitespace().next() == Some("401"));
        }
        return (
            records,
            n401,
            "awk -F' - ' '{split($NF, f, \" \")} f[1] == 401'",
        );
    }
    if name.starts_with("django") {
        // the django.server lines: `[time] "request" status size`
        for l in lines.filter(|l| l.starts_with('[')) {
            records += 1;
            n401 += u64::from(status_after_request_is_401(l));
        }
        return (
            records,
            n401,
            "grep '^\\[' | awk -F'\"' '{split($3, f, \" \")} f[1] == 401'",
        );
    }
    if name.starts_with("u_ex") || name.starts_with("cloudfront") {
        // W3C: the sc-status column of the #Fields block in effect
        let mut col = None;
        for l in lines {
            if let Some(f) = l.strip_prefix("#Fields:") {
                col = f.split_whitespace().position(|c| c == "sc-status");
                continue;
            }
            if l.is_empty() || l.starts_with('#') {
                continue;
            }
            records += 1;
            let sep = if l.contains('\t') { '\t' } else { ' ' };
            n401 += u64::from(col.is_some_and(|c| l.split(sep).nth(c) == Some("401")));
        }
        return (
            records,
            n401,
            "awk '!/^#/ && $N == 401' with N the sc-status column of the #Fields block in effect (-F'\\t' for CloudFront)",
        );
    }
    if name.starts_with("s3") {
        // the status is the first word after the quoted Request-URI; S3's
        // own operations (`S3.EXPIRE.OBJECT … - - -`) have no request
        for l in lines.filter(|l| !l.is_empty()) {
            // the tenth space-separated field (the time holds a space)
            if !l.split(' ').nth(9).is_some_and(|r| r.starts_with('"')) {
                continue;
            }
            records += 1;
            n401 += u64::from(status_after_request_is_401(l));
        }
        return (
            records,
            n401,
            "awk '$10 ~ /^\"/' | awk -F'\"' '{split($3, f, \" \")} f[1] == 401' (lines with a quoted request)",
        );
    }
    if name.starts_with("gorouter") {
        // the router's lines (`[RTR/n]` in cf logs): the status follows the
        // quoted request
        for l in lines.filter(|l| l.contains(" [RTR/")) {
            records += 1;
            n401 += u64::from(status_after_request_is_401(l));
        }
        return (
            records,
            n401,
            "grep ' \\[RTR/' | awk -F'\"' '{split($3, f, \" \")} f[1] == 401'",
        );
    }
    if name.starts_with("uwsgi") {
        for l in lines.filter(|l| l.starts_with("[pid: ")) {
            records += 1;
            n401 += u64::from(l.contains(" 401) "));
        }
        return (records, n401, "grep '^\\[pid: ' | grep -c ' 401) '");
    }
    if name.starts_with("npm") {
        // `[time] cache upstream_status status - …`: the fifth word (the
        // time holds a space)
        for l in lines.filter(|l| !l.is_empty()) {
            records += 1;
            n401 += u64::from(l.split_whitespace().nth(4) == Some("401"));
        }
        return (records, n401, "awk '$5 == 401' ($status)");
    }
    if name.starts_with("heroku") {
        for l in lines.filter(|l| l.contains(" heroku[router]: ")) {
            records += 1;
            n401 += u64::from(l.contains(" status=401 "));
        }
        return (
            records,
            n401,
            "grep ' heroku\\[router\\]: ' | grep -c ' status=401 '",
        );
    }
    if name.starts_with("elb") {
        // a Classic Load Balancer: elb_status_code is the eighth field; a
        // TCP listener's line has no HTTP request
        for l in lines.filter(|l| !l.is_empty() && !l.contains("\"- - - \"")) {
            records += 1;
            n401 += u64::from(l.split_whitespace().nth(7) == Some("401"));
        }
        return (
            records,
            n401,
            "grep -v '\"- - - \"' | awk '$8 == 401' (elb_status_code)",
        );
    }
    if name.starts_with("alb") {
        for l in lines.filter(|l| !l.is_empty()) {
            records += 1;
            n401 += u64::from(l.split_whitespace().nth(8) == Some("401"));
        }
        return (records, n401, "awk '$9 == 401' (elb_status_code)");
    }
    // combined, common, and nginx/apache templates that start like them:
    // the first word after the quoted request
    for l in lines.filter(|l| !l.is_empty()) {
        records += 1;
        n401 += u64::from(status_after_request_is_401(l));
    }
    (
        records,
        n401,
        "awk -F'\"' '{split($3, f, \" \")} f[1] == 401'",
    )
}

#[test]
fn every_log_fixture_has_the_401s_an_independent_count_finds() {
    let ws = workspace();
    let mut failures = Vec::new();
    let mut checked = 0;
    for p in log_fixtures() {
        let name = name_of(&p);
        let (records, n401, rule) = independent_count(&name, &content(&p));
        std::fs::copy(&p, ws.path().join(&name)).unwrap();
        let extra = args_of(&name);
        let mut args: Vec<&str> = vec!["analyze", "--json", "--events", "ev.ndjson"];
        args.extend(extra.iter().map(String::as_str));
        args.push(&name);
        let r = authsift(ws.path(), &args);
        r.expect_no_panic();
        let s = r.json();
        let events = std::fs::read_to_string(ws.path().join("ev.ndjson")).unwrap();
        let n_events = events.lines().filter(|l| !l.trim().is_empty()).count() as u64;
        let seen = u(&s["totals"]["exchanges"]) + u(&s["totals"]["unparsed"]);
        let want_expected = expected_of(&name).map(|e| u(&e["totals"]["status_401"]));
        let got = u(&s["totals"]["status_401"]);
        if got != n401
            || n_events != n401
            || seen != records
            || want_expected.is_some_and(|w| w != n401)
        {
            failures.push(format!(
                "{name}: {rule} counts {n401} 401s in {records} records; authsift counts {got} 401s \
                 ({n_events} events) in {seen} records; the expected file says {want_expected:?}"
            ));
        }
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} log fixtures found");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ---------------------------------------------------------------- A.4 IIS

#[test]
fn iis_fields_restart_midway_and_substatus_evidence_shows_in_events() {
    let ws = workspace();
    let name = copy_fixture(ws.path(), "logs/u_ex240604.log");
    let r = authsift(
        ws.path(),
        &["analyze", "--json", "--events", "ev.csv", &name],
    );
    r.expect_code(0);
    let s = r.json();
    assert_eq!(u(&s["totals"]["unparsed"]), 0);
    assert_eq!(u(&s["totals"]["status_401"]), 9);
    let ev = events_csv(&ws.path().join("ev.csv"));
    // the second block (time first, sc-status third) is read with its own layout
    let e = event_at(&ev, 17);
    assert_eq!(
        (
            e["time"].as_str(),
            e["target"].as_str(),
            e["client"].as_str(),
            e["host"].as_str()
        ),
        (
            "2024-06-04T09:30:10.000Z",
            "/sites/b/list.aspx",
            "10.8.0.5",
            "intranet.iis.example.com"
        )
    );
    assert_eq!(e["status_detail"], "401.2.5");
    assert_eq!(e["cause"], "missing_credentials");
    assert_eq!(e["evidence_kind"], "server_message");
    assert!(
        e["evidence_detail"].contains("401.2"),
        "401.2 is named in the evidence: {e:?}"
    );
    for rec in [8, 18] {
        let e = event_at(&ev, rec);
        assert_eq!(e["status_detail"], "401.1.1326", "record {rec}");
        assert_eq!(e["cause"], "invalid_credentials", "record {rec}");
        assert!(
            e["evidence_detail"].contains("401.1") && e["evidence_detail"].contains("1326"),
            "record {rec}: {e:?}"
        );
    }
    // both blocks hold a completed Windows-authentication handshake
    for (rec, detail) in [
        (5, "401.2.5"),
        (6, "401.1.2148074254"),
        (14, "401.2.5"),
        (15, "401.1.2148074254"),
    ] {
        let e = event_at(&ev, rec);
        assert_eq!(e["cause"], "challenge_handshake", "record {rec}: {e:?}");
        assert_eq!(e["status_detail"], detail, "record {rec}");
    }
    assert_eq!(event_at(&ev, 19)["cause"], "placeholder_credentials");
    assert_eq!(event_at(&ev, 19)["host"], "api.iis.example.com");
}

/// An IIS log large enough to be cut into several chunks, whose `#Fields:`
/// block changes in the second chunk: the third chunk has no directive of
/// its own and must use the layout in effect.
#[test]
fn a_fields_restart_is_followed_across_chunks() {
    let chunk = authsift::logs::CHUNK_BYTES;
    let a = "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) cs-host sc-status sc-substatus sc-win32-status sc-bytes cs-bytes time-taken";
    let b = "#Fields: time date sc-status sc-substatus sc-win32-status c-ip cs-username cs-method cs-uri-stem cs-uri-query cs(User-Agent) cs-host time-taken";
    let mut text = String::from("#Software: Microsoft Internet Information Services 10.0\n");
    text.push_str(a);
    text.push('\n');
    let mut i = 0u64;
    let mut want_401 = 0;
    let mut restarted = false;
    while text.len() < 2 * chunk + chunk / 2 {
        i += 1;
        let s = 1000 + i / 50;
        let t = format!("{:02}:{:02}:{:02}", s / 3600 % 24, s / 60 % 60, s % 60);
        let status = if i.is_multiple_of(97) { 401 } else { 200 };
        want_401 += u64::from(status == 401);
        if !restarted && text.len() > chunk + chunk / 4 {
            text.push_str("#Date: 2024-06-04 10:00:00\n");
            text.push_str(b);
            text.push('\n');
            restarted = true;
        }
        if restarted {
            text.push_str(&format!(
                "{t} 2024-06-04 {status} 0 0 10.7.{}.{} - GET /app/page{} - Mozilla/5.0+(compatible) app.iis.example.com 5\n",
                i % 200,
                i % 250,
                i % 1000
            ));
        } else {
            text.push_str(&format!(
                "2024-06-04 {t} 10.0.0.1 GET /app/page{} - 443 - 10.7.{}.{} Mozilla/5.0+(compatible) - app.iis.example.com {status} 0 0 512 300 5\n",
                i % 1000,
                i % 200,
                i % 250
            ));
        }
    }
    let ws = workspace();
    std::fs::write(ws.path().join("u_ex_big.log"), &text).unwrap();
    std::fs::create_dir(ws.path().join("gz")).unwrap();
    std::fs::write(ws.path().join("gz/u_ex_big.log"), gzip(text.as_bytes())).unwrap();
    let (records, n401, _) = independent_count("u_ex_big.log", text.as_bytes());
    assert_eq!(n401, want_401);
    for (dir, threads) in [("", "1"), ("", "4"), ("gz", "3")] {
        let d = ws.path().join(dir);
        let s = summary(&d, &["-j", threads, "u_ex_big.log"], 0);
        assert_eq!(u(&s["totals"]["unparsed"]), 0, "{dir} -j{threads}");
        assert_eq!(u(&s["totals"]["exchanges"]), records, "{dir} -j{threads}");
        assert_eq!(u(&s["totals"]["status_401"]), n401, "{dir} -j{threads}");
        assert_eq!(
            u(&s["totals"]["degraded"]),
            0,
            "{dir} -j{threads}: times read with the wrong layout"
        );
    }
}

/// Traefik keeps the request headers it is told to as `request_<Name>`
/// members: a cookie or a token header there is a credential sent (with
/// its value hidden when Traefik redacts it), read alike by the head of a
/// success and by the full parse.
#[test]
fn traefik_request_cookies_and_token_headers_are_credentials() {
    let ws = workspace();
    let line = |client: u32, status: u16, member: &str| {
        format!(
            r#"{{"ClientHost":"10.1.2.{client}","DownstreamStatus":{status},"RequestHost":"api.example.com","RequestMethod":"GET","RequestPath":"/v1/me/{client}","StartUTC":"2024-05-02T08:00:0{client}Z","request_User-Agent":"probe/1.0"{member}}}"#
        )
    };
    let text = [
        line(1, 401, r#","request_Cookie":"sessionid=q8Zr41VmXc07LpTe""#),
        line(2, 401, r#","request_X-Auth-Token":"xat_73hd92kf02mz55qa""#),
        line(3, 401, r#","request_Cookie":"REDACTED""#),
        line(4, 200, r#","request_X-Auth-Token":"xat_73hd92kf02mz55qa""#),
        line(5, 401, ""),
    ]
    .join("\n");
    std::fs::write(ws.path().join("t.log"), text).unwrap();
    let mut all = Vec::new();
    for env in [vec![], vec![("AUTHSIFT_REFERENCE", "1")]] {
        let r = authsift_env(
            ws.path(),
            &[
                "analyze", "--json", "-f", "traefik", "t.log", "--events", "e.ndjson",
            ],
            &env,
        );
        r.expect_code(0);
        let events = std::fs::read_to_string(ws.path().join("e.ndjson")).unwrap();
        assert!(!events.contains("q8Zr41Vm") && !events.contains("73hd92kf"));
        assert!(!r.stdout_text().contains("q8Zr41Vm") && !r.stdout_text().contains("73hd92kf"));
        let ev: Vec<Value> = events
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let said: Vec<(String, String)> = ev
            .iter()
            .map(|e| {
                (
                    e["cause"].as_str().unwrap().to_string(),
                    e["evidence_detail"].as_str().unwrap().to_lowercase(),
                )
            })
            .collect();
        assert_eq!(said.len(), 4);
        assert!(
            said[0].1.contains("cookie") && said[0].0 != "unknown",
            "{said:?}"
        );
        assert!(
            said[1].1.contains("x-auth-token") && said[1].0 != "unknown",
            "{said:?}"
        );
        assert!(said[2].1.contains("cookie"), "{said:?}");
        assert!(!said[3].1.contains("cookie"), "{said:?}");
        // the token that failed and then worked has one fingerprint
        assert!(ev[1]["credential"].is_string(), "{:?}", ev[1]);
        all.push((r.stdout_text(), events));
    }
    assert_eq!(all[0], all[1], "default and reference modes");
}

// ------------------------------------------- platform and storage access logs

/// The problems of the first file of a summary, as (position, message).
fn problems_of(s: &Value) -> Vec<(u64, String)> {
    s["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                u(&p["position"]),
                p["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Amazon S3's server access log is read without `--format`: only 401s are
/// 401s (a 403 AccessDenied is an exchange), the error code decides the
/// cause, the host is the Host header, the method and target come from the
/// Request-URI, an older line without the trailing fields still counts,
/// and S3's own lifecycle operations are a note, not unparsed lines. The
/// presigned URL's signature and the session token never leave.
#[test]
fn s3_server_access_log_error_codes_decide_the_cause() {
    let ws = workspace();
    let name = copy_fixture(ws.path(), "logs/s3-access.log");
    let r = authsift(
        ws.path(),
        &["analyze", "--json", "--events", "ev.csv", &name],
    );
    r.expect_code(0);
    let s = r.json();
    assert_eq!(s["files"][0]["format"], "s3");
    assert_eq!(
        (
            u(&s["totals"]["exchanges"]),
            u(&s["totals"]["status_401"]),
            u(&s["totals"]["unparsed"])
        ),
        (8, 4, 0)
    );
    let ev = events_csv(&ws.path().join("ev.csv"));
    let got: Vec<(&str, &str, &str)> = ev
        .iter()
        .map(|e| {
            (
                e["record"].as_str(),
                e["cause"].as_str(),
                e["evidence_rule"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("2", "expired_credentials", "s3:expired-token"),
            ("3", "invalid_credentials", "s3:invalid-access-key-id"),
            ("4", "invalid_credentials", "s3:signature-does-not-match"),
            ("9", "expired_credentials", "s3:token-refresh-required"),
        ]
    );
    let e = event_at(&ev, 3);
    assert_eq!(
        (
            e["time"].as_str(),
            e["host"].as_str(),
            e["method"].as_str(),
            e["target"].as_str(),
            e["client"].as_str()
        ),
        (
            "2024-03-11T09:16:40.000Z",
            "acme-reports-prod.s3.us-east-1.amazonaws.com",
            "PUT",
            "/uploads/invoice-8812.pdf",
            "198.51.100.70"
        )
    );
    assert!(e["evidence_detail"].contains("InvalidAccessKeyId"), "{e:?}");
    // the older line ends after the version id: no host, still a 401
    assert_eq!(event_at(&ev, 9)["host"], "");
    assert_eq!(
        problems_of(&s),
        [(
            8,
            "note: S3's records of its own operations (lifecycle expirations and transitions: no request, no HTTP status) are not HTTP records (not read)".to_string()
        )]
    );
    let all = format!(
        "{}{}{}",
        r.stdout_text(),
        r.stderr,
        std::fs::read_to_string(ws.path().join("ev.csv")).unwrap()
    );
    for secret in [
        "5f0e4b2c9a7d31e8f6b0a4c2d9e7f1a3b5c8d0e2f4a6b8c1d3e5f7a9b0c2d4e6",
        "IQoJb3JpZ2luX2VjEFAKEFAKEFAKEsessiontokenDoNotUse0123456789abcdef",
        "AKIAFAKE7EXAMPLE4QZ2",
    ] {
        assert!(!all.contains(secret), "{secret} in the output");
    }
}

/// A Heroku log drain holds the router's access lines and the
/// application's and platform's own lines: the router's lines are the
/// records (time from the drain's prefix, the client the first forwarded
/// address), the others are not unparsed and one note says so, even when
/// an application line looks like logfmt with a status (lograge).
#[test]
fn a_heroku_drain_is_read_as_its_router_lines() {
    let ws = workspace();
    let name = copy_fixture(ws.path(), "logs/heroku-drain.log");
    let r = authsift(
        ws.path(),
        &["analyze", "--json", "--events", "ev.csv", &name],
    );
    r.expect_code(0);
    let s = r.json();
    assert_eq!(s["files"][0]["format"], "logfmt");
    assert_eq!(
        (
            u(&s["totals"]["exchanges"]),
            u(&s["totals"]["status_401"]),
            u(&s["totals"]["unparsed"])
        ),
        (5, 3, 0)
    );
    let p = problems_of(&s);
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].0, 1);
    assert!(
        p[0].1.starts_with(
            "note: the application's and the platform's lines of the Heroku log drain"
        ),
        "{p:?}"
    );
    let ev = events_csv(&ws.path().join("ev.csv"));
    let e = event_at(&ev, 9);
    assert_eq!(
        (
            e["time"].as_str(),
            e["host"].as_str(),
            e["method"].as_str(),
            e["client"].as_str(),
            e["cause"].as_str()
        ),
        (
            "2024-03-11T09:15:09.870Z",
            "acme-billing.herokuapp.com",
            "POST",
            "198.51.100.70",
            "invalid_credentials"
        )
    );
    let all = format!(
        "{}{}{}",
        r.stdout_text(),
        r.stderr,
        std::fs::read_to_string(ws.path().join("ev.csv")).unwrap()
    );
    assert!(!all.contains("sk_live_FAKE9f8e7d6c5b4a3"));
}

/// A Classic Load Balancer with a TCP or SSL listener logs its connections
/// with `"- - - "` as the request and no status: no HTTP record, not an
/// unparsed line; one note says so.
#[test]
fn classic_elb_tcp_listener_lines_are_a_note_not_unparsed() {
    let ws = workspace();
    let name = copy_fixture(ws.path(), "logs/elb-classic-tcp.log");
    let s = summary(ws.path(), &[&name], 0);
    assert_eq!(s["files"][0]["format"], "alb");
    assert_eq!(
        (
            u(&s["totals"]["exchanges"]),
            u(&s["totals"]["status_401"]),
            u(&s["totals"]["unparsed"])
        ),
        (3, 2, 0)
    );
    let p = problems_of(&s);
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].0, 2);
    assert!(p[0].1.contains("TCP/SSL listener"), "{p:?}");
}

/// JSON files beside the logs of a directory (a package.json, a
/// configuration with a `log` section, JSON lines of no HTTP log) are
/// passed over with one line each on stderr and listed with the reason;
/// the run succeeds. Named on the command line, each still fails.
#[test]
fn json_that_is_no_input_is_skipped_in_a_directory_and_fails_when_named() {
    let ws = workspace();
    let dir = ws.path().join("app");
    std::fs::create_dir(&dir).unwrap();
    std::fs::copy(fixture("logs/access-common.log"), dir.join("access.log")).unwrap();
    let jsons = [
        (
            "package.json",
            "{\"name\":\"web\",\"version\":\"1.0.0\",\"scripts\":{\"start\":\"node .\"}}\n",
        ),
        (
            "settings.json",
            "{\n  \"name\": \"svc\",\n  \"log\": {\n    \"level\": \"debug\"\n  }\n}\n",
        ),
        (
            "app.jsonl",
            "{\"level\":\"info\",\"msg\":\"started\"}\n{\"level\":\"info\",\"msg\":\"ready\"}\n",
        ),
    ];
    for (n, text) in jsons {
        std::fs::write(dir.join(n), text).unwrap();
    }
    std::fs::write(dir.join("notes.txt"), "rotated nightly\n").unwrap();
    let r = authsift(ws.path(), &["analyze", "--json", "app"]);
    r.expect_code(0);
    let s = r.json();
    assert_eq!(u(&s["totals"]["inputs"]), 1);
    assert_eq!(u(&s["totals"]["skipped_inputs"]), 4);
    assert_eq!(u(&s["totals"]["status_401"]), 10);
    for (n, _) in jsons {
        let path = format!("app/{n}");
        let f = s["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == json!(path))
            .unwrap_or_else(|| panic!("{path} is listed: {}", s["files"]));
        assert_eq!(
            f["skipped"],
            json!("not a recognised format: JSON, but neither a HAR capture nor an HTTP log"),
            "{path}"
        );
        assert!(f["error"].is_null(), "{path}");
        let said: Vec<&str> = r.stderr.lines().filter(|l| l.contains(&path)).collect();
        assert_eq!(said.len(), 1, "{path}: {}", r.stderr);
        assert!(said[0].contains("skipped"), "{}", said[0]);
    }
    for (n, _) in jsons {
        let r = authsift(
            ws.path(),
            &["analyze", "--json", "app/access.log", &format!("app/{n}")],
        );
        r.expect_code(1);
    }
}

/// Cloud Foundry's gorouter access lines, in `cf logs` with the
/// application's and the platform's lines between them: the host comes
/// first, the client is the first forwarded address, both time layouts are
/// read; the other lines are a note, not unparsed.
#[test]
fn gorouter_lines_in_cf_logs_are_read_and_the_apps_lines_passed() {
    let ws = workspace();
    let name = copy_fixture(ws.path(), "logs/gorouter.log");
    let r = authsift(
        ws.path(),
        &["analyze", "--json", "--events", "ev.csv", &name],
    );
    r.expect_code(0);
    let s = r.json();
    assert_eq!(s["files"][0]["format"], "gorouter");
    assert_eq!(
        (
            u(&s["totals"]["exchanges"]),
            u(&s["totals"]["status_401"]),
            u(&s["totals"]["unparsed"])
        ),
        (4, 2, 0)
    );
    let p = problems_of(&s);
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].0, 1);
    assert!(p[0].1.contains("cf logs"), "{p:?}");
    let ev = events_csv(&ws.path().join("ev.csv"));
    let got: Vec<(&str, &str, &str, &str, &str)> = ev
        .iter()
        .map(|e| {
            (
                e["time"].as_str(),
                e["host"].as_str(),
                e["method"].as_str(),
                e["target"].as_str(),
                e["client"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "2024-03-11T09:15:02.104Z",
                "api.apps.acme.example",
                "GET",
                "/v1/invoices",
                "203.0.113.24"
            ),
            (
                "2024-03-11T09:15:07.771Z",
                "admin.apps.acme.example",
                "POST",
                "/session",
                "198.51.100.70"
            ),
        ]
    );
    assert!(!r.stdout_text().contains("cf_fake_tok_7d3a91b2e4"));
}

/// uWSGI's request lines, with the server's start-up lines before them
/// (a note, not unparsed), and Nginx Proxy Manager's proxy log, read with
/// its own nginx log_format (named in a note) without `--log-format`.
#[test]
fn uwsgi_and_nginx_proxy_manager_logs_are_read_without_flags() {
    let ws = workspace();
    let name = copy_fixture(ws.path(), "logs/uwsgi.log");
    let r = authsift(
        ws.path(),
        &["analyze", "--json", "--events", "ev.csv", &name],
    );
    r.expect_code(0);
    let s = r.json();
    assert_eq!(s["files"][0]["format"], "uwsgi");
    assert_eq!(
        (
            u(&s["totals"]["exchanges"]),
            u(&s["totals"]["status_401"]),
            u(&s["totals"]["unparsed"])
        ),
        (4, 2, 0)
    );
    assert_eq!(problems_of(&s).len(), 1, "{:?}", problems_of(&s));
    let ev = events_csv(&ws.path().join("ev.csv"));
    let e = event_at(&ev, 5);
    assert_eq!(
        (
            e["time"].as_str(),
            e["method"].as_str(),
            e["target"].as_str(),
            e["client"].as_str()
        ),
        (
            "2024-03-11T09:15:07.000Z",
            "POST",
            "/api/v1/login",
            "198.51.100.70"
        )
    );
    assert!(!r.stdout_text().contains("uw_fake_51c0a9d3e7"));

    let name = copy_fixture(ws.path(), "logs/npm-proxy.log");
    let r = authsift(
        ws.path(),
        &["analyze", "--json", "--events", "ev2.csv", &name],
    );
    r.expect_code(0);
    let s = r.json();
    assert_eq!(s["files"][0]["format"], "nginx");
    assert_eq!(
        (
            u(&s["totals"]["exchanges"]),
            u(&s["totals"]["status_401"]),
            u(&s["totals"]["unparsed"])
        ),
        (5, 3, 0)
    );
    let p = problems_of(&s);
    assert!(
        p.iter()
            .any(|(_, m)| m.starts_with("note: read as Nginx Proxy Manager's proxy log")),
        "{p:?}"
    );
    let ev = events_csv(&ws.path().join("ev2.csv"));
    let e = event_at(&ev, 5);
    assert_eq!(
        (
            e["host"].as_str(),
            e["method"].as_str(),
            e["client"].as_str(),
            e["cause"].as_str()
        ),
        (
            "api.acme.example",
            "POST",
            "192.0.2.45",
            "placeholder_credentials"
        )
    );
    assert!(!r.stdout_text().contains("npm_fake_9b1d77e2c4a0"));
    // named with --format nginx and no --log-format, it is still refused
    authsift(ws.path(), &["analyze", "--json", "-f", "nginx", &name]).expect_code(2);

    // its `standard` log (the default host, dead hosts): no upstream fields
    let text = concat!(
        "[11/Mar/2024:09:16:00 +0000] 401 - GET https old.acme.example \"/admin\" [Client 198.51.100.8] [Length 0] [Gzip -] \"curl/8.5.0\" \"-\"\n",
        "[11/Mar/2024:09:16:01 +0000] 444 - GET http 203.0.113.9 \"/.env\" [Client 192.0.2.77] [Length 0] [Gzip -] \"Mozilla/5.0\" \"-\"\n",
        "[11/Mar/2024:09:16:02 +0000] 301 - GET http www.acme.example \"/\" [Client 198.51.100.8] [Length 162] [Gzip -] \"curl/8.5.0\" \"-\"\n",
    );
    std::fs::write(ws.path().join("default-host_access.log"), text).expect("write");
    let s = authsift(ws.path(), &["analyze", "--json", "default-host_access.log"]).json();
    assert_eq!(
        (
            u(&s["totals"]["exchanges"]),
            u(&s["totals"]["status_401"]),
            u(&s["totals"]["unparsed"])
        ),
        (3, 1, 0)
    );
    assert!(
        problems_of(&s)
            .iter()
            .any(|(_, m)| m.starts_with("note: read as Nginx Proxy Manager's standard log")),
        "{:?}",
        problems_of(&s)
    );
}

/// A web framework's request log (Gin's, after its debug-mode start-up
/// lines) is read without flags: the start-up lines are a note, not
/// unparsed; fields padded to columns read without their padding; the
/// local time reads as UTC; the token in a query never reaches an output.
#[test]
fn gin_request_log_is_read_without_flags() {
    let ws = workspace();
    let name = copy_fixture(ws.path(), "logs/gin-debug.log");
    let r = authsift(
        ws.path(),
        &["analyze", "--json", "--events", "ev.csv", &name],
    );
    r.expect_code(0);
    let s = r.json();
    assert_eq!(s["files"][0]["format"], "nginx");
    assert_eq!(s["files"][0]["layout"], "Gin's request log");
    // the advice for a framework's log is not nginx's log_format
    let advice = s["files"][0]["advice"].as_str().unwrap();
    assert!(
        advice.starts_with("Log the authenticated user") && !advice.contains("$remote_user"),
        "{advice}"
    );
    assert_eq!(
        (
            u(&s["totals"]["exchanges"]),
            u(&s["totals"]["status_401"]),
            u(&s["totals"]["unparsed"])
        ),
        (5, 3, 0)
    );
    let p = problems_of(&s);
    assert!(
        p.iter()
            .any(|(_, m)| m.starts_with("note: read as Gin's request log")),
        "{p:?}"
    );
    assert!(
        p.iter()
            .any(|(_, m)| m.starts_with("note: Gin's own lines")),
        "{p:?}"
    );
    let ev = events_csv(&ws.path().join("ev.csv"));
    let e = event_at(&ev, 12);
    assert_eq!(
        (
            e["time"].as_str(),
            e["method"].as_str(),
            e["client"].as_str()
        ),
        ("2024-05-20T08:00:02.000Z", "GET", "2001:db8::17")
    );
    let e = event_at(&ev, 14);
    assert_eq!(
        (e["method"].as_str(), e["cause"].as_str()),
        ("DELETE", "invalid_credentials")
    );
    let written = std::fs::read_to_string(ws.path().join("ev.csv")).unwrap();
    for out in [r.stdout_text(), r.stderr.clone(), written] {
        assert!(!out.contains("gin_fake_tok_4b1e9c07d2a8"));
    }
}
