//! What a person at a terminal sees: a table that fits the width it has
//! (`COLUMNS`, the terminal's, 100 when piped), the `--group-by` columns
//! asked for, how many rows are not shown and where they are, colour only
//! where it belongs (`--color`, `NO_COLOR`), progress bars whose totals
//! are right (compressed files, HAR captures), a warning for a field
//! mapping that does not match the log, the README's `--log-format`
//! example, shell completions and the man page.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use serde_json::json;

fn fixture_dirs() -> [String; 2] {
    [
        fixtures_dir().join("har").display().to_string(),
        fixtures_dir().join("logs").display().to_string(),
    ]
}

fn table(env: &[(&str, &str)], extra: &[&str]) -> String {
    let ws = workspace();
    let [har, logs] = fixture_dirs();
    let mut args = vec!["analyze"];
    args.extend_from_slice(extra);
    args.extend([har.as_str(), logs.as_str()]);
    let r = authsift_env(ws.path(), &args, env);
    r.expect_code(0);
    r.stdout_text()
}

fn widest(text: &str) -> usize {
    text.lines().map(|l| l.chars().count()).max().unwrap_or(0)
}

/// The lines of the pattern table (header to the "more" line).
fn pattern_lines(text: &str) -> Vec<&str> {
    text.lines()
        .skip_while(|l| *l != "Top patterns")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .collect()
}

#[test]
fn the_table_fits_80_100_and_200_columns() {
    let narrow = table(&[("COLUMNS", "80")], &[]);
    assert!(widest(&narrow) <= 80, "a line is wider than 80:\n{narrow}");
    // piped, without COLUMNS: 100
    let piped = table(&[], &[]);
    assert!(widest(&piped) <= 100, "a line is wider than 100:\n{piped}");
    let wide = table(&[("COLUMNS", "200")], &[]);
    assert!(widest(&wide) <= 200, "a line is wider than 200:\n{wide}");
    // 200 columns: the evidence stays on its row and the width is used
    let rows = pattern_lines(&wide);
    assert!(rows[0].ends_with("evidence"), "{}", rows[0]);
    assert!(widest(&wide) > 120, "200 columns are not used:\n{wide}");
    // at 80 the evidence goes under its row: shortened in the middle at
    // most, its start and its end kept
    let rows = pattern_lines(&narrow);
    assert!(!rows[0].contains("evidence"), "{}", rows[0]);
    let summary = authsift(
        workspace().path(),
        &["analyze", "--json", &fixture_dirs()[0], &fixture_dirs()[1]],
    )
    .json();
    let first = summary["patterns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["cause"] != "challenge_handshake")
        .unwrap();
    let evidence = first["example_evidence"].as_str().unwrap();
    let shown = rows[2].trim();
    if evidence.chars().count() > 72 {
        let (head, tail) = shown.split_once('…').expect("shortened with an ellipsis");
        assert!(
            evidence.starts_with(head) && evidence.ends_with(tail),
            "{shown} of {evidence}"
        );
    } else {
        assert_eq!(shown, evidence);
    }
}

#[test]
fn the_table_shows_the_group_by_columns_asked_for() {
    let text = table(
        &[("COLUMNS", "200")],
        &["--group-by", "cause,client,user_agent"],
    );
    let head = pattern_lines(&text)[0];
    let cols: Vec<&str> = head.split_whitespace().collect();
    assert_eq!(
        cols,
        ["count", "cause", "client", "user_agent", "evidence"],
        "{head}"
    );
    let text = table(&[], &["--group-by", "host"]);
    let head = pattern_lines(&text)[0];
    assert_eq!(
        head.split_whitespace().collect::<Vec<_>>(),
        ["count", "host", "evidence"],
        "{head}"
    );
}

#[test]
fn the_table_says_how_many_patterns_are_not_shown_and_where() {
    let ws = workspace();
    let [har, logs] = fixture_dirs();
    let s = authsift(ws.path(), &["analyze", "--json", &har, &logs]).json();
    let failing = s["patterns"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["cause"] != "challenge_handshake")
        .count();
    assert!(failing > 15);
    let text = table(&[], &[]);
    let want = format!("… {} patterns more: --out DIR or --json", failing - 15);
    assert!(text.contains(&want), "no '{want}' in:\n{text}");
    // never a file that was not written
    assert!(!text.contains("summary.json"), "{text}");
    // plurals and shares
    let one = authsift(
        ws.path(),
        &[
            "analyze",
            &fixture("logs/nginx-auth.log").display().to_string(),
            "--log-format",
            NGINX_AUTH,
        ],
    );
    assert!(
        one.stdout_text()
            .starts_with("1 input, 9 exchanges, 7 HTTP 401s"),
        "{}",
        one.stdout_text()
    );
    assert!(!text.contains(" 0.0%"), "a share reads 0.0%:\n{text}");
}

const NGINX_AUTH: &str = "nginx:$remote_addr - $remote_user [$time_local] \"$request\" $status $body_bytes_sent \"$http_referer\" \"$http_user_agent\" $host $request_time \"$sent_http_www_authenticate\"";

// ------------------------------------------------------------ colour

/// `script` (util-linux) runs a command on a pseudo-terminal; what the
/// command wrote to it comes out on script's stdout.
fn on_terminal(dir: &Path, command: &str, env: &[(&str, &str)]) -> Option<String> {
    let script = ["/usr/bin/script", "/bin/script"]
        .into_iter()
        .find(|p| Path::new(p).is_file());
    let Some(script) = script else {
        println!("SKIPPED: needs script(1) from util-linux for a pseudo-terminal");
        return None;
    };
    let mut c = Command::new(script);
    c.args(["-qec", command, "/dev/null"])
        .current_dir(dir)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("TERM", "xterm")
        .stdin(std::process::Stdio::null());
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().expect("script runs");
    assert!(
        out.status.success(),
        "{command}: {:?}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

#[test]
fn colour_on_a_terminal_only_and_never_with_no_color() {
    let [har, logs] = fixture_dirs();
    // piped: none, unless asked for
    assert!(!table(&[], &[]).contains('\x1b'));
    assert!(table(&[], &["--color", "always"]).contains("\x1b[31m"));
    let ws = workspace();
    let cmd = format!(
        "{} analyze --progress never {} {}",
        quoted(bin()),
        quoted(&har),
        quoted(&logs)
    );
    let Some(tty) = on_terminal(ws.path(), &cmd, &[("COLUMNS", "120")]) else {
        return;
    };
    assert!(tty.contains("\x1b["), "no colour on a terminal:\n{tty}");
    let plain = on_terminal(ws.path(), &cmd, &[("COLUMNS", "120"), ("NO_COLOR", "1")]).unwrap();
    assert!(
        !plain.contains("\x1b["),
        "colour despite NO_COLOR:\n{plain}"
    );
    let never = on_terminal(
        ws.path(),
        &format!("{cmd} --color never"),
        &[("COLUMNS", "120")],
    )
    .unwrap();
    assert!(!never.contains("\x1b["), "colour despite --color never");
}

/// The escape sequences in `text` (ESC `[` … final byte), each whole.
fn sequences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find('\x1b') {
        let seq: String = rest[at..]
            .chars()
            .enumerate()
            .take_while(|(i, c)| *i < 2 || !c.is_ascii_alphabetic())
            .map(|(_, c)| c)
            .collect();
        let end = at + seq.len();
        let fin = rest[end..]
            .chars()
            .next()
            .map(String::from)
            .unwrap_or_default();
        out.push(format!("{seq}{fin}"));
        rest = &rest[(end + fin.len()).min(rest.len())..];
    }
    out
}

/// Control characters a client put in its request (an OSC that retitles
/// the window, a screen clear, C1 codes, DEL), and in a file name, never
/// reach the terminal raw: the table, the diagnostics on stderr, the
/// progress bars and the HTML report show them escaped (`\x1b`,
/// `\u{9b}`). The table's own colours are its only escape sequences.
#[test]
fn control_characters_of_the_input_reach_the_terminal_escaped() {
    let ws = workspace();
    let name = "ctl\x1b]0;pwned\x07.log";
    std::fs::copy(
        fixture("realworld/terminal-controls.log"),
        ws.path().join(name),
    )
    .unwrap();
    let raw_controls = |text: &str| -> Vec<char> {
        text.chars()
            .filter(|c| c.is_control() && *c != '\n' && *c != '\x1b')
            .collect()
    };
    let own: Vec<String> = std::iter::once("\x1b[0m".to_string())
        .chain(
            CAUSE_IDS
                .iter()
                .filter_map(|id| authsift::verdict::Cause::from_id(id))
                .map(|c| format!("\x1b[{}m", authsift::output::cause_colour(c).0)),
        )
        .collect();
    let dims = "cause,client,user_agent,method,path";
    for colour in ["never", "always"] {
        let r = authsift_env(
            ws.path(),
            &["analyze", "--color", colour, "--group-by", dims, name],
            &[("COLUMNS", "200")],
        );
        r.expect_code(0);
        let out = r.stdout_text();
        assert!(raw_controls(&out).is_empty(), "{colour}:\n{out}");
        let seqs = sequences(&out);
        assert!(
            seqs.iter().all(|s| own.contains(s)) && (colour == "always" || seqs.is_empty()),
            "{colour}: {seqs:?}\n{out}"
        );
        for shown in [
            "/a\\x1b]0;pwned\\x07/b",
            "/c\\u{9b}31m",
            "curl/8\\x1b[2J\\x1b[H",
            "agent\\u{85}x",
            "tab\\x09here",
        ] {
            assert!(out.contains(shown), "{colour}: {shown} not shown:\n{out}");
        }
        // stderr names the file, escaped
        assert!(
            r.stderr
                .contains("ctl\\x1b]0;pwned\\x07.log: 1 of 4 records")
                && raw_controls(&r.stderr).is_empty()
                && !r.stderr.contains('\x1b'),
            "{}",
            r.stderr
        );
    }
    // the progress bar's file name
    let r = authsift(
        ws.path(),
        &["analyze", "--progress", "always", "--json", name],
    );
    r.expect_code(0);
    assert!(
        !r.stderr.contains("\x1b]0;pwned") && r.stderr.contains("\\x1b]0;pwned"),
        "{:?}",
        r.stderr
    );
    // the HTML report on stdout
    let r = authsift(ws.path(), &["analyze", "--html", "-", "-q", name]);
    r.expect_code(0);
    let page = r.stdout_text();
    assert!(
        !page.contains('\x1b') && !page.contains('\x07') && !page.contains('\u{9b}'),
        "a raw control character in the page"
    );
    assert!(page.contains("/a\\x1b]0;pwned\\x07/b"));
}

// ------------------------------------------------------------ progress

/// Bytes of an indicatif size (`0 B`, `575.45 KiB`, `5.52 MiB`).
fn bytes_of(n: &str, unit: &str) -> f64 {
    let v: f64 = n.parse().unwrap();
    v * match unit {
        "B" => 1.0,
        "KiB" => 1024.0,
        "MiB" => 1024.0 * 1024.0,
        "GiB" => 1024.0 * 1024.0 * 1024.0,
        u => panic!("unit {u}"),
    }
}

/// Every `done/total` a bar drew.
fn frames(tty: &str) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    let words: Vec<&str> = tty
        .split(|c: char| c.is_whitespace() || c == '\x1b')
        .collect();
    for (i, w) in words.iter().enumerate() {
        // "<n> <unit>/<n> <unit>": the unit before the slash, the number after
        if let Some((unit, total_n)) = w.split_once('/')
            && i >= 1
            && i + 1 < words.len()
            && ["B", "KiB", "MiB", "GiB"].contains(&unit)
            && total_n.parse::<f64>().is_ok()
            && let Ok(done) = words[i - 1].parse::<f64>()
        {
            let total = bytes_of(total_n, words[i + 1]);
            out.push((bytes_of(&done.to_string(), unit), total));
        }
    }
    out
}

#[test]
fn a_gz_bar_measures_compressed_bytes_against_the_compressed_size() {
    let ws = workspace();
    let mut log = String::new();
    let mut x: u64 = 7;
    for i in 0..60_000u64 {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        log.push_str(&format!(
            "10.0.{}.{} - - [03/Jun/2024:10:{:02}:{:02} +0000] \"GET /api/items/{} HTTP/1.1\" {} {} \"-\" \"client/{}\"\n",
            i % 250, (x >> 40) % 250, (i / 60) % 60, i % 60, x >> 20, if i % 9 == 0 { 401 } else { 200 }, x % 9999, i % 31
        ));
    }
    let gz = gzip(log.as_bytes());
    std::fs::write(ws.path().join("big.log.gz"), &gz).unwrap();
    let cmd = format!(
        "{} analyze --progress always -j2 big.log.gz > /dev/null",
        quoted(bin())
    );
    let Some(tty) = on_terminal(ws.path(), &cmd, &[]) else {
        return;
    };
    let f = frames(&tty);
    assert!(!f.is_empty(), "no bar drawn:\n{tty:?}");
    let size = gz.len() as f64;
    for (done, total) in &f {
        // indicatif shows 3 significant digits
        assert!(
            (total - size).abs() <= size * 0.01,
            "total {total} is not the compressed size {size}"
        );
        assert!(
            *done <= total * 1.01,
            "{done} read of {total}: past the end"
        );
    }
    assert!(
        f.iter().any(|(d, _)| *d > 0.0),
        "the bar never moved: {f:?}"
    );
}

#[test]
fn a_har_bar_advances_while_the_capture_is_analysed() {
    let ws = workspace();
    let entries: Vec<_> = (0..16_000)
        .map(|i| {
            json!({
                "startedDateTime": format!("2024-06-03T10:{:02}:{:02}.000Z", (i / 60) % 60, i % 60),
                "time": 1,
                "request": {"method": "GET", "url": format!("https://api.example.com/v1/items/{i}"), "httpVersion": "HTTP/1.1",
                            "headers": [{"name": "User-Agent", "value": "x".repeat(200)}], "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0},
                "response": {"status": if i % 5 == 0 { 401 } else { 200 }, "statusText": "", "httpVersion": "HTTP/1.1", "headers": [], "cookies": [],
                             "content": {"size": 0, "mimeType": "text/plain", "text": "y".repeat(600)}, "redirectURL": "", "headersSize": -1, "bodySize": 0},
                "cache": {}, "timings": {"send": 0, "wait": 1, "receive": 0}
            })
        })
        .collect();
    let doc = serde_json::to_vec(&json!({"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": entries}})).unwrap();
    std::fs::write(ws.path().join("big.har"), &doc).unwrap();
    let cmd = format!(
        "{} analyze --progress always -j1 big.har > /dev/null",
        quoted(bin())
    );
    let Some(tty) = on_terminal(ws.path(), &cmd, &[]) else {
        return;
    };
    let f = frames(&tty);
    let size = doc.len() as f64;
    assert!(
        f.iter()
            .all(|(d, t)| (t - size).abs() <= size * 0.01 && *d <= t * 1.01),
        "{f:?}"
    );
    assert!(
        f.iter().any(|(d, t)| *d > 0.0 && *d < *t),
        "the bar did not move between 0 and the end: {f:?}"
    );
}

// ------------------------------------------------------------ mappings

/// The `--log-format` example of README.md (the usage line naming
/// nginx-auth.log).
fn readme_log_format() -> String {
    let readme = std::fs::read_to_string(crate_root().join("README.md")).unwrap();
    let line = readme
        .lines()
        .find(|l| l.contains("--log-format 'nginx:") && l.contains("nginx-auth.log"))
        .expect("README has a --log-format example on fixtures/logs/nginx-auth.log");
    let start = line.find("--log-format '").unwrap() + "--log-format '".len();
    let end = start + line[start..].find('\'').unwrap();
    line[start..end].to_string()
}

#[test]
fn the_readme_log_format_example_reads_its_fixture_cleanly() {
    let ws = workspace();
    let spec = readme_log_format();
    let f = fixture("logs/nginx-auth.log").display().to_string();
    let r = authsift(ws.path(), &["analyze", "--json", "--log-format", &spec, &f]);
    r.expect_code(0);
    let s = r.json();
    assert_eq!(u(&s["totals"]["unparsed"]), 0);
    assert_eq!(u(&s["totals"]["degraded"]), 0);
    assert_eq!(u(&s["totals"]["status_401"]), 7);
    assert_eq!(
        s["problems"].as_array().unwrap().len(),
        0,
        "{}",
        s["problems"]
    );
    assert!(!r.stderr.contains("warning"), "{}", r.stderr);
    // hosts are host names
    for p in s["patterns"].as_array().unwrap() {
        let host = p["host"].as_str().unwrap();
        assert!(
            host.is_empty() || (host.ends_with(".example.com") && !host.contains(' ')),
            "host {host:?}"
        );
    }
}

#[test]
fn a_mapping_that_reads_the_wrong_shapes_is_reported() {
    let ws = workspace();
    let f = fixture("logs/nginx-auth.log").display().to_string();
    // without $request_time: the host absorbs the number after it
    let short = NGINX_AUTH.replace(" $request_time", "");
    let r = authsift(
        ws.path(),
        &["analyze", "--json", "--log-format", &short, &f],
    );
    r.expect_code(0);
    assert!(
        r.stderr.contains("warning: probable field mapping error: the host field holds a number or text that is not a host name"),
        "{}",
        r.stderr
    );
    let problems = r.json()["problems"].to_string();
    assert!(
        problems.contains("probable field mapping error"),
        "{problems}"
    );
    // an Authorization value read as the user agent (fields swapped)
    let log = (0..5)
        .map(|i| format!(
            "10.0.0.{i} - - [03/Jun/2024:10:00:0{i} +0000] \"GET /v1/me HTTP/1.1\" 401 0 \"Basic dXNlcjpzM2NyZXQ=\" \"curl/8.7.1\"\n"
        ))
        .collect::<String>();
    std::fs::write(ws.path().join("swapped.log"), log).unwrap();
    let spec = "nginx:$remote_addr - $remote_user [$time_local] \"$request\" $status $body_bytes_sent \"$http_user_agent\" \"$http_authorization\"";
    let r = authsift(ws.path(), &["analyze", "--log-format", spec, "swapped.log"]);
    assert!(
        r.stderr
            .contains("the user agent field holds an Authorization value"),
        "{}",
        r.stderr
    );
    // the value itself is never quoted
    assert!(!r.stderr.contains("dXNlcjpzM2NyZXQ") && !r.stdout_text().contains("dXNlcjpzM2NyZXQ"));
    // a mapping that matches says nothing
    let r = authsift(ws.path(), &["analyze", "--log-format", NGINX_AUTH, &f]);
    assert!(!r.stderr.contains("mapping"), "{}", r.stderr);
}

// ------------------------------------------------------------ shells

#[test]
fn completions_and_man_page_come_from_the_flags() {
    let ws = workspace();
    for (shell, marker) in [
        ("bash", "complete"),
        ("zsh", "#compdef"),
        ("fish", "complete -c authsift"),
    ] {
        let r = authsift(ws.path(), &["completions", shell]);
        r.expect_code(0);
        let text = r.stdout_text();
        assert!(text.contains(marker), "{shell}: {text}");
        for flag in ["--group-by", "--html", "--log-format"] {
            assert!(
                text.contains(flag.trim_start_matches('-')),
                "{shell} completions lack {flag}"
            );
        }
    }
    let r = authsift(ws.path(), &["man"]);
    r.expect_code(0);
    let man = r.stdout_text();
    assert!(
        man.contains(".TH authsift"),
        "{}",
        &man[..man.len().min(300)]
    );
    assert!(man.contains("analyze") && man.contains("report"));
    // examples in --help
    let help = authsift(ws.path(), &["analyze", "--help"]).stdout_text();
    assert!(
        help.contains("Examples:") && help.contains("--log-format 'nginx:"),
        "{help}"
    );
}
