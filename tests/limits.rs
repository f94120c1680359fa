//! Limits on hostile input: a record longer than `--max-record-bytes` is
//! counted as unparsed with its position and skipped without being held,
//! and the pattern, client and credential tables keep at most their caps,
//! folding the rest into an `other` row whatever the threads or the order
//! of merges.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::*;
use serde_json::Value;

const OK: &str =
    r#"10.0.0.1 - - [01/May/2024:08:00:00 +0000] "GET /v1/items HTTP/1.1" 200 12 "-" "curl/8.0""#;
const FAIL: &str = r#"10.0.0.2 - - [01/May/2024:08:00:01 +0000] "GET /v1/items?api_key=mk_0123456789abcdef0123 HTTP/1.1" 401 12 "-" "curl/8.0""#;

fn problems(s: &Value) -> Vec<(u64, String)> {
    at(s, "problems")
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| {
            (
                u(at(p, "position")),
                at(p, "message").as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// A log with a line of `long` bytes (no newline in it) as line 3.
fn log_with_long_line(long: usize) -> Vec<u8> {
    let mut b = Vec::new();
    writeln!(b, "{OK}\n{FAIL}").unwrap();
    b.extend(std::iter::repeat_n(b'a', long));
    writeln!(b, "\n{FAIL}\n{OK}").unwrap();
    b
}

fn expect_long_line_reported(s: &Value, long: u64) {
    assert_eq!(u(at(s, "totals.unparsed")), 1, "{s}");
    assert_eq!(u(at(s, "totals.exchanges")), 4, "{s}");
    assert_eq!(u(at(s, "totals.status_401")), 2, "{s}");
    let p = problems(s);
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].0, 3);
    assert!(
        p[0].1.contains(&format!("record of {long} bytes"))
            && p[0].1.contains("--max-record-bytes"),
        "{p:?}"
    );
}

#[test]
fn a_line_over_the_limit_is_unparsed_in_every_way_of_reading() {
    let ws = workspace();
    // longer than a stream's chunk (8 MiB): the reader must skip it
    let long = 9 << 20;
    let bytes = log_with_long_line(long);
    std::fs::write(ws.path().join("a.log"), &bytes).unwrap();
    std::fs::write(ws.path().join("a.log.gz"), gzip(&bytes)).unwrap();
    let args = ["--json", "-f", "combined", "--max-record-bytes", "1M", "-q"];
    let mut outs = Vec::new();
    for (path, env) in [("a.log", "0"), ("a.log.gz", "0"), ("a.log", "1")] {
        let mut a = vec!["analyze", path];
        a.extend(args);
        let run = authsift_env(ws.path(), &a, &[("AUTHSIFT_REFERENCE", env)]);
        run.expect_code(0);
        let s = run.json();
        expect_long_line_reported(&s, long as u64);
        outs.push(s);
    }
    let mut a = vec!["analyze", "-"];
    a.extend(args);
    let run = authsift_stdin(ws.path(), &a, &bytes);
    run.expect_code(0);
    expect_long_line_reported(&run.json(), long as u64);
    // the same verdicts however the input was read
    // (the examples name a.log and a.log.gz)
    assert_eq!(
        patterns_without_examples(&outs[0]),
        patterns_without_examples(&outs[1])
    );
    assert_eq!(at(&outs[0], "patterns"), at(&outs[2], "patterns"));
    // under the default limit the line is read (and is not a record)
    let run = authsift(
        ws.path(),
        &["analyze", "a.log", "--json", "-f", "combined", "-q"],
    );
    let s = run.json();
    assert!(
        problems(&s)[0].1.contains("no status")
            || !problems(&s)[0].1.contains("--max-record-bytes")
    );
}

#[test]
fn the_limit_takes_sizes_with_suffixes_and_refuses_nonsense() {
    let ws = workspace();
    std::fs::write(ws.path().join("a.log"), format!("{OK}\n")).unwrap();
    for ok in ["65536", "64K", "64M", "1G", "64MiB"] {
        authsift(
            ws.path(),
            &["analyze", "a.log", "--json", "--max-record-bytes", ok],
        )
        .expect_code(0);
    }
    for bad in ["0", "12X", "M", "-1"] {
        let run = authsift(ws.path(), &["analyze", "a.log", "--max-record-bytes", bad]);
        run.expect_code(2);
    }
    for flag in ["--max-patterns", "--max-clients", "--max-credentials"] {
        authsift(ws.path(), &["analyze", "a.log", flag, "0"]).expect_code(2);
    }
}

/// Peak resident memory (VmHWM, KiB) of a running process.
fn peak_kib(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn a_huge_line_through_a_pipe_is_streamed_past_not_held() {
    if !std::path::Path::new("/proc/self/status").exists() {
        return;
    }
    let ws = workspace();
    let mut child = Command::new(bin())
        .args([
            "analyze",
            "-",
            "-f",
            "combined",
            "--json",
            "-q",
            "--max-record-bytes",
            "1M",
        ])
        .current_dir(ws.path())
        .env_clear()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn authsift");
    let pid = child.id();
    let mut stdin = child.stdin.take().expect("stdin");
    let total: usize = 400 << 20;
    let writer = std::thread::spawn(move || {
        writeln!(stdin, "{OK}\n{FAIL}").unwrap();
        let piece = vec![b'z'; 1 << 20];
        for _ in 0..total >> 20 {
            stdin.write_all(&piece).unwrap();
        }
        // the line is almost all written: how much memory did it take?
        let peak = peak_kib(pid);
        writeln!(stdin, "\n{FAIL}\n{OK}").unwrap();
        peak
    });
    let peak = writer.join().expect("writer").expect("VmHWM");
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(0));
    let s: Value = serde_json::from_slice(&out.stdout).expect("json");
    expect_long_line_reported(&s, total as u64);
    // a 400 MiB line, with a limit of 1 MiB: the process holds chunks, not the line
    assert!(peak < 200 << 10, "peak {peak} KiB");
}

/// A W3C log is searched for its directives before its chunks are parsed:
/// the pages of the file that search maps are given back as it goes, so a
/// large log is analysed in memory that does not grow with it (the peak
/// resident set held the whole file before). The same when its time goes
/// back every 1,000 lines: a handshake leg later in time than what follows
/// stays open, and the reading past a chunk to close it goes on to the end
/// of the file, giving its pages back behind it.
#[test]
fn a_large_w3c_log_is_read_without_holding_its_pages() {
    if !std::path::Path::new("/proc/self/status").exists() {
        return;
    }
    let ws = workspace();
    let head = "#Software: Microsoft Internet Information Services 10.0\n#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs-host sc-status sc-substatus sc-win32-status time-taken\n";
    for back in [false, true] {
        // about 160 MiB, one line a second
        let mut log = String::with_capacity(170 << 20);
        log.push_str(head);
        let mut n = 0u64;
        while log.len() < 160 << 20 {
            // going back, every 1,000 lines are the same lines again
            let i = if back { n % 1000 } else { n };
            let (day, s) = (3 + i / 86_400, i % 86_400);
            let status = if i.is_multiple_of(10) { 401 } else { 200 };
            log.push_str(&format!(
                "2024-06-{day:02} {:02}:{:02}:{:02} 10.20.0.15 GET /sites/finance/page{}.aspx - 443 - 10.1.2.{} Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64)+AppleWebKit/537.36 intranet.example.com {status} 0 0 3\n",
                s / 3600,
                s / 60 % 60,
                s % 60,
                i % 7,
                i % 5
            ));
            n += 1;
        }
        let path = ws.path().join("u_ex_big.log");
        std::fs::write(&path, &log).expect("write the log");
        drop(log);
        let child = Command::new(bin())
            .args(["analyze", "u_ex_big.log", "--json", "-q", "-j2"])
            .current_dir(ws.path())
            .env_clear()
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn authsift");
        let pid = child.id();
        // the high-water mark, read until the process ends
        let watcher = std::thread::spawn(move || {
            let mut peak = None;
            while let Some(p) = peak_kib(pid) {
                peak = Some(p);
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            peak
        });
        let out = child.wait_with_output().expect("wait");
        let peak = watcher.join().expect("watcher").expect("VmHWM");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let s: Value = serde_json::from_slice(&out.stdout).expect("json");
        let per_block = if back {
            100 * (n / 1000) + (n % 1000).div_ceil(10)
        } else {
            n.div_ceil(10)
        };
        assert_eq!(u(&s["totals"]["status_401"]), per_block);
        // the file's pages alone would be 160 MiB (about 60 MiB in all here;
        // 94 MiB going back in time when the reading past a chunk kept its
        // pages, 172 MiB when the directive search kept them)
        assert!(
            peak < 80 << 10,
            "peak {peak} KiB for a 160 MiB log (time going back: {back})"
        );
    }
}

#[test]
fn a_har_entry_over_the_limit_is_unparsed_and_the_others_are_read() {
    let ws = workspace();
    let entry = |status: u16, body: usize| {
        format!(
            r#"{{"startedDateTime":"2024-05-01T08:00:00.000Z","request":{{"method":"GET","url":"https://api.example.com/v1/x","headers":[]}},"response":{{"status":{status},"headers":[],"content":{{"text":"{}"}}}}}}"#,
            "b".repeat(body)
        )
    };
    let doc = format!(
        r#"{{"log":{{"version":"1.2","entries":[{},{},{}]}}}}"#,
        entry(401, 10),
        entry(401, 200_000),
        entry(401, 10)
    );
    std::fs::write(ws.path().join("a.har"), &doc).unwrap();
    for input in ["a.har", "-"] {
        let args = [
            "analyze",
            input,
            "--json",
            "-q",
            "-f",
            "har",
            "--max-record-bytes",
            "64K",
        ];
        let run = if input == "-" {
            authsift_stdin(ws.path(), &args, doc.as_bytes())
        } else {
            authsift(ws.path(), &args)
        };
        run.expect_code(0);
        let s = run.json();
        assert_eq!(u(at(&s, "totals.unparsed")), 1, "{s}");
        assert_eq!(u(at(&s, "totals.status_401")), 2, "{s}");
        let p = problems(&s);
        assert_eq!(p[0].0, 1, "{p:?}");
        assert!(p[0].1.contains("--max-record-bytes"), "{p:?}");
    }
}

#[test]
fn a_streamed_har_without_structure_within_the_limit_is_reported_not_held() {
    let ws = workspace();
    // `log.entries` would come after 2 MB of pages
    let mut doc = br#"{"log":{"pages":[""#.to_vec();
    doc.extend(std::iter::repeat_n(b'p', 2 << 20));
    doc.extend(br#""],"entries":[]}}"#);
    let run = authsift_stdin(
        ws.path(),
        &[
            "analyze",
            "-",
            "--json",
            "-f",
            "har",
            "--max-record-bytes",
            "64K",
        ],
        &doc,
    );
    // the only input failed with nothing read: exit 2
    run.expect_code(2);
    let s = run.json();
    let err = at(&s, "files")[0]["error"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(err.contains("not found in the first 65536 bytes"), "{err}");
    // zeros are not a HAR: reported from the first bytes, without reading on
    let run = authsift_stdin(
        ws.path(),
        &[
            "analyze",
            "-",
            "--json",
            "-f",
            "har",
            "--max-record-bytes",
            "64K",
        ],
        &vec![0u8; 1 << 20],
    );
    run.expect_code(2);
    assert!(u(at(&run.json(), "totals.bytes")) <= 64 << 10);
}

/// `n` 401 lines, each with its own path, client and key.
fn distinct_log(n: usize, from: usize) -> String {
    let words = [
        "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel",
    ];
    let mut s = String::new();
    for i in from..from + n {
        let name: Vec<&str> = (0..4).map(|d| words[(i >> (3 * d)) & 7]).collect();
        s.push_str(&format!(
            "10.1.{}.{} - - [01/May/2024:08:{:02}:{:02} +0000] \"GET /v1/{}/items?api_key=mk_{:032x} HTTP/1.1\" 401 12 \"-\" \"curl/8.0\"\n",
            i >> 8 & 255,
            i & 255,
            (i / 60) % 60,
            i % 60,
            name.join("-"),
            (i as u128).wrapping_mul(0x9E3779B97F4A7C15F39CC0605CEDC835)
        ));
    }
    s
}

#[test]
fn capped_tables_fold_into_other_rows_whatever_the_threads_and_merge_order() {
    let ws = workspace();
    let caps = [
        "--max-patterns",
        "20",
        "--max-clients",
        "15",
        "--max-credentials",
        "10",
    ];
    std::fs::write(ws.path().join("all.log"), distinct_log(600, 0)).unwrap();
    for (i, from) in [0, 200, 400].iter().enumerate() {
        std::fs::write(
            ws.path().join(format!("p{i}.log")),
            distinct_log(200, *from),
        )
        .unwrap();
    }
    let run_j = |j: &str| {
        let mut a = vec!["analyze", "all.log", "--json", "-q", "-j", j];
        a.extend(caps);
        let run = authsift(ws.path(), &a);
        run.expect_code(0);
        run.stdout
    };
    let one = run_j("1");
    assert_eq!(one, run_j("2"), "-j1 and -j2 differ");
    assert_eq!(
        one,
        authsift_env(
            ws.path(),
            &[&["analyze", "all.log", "--json", "-q"][..], &caps[..]].concat(),
            &[("AUTHSIFT_REFERENCE", "1")]
        )
        .stdout,
        "the reference mode differs"
    );
    let s: Value = serde_json::from_slice(&one).unwrap();
    let patterns = at(&s, "patterns").as_array().unwrap();
    assert_eq!(patterns.len(), 21);
    let last = patterns.last().unwrap();
    assert_eq!(last["other"], Value::Bool(true));
    assert_eq!(last["path"], "(other)");
    assert_eq!(
        patterns.iter().map(|p| u(&p["count"])).sum::<u64>(),
        u(at(&s, "totals.status_401"))
    );
    assert_eq!(u(&last["count"]), 580);
    assert_eq!(u(at(&s, "clients_total")), 16);
    assert_eq!(u(at(&s, "credentials_total")), 11);
    let clients = at(&s, "clients").as_array().unwrap();
    assert_eq!(clients.iter().map(|c| u(&c["count_401"])).sum::<u64>(), 600);
    let creds = at(&s, "credentials").as_array().unwrap();
    assert_eq!(creds.iter().map(|c| u(&c["failures"])).sum::<u64>(), 600);
    // partials of three parts, merged in every order, give what one run over
    // the concatenation gives (one input: the parts are one file's pieces)
    for i in 0..3 {
        let mut a = vec![
            "analyze".to_string(),
            format!("p{i}.log"),
            "-q".into(),
            "--partial".into(),
            format!("p{i}.json"),
        ];
        a.extend(caps.iter().map(|c| c.to_string()));
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        authsift(ws.path(), &a).expect_code(0);
    }
    let mut merged = Vec::new();
    for order in [[0, 1, 2], [2, 1, 0], [1, 2, 0]] {
        let files: Vec<String> = order.iter().map(|i| format!("p{i}.json")).collect();
        let mut a = vec!["merge"];
        a.extend(files.iter().map(String::as_str));
        a.push("--json");
        let run = authsift(ws.path(), &a);
        run.expect_code(0);
        merged.push(run.stdout);
    }
    assert_eq!(merged[0], merged[1]);
    assert_eq!(merged[0], merged[2]);
    let m: Value = serde_json::from_slice(&merged[0]).unwrap();
    // (the examples name the parts, and the whole input)
    assert_eq!(patterns_without_examples(&m), patterns_without_examples(&s));
    assert_eq!(at(&m, "clients"), at(&s, "clients"));
    assert_eq!(at(&m, "credentials"), at(&s, "credentials"));
}

/// A log of `n` 401s, each with its own path, client and key; every tenth
/// key also succeeds before its 401, and every twentieth once more after
/// the last 401 (so those 401s wait, among many others, for the end of the
/// input to be decided).
fn distinct_log_with_successes(n: usize) -> String {
    let line = |t: usize, i: usize, status: u16| {
        format!(
            "10.{}.{}.{} - - [01/May/2024:{:02}:{:02}:{:02} +0000] \"GET /v2/{i}x/orders?api_key=mk_{:032x} HTTP/1.1\" {status} 12 \"-\" \"agent/{i}\"\n",
            i >> 16 & 255,
            i >> 8 & 255,
            i & 255,
            t / 3600,
            t / 60 % 60,
            t % 60,
            (i as u128).wrapping_mul(0x9E3779B97F4A7C15F39CC0605CEDC835)
        )
    };
    let mut s = String::new();
    let mut t = 0;
    for i in 0..n {
        if i % 10 == 0 {
            s.push_str(&line(t, i, 200));
        }
        s.push_str(&line(t + 1, i, 401));
        t += 1;
    }
    for i in (0..n).step_by(20) {
        t += 1;
        s.push_str(&line(t, i, 200));
    }
    s
}

#[test]
fn many_distinct_waiting_401s_are_decided_and_reconcile_in_every_mode() {
    let ws = workspace();
    // more 401s waiting for the end of the input than a run of chunks keeps
    // unpacked, with successes that come long after the failures they decide
    let n = 12_000;
    std::fs::write(ws.path().join("d.log"), distinct_log_with_successes(n)).unwrap();
    let run = |extra: &[&str], env: &str| {
        let mut a = vec!["analyze", "d.log", "--json", "-q"];
        a.extend(extra);
        let run = authsift_env(ws.path(), &a, &[("AUTHSIFT_REFERENCE", env)]);
        run.expect_code(0);
        run.stdout
    };
    let one = run(&["-j1"], "0");
    assert_eq!(one, run(&["-j2"], "0"), "-j1 and -j2 differ");
    assert_eq!(one, run(&[], "1"), "the reference mode differs");
    let s: Value = serde_json::from_slice(&one).unwrap();
    assert_eq!(u(at(&s, "totals.status_401")), n as u64);
    assert_eq!(u(at(&s, "causes.transient_rejection")), (n / 20) as u64);
    assert_eq!(u(at(&s, "causes.revoked_credentials")), (n / 20) as u64);
    assert_eq!(u(at(&s, "causes.invalid_credentials")), (n - n / 10) as u64);
    // with caps far below the distinct rows, the folded rows still add up
    let capped = run(
        &[
            "--max-patterns",
            "300",
            "--max-clients",
            "200",
            "--max-credentials",
            "100",
        ],
        "0",
    );
    let c: Value = serde_json::from_slice(&capped).unwrap();
    let patterns = at(&c, "patterns").as_array().unwrap();
    assert_eq!(patterns.len(), 301);
    assert_eq!(patterns.last().unwrap()["other"], Value::Bool(true));
    assert_eq!(
        patterns.iter().map(|p| u(&p["count"])).sum::<u64>(),
        n as u64
    );
    assert_eq!(at(&c, "causes"), at(&s, "causes"));
    assert_eq!(u(at(&c, "clients_total")), 201);
    assert_eq!(u(at(&c, "credentials_total")), 101);
    // a partial summary of the same input decides the same when merged
    let mut a = vec!["analyze", "d.log", "-q", "--partial", "d.json"];
    a.extend(["-j2"]);
    authsift(ws.path(), &a).expect_code(0);
    let merged = authsift(ws.path(), &["merge", "d.json", "--json"]);
    merged.expect_code(0);
    let m = merged.json();
    assert_eq!(at(&m, "causes"), at(&s, "causes"));
    assert_eq!(patterns_without_examples(&m), patterns_without_examples(&s));
}
