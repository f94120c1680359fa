//! The outputs as a user reads them, checked against the two places that
//! promise them: the column constants of the library and the README's
//! "Outputs" section. Also: progress goes to stderr only, buckets align
//! the time series, each group-by dimension fills exactly its column, and
//! `filtered` counts what the time filter left out.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use authsift::output::csv_out::{
    CLIENT_COLUMNS, CREDENTIAL_COLUMNS, INCIDENT_COLUMNS, SUMMARY_COLUMNS, TIMESERIES_COLUMNS,
};
use authsift::output::events::EVENT_COLUMNS;
use authsift::time::parse_iso8601;
use common::scenario::{Fmt, traffic_for};
use common::*;
use serde_json::Value;

// ---------------------------------------------------------------- the README

fn readme() -> String {
    std::fs::read_to_string(crate_root().join("README.md")).expect("README.md")
}

/// The text of the README's `## Outputs` section (up to the next `## `).
fn outputs_section() -> String {
    let text = readme();
    let start = text
        .find("\n## Outputs")
        .expect("README has an \"## Outputs\" section");
    let rest = &text[start + 1..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |i| i + 3);
    rest[..end].to_string()
}

/// The `backticked` words of `text`, in order.
fn backticked(text: &str) -> Vec<String> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_')
}

/// The paragraph of `section` that starts with `` `head` ``, up to a blank line.
fn paragraph<'s>(section: &'s str, head: &str) -> &'s str {
    let marker = format!("\n`{head}`");
    let start = section
        .find(&marker)
        .unwrap_or_else(|| panic!("README Outputs: no paragraph starting with `{head}`"))
        + 1;
    let rest = &section[start..];
    &rest[..rest.find("\n\n").unwrap_or(rest.len())]
}

/// Column names the README lists after `` `head`: `` (a prose list).
fn readme_prose_columns(head: &str) -> Vec<String> {
    let section = outputs_section();
    let para = paragraph(&section, head);
    let after = &para[para.find("`:").expect("`head`: then the columns") + 2..];
    backticked(after)
        .into_iter()
        .filter(|w| is_name(w))
        .collect()
}

/// The first-column names of the markdown table that follows the line
/// starting with `` `head` `` (`summary.csv`, `summary.json`), with the
/// rest of each row.
fn readme_table(head: &str) -> Vec<(Vec<String>, String)> {
    let section = outputs_section();
    let para_start = section
        .find(&format!("\n`{head}`"))
        .unwrap_or_else(|| panic!("README Outputs: no `{head}` table"));
    let mut rows = Vec::new();
    let mut in_table = false;
    for line in section[para_start + 1..].lines().skip(1) {
        let t = line.trim();
        if t.starts_with('|') {
            in_table = true;
            let cells: Vec<&str> = t.trim_matches('|').split('|').map(str::trim).collect();
            if cells
                .iter()
                .all(|c| c.chars().all(|ch| ch == '-' || ch == ':'))
            {
                continue; // the rule under the header
            }
            rows.push((backticked(cells[0]), cells[1..].join(" | ")));
        } else if in_table {
            break;
        }
    }
    assert!(!rows.is_empty(), "README: the `{head}` table has rows");
    // the header row names the columns of the table itself
    rows.retain(|(names, _)| !names.is_empty());
    rows
}

fn readme_summary_columns() -> Vec<String> {
    readme_table("summary.csv")
        .into_iter()
        .flat_map(|(names, _)| names)
        .collect()
}

// ---------------------------------------------------------------- inputs

/// A rich Caddy log (every cause, incidents, storms) written into `dir`;
/// returns its name.
fn caddy_input(dir: &Path, seed: u64, episodes: usize) -> String {
    let evs = traffic_for(Fmt::Caddy, seed, episodes);
    std::fs::write(dir.join("traffic.jsonl"), Fmt::Caddy.render(&evs)).unwrap();
    "traffic.jsonl".into()
}

fn ok(dir: &Path, args: &[&str]) -> Run {
    let r = authsift(dir, args);
    r.expect_code(0);
    r
}

/// The keys of a JSON object, in document order.
fn object_keys(text: &str) -> Vec<String> {
    let wrapped = format!("{{\"x\":{text}}}");
    keys_in_order(wrapped.as_bytes(), "x")
}

// ---------------------------------------------------------------- CSV columns

#[test]
fn csv_headers_equal_the_library_constants_and_the_readme() {
    let ws = workspace();
    let dir = ws.path();
    let input = caddy_input(dir, 11, 160);
    ok(
        dir,
        &[
            "analyze",
            "--out",
            "report",
            "--events",
            "events.csv",
            &input,
        ],
    );
    ok(dir, &["analyze", "--events", "events.ndjson", &input]);

    let files: [(&str, &[&str], Vec<String>); 5] = [
        ("summary.csv", SUMMARY_COLUMNS, readme_summary_columns()),
        (
            "timeseries.csv",
            TIMESERIES_COLUMNS,
            readme_prose_columns("timeseries.csv"),
        ),
        (
            "incidents.csv",
            INCIDENT_COLUMNS,
            readme_prose_columns("incidents.csv"),
        ),
        (
            "clients.csv",
            CLIENT_COLUMNS,
            readme_prose_columns("clients.csv"),
        ),
        (
            "credentials.csv",
            CREDENTIAL_COLUMNS,
            readme_prose_columns("credentials.csv"),
        ),
    ];
    for (file, constant, documented) in files {
        let (header, rows) = read_csv(&dir.join("report").join(file));
        assert!(
            !rows.is_empty(),
            "{file}: the generated traffic gives it rows"
        );
        assert_eq!(header, constant, "{file}: header vs the library constant");
        assert_eq!(
            header, documented,
            "{file}: header vs the README's Outputs section"
        );
        for (i, row) in rows.iter().enumerate() {
            assert_eq!(
                row.len(),
                header.len(),
                "{file}: row {} has every column",
                i + 1
            );
        }
    }

    let (header, rows) = read_csv(&dir.join("events.csv"));
    assert!(!rows.is_empty());
    assert_eq!(header, EVENT_COLUMNS, "events CSV header vs the constant");
    assert_eq!(
        header,
        readme_prose_columns("--events FILE"),
        "events CSV header vs the README"
    );
    let ndjson = std::fs::read_to_string(dir.join("events.ndjson")).unwrap();
    let lines: Vec<&str> = ndjson.lines().collect();
    assert_eq!(
        lines.len(),
        rows.len(),
        "NDJSON: one line per 401, as the CSV"
    );
    for line in lines {
        assert_eq!(object_keys(line), EVENT_COLUMNS, "NDJSON keys: {line}");
    }
}

// ---------------------------------------------------------------- summary.json keys

/// How the README names the keys of `settings` and `files` (in prose).
const SETTINGS_WORDS: &[(&str, &str)] = &[
    ("group_by", "group-by"),
    ("bucket_seconds", "bucket"),
    ("handshake_window_seconds", "window"),
    ("clock_skew_seconds", "skew"),
    ("incident_min_credentials", "thresholds"),
    ("storm_per_minute", "thresholds"),
    ("since", "time filter"),
    ("until", "time filter"),
    ("fingerprint_key", "fingerprint key"),
    ("phrases_version", "phrase table version"),
];
const FILES_WORDS: &[(&str, &str)] = &[
    ("path", "path"),
    ("format", "format"),
    ("bytes", "bytes"),
    ("exchanges", "exchanges"),
    ("status_401", "401s"),
    ("unparsed", "unparsed"),
    ("degraded", "degraded"),
    ("filtered", "filtered"),
    ("error", "error"),
    ("sanitized", "`sanitized`"),
    ("undecided_401", "`undecided_401`"),
    ("advice", "`advice`"),
];

/// Every key of summary.json, at every level a user reads, is documented
/// in the README's `summary.json` table (or, for row objects, as a column
/// of the CSV file they mirror).
#[test]
fn every_summary_json_key_is_documented_in_the_readme() {
    let ws = workspace();
    let dir = ws.path();
    let input = caddy_input(dir, 12, 160);
    // one record that cannot be parsed, so that `problems` has a row
    let mut text = std::fs::read_to_string(dir.join(&input)).unwrap();
    text.push_str("{\"this is\": \"not a caddy line\"\n");
    std::fs::write(dir.join(&input), text).unwrap();
    let r = ok(dir, &["analyze", "--json", "--quiet", &input]);
    let s = r.json();
    let table = readme_table("summary.json");
    let documented: BTreeMap<String, String> = table
        .iter()
        .flat_map(|(names, rest)| names.iter().map(move |n| (n.clone(), rest.clone())))
        .collect();
    let stdout = r.stdout_text();
    let mut missing = Vec::new();

    for k in object_keys(&stdout) {
        if !documented.contains_key(&k) {
            missing.push(format!("top-level `{k}`"));
        }
    }
    let totals_doc = documented.get("totals").cloned().unwrap_or_default();
    let totals_words = backticked(&totals_doc);
    for k in s["totals"].as_object().expect("totals").keys() {
        if !totals_words.contains(k) {
            missing.push(format!("`totals.{k}`"));
        }
    }
    let prose = |key: &str, words: &[(&str, &str)], obj: &Value, missing: &mut Vec<String>| {
        let doc = documented.get(key).cloned().unwrap_or_default();
        for k in obj
            .as_object()
            .unwrap_or_else(|| panic!("{key} is an object"))
            .keys()
        {
            match words.iter().find(|(j, _)| j == k) {
                Some((_, w)) if doc.contains(w) => {}
                _ => missing.push(format!("`{key}.{k}`")),
            }
        }
    };
    prose("settings", SETTINGS_WORDS, &s["settings"], &mut missing);
    let files = s["files"].as_array().expect("files");
    assert!(!files.is_empty());
    prose("files", FILES_WORDS, &files[0], &mut missing);
    let problems = s["problems"].as_array().expect("problems");
    assert!(!problems.is_empty(), "the bad line is a problem");
    let problems_doc = documented.get("problems").cloned().unwrap_or_default();
    for k in problems[0].as_object().unwrap().keys() {
        if !problems_doc.contains(k.as_str()) {
            missing.push(format!("`problems.{k}`"));
        }
    }

    // row objects: the columns of the CSV file they mirror (patterns add
    // the documented per-cause breakdown, `causes`)
    let mut summary_cols = readme_summary_columns();
    summary_cols.push("causes".into());
    let rows: [(&str, Vec<String>); 5] = [
        ("patterns", summary_cols),
        ("timeseries", readme_prose_columns("timeseries.csv")),
        ("incidents", readme_prose_columns("incidents.csv")),
        ("clients", readme_prose_columns("clients.csv")),
        ("credentials", readme_prose_columns("credentials.csv")),
    ];
    for (key, cols) in rows {
        let arr = s[key]
            .as_array()
            .unwrap_or_else(|| panic!("{key} is an array"));
        assert!(
            !arr.is_empty(),
            "{key}: the generated traffic gives it rows"
        );
        for k in arr[0].as_object().unwrap().keys() {
            if !cols.contains(k) {
                missing.push(format!("`{key}[].{k}`"));
            }
        }
    }
    // the cause map: every documented cause id (README "Causes" table)
    let causes_doc = readme();
    for k in s["causes"].as_object().unwrap().keys() {
        if !causes_doc.contains(&format!("| `{k}` |")) {
            missing.push(format!("`causes.{k}`"));
        }
    }
    assert!(
        missing.is_empty(),
        "summary.json keys not documented in README.md's Outputs section: {}",
        missing.join(", ")
    );
}

/// README: `incidents`, `clients`, `credentials`, `timeseries` in JSON are
/// "the rows of the CSV files below". With more than a thousand failing
/// clients, the JSON must hold every row of clients.csv — or the README
/// must say that it holds only the first ones.
#[test]
fn json_clients_are_the_rows_of_clients_csv_or_the_readme_says_otherwise() {
    use common::scenario::Ev;
    let ws = workspace();
    let dir = ws.path();
    let t0 = common::scenario::BASE_SECS * 1000;
    let evs: Vec<Ev> = (0..1_100u32)
        .map(|c| Ev {
            t_ms: t0 + i64::from(c) * 1_000,
            client: c,
            method: "GET",
            host: "api.example.com".into(),
            target: "/v1/me".into(),
            req: vec![("X-Api-Key".into(), format!("key_{c:05}_never_valid"))],
            status: 401,
            resp: vec![],
            body: None,
        })
        .collect();
    std::fs::write(dir.join("many.jsonl"), Fmt::Caddy.render(&evs)).unwrap();
    let r = ok(dir, &["analyze", "--json", "--out", "o", "many.jsonl"]);
    let s = r.json();
    let (_, clients) = read_csv(&dir.join("o/clients.csv"));
    let (_, credentials) = read_csv(&dir.join("o/credentials.csv"));
    assert_eq!(
        clients.len(),
        1_100,
        "clients.csv: one row per client and credential"
    );
    assert_eq!(credentials.len(), 1_100);
    let section = outputs_section();
    let says_capped = section.contains("1,000") || section.contains("1000");
    for (key, csv_rows) in [
        ("clients", clients.len()),
        ("credentials", credentials.len()),
    ] {
        let json_rows = s[key].as_array().unwrap().len();
        assert!(
            json_rows == csv_rows || says_capped,
            "summary.json `{key}` has {json_rows} rows, {key}.csv {csv_rows}; README says the JSON \
             holds \"the rows of the CSV files\" and mentions no limit"
        );
    }
}

// ---------------------------------------------------------------- progress

fn find_in_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    })
}

/// Runs `authsift ARGS > stdout_file` with stderr on a terminal (a pty
/// made by util-linux `script`); returns what reached the terminal, or
/// `None` when `script` is not installed.
fn with_terminal_stderr(dir: &Path, args: &[&str], stdout_file: &str) -> Option<String> {
    let script = find_in_path("script")?;
    let quote = |s: &str| format!("'{}'", s.replace('\'', "'\\''"));
    let mut cmd = quote(bin());
    for a in args {
        cmd.push(' ');
        cmd.push_str(&quote(a));
    }
    cmd.push_str(&format!(" > {}", quote(stdout_file)));
    let out = Command::new(script)
        .args(["-q", "-e", "-c", &cmd, "/dev/null"])
        .current_dir(dir)
        .env_clear()
        .env("TERM", "xterm")
        .env("PATH", "/usr/bin:/bin")
        .stdin(Stdio::null())
        .output()
        .expect("run script");
    assert!(
        out.status.success(),
        "script -c {cmd}: {:?}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout)
    );
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn progress_never_and_a_non_terminal_write_nothing_to_stderr() {
    let ws = workspace();
    let dir = ws.path();
    let input = caddy_input(dir, 13, 120);
    for extra in [
        &["--progress", "never"][..],
        &["--progress", "auto"][..],
        &[][..],
    ] {
        for mode in [&["--json"][..], &[][..], &["--out", "o"][..]] {
            let mut args = vec!["analyze"];
            args.extend_from_slice(mode);
            args.extend_from_slice(extra);
            args.push(&input);
            let r = ok(dir, &args);
            // what was written is named, in one line (`--out`)
            let wrote = "authsift: wrote o (summary.json and 5 CSV files)\n";
            let stderr = if mode == ["--out", "o"] {
                r.stderr.strip_prefix(wrote).unwrap_or(&r.stderr)
            } else {
                &r.stderr
            };
            assert!(
                stderr.is_empty(),
                "{}: a clean input on a non-terminal writes nothing to stderr, got:\n{}",
                r.describe(),
                r.stderr
            );
        }
    }
}

/// `--progress always` draws on stderr, never on stdout: with --json,
/// stdout is exactly the JSON of a run without progress; without it,
/// exactly the table.
#[test]
fn progress_always_draws_on_a_terminal_stderr_and_leaves_stdout_alone() {
    let ws = workspace();
    let dir = ws.path();
    let input = caddy_input(dir, 14, 400);
    let plain_json = ok(dir, &["analyze", "--progress", "never", "--json", &input]);
    let plain_table = ok(dir, &["analyze", "--progress", "never", &input]);
    let Some(tty) = with_terminal_stderr(
        dir,
        &["analyze", "--progress", "always", "--json", &input],
        "out.json",
    ) else {
        eprintln!("skipped: util-linux `script` is not installed (needed for a terminal)");
        return;
    };
    assert!(
        tty.contains(&input),
        "a progress bar naming the input reached the terminal; got {tty:?}"
    );
    assert!(
        !tty.contains("schema_version"),
        "the JSON went to the terminal, not to stdout"
    );
    let out = std::fs::read(dir.join("out.json")).unwrap();
    assert!(
        out == plain_json.stdout,
        "stdout with --progress always is not exactly the JSON"
    );

    let tty = with_terminal_stderr(dir, &["analyze", "--progress", "always", &input], "out.txt")
        .expect("script exists");
    assert!(tty.contains(&input), "progress on the terminal: {tty:?}");
    let out = std::fs::read(dir.join("out.txt")).unwrap();
    assert!(
        out == plain_table.stdout,
        "stdout with --progress always is not exactly the table:\n{}",
        String::from_utf8_lossy(&out)
    );

    // and `never` stays silent even on a terminal
    let tty = with_terminal_stderr(
        dir,
        &["analyze", "--progress", "never", "--json", &input],
        "never.json",
    )
    .expect("script exists");
    assert!(
        tty.is_empty(),
        "--progress never wrote to the terminal: {tty:?}"
    );
}

/// README: "`--progress auto|always|never` — progress bars on stderr (auto:
/// only when stderr is a terminal)". So `always` draws even when stderr is
/// a file or a pipe (`2>progress.log`), and stdout stays exactly the JSON.
#[test]
fn progress_always_draws_even_when_stderr_is_not_a_terminal() {
    let ws = workspace();
    let dir = ws.path();
    let input = caddy_input(dir, 15, 400);
    let plain = ok(dir, &["analyze", "--progress", "never", "--json", &input]);
    let r = ok(dir, &["analyze", "--progress", "always", "--json", &input]);
    assert!(
        r.stdout == plain.stdout,
        "stdout with --progress always is not exactly the JSON"
    );
    assert!(
        r.stderr.contains(&input),
        "--progress always wrote no progress to a non-terminal stderr (it behaves like auto); stderr: {:?}",
        r.stderr
    );
}

// ---------------------------------------------------------------- buckets

fn secs_of(t: &str) -> i64 {
    parse_iso8601(t)
        .unwrap_or_else(|| panic!("not a time: {t}"))
        .secs()
}

#[test]
fn bucket_widths_align_the_time_series_and_count_every_401() {
    let ws = workspace();
    let dir = ws.path();
    let input = caddy_input(dir, 16, 200);
    for (flag, width) in [
        ("1m", 60i64),
        ("5m", 300),
        ("15m", 900),
        ("1h", 3600),
        ("1d", 86_400),
    ] {
        let out = format!("o{flag}");
        let events = format!("ev{flag}.csv");
        let r = ok(
            dir,
            &[
                "analyze", "--json", "--bucket", flag, "--out", &out, "--events", &events, &input,
            ],
        );
        let s = r.json();
        assert_eq!(
            s["settings"]["bucket_seconds"],
            Value::from(width),
            "--bucket {flag}"
        );
        // the expected series, from the events: time floored to the width, per cause
        let (eh, erows) = read_csv(&dir.join(&events));
        let (tc, cc) = (
            eh.iter().position(|c| c == "time").unwrap(),
            eh.iter().position(|c| c == "cause").unwrap(),
        );
        let mut want: BTreeMap<(i64, usize), u64> = BTreeMap::new();
        for e in &erows {
            let b = secs_of(&e[tc]).div_euclid(width) * width;
            let cause = CAUSE_IDS
                .iter()
                .position(|c| *c == e[cc])
                .expect("a cause id");
            *want.entry((b, cause)).or_insert(0) += 1;
        }
        let (_, rows) = read_csv(&dir.join(&out).join("timeseries.csv"));
        let mut got = BTreeMap::new();
        let mut previous = None;
        for row in &rows {
            let b = secs_of(&row[0]);
            assert_eq!(
                b.rem_euclid(width),
                0,
                "--bucket {flag}: bucket_start {} is not aligned to {width} s",
                row[0]
            );
            let cause = CAUSE_IDS
                .iter()
                .position(|c| *c == row[1])
                .expect("a cause id");
            let key = (b, cause);
            assert!(
                previous.is_none_or(|p| p < key),
                "--bucket {flag}: rows in time order, then cause order"
            );
            previous = Some(key);
            got.insert(key, row[2].parse::<u64>().unwrap());
        }
        assert_eq!(got, want, "--bucket {flag}: timeseries.csv vs the events");
        if width < 3 * 3600 {
            assert!(
                got.keys().map(|k| k.0).collect::<BTreeSet<_>>().len() > 1,
                "--bucket {flag}: three hours of traffic span several buckets"
            );
        }
    }
}

// ---------------------------------------------------------------- group-by

const DIM_COLUMNS: [&str; 8] = [
    "cause",
    "host",
    "method",
    "path",
    "client",
    "user_agent",
    "credential",
    "status_detail",
];

/// Each dimension alone, and a few combinations: the summary fills exactly
/// those columns; each row is one distinct value (tuple) of the events,
/// with the count of its 401s.
#[test]
fn group_by_fills_exactly_the_chosen_columns() {
    let ws = workspace();
    let dir = ws.path();
    let input = caddy_input(dir, 17, 200);
    ok(dir, &["analyze", "--events", "events.csv", &input]);
    let (eh, erows) = read_csv(&dir.join("events.csv"));
    let total = erows.len() as u64;
    let mut choices: Vec<Vec<&str>> = DIM_COLUMNS.iter().map(|d| vec![*d]).collect();
    choices.push(vec!["host", "credential"]);
    choices.push(vec!["cause", "client", "status_detail"]);
    choices.push(vec!["user_agent", "method", "path"]);
    for dims in choices {
        let spec = dims.join(",");
        let out = format!("o-{}", spec.replace(',', "-"));
        ok(
            dir,
            &["analyze", "--group-by", &spec, "--out", &out, &input],
        );
        let (header, rows) = read_csv(&dir.join(&out).join("summary.csv"));
        let col = |name: &str| header.iter().position(|c| c == name).unwrap();
        for d in DIM_COLUMNS {
            if dims.contains(&d) {
                assert!(
                    rows.iter().any(|r| !r[col(d)].is_empty()),
                    "--group-by {spec}: column {d} is never filled"
                );
            } else {
                for r in &rows {
                    assert!(
                        r[col(d)].is_empty(),
                        "--group-by {spec}: column {d} filled ({:?}) though not grouped by",
                        r[col(d)]
                    );
                }
            }
        }
        let counts: u64 = rows
            .iter()
            .map(|r| r[col("count")].parse::<u64>().unwrap())
            .sum();
        assert_eq!(
            counts, total,
            "--group-by {spec}: the rows account for every 401"
        );
        // rows are distinct keys; for dimensions the events show, the same
        // keys and counts as a tally of the events
        let keys: Vec<Vec<&str>> = rows
            .iter()
            .map(|r| dims.iter().map(|d| r[col(d)].as_str()).collect())
            .collect();
        assert_eq!(
            keys.iter().collect::<BTreeSet<_>>().len(),
            keys.len(),
            "--group-by {spec}: one row per key"
        );
        if dims.contains(&"path") {
            continue; // events show the redacted target, not the path template
        }
        let ecol = |name: &str| eh.iter().position(|c| c == name).unwrap();
        let mut want: BTreeMap<Vec<&str>, u64> = BTreeMap::new();
        for e in &erows {
            *want
                .entry(dims.iter().map(|d| e[ecol(d)].as_str()).collect())
                .or_insert(0) += 1;
        }
        let got: BTreeMap<Vec<&str>, u64> = keys
            .into_iter()
            .zip(rows.iter().map(|r| r[col("count")].parse::<u64>().unwrap()))
            .collect();
        assert_eq!(
            got, want,
            "--group-by {spec}: rows vs a tally of the events"
        );
    }
}

// ---------------------------------------------------------------- filtered

/// README: `totals.filtered` counts the exchanges outside
/// `--since/--until`. The same traffic as a HAR, a Caddy log and a
/// combined log leaves the same records outside the window, so each
/// format must count them all.
#[test]
fn filtered_counts_every_record_outside_the_time_filter() {
    let ws = workspace();
    let dir = ws.path();
    let base = common::scenario::BASE_SECS;
    let since = base + 3600;
    let until = base + 2 * 3600;
    let (since_s, until_s) = (
        common::scenario::rfc3339_ms(since * 1000),
        common::scenario::rfc3339_ms(until * 1000),
    );
    let mut results = Vec::new();
    for fmt in [Fmt::Har, Fmt::Caddy, Fmt::Combined] {
        let evs = traffic_for(fmt, 18, 150);
        let outside = evs
            .iter()
            .filter(|e| {
                let t = e.t_ms.div_euclid(1000);
                t < since || t >= until
            })
            .count() as u64;
        let name = format!("traffic.{}", fmt.ext());
        std::fs::write(dir.join(&name), fmt.render(&evs)).unwrap();
        let r = ok(
            dir,
            &[
                "analyze", "--json", "--since", &since_s, "--until", &until_s, &name,
            ],
        );
        let t = &r.json()["totals"];
        results.push(format!(
            "{fmt:?}: filtered {} of {} exchanges (outside the window: {outside})",
            t["filtered"], t["exchanges"]
        ));
        if t["filtered"] != outside {
            results.push("  ^ wrong".into());
        }
    }
    assert!(
        !results.iter().any(|l| l.ends_with("wrong")),
        "totals.filtered:\n{}",
        results.join("\n")
    );
}
