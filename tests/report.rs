//! The HTML report: what the page holds, that it is self-contained and the
//! same bytes every time, that input text is escaped (a hostile path, user
//! agent or file name cannot run a script), that `report` gives the page of
//! `merge`, and — in a real browser (Chromium, headless) — that it renders
//! its totals and charts and that no injected script ran.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use serde_json::{Value, json};

/// Payloads that would change the page if they ran: the page's title, a
/// DOM marker, an alert.
const SCRIPT_PATH: &str = "<script>document.title='pwned';alert(1)</script>";
const IMG_AGENT: &str = "<img src=x onerror=alert(2)>";
const IMG_MARKER: &str = "<img src=x onerror=\"document.body.setAttribute('data-pwned','1')\">";
/// A file name that is markup (legal on Linux).
const IMG_FILE: &str = "<img src=x onerror=alert(2)>.har";

fn entry(i: usize, url: &str, agent: &str, status: u16, auth: Option<&str>) -> Value {
    let mut headers = vec![json!({"name": "User-Agent", "value": agent})];
    if let Some(a) = auth {
        headers.push(json!({"name": "Authorization", "value": a}));
    }
    json!({
        "startedDateTime": format!("2024-06-03T10:{:02}:{:02}.000Z", i / 60, i % 60),
        "time": 12,
        "request": {"method": "GET", "url": url, "httpVersion": "HTTP/1.1", "headers": headers,
                    "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0},
        "response": {"status": status, "statusText": "", "httpVersion": "HTTP/1.1",
                     "headers": if status == 401 {
                         vec![json!({"name": "WWW-Authenticate", "value": "Bearer realm=\"api\", error=\"invalid_token\""})]
                     } else { vec![] },
                     "cookies": [], "content": {"size": 0, "mimeType": "text/plain"},
                     "redirectURL": "", "headersSize": -1, "bodySize": 0},
        "cache": {}, "timings": {"send": 0, "wait": 12, "receive": 0}
    })
}

/// A capture whose paths, user agents and file name are markup.
fn hostile(dir: &Path) -> String {
    let mut entries = Vec::new();
    for i in 0..6 {
        let (url, agent) = match i % 3 {
            0 => (
                format!("https://api.example.com/v1/{SCRIPT_PATH}"),
                IMG_AGENT,
            ),
            1 => ("https://api.example.com/v1/me".to_string(), IMG_MARKER),
            _ => (
                "https://api.example.com/v1/orders".to_string(),
                "<script>alert(1)</script>",
            ),
        };
        entries.push(entry(
            i,
            &url,
            agent,
            401,
            Some("Bearer not-a-real-token-0123456789"),
        ));
    }
    let doc = json!({"log": {"version": "1.2", "creator": {"name": "test", "version": "1"}, "entries": entries}});
    std::fs::write(dir.join(IMG_FILE), serde_json::to_vec(&doc).unwrap()).unwrap();
    IMG_FILE.to_string()
}

fn html_of(dir: &Path, args: &[&str]) -> String {
    let mut all = vec!["analyze", "--html", "report.html"];
    all.extend_from_slice(args);
    authsift(dir, &all).expect_code(0);
    std::fs::read_to_string(dir.join("report.html")).expect("report written")
}

const GROUPS: &str = "cause,host,path,user_agent,client";

#[test]
fn input_text_is_escaped_everywhere() {
    let ws = workspace();
    let f = hostile(ws.path());
    let page = html_of(ws.path(), &["--group-by", GROUPS, &f]);
    // the page's own markup: one script element, no image at all
    assert_eq!(
        page.matches("<script").count(),
        1,
        "only the page's own script"
    );
    assert!(!page.contains("<img"), "an input's <img> became markup");
    // the text is shown, escaped
    assert!(
        page.contains("&lt;img src=x onerror=alert(2)&gt;"),
        "the user agent is shown"
    );
    assert!(
        page.contains("&lt;img src=x onerror=alert(2)&gt;.har"),
        "the file name is shown"
    );
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(
        !page.contains("not-a-real-token"),
        "no credential in the page"
    );
}

#[test]
fn the_page_is_self_contained_and_deterministic() {
    let ws = workspace();
    let har = fixtures_dir().join("har");
    let logs = fixtures_dir().join("logs");
    let args = [har.to_str().unwrap(), logs.to_str().unwrap()];
    let a = html_of(ws.path(), &args);
    std::fs::rename(ws.path().join("report.html"), ws.path().join("a.html")).unwrap();
    let b = html_of(ws.path(), &["-j1", args[0], args[1]]);
    assert_eq!(a, b, "two runs (any thread count) give the same page");
    // nothing to fetch: no external reference of any kind (text from
    // the input, such as a user agent naming a URL, is only text)
    for needle in [
        "src=", "href=", "url(", "@import", "<link", "<iframe", "<object",
    ] {
        assert!(
            !a.contains(needle),
            "the page references something: {needle}"
        );
    }
    // the content the page promises
    for id in [
        "id=\"totals\"",
        "id=\"total-401\"",
        "id=\"timeseries\"",
        "id=\"causes\"",
        "id=\"patterns\"",
        "id=\"incidents\"",
        "id=\"clients\"",
        "id=\"credentials\"",
        "id=\"inputs\"",
        "id=\"advice\"",
        "@media print",
    ] {
        assert!(a.contains(id), "the page lacks {id}");
    }
    // each cause's fix, from the cause table
    let causes: Value =
        serde_json::from_slice(&authsift(ws.path(), &["causes", "--json"]).stdout).unwrap();
    for c in causes.as_array().unwrap() {
        let fix = c["typical_fix"].as_str().unwrap();
        let id = c["id"].as_str().unwrap();
        let summary = authsift(ws.path(), &["analyze", "--json", args[0], args[1]]).json();
        if u(&summary["causes"][id]) > 0 {
            let escaped = fix
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('"', "&quot;")
                .replace('\'', "&#39;");
            assert!(a.contains(&escaped), "the fix of {id} is missing");
        }
    }
}

#[test]
fn report_of_partials_is_the_page_of_the_run() {
    let ws = workspace();
    let logs = fixtures_dir().join("logs");
    let har = fixtures_dir().join("har");
    let direct = html_of(ws.path(), &[har.to_str().unwrap(), logs.to_str().unwrap()]);
    authsift(
        ws.path(),
        &["analyze", "--partial", "h.json", har.to_str().unwrap()],
    )
    .expect_code(0);
    authsift(
        ws.path(),
        &["analyze", "--partial", "l.json", logs.to_str().unwrap()],
    )
    .expect_code(0);
    authsift(
        ws.path(),
        &["report", "l.json", "h.json", "-o", "merged.html"],
    )
    .expect_code(0);
    let merged = std::fs::read_to_string(ws.path().join("merged.html")).unwrap();
    // the inputs are the same, analysed in two parts and merged
    let totals = |p: &str| p[p.find("id=\"total-401\"").unwrap()..][..60].to_string();
    assert_eq!(totals(&direct), totals(&merged));
    // merge --html writes the same page as report
    authsift(
        ws.path(),
        &["merge", "l.json", "h.json", "--html", "m2.html"],
    )
    .expect_code(0);
    assert_eq!(
        merged,
        std::fs::read_to_string(ws.path().join("m2.html")).unwrap()
    );
    // to stdout with -o -
    let r = authsift(ws.path(), &["report", "l.json", "h.json", "-o", "-"]);
    r.expect_code(0);
    assert_eq!(r.stdout_text(), merged);
    // a partial that is not one fails as merge fails
    std::fs::write(ws.path().join("bad.json"), b"{}").unwrap();
    let r = authsift(ws.path(), &["report", "bad.json", "-o", "x.html"]);
    r.expect_code(2);
    assert!(
        r.stderr.contains("not an authsift partial summary"),
        "{}",
        r.stderr
    );
    assert!(!ws.path().join("x.html").exists());
}

// ------------------------------------------------------------ in a browser

/// Chromium, or why the browser test cannot run. CI sets
/// `AUTHSIFT_REQUIRE_CHROMIUM=1` (and installs it): there, a missing
/// browser fails the test instead of skipping it.
fn chromium() -> Option<PathBuf> {
    let found = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file());
    let required = std::env::var_os("AUTHSIFT_REQUIRE_CHROMIUM").is_some_and(|v| v == "1");
    if found.is_none() {
        assert!(
            !required,
            "AUTHSIFT_REQUIRE_CHROMIUM=1 but /usr/bin/chromium is not installed"
        );
        println!(
            "SKIPPED: the browser test needs /usr/bin/chromium (apt-get install chromium); .ci/run installs it"
        );
    }
    found
}

/// How long a page may take in the browser.
const BROWSER_SECONDS: u32 = 60;

/// Runs headless Chromium on `page` with a fresh profile, `extra` being
/// `--dump-dom` or `--screenshot=…`; its stdout.
fn headless(browser: &Path, dir: &Path, page: &Path, extra: &[String]) -> String {
    let profile = tempfile::Builder::new()
        .prefix("authsift-chromium-")
        .tempdir_in(dir)
        .unwrap();
    let out = Command::new("timeout")
        .arg(BROWSER_SECONDS.to_string())
        .arg(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
            "--window-size=1280,1600",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .current_dir(dir)
        .env("HOME", dir)
        .output()
        .expect("chromium runs");
    assert!(
        out.status.code() != Some(124),
        "chromium did not finish within {BROWSER_SECONDS} s: an alert() of an injected script blocks a headless page"
    );
    assert!(
        out.status.success(),
        "chromium failed ({:?}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn chromium_renders_the_report_and_runs_no_injected_script() {
    let Some(browser) = chromium() else {
        return;
    };
    let ws = workspace();
    let f = hostile(ws.path());
    // the fixtures and the hostile capture in one report
    let har = fixtures_dir().join("har");
    let logs = fixtures_dir().join("logs");
    let summary = authsift(
        ws.path(),
        &[
            "analyze",
            "--json",
            "--group-by",
            GROUPS,
            har.to_str().unwrap(),
            logs.to_str().unwrap(),
            &f,
        ],
    )
    .json();
    html_of(
        ws.path(),
        &[
            "--group-by",
            GROUPS,
            har.to_str().unwrap(),
            logs.to_str().unwrap(),
            &f,
        ],
    );
    let page = ws.path().join("report.html");
    let dom = headless(&browser, ws.path(), &page, &["--dump-dom".to_string()]);
    // the page's own script ran (it marks the root element) …
    assert!(
        dom.contains("class=\"js\""),
        "the page's script did not run:\n{}",
        &dom[..dom.len().min(600)]
    );
    // … and no injected one: the title, the body and the DOM are as written
    assert!(
        dom.contains("<title>authsift report</title>"),
        "the title changed"
    );
    assert!(
        !dom.contains("<title>pwned"),
        "an injected script changed the title"
    );
    assert!(!dom.contains("data-pwned=\"1\""), "an injected handler ran");
    assert!(!dom.contains("<img"), "an input's <img> became an element");
    assert!(
        dom.contains("&lt;img src=x onerror=alert(2)&gt;"),
        "the user agent is shown as text"
    );
    // the totals, as the JSON summary has them
    let total = u(&summary["totals"]["status_401"]);
    assert!(
        dom.contains(&format!("id=\"total-401\" data-total=\"{total}\"")),
        "the 401 total ({total}) is not in the page"
    );
    // the charts: stacked bars per cause, a legend, the causes' table
    let bars = dom.matches("<rect class=\"bar\"").count();
    assert!(bars >= 5, "{bars} bars in the time series");
    for c in CAUSE_IDS {
        if u(&summary["causes"][c]) > 0 {
            assert!(
                dom.contains(&format!("data-cause=\"{c}\"")),
                "no {c} in the chart or tables"
            );
        }
    }
    // a screenshot: a PNG of the page
    let shot = ws.path().join("shot.png");
    headless(
        &browser,
        ws.path(),
        &page,
        &[format!("--screenshot={}", shot.display())],
    );
    let png = std::fs::read(&shot).expect("screenshot written");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    assert!(
        png.len() > 20_000,
        "a screenshot of {} bytes is blank",
        png.len()
    );
}
