//! The data-driven test: every fixture under `fixtures/` that has an
//! expected summary in `tests/expected/<file name>.json` is analysed by the
//! real binary and compared with it. Adding a case is adding two files.
//!
//! Expected file format:
//!
//! ```json
//! {
//!   "description": "what the fixture shows (free text)",
//!   "args": ["--format", "combined"],          // optional extra flags
//!   "exit_code": 0,                            // optional, default 0
//!   "totals": {"exchanges": 10, "status_401": 6, "unparsed": 0},
//!   "causes": {"missing_credentials": 2, ...}  // all 12 ids
//! }
//! ```
//!
//! Every file of `fixtures/har` must have an expected file; in other
//! subfolders (`fixtures/logs`, `fixtures/nasty`) only files that have one
//! are compared. `description`, `note` and `comment` are free text. The
//! fixture is copied into a temporary directory and run there as
//! `authsift analyze --json ARGS FILE` with an empty environment.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{CAUSE_IDS, at, authsift, crate_root, fixtures_dir, workspace};
use serde_json::Value;

/// Subfolders of `fixtures/` where every input must have an expected summary.
const MANDATORY: &[&str] = &["har"];
const KNOWN_KEYS: &[&str] = &[
    "description",
    "note",
    "comment",
    "args",
    "exit_code",
    "totals",
    "causes",
];
const REQUIRED_TOTALS: &[&str] = &["exchanges", "status_401", "unparsed"];

fn expected_dir() -> PathBuf {
    crate_root().join("tests").join("expected")
}

/// Files under `dir`, recursively, in name order; dotfiles and notes skipped.
fn inputs_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("readable fixture dir")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().expect("name").to_string_lossy().into_owned();
        if name.starts_with('.') || name.ends_with(".md") {
            continue;
        }
        if p.is_dir() {
            out.extend(inputs_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

struct Case {
    input: PathBuf,
    expected_path: PathBuf,
    expected: Value,
}

/// Finds every (fixture, expected) pair; problems with the layout itself
/// are returned as failures.
fn cases(failures: &mut Vec<String>) -> Vec<Case> {
    let mut by_name: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    let mut subdirs: Vec<PathBuf> = std::fs::read_dir(fixtures_dir())
        .expect("fixtures/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    subdirs.sort();
    let mut out = Vec::new();
    for dir in subdirs {
        let mandatory = MANDATORY
            .iter()
            .any(|m| dir.file_name().is_some_and(|n| n == *m));
        for input in inputs_under(&dir) {
            let name = input
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            by_name.entry(name.clone()).or_default().push(input.clone());
            let expected_path = expected_dir().join(format!("{name}.json"));
            if !expected_path.exists() {
                if mandatory {
                    failures.push(format!(
                        "{}: no expected summary {}",
                        rel(&input),
                        rel(&expected_path)
                    ));
                }
                continue;
            }
            let text = std::fs::read_to_string(&expected_path).expect("readable expected file");
            match serde_json::from_str::<Value>(&text) {
                Ok(expected) => out.push(Case {
                    input,
                    expected_path,
                    expected,
                }),
                Err(e) => failures.push(format!("{}: not JSON: {e}", rel(&expected_path))),
            }
        }
    }
    for (name, paths) in &by_name {
        if paths.len() > 1 && expected_dir().join(format!("{name}.json")).exists() {
            failures.push(format!(
                "{name}: the expected file is ambiguous, {} fixtures have this name",
                paths.len()
            ));
        }
    }
    // expected files whose fixture is gone
    for e in std::fs::read_dir(expected_dir()).expect("tests/expected") {
        let p = e.expect("entry").path();
        let name = p.file_name().expect("name").to_string_lossy().into_owned();
        if let Some(fixture) = name.strip_suffix(".json")
            && !by_name.contains_key(fixture)
        {
            failures.push(format!(
                "{}: no fixture named {fixture} under fixtures/",
                rel(&p)
            ));
        }
    }
    out
}

fn rel(p: &Path) -> String {
    p.strip_prefix(crate_root())
        .unwrap_or(p)
        .display()
        .to_string()
}

/// Checks the expected file's own shape; returns its problems.
fn validate(case: &Case) -> Vec<String> {
    let mut problems = Vec::new();
    let Some(obj) = case.expected.as_object() else {
        return vec!["not a JSON object".into()];
    };
    for k in obj.keys() {
        if !KNOWN_KEYS.contains(&k.as_str()) {
            problems.push(format!(
                "unknown key {k:?} (known: {})",
                KNOWN_KEYS.join(", ")
            ));
        }
    }
    for t in REQUIRED_TOTALS {
        if !case.expected["totals"][t].is_u64() {
            problems.push(format!("totals.{t} missing or not a count"));
        }
    }
    match case.expected["causes"].as_object() {
        None => problems.push("causes missing".into()),
        Some(c) => {
            for id in CAUSE_IDS {
                if !c.get(id).is_some_and(Value::is_u64) {
                    problems.push(format!("causes.{id} missing or not a count"));
                }
            }
            for k in c.keys() {
                if !CAUSE_IDS.contains(&k.as_str()) {
                    problems.push(format!("causes.{k} is not a cause id"));
                }
            }
        }
    }
    if let Some(a) = obj.get("args")
        && !a.as_array().is_some_and(|a| a.iter().all(Value::is_string))
    {
        problems.push("args must be an array of strings".into());
    }
    problems
}

/// One row of the side-by-side comparison.
struct Row {
    field: String,
    expected: String,
    actual: String,
}

fn show(v: &Value) -> String {
    match v {
        Value::Null => "(absent)".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Runs one case; returns a failure report or None.
fn check(case: &Case) -> Option<String> {
    let problems = validate(case);
    if !problems.is_empty() {
        return Some(format!(
            "{}:\n  {}",
            rel(&case.expected_path),
            problems.join("\n  ")
        ));
    }
    let ws = workspace();
    let name = case
        .input
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    std::fs::copy(&case.input, ws.path().join(&name)).expect("copy fixture");
    let extra: Vec<String> = case.expected["args"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let mut args: Vec<&str> = vec!["analyze", "--json"];
    args.extend(extra.iter().map(String::as_str));
    args.push(&name);
    let run = authsift(ws.path(), &args);

    let mut rows = Vec::new();
    let want_code = case.expected["exit_code"].as_i64().unwrap_or(0);
    rows.push(Row {
        field: "exit code".into(),
        expected: want_code.to_string(),
        actual: run.code.map_or("(killed)".to_string(), |c| c.to_string()),
    });
    let actual: Value = serde_json::from_slice(&run.stdout).unwrap_or(Value::Null);
    for (k, _) in case.expected["totals"].as_object().expect("validated") {
        let path = format!("totals.{k}");
        rows.push(Row {
            field: path.clone(),
            expected: show(at(&case.expected, &path)),
            actual: show(at(&actual, &path)),
        });
    }
    for id in CAUSE_IDS {
        let path = format!("causes.{id}");
        rows.push(Row {
            field: path.clone(),
            expected: show(at(&case.expected, &path)),
            actual: show(at(&actual, &path)),
        });
    }
    // every 401 is counted exactly once
    if let Some(n401) = actual["totals"]["status_401"].as_u64() {
        let sum: u64 = actual["causes"]
            .as_object()
            .map(|c| c.values().filter_map(Value::as_u64).sum())
            .unwrap_or(0);
        rows.push(Row {
            field: "sum of causes".into(),
            expected: n401.to_string(),
            actual: sum.to_string(),
        });
    }
    if let Some(extra_ids) = actual["causes"].as_object().map(|c| {
        c.keys()
            .filter(|k| !CAUSE_IDS.contains(&k.as_str()))
            .cloned()
            .collect::<Vec<_>>()
    }) && !extra_ids.is_empty()
    {
        rows.push(Row {
            field: "unexpected cause ids".into(),
            expected: "(none)".into(),
            actual: extra_ids.join(", "),
        });
    }
    let panicked = run.stderr.contains("panicked");
    if panicked {
        rows.push(Row {
            field: "stderr".into(),
            expected: "no panic".into(),
            actual: "panicked".into(),
        });
    }
    if rows.iter().all(|r| r.expected == r.actual) {
        return None;
    }
    let w = rows.iter().map(|r| r.field.len()).max().unwrap_or(0).max(5);
    let mut report = format!(
        "{} (expected: {}, command: authsift {})\n  {:<w$}  {:>12}  {:>12}\n",
        rel(&case.input),
        rel(&case.expected_path),
        args.join(" "),
        "field",
        "expected",
        "actual"
    );
    for r in &rows {
        let mark = if r.expected == r.actual {
            ""
        } else {
            "   <-- differs"
        };
        report.push_str(&format!(
            "  {:<w$}  {:>12}  {:>12}{mark}\n",
            r.field, r.expected, r.actual
        ));
    }
    if !run.stderr.trim().is_empty() {
        report.push_str(&format!(
            "  stderr:\n    {}\n",
            run.stderr.trim_end().replace('\n', "\n    ")
        ));
    }
    Some(report)
}

#[test]
fn every_fixture_matches_its_expected_summary() {
    let mut failures = Vec::new();
    let cases = cases(&mut failures);
    let har_cases = cases
        .iter()
        .filter(|c| c.input.starts_with(fixtures_dir().join("har")))
        .count();
    assert!(
        har_cases >= 6,
        "expected at least 6 HAR fixtures with expected summaries, found {har_cases}"
    );
    for case in &cases {
        if let Some(f) = check(case) {
            failures.push(f);
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} fixtures do not match:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// The HAR fixtures together must show every cause a HAR can show (all but
/// `unknown`, which needs a format without request headers), so that a
/// rule that stops firing fails the data-driven test above.
#[test]
fn har_fixtures_cover_every_cause() {
    let mut failures = Vec::new();
    let cases = cases(&mut failures);
    let mut total: BTreeMap<&str, u64> = BTreeMap::new();
    for c in cases
        .iter()
        .filter(|c| c.input.starts_with(fixtures_dir().join("har")))
    {
        for id in CAUSE_IDS {
            *total.entry(id).or_default() += c.expected["causes"][id].as_u64().unwrap_or(0);
        }
    }
    let missing: Vec<&str> = CAUSE_IDS
        .iter()
        .copied()
        .filter(|id| *id != "unknown" && total.get(id).copied().unwrap_or(0) == 0)
        .collect();
    assert!(
        missing.is_empty(),
        "no HAR fixture expects these causes: {missing:?}"
    );
}
