//! Helpers shared by the integration tests: run the real binary in a
//! temporary directory with a clean environment, and find the fixtures.
//! Nothing here reads outside the crate, so the tests work from a fresh clone.

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

pub mod scenario;

/// The 12 cause ids of CAUSES.md, in the documented order. Written out here
/// (not taken from the library) so that a renamed id fails a test.
pub const CAUSE_IDS: [&str; 12] = [
    "missing_credentials",
    "malformed_credentials",
    "placeholder_credentials",
    "wrong_scheme",
    "expired_credentials",
    "revoked_credentials",
    "transient_rejection",
    "invalid_credentials",
    "wrong_audience",
    "insufficient_scope",
    "challenge_handshake",
    "unknown",
];

/// Proptest settings for `cases` cases, a number small enough for
/// `cargo test`; `PROPTEST_CASES=N` raises it to at least N for a deep run.
/// (`Config::default()` is where proptest reads the variable: a literal
/// `cases`, as in `Config::with_cases`, would silently override it.)
pub fn proptest_cases(cases: u32) -> proptest::test_runner::Config {
    let from_env = proptest::test_runner::Config::default();
    let deep = std::env::var_os("PROPTEST_CASES").is_some();
    proptest::test_runner::Config {
        cases: if deep {
            cases.max(from_env.cases)
        } else {
            cases
        },
        ..from_env
    }
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_authsift")
}

pub fn crate_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixtures_dir() -> PathBuf {
    crate_root().join("fixtures")
}

/// `fixtures/<rel>`.
pub fn fixture(rel: &str) -> PathBuf {
    fixtures_dir().join(rel)
}

/// Every HAR fixture of `fixtures/har`, sorted.
pub fn har_fixtures() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(fixture("har"))
        .expect("fixtures/har exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "har"))
        .collect();
    v.sort();
    v
}

/// A fresh temporary directory for one test.
pub fn workspace() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("authsift-test-")
        .tempdir()
        .expect("temp dir")
}

/// Copies `fixtures/<rel>` into `dir` (under its file name) and returns that name.
pub fn copy_fixture(dir: &Path, rel: &str) -> String {
    let src = fixture(rel);
    let name = src
        .file_name()
        .expect("file name")
        .to_string_lossy()
        .into_owned();
    std::fs::copy(&src, dir.join(&name)).unwrap_or_else(|e| panic!("copy {}: {e}", src.display()));
    name
}

/// The outcome of one run of the binary.
pub struct Run {
    pub args: Vec<String>,
    pub code: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl Run {
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// Stdout parsed as JSON; panics with the run's details when it is not.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout of {} is not JSON ({e}):\n{}\n{}",
                self.describe(),
                self.stdout_text(),
                self.stderr
            )
        })
    }

    pub fn describe(&self) -> String {
        format!("`authsift {}` (exit {:?})", self.args.join(" "), self.code)
    }

    /// Asserts the exit code and that nothing panicked.
    pub fn expect_code(&self, code: i32) -> &Self {
        self.expect_no_panic();
        assert_eq!(
            self.code,
            Some(code),
            "{}: expected exit code {code}\n--- stderr ---\n{}\n--- stdout (first 2000 bytes) ---\n{}",
            self.describe(),
            self.stderr,
            self.stdout_text().chars().take(2000).collect::<String>()
        );
        self
    }

    pub fn expect_no_panic(&self) -> &Self {
        assert!(
            !self.stderr.contains("panicked") && !self.stderr.contains("RUST_BACKTRACE"),
            "{} panicked:\n{}",
            self.describe(),
            self.stderr
        );
        assert!(
            self.code.is_some(),
            "{} was killed by a signal\n{}",
            self.describe(),
            self.stderr
        );
        self
    }
}

fn command(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(bin());
    c.args(args).current_dir(dir).env_clear();
    c
}

fn finish(args: &[&str], out: std::process::Output) -> Run {
    Run {
        args: args.iter().map(|s| s.to_string()).collect(),
        code: out.status.code(),
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `authsift ARGS` in `dir` with an empty environment and no stdin.
pub fn authsift(dir: &Path, args: &[&str]) -> Run {
    let out = command(dir, args)
        .stdin(Stdio::null())
        .output()
        .expect("run authsift");
    finish(args, out)
}

/// Like `authsift`, with extra environment variables.
pub fn authsift_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut c = command(dir, args);
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.stdin(Stdio::null()).output().expect("run authsift");
    finish(args, out)
}

/// The 401 events of `file` (`analyze --events - --events-format
/// ndjson`, in `dir`, with the extra environment `env`), one JSON object
/// each, in the order written.
pub fn events_of(dir: &Path, file: &str, env: &[(&str, &str)]) -> Vec<Value> {
    let r = authsift_env(
        dir,
        &[
            "analyze",
            "--events",
            "-",
            "--events-format",
            "ndjson",
            file,
        ],
        env,
    );
    r.expect_code(0);
    r.stdout_text()
        .lines()
        .map(|l| serde_json::from_str(l).expect("an NDJSON event"))
        .collect()
}

/// Runs `authsift ARGS` with `input` on stdin.
pub fn authsift_stdin(dir: &Path, args: &[&str], input: &[u8]) -> Run {
    let mut child = command(dir, args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn authsift");
    let mut stdin = child.stdin.take().expect("stdin");
    let data = input.to_vec();
    // a writer thread, so that a large output cannot deadlock against a large input
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&data);
    });
    let out = child.wait_with_output().expect("wait for authsift");
    writer.join().expect("stdin writer");
    finish(args, out)
}

/// `value` at a dotted path (`totals.exchanges`).
/// A JSON count.
pub fn u(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a count: {v}"))
}

/// `bytes` gzip-compressed.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(bytes).expect("gzip");
    gz.finish().expect("gzip")
}

pub fn at<'v>(value: &'v Value, path: &str) -> &'v Value {
    path.split('.').fold(value, |v, k| &v[k])
}

/// The `causes` map of a summary as (id, count) in output order.
pub fn causes_of(summary: &Value) -> Vec<(String, u64)> {
    summary["causes"]
        .as_object()
        .expect("causes is an object")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_u64().expect("count")))
        .collect()
}

/// Reads a CSV file into its header and rows.
pub fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_path(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header = r
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = r
        .records()
        .map(|rec| {
            rec.unwrap_or_else(|e| panic!("{}: {e}", path.display()))
                .iter()
                .map(str::to_owned)
                .collect()
        })
        .collect();
    (header, rows)
}

/// The keys of the object at `field` of a JSON document, in the order the
/// document writes them (`serde_json::Value` sorts them).
pub fn keys_in_order(json_text: &[u8], field: &str) -> Vec<String> {
    use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};

    struct Keys(Vec<String>);
    impl<'de> serde::Deserialize<'de> for Keys {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Keys;
                fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                    f.write_str("an object")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Keys, A::Error> {
                    let mut out = Vec::new();
                    while let Some((k, _)) = m.next_entry::<String, IgnoredAny>()? {
                        out.push(k);
                    }
                    Ok(Keys(out))
                }
            }
            d.deserialize_map(V)
        }
    }
    let doc: std::collections::HashMap<String, Box<serde_json::value::RawValue>> =
        serde_json::from_slice(json_text).expect("a JSON object");
    let raw = doc
        .get(field)
        .unwrap_or_else(|| panic!("no {field} in the document"));
    serde_json::from_str::<Keys>(raw.get())
        .expect("an object")
        .0
}

/// The pattern rows of a summary without their `example` (which names the
/// input: inputs named differently hold the same rows).
#[allow(dead_code)]
pub fn patterns_without_examples(summary: &Value) -> Value {
    let mut rows = summary["patterns"].clone();
    for r in rows.as_array_mut().expect("patterns") {
        r.as_object_mut().map(|r| r.remove("example"));
    }
    rows
}
