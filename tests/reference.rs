//! The reference harness: every fast path of authsift exists only behind
//! this test. Each fixture under `fixtures/`, and generated traffic written
//! in every format authsift reads, is analysed by the real binary in the
//! default mode and in the reference mode (`AUTHSIFT_REFERENCE=1`: 4 KiB
//! chunks, every record fully parsed, no block scanner, no compact JSON
//! reader, no memo caches), each at `-j1` and `-j4`; every output — the
//! table, summary.json and the CSV files of `--out`, the events as CSV and
//! as NDJSON (to a file and to stdout), the partial summary (to a file and
//! to stdout), stderr and the exit code — must be
//! byte-identical across the four runs.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::scenario::{self, Ev, clf_time, client_ip, client_ua, rfc3339_ms};
use common::{authsift, crate_root, fixtures_dir, u, workspace};
use serde_json::{Value, json};

/// Every output of one configuration, by name.
type Outputs = BTreeMap<String, Vec<u8>>;

/// Runs `authsift analyze ARGS INPUT` with every output switched on, once
/// for the table and once for the files, and collects what it wrote.
fn outputs(dir: &Path, input: &Path, args: &[String], reference: bool, threads: u32) -> Outputs {
    let tag = format!("{}-j{threads}", if reference { "ref" } else { "def" });
    let out = dir.join(&tag);
    std::fs::create_dir_all(&out).expect("output dir");
    let mut got = Outputs::new();
    let run = |extra: &[String]| {
        let mut c = std::process::Command::new(common::bin());
        c.current_dir(dir).env_clear();
        if reference {
            c.env("AUTHSIFT_REFERENCE", "1");
        }
        c.arg("analyze").arg(input).arg(format!("-j{threads}"));
        c.args(args).args(extra);
        c.output().expect("authsift runs")
    };
    let table = run(&[]);
    got.insert("table".into(), table.stdout);
    got.insert("table.stderr".into(), table.stderr);
    got.insert(
        "table.code".into(),
        format!("{:?}", table.status.code()).into_bytes(),
    );
    let path = |name: &str| out.join(name).display().to_string();
    let files = run(&[
        "--out".into(),
        path("report"),
        "--events".into(),
        path("events.csv"),
        "--partial".into(),
        path("partial.json"),
        "--html".into(),
        path("report.html"),
    ]);
    // the lines naming what was written name this configuration's directory
    let stderr = String::from_utf8_lossy(&files.stderr).replace(&path(""), "<out>/");
    got.insert("files.stderr".into(), stderr.into_bytes());
    got.insert(
        "files.code".into(),
        format!("{:?}", files.status.code()).into_bytes(),
    );
    let nd = run(&["--json".into(), "--events".into(), path("events.ndjson")]);
    got.insert("json".into(), nd.stdout);
    // the partial and NDJSON events on stdout
    let partial = run(&["--partial".into(), "-".into()]);
    got.insert("partial.stdout".into(), partial.stdout);
    let events = run(&[
        "--events".into(),
        "-".into(),
        "--events-format".into(),
        "ndjson".into(),
    ]);
    got.insert("events.stdout".into(), events.stdout);
    for entry in walk(&out) {
        let name = entry
            .strip_prefix(&out)
            .expect("inside")
            .display()
            .to_string();
        got.insert(name, std::fs::read(&entry).expect("readable output"));
    }
    got
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut v = Vec::new();
    let Ok(rd) = std::fs::read_dir(dir) else {
        return v;
    };
    for e in rd {
        let p = e.expect("entry").path();
        if p.is_dir() {
            v.extend(walk(&p));
        } else {
            v.push(p);
        }
    }
    v.sort();
    v
}

/// Analyses `input` in the four configurations and fails with the first
/// output that differs, showing both sides.
fn same_everywhere(label: &str, input: &Path, args: &[String]) {
    same_outputs(label, input, args, &[]);
}

/// `same_everywhere`, except for the outputs named in `unless`.
fn same_outputs(label: &str, input: &Path, args: &[String], unless: &[&str]) {
    let ws = workspace();
    let base = outputs(ws.path(), input, args, false, 1);
    assert!(
        base.contains_key("report/summary.json"),
        "{label}: no summary written; stderr: {}",
        String::from_utf8_lossy(&base["files.stderr"])
    );
    for (reference, threads) in [(false, 4), (true, 1), (true, 4)] {
        let other = outputs(ws.path(), input, args, reference, threads);
        let names: Vec<&String> = base.keys().collect();
        assert_eq!(
            names,
            other.keys().collect::<Vec<_>>(),
            "{label}: reference={reference} -j{threads} wrote other files"
        );
        for (name, want) in &base {
            let got = &other[name];
            if want != got && !unless.contains(&name.as_str()) {
                // both sides kept for a closer look
                let keep = Path::new(env!("CARGO_TARGET_TMPDIR")).join("reference-diff");
                std::fs::create_dir_all(&keep).expect("diff dir");
                let file = name.replace('/', "_");
                std::fs::write(keep.join(format!("default-{file}")), want).expect("write");
                std::fs::write(keep.join(format!("other-{file}")), got).expect("write");
                let (w, g) = (String::from_utf8_lossy(want), String::from_utf8_lossy(got));
                let line = w
                    .lines()
                    .zip(g.lines())
                    .position(|(a, b)| a != b)
                    .unwrap_or(w.lines().count().min(g.lines().count()));
                let (wl, gl) = (
                    w.lines().nth(line).unwrap_or("<end>"),
                    g.lines().nth(line).unwrap_or("<end>"),
                );
                let at = wl
                    .bytes()
                    .zip(gl.bytes())
                    .position(|(a, b)| a != b)
                    .unwrap_or(0);
                let around = |l: &str| -> String {
                    l.chars().skip(at.saturating_sub(120)).take(240).collect()
                };
                panic!(
                    "{label}: {name} differs between default -j1 and reference={reference} -j{threads}, first at line {} column {at} (both kept in {}):\n  default: …{}…\n  other:   …{}…",
                    line + 1,
                    keep.display(),
                    around(wl),
                    around(gl)
                );
            }
        }
    }
}

/// The extra arguments a fixture needs (from its expected summary).
fn fixture_args(path: &Path) -> Vec<String> {
    let name = path
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    let expected = crate_root()
        .join("tests")
        .join("expected")
        .join(format!("{name}.json"));
    let Ok(text) = std::fs::read_to_string(expected) else {
        return Vec::new();
    };
    let v: Value = serde_json::from_str(&text).expect("expected summary is JSON");
    v["args"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn every_fixture_gives_the_same_bytes_in_every_mode() {
    let files: Vec<PathBuf> = walk(&fixtures_dir())
        .into_iter()
        .filter(|p| {
            let n = p.file_name().expect("name").to_string_lossy();
            // notes, and the README's screenshot of the HTML report
            !n.ends_with(".md") && !n.ends_with(".png") && !n.starts_with('.')
        })
        .collect();
    assert!(files.len() >= 30, "fixtures found: {}", files.len());
    for f in &files {
        let label = f
            .strip_prefix(fixtures_dir())
            .expect("inside")
            .display()
            .to_string();
        same_everywhere(&label, f, &fixture_args(f));
    }
}

#[test]
fn a_whole_fixture_directory_gives_the_same_bytes_in_every_mode() {
    // every input of a folder in one run: sequences across inputs
    same_everywhere("sequence/", &fixtures_dir().join("sequence"), &[]);
    // access logs with their error logs: the join, in every mode
    for dir in ["apache22", "apache24", "nginx"] {
        let d = fixtures_dir().join("servers").join(dir);
        same_everywhere(&format!("servers/{dir}/"), &d, &[]);
    }
    same_everywhere("servers/", &fixtures_dir().join("servers"), &[]);
}

#[test]
fn an_error_log_joined_across_many_chunks_gives_the_same_bytes_in_every_mode() {
    // 3,000 lines (about 60 chunks in the reference mode), a third of them
    // 401s; an error-log line (of three kinds) for every other 401
    let ws = workspace();
    let dir = ws.path().join("in");
    std::fs::create_dir(&dir).expect("dir");
    let mut access = String::new();
    let mut errors = String::new();
    for i in 0..3000u32 {
        let client = format!("192.0.2.{}", i % 97);
        let (m, s) = (i / 60 % 60, i % 60);
        let path = ["/private/", "/admin/", "/files/report.pdf"][(i % 3) as usize];
        let status = if i % 3 == 0 { 401 } else { 200 };
        access.push_str(&format!(
            "{client} - - [02/Jan/2024:10:{m:02}:{s:02} +0100] \"GET {path} HTTP/1.1\" {status} 381 \"-\" \"agent-{}\"\n",
            i % 5
        ));
        if i % 6 == 0 {
            let what = [
                "user x not found: ",
                "user x: authentication failure for \"",
                "client used wrong authentication scheme: ",
            ][(i / 6 % 3) as usize];
            let tail = if what.ends_with('"') {
                format!("{path}\": Password Mismatch")
            } else {
                path.to_string()
            };
            errors.push_str(&format!(
                "[Tue Jan 02 10:{m:02}:{s:02}.5 2024] [auth_basic:error] [pid 1:tid 2] [client {client}:4000] AH0161x: {what}{tail}\n"
            ));
        }
    }
    std::fs::write(dir.join("access.log"), access).expect("write");
    std::fs::write(dir.join("error.log"), errors).expect("write");
    same_everywhere("generated access and error log", &dir, &[]);
}

// ---------------------------------------------------------------------
// Generated traffic in every format

const NGINX_FORMAT: &str = "$remote_addr - $remote_user [$time_local] \"$request\" $status $body_bytes_sent \"$http_referer\" \"$http_user_agent\" $host $request_time \"$sent_http_www_authenticate\"";
const APACHE_FORMAT: &str = "%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-Agent}i\" \"%{Authorization}i\" \"%{WWW-Authenticate}o\" %v";

fn header<'e>(pairs: &'e [(String, String)], name: &str) -> Option<&'e str> {
    pairs
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn challenges(e: &Ev) -> Vec<&str> {
    e.resp
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("www-authenticate"))
        .map(|(_, v)| v.as_str())
        .collect()
}

/// The Basic user of a request, if it sent one.
fn basic_user(e: &Ev) -> Option<String> {
    use base64::Engine;
    let a = header(&e.req, "authorization")?;
    let (scheme, rest) = a.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let d = base64::engine::general_purpose::STANDARD
        .decode(rest.trim())
        .ok()?;
    let d = String::from_utf8(d).ok()?;
    d.split_once(':').map(|(u, _)| u.to_string())
}

fn or_dash(v: Option<&str>) -> String {
    v.map_or_else(|| "-".to_string(), str::to_string)
}

/// nginx's escaping of a logged value: `"`, `\` and bytes outside 0x20–0x7e.
fn nginx_escape(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'"' | b'\\' | 0..=0x1f | 0x7f..=0xff => format!("\\x{b:02X}"),
            _ => (b as char).to_string(),
        })
        .collect()
}

/// Apache's escaping of a logged value.
fn apache_escape(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"")
}

fn iso_secs(t_ms: i64) -> (String, String) {
    let s = rfc3339_ms(t_ms);
    (s[..10].to_string(), s[11..19].to_string())
}

fn render(format: &str, evs: &[Ev]) -> (String, String, Vec<String>) {
    let mut text = String::new();
    let mut args: Vec<String> = Vec::new();
    let ext = match format {
        "har" | "caddy" | "combined" => {
            let f = match format {
                "har" => scenario::Fmt::Har,
                "caddy" => scenario::Fmt::Caddy,
                _ => scenario::Fmt::Combined,
            };
            text = f.render(evs);
            f.ext()
        }
        "common" => {
            for e in evs {
                let line = scenario::combined_line(e);
                // combined without the referer and user agent
                let cut = line.rfind(" \"-\" \"").expect("combined tail");
                text.push_str(&line[..cut]);
                text.push('\n');
            }
            args = vec!["--format".into(), "common".into()];
            "log"
        }
        "traefik" => {
            for e in evs {
                let ip = client_ip(e.client);
                let mut v = json!({
                    "ClientAddr": format!("{ip}:40000"), "ClientHost": ip, "ClientPort": "40000",
                    "ClientUsername": or_dash(basic_user(e).as_deref()),
                    "DownstreamContentSize": 60, "DownstreamStatus": e.status, "Duration": 1_200_000,
                    "OriginStatus": e.status, "RequestAddr": e.host, "RequestHost": e.host,
                    "RequestMethod": e.method, "RequestPath": e.target, "RequestProtocol": "HTTP/1.1",
                    "StartUTC": rfc3339_ms(e.t_ms), "level": "info", "msg": "",
                    "request_User-Agent": client_ua(e.client),
                });
                for (n, k) in [
                    ("authorization", "request_Authorization"),
                    ("x-api-key", "request_X-Api-Key"),
                    ("cookie", "request_Cookie"),
                ] {
                    if let Some(x) = header(&e.req, n) {
                        v[k] = json!(x);
                    }
                }
                let ch = challenges(e);
                if !ch.is_empty() {
                    v["downstream_Www-Authenticate"] = json!(ch.join(", "));
                }
                text.push_str(&v.to_string());
                text.push('\n');
            }
            "json"
        }
        "envoy" => {
            for (i, e) in evs.iter().enumerate() {
                let v = json!({
                    "start_time": rfc3339_ms(e.t_ms), "method": e.method, "path": e.target,
                    "protocol": "HTTP/2", "response_code": e.status, "response_flags": "-",
                    "bytes_received": 0, "bytes_sent": 60, "duration": 3,
                    "x_forwarded_for": null, "user_agent": client_ua(e.client),
                    "request_id": format!("r-{i}"), "authority": e.host,
                    "upstream_host": "10.0.3.4:8080",
                    "downstream_remote_address": format!("{}:51234", client_ip(e.client)),
                });
                text.push_str(&v.to_string());
                text.push('\n');
            }
            "json"
        }
        "iis" => {
            text.push_str("#Software: Microsoft Internet Information Services 10.0\n#Version: 1.0\n#Date: 2024-06-03 00:00:00\n#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) cs-host sc-status sc-substatus sc-win32-status sc-bytes cs-bytes time-taken\n");
            for (i, e) in evs.iter().enumerate() {
                if i > 0 && i % 700 == 0 {
                    // a site restart writes the directives again
                    text.push_str("#Software: Microsoft Internet Information Services 10.0\n#Version: 1.0\n#Date: 2024-06-03 00:00:00\n#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) cs-host sc-status sc-substatus sc-win32-status sc-bytes cs-bytes time-taken\n");
                }
                let (d, t) = iso_secs(e.t_ms);
                let (stem, query) = e.target.split_once('?').unwrap_or((&e.target, "-"));
                let user = basic_user(e);
                let (sub, win32) = match (e.status, &user) {
                    (401, Some(_)) => (1, 1326u64),
                    (401, None) => (2, 5),
                    _ => (0, 0),
                };
                text.push_str(&format!(
                    "{d} {t} 10.20.0.15 {} {stem} {query} 443 {} {} {} - {} {} {sub} {win32} 512 300 3\n",
                    e.method,
                    or_dash(user.as_deref()),
                    client_ip(e.client),
                    client_ua(e.client).replace(' ', "+"),
                    e.host,
                    e.status
                ));
            }
            args = vec!["--format".into(), "iis".into()];
            "log"
        }
        "cloudfront" => {
            text.push_str("#Version: 1.0\n#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken\n");
            for (i, e) in evs.iter().enumerate() {
                let (d, t) = iso_secs(e.t_ms);
                let (stem, query) = e.target.split_once('?').unwrap_or((&e.target, "-"));
                text.push_str(&format!(
                    "{d}\t{t}\tFRA56-P1\t512\t{}\t{}\td111111abcdef8.cloudfront.net\t{stem}\t{}\t-\t{}\t{query}\t{}\tError\tr{i}\t{}\thttps\t180\t0.002\n",
                    client_ip(e.client),
                    e.method,
                    e.status,
                    client_ua(e.client).replace(' ', "%20"),
                    or_dash(header(&e.req, "cookie")).replace(' ', "%20"),
                    e.host
                ));
            }
            args = vec!["--format".into(), "cloudfront".into()];
            "log"
        }
        "alb" => {
            for e in evs {
                let ts = format!("{}000Z", &rfc3339_ms(e.t_ms)[..23]);
                text.push_str(&format!(
                    "https {ts} app/lb/50dc6c495c0c9188 {}:46532 10.0.0.66:9000 0.001 0.002 0.000 {} {} 34 366 \"{} https://{}:443{} HTTP/1.1\" \"{}\" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/t/73e2d6bc24d8a067 \"Root=1-58337262-36d228ad5d99923122bbe354\" \"{}\" \"-\" 0 {ts} \"forward\" \"-\" \"-\" \"10.0.0.66:9000\" \"{}\" \"-\" \"-\"\n",
                    client_ip(e.client),
                    e.status,
                    e.status,
                    e.method,
                    e.host,
                    e.target,
                    client_ua(e.client),
                    e.host,
                    e.status
                ));
            }
            args = vec!["--format".into(), "alb".into()];
            "log"
        }
        "nginx" => {
            for e in evs {
                text.push_str(&format!(
                    "{} - {} [{}] \"{} {} HTTP/2.0\" {} 60 \"-\" \"{}\" {} 0.012 \"{}\"\n",
                    client_ip(e.client),
                    or_dash(basic_user(e).as_deref()),
                    clf_time(e.t_ms),
                    e.method,
                    e.target,
                    e.status,
                    client_ua(e.client),
                    e.host,
                    nginx_escape(&or_dash(
                        Some(challenges(e).join(", ").as_str()).filter(|c| !c.is_empty())
                    ))
                ));
            }
            args = vec!["--log-format".into(), format!("nginx:{NGINX_FORMAT}")];
            "log"
        }
        "apache" => {
            for e in evs {
                text.push_str(&format!(
                    "{} - {} [{}] \"{} {} HTTP/1.1\" {} 60 \"-\" \"{}\" \"{}\" \"{}\" {}\n",
                    client_ip(e.client),
                    or_dash(basic_user(e).as_deref()),
                    clf_time(e.t_ms),
                    e.method,
                    e.target,
                    e.status,
                    client_ua(e.client),
                    apache_escape(&or_dash(header(&e.req, "authorization"))),
                    apache_escape(&or_dash(challenges(e).first().copied())),
                    e.host
                ));
            }
            args = vec!["--log-format".into(), format!("apache:{APACHE_FORMAT}")];
            "log"
        }
        other => panic!("no renderer for {other}"),
    };
    (ext.to_string(), text, args)
}

const FORMATS: &[&str] = &[
    "har",
    "combined",
    "common",
    "caddy",
    "traefik",
    "envoy",
    "iis",
    "cloudfront",
    "alb",
    "nginx",
    "apache",
];

#[test]
fn generated_traffic_gives_the_same_bytes_in_every_mode_and_format() {
    let ws = workspace();
    for (i, format) in FORMATS.iter().enumerate() {
        // a few hundred KiB: many 4 KiB reference chunks, sequences across them
        let evs = scenario::traffic_for(
            if *format == "har" {
                scenario::Fmt::Har
            } else {
                scenario::Fmt::Combined
            },
            0x5EED + i as u64,
            600,
        );
        let (ext, text, args) = render(format, &evs);
        let path = ws.path().join(format!("gen-{format}.{ext}"));
        std::fs::write(&path, &text).expect("write input");
        same_everywhere(&format!("generated {format}"), &path, &args);
    }
}

#[test]
fn out_of_order_input_gives_the_same_bytes_in_every_mode() {
    // One log repeated: time jumps back at each repetition (concatenated
    // files, a replayed capture). Every verdict and every output a person
    // reads must not depend on the chunking. The partial summary is left
    // out here: for a credential whose successes of one input are not in
    // time order, the success it keeps as "the nearest before" a 401 that
    // waits for other inputs is one of equal time, not always the same one.
    let ws = workspace();
    let evs = scenario::traffic_for(scenario::Fmt::Combined, 0xD15C, 300);
    let (_, text, _) = render("combined", &evs);
    let path = ws.path().join("repeated.log");
    std::fs::write(&path, text.repeat(4)).expect("write input");
    same_outputs(
        "repeated combined log",
        &path,
        &[],
        &["partial.json", "partial.stdout"],
    );
    let iis = std::fs::read_to_string(fixtures_dir().join("logs").join("u_ex240603.log"))
        .expect("fixture");
    let path = ws.path().join("u_ex_repeated.log");
    std::fs::write(&path, iis.repeat(200)).expect("write input");
    same_outputs(
        "repeated IIS log",
        &path,
        &[],
        &["partial.json", "partial.stdout"],
    );
}

#[test]
fn legs_behind_one_later_in_time_end_and_are_decided_in_every_mode() {
    // One 401 an hour later than every line after it keeps its handshake
    // leg open to the end; the 600 legs behind it end as time goes on (300
    // completed by their retry a second later, 300 not) and leave the
    // queue while it stays open, whatever the chunks.
    let ws = workspace();
    let line = |t: u32, ip: &str, path: &str, status: u16| {
        format!(
            "{ip} - - [01/May/2024:{:02}:{:02}:{:02} +0000] \"GET {path} HTTP/1.1\" {status} 12 \"-\" \"curl/8.0\"\n",
            t / 3600,
            t / 60 % 60,
            t % 60
        )
    };
    let mut log = line(11 * 3600, "10.9.9.9", "/late", 401);
    let mut t = 10 * 3600;
    for i in 0..300 {
        let ip = format!("10.0.{}.{}", i / 100, i % 100);
        log.push_str(&line(t, &ip, &format!("/p{i}"), 401));
        log.push_str(&line(t + 1, &ip, &format!("/p{i}"), 200));
        log.push_str(&line(t + 2, &ip, &format!("/q{i}"), 401));
        t += 3;
    }
    let path = ws.path().join("behind.log");
    std::fs::write(&path, &log).expect("write input");
    same_everywhere("legs behind a later one", &path, &[]);
    let s = authsift(ws.path(), &["analyze", "behind.log", "--json"]).json();
    assert_eq!(u(&s["totals"]["status_401"]), 601);
    assert_eq!(u(&s["causes"]["challenge_handshake"]), 300);
    assert_eq!(u(&s["causes"]["unknown"]), 301);
}
