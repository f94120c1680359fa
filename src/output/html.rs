//! The HTML report: one self-contained page (inline CSS, inline SVG charts
//! drawn here, a few lines of inline script for sorting and a cause filter;
//! nothing fetched). Everything that comes from the input is escaped; the
//! page holds no time but the input's, so the same report gives the same
//! bytes.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;

use crate::summary::report::{PatternRow, Report};
use crate::time::Timestamp;
use crate::verdict::{CAUSES, Cause, CauseInfo};

use super::{cause_colour, group, percent, plural};

/// Rows of each table in the page (the CSV files of `--out` have all).
const TOP_PATTERNS: usize = 100;
const TOP_CLIENTS: usize = 25;
const TOP_CREDENTIALS: usize = 25;
const TOP_INCIDENTS: usize = 100;
const TOP_PROBLEMS: usize = 50;
/// Bars of the time series at most (buckets are widened to fit).
const MAX_BARS: i64 = 480;
/// A share of undecided 401s from which the page says what to log.
const UNKNOWN_ADVICE_SHARE: f64 = 0.2;

/// Text made safe for HTML content and quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    // control characters shown as the terminal table shows them (a page
    // renders them as nothing, `--html -` may go to a terminal)
    for c in super::terminal_text(s).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn info(c: Cause) -> &'static CauseInfo {
    CAUSES
        .iter()
        .find(|i| i.cause == c)
        .expect("every cause is in the cause table")
}

fn time(t: Option<Timestamp>) -> String {
    t.map(|t| t.to_string()).unwrap_or_default()
}

/// A cell whose sort key is a number.
fn num(n: u64) -> String {
    format!("<td class=\"n\" data-v=\"{n}\">{}</td>", group(n))
}

/// A cell with the cause's colour swatch.
fn cause_cell(c: Option<Cause>) -> String {
    match c {
        Some(c) => format!(
            "<td class=\"c\" data-v=\"{id}\"><span class=\"sw\" style=\"background:{col}\"></span>{id}</td>",
            id = c.id(),
            col = cause_colour(c).1
        ),
        None => "<td></td>".into(),
    }
}

fn text_cell(s: &str) -> String {
    format!("<td class=\"w\">{}</td>", escape(s))
}

const STYLE: &str = r#"
:root{--fg:#1d2330;--muted:#5f6b7a;--line:#dfe3ea;--bg:#f6f7f9;--card:#fff;--accent:#3b6fd6}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:var(--fg);background:var(--bg)}
header,main,footer{max-width:1200px;margin:0 auto;padding:0 20px}
header{padding-top:24px}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:17px;margin:28px 0 10px}
.sub,.note,footer{color:var(--muted)}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:10px;margin:16px 0}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 12px}
.card b{display:block;font-size:22px;font-variant-numeric:tabular-nums}
.card span{color:var(--muted);font-size:12px}
.panel{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px;overflow-x:auto}
.advice{background:#fff8e1;border:1px solid #f0d58a;border-radius:8px;padding:10px 14px;margin:12px 0}
table{border-collapse:collapse;width:100%;background:var(--card)}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:12px;color:var(--muted);font-weight:600;white-space:nowrap;background:#fafbfc}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.t{white-space:nowrap;font-size:12px}
td.c{white-space:nowrap}
#patterns table{font-size:13px}
#clients table,#credentials table,#inputs table{font-size:12px}
.small{font-size:11px;color:var(--muted)}
.wide{grid-column:span 2}
td.ev{min-width:240px;max-width:460px;overflow-wrap:anywhere}
td.w{overflow-wrap:anywhere;min-width:16ch}
td.code,code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px;overflow-wrap:anywhere}
td.code{min-width:18ch}
.sw{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px;vertical-align:baseline}
.meter{display:inline-block;height:8px;border-radius:4px;min-width:1px;vertical-align:middle}
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;margin:8px 0 0;font-size:12px;padding:0;list-style:none}
.badge{display:inline-block;font-size:11px;padding:1px 6px;border-radius:9px;background:#fde8e8;color:#9e1f1f;margin-left:6px}
.ok{background:#e6f4ea;color:#1e6b34}
svg text{font:11px system-ui,sans-serif;fill:var(--muted)}
.controls{margin:0 0 8px}
html.js th.sortable{cursor:pointer}
html.js th.sortable:after{content:" \2195";color:#b3bac5}
tr.hide{display:none}
@media print{
body{background:#fff;font-size:11px}
.controls,noscript{display:none}
.panel,.card{border-color:#ccc;break-inside:avoid}
section{break-inside:avoid-page}
tr.hide{display:table-row}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
"#;

const SCRIPT: &str = r#"
(function(){
document.documentElement.classList.add("js");
function key(td){var v=td.getAttribute("data-v");if(v===null)v=td.textContent;var n=Number(v);return v!==""&&!isNaN(n)?n:v.toLowerCase();}
document.querySelectorAll("table.sortable").forEach(function(t){
 t.querySelectorAll("th").forEach(function(th,i){
  th.classList.add("sortable");var asc=false;
  th.addEventListener("click",function(){
   asc=!asc;var b=t.tBodies[0];var rows=Array.prototype.slice.call(b.rows);
   rows.sort(function(x,y){var a=key(x.cells[i]),c=key(y.cells[i]);if(a<c)return asc?-1:1;if(a>c)return asc?1:-1;return 0;});
   rows.forEach(function(r){b.appendChild(r);});
  });
 });
});
var f=document.getElementById("cause-filter");
if(f){f.hidden=false;f.querySelector("select").addEventListener("change",function(e){
 var v=e.target.value;
 document.querySelectorAll("[data-cause]").forEach(function(el){
  var show=!v||el.getAttribute("data-cause")===v;
  if(el.tagName==="TR")el.classList.toggle("hide",!show);else el.style.opacity=show?"":"0.12";
 });
});}
})();
"#;

/// Writes the report page.
pub fn write<W: Write>(r: &Report, w: &mut W) -> std::io::Result<()> {
    let mut h = String::with_capacity(64 << 10);
    page(r, &mut h);
    w.write_all(h.as_bytes())
}

fn page(r: &Report, h: &mut String) {
    let t = &r.totals;
    let failing = t.status_401 - t.benign_401;
    let first = r.patterns.iter().filter_map(|p| p.first_seen).min();
    let last = r.patterns.iter().filter_map(|p| p.last_seen).max();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\" data-report=\"authsift\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<meta name=\"generator\" content=\"authsift {version}\">\n\
<title>authsift report</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<header>\n\
<h1>HTTP 401 analysis</h1>\n<p class=\"sub\">{inputs}, {range}</p>\n</header>\n<main>\n",
        version = escape(r.version),
        inputs = plural(t.inputs, "input", "inputs"),
        range = match (first, last) {
            (Some(a), Some(b)) => format!("401s from {a} to {b}"),
            _ => "no timed 401s".into(),
        },
    );
    totals(r, h, first, last);
    advice(r, h, failing);
    timeline(r, h);
    causes(r, h, failing);
    patterns(r, h);
    incidents(r, h);
    clients(r, h);
    credentials(r, h);
    inputs(r, h);
    let s = &r.settings;
    let _ = write!(
        h,
        "</main>\n<footer>\n<p>authsift {version} · grouped by {group} · {bucket}-second buckets · handshake window {window} s · clock skew {skew} s · \
incident at {inc} credentials a minute · storm at {storm} 401s a minute · fingerprint key <code>{key}</code> · phrase tables v{phrases}</p>\n</footer>\n\
<script>{SCRIPT}</script>\n</body>\n</html>\n",
        version = escape(r.version),
        group = escape(&s.group_by.join(", ")),
        bucket = s.bucket_seconds,
        window = s.handshake_window_seconds,
        skew = s.clock_skew_seconds,
        inc = s.incident_min_credentials,
        storm = s.storm_per_minute,
        key = escape(&s.fingerprint_key),
        phrases = s.phrases_version,
    );
}

fn card(h: &mut String, id: &str, value: &str, label: &str) {
    let _ = writeln!(
        h,
        "<div class=\"card\" id=\"{id}\"><b>{value}</b><span>{label}</span></div>"
    );
}

fn totals(r: &Report, h: &mut String, first: Option<Timestamp>, last: Option<Timestamp>) {
    let t = &r.totals;
    h.push_str("<section id=\"totals\" class=\"cards\">\n");
    let _ = writeln!(
        h,
        "<div class=\"card\" id=\"total-401\" data-total=\"{n}\"><b>{v}</b><span>HTTP 401s · {share} of {ex}</span></div>",
        n = t.status_401,
        v = group(t.status_401),
        share = percent(t.status_401, t.exchanges),
        ex = plural(t.exchanges, "exchange", "exchanges"),
    );
    card(
        h,
        "total-failing",
        &group(t.status_401 - t.benign_401),
        "failing (not handshakes)",
    );
    card(
        h,
        "total-benign",
        &group(t.benign_401),
        "benign handshake legs",
    );
    // the report holds the first rows of the client table only: below its
    // full count, the distinct clients are a lower bound
    let mut seen: Vec<&str> = r
        .clients
        .iter()
        .filter(|c| !c.other)
        .map(|c| c.client.as_str())
        .collect();
    seen.sort_unstable();
    seen.dedup();
    let complete = r.clients.len() as u64 >= r.clients_total && r.clients.iter().all(|c| !c.other);
    card(
        h,
        "total-clients",
        &format!(
            "{}{}",
            if complete { "" } else { "≥ " },
            group(seen.len() as u64)
        ),
        "failing clients",
    );
    card(
        h,
        "total-credentials",
        &group(r.credentials_total),
        "failing credentials (fingerprints)",
    );
    card(
        h,
        "total-inputs",
        &group(t.inputs),
        &format!(
            "inputs · {} unparsed · {} failed",
            plural(t.unparsed, "record", "records"),
            group(t.failed_inputs)
        ),
    );
    if let (Some(a), Some(b)) = (first, last) {
        let _ = writeln!(
            h,
            "<div class=\"card wide\" id=\"time-range\"><b style=\"font-size:14px\">{a}<br>{b}</b><span>first and last 401</span></div>"
        );
    }
    h.push_str("</section>\n");
    let sanitized: Vec<&str> = r
        .files
        .iter()
        .filter(|f| f.sanitized == Some(true))
        .map(|f| f.path.as_str())
        .collect();
    if !sanitized.is_empty() {
        let _ = writeln!(
            h,
            "<p class=\"advice\" id=\"sanitized\">Sanitized captures (credential headers removed; a request without one is no evidence of a missing credential): {}</p>",
            sanitized
                .iter()
                .map(|p| format!("<code>{}</code>", escape(p)))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
}

/// What to log when many 401s could not be decided: the share, and what
/// the evidence of the undecided patterns says is missing.
fn advice(r: &Report, h: &mut String, failing: u64) {
    let unknown = r.causes.0[Cause::Unknown.index()];
    let advised_inputs = r.files.iter().any(|f| f.advice.is_some());
    if failing == 0 || ((unknown as f64) < failing as f64 * UNKNOWN_ADVICE_SHARE && !advised_inputs)
    {
        return;
    }
    // the inputs count the 401s that show nothing to decide them by (some
    // of them get a cause from the absence of a credential)
    let undecided = r
        .files
        .iter()
        .map(|f| f.undecided_401)
        .fold(0u64, u64::saturating_add)
        .max(unknown)
        .min(failing);
    let mut missing: BTreeMap<&str, u64> = BTreeMap::new();
    for p in &r.patterns {
        let n = p.causes.0[Cause::Unknown.index()];
        if n > 0 {
            *missing.entry(p.example_evidence.as_str()).or_default() += n;
        }
    }
    let mut missing: Vec<(&str, u64)> = missing.into_iter().collect();
    missing.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let _ = write!(
        h,
        "<section id=\"advice\" class=\"advice\">\n<p><b>{} of the failing 401s ({}) could not be decided.</b> \
The inputs do not show what would decide them; logging the request's <code>Authorization</code> scheme \
(or a fingerprint of it) and the response's <code>WWW-Authenticate</code> header lets the rules decide. \
What the undecided ones lack:</p>\n<ul>\n",
        percent(undecided, failing),
        plural(undecided, "401", "401s"),
    );
    for (why, n) in missing.iter().take(8) {
        let _ = writeln!(
            h,
            "<li>{} — {}</li>",
            escape(why),
            plural(*n, "401", "401s")
        );
    }
    h.push_str("</ul>\n");
    // what each format should log, from the inputs' own advice
    let mut advised: Vec<(&str, &str)> = Vec::new();
    for f in &r.files {
        if let Some(a) = f.advice
            && !advised.iter().any(|(fmt, _)| *fmt == f.format)
        {
            advised.push((&f.format, a));
        }
    }
    if !advised.is_empty() {
        h.push_str("<p>What to log, per input format:</p>\n<ul>\n");
        for (format, a) in advised {
            let _ = writeln!(h, "<li><b>{}</b>: {}</li>", escape(format), escape(a));
        }
        h.push_str("</ul>\n");
    }
    h.push_str("</section>\n");
}

/// The stacked bars of 401s per cause over the buckets.
fn timeline(r: &Report, h: &mut String) {
    h.push_str(
        "<section id=\"over-time\">\n<h2>401s over time, by cause</h2>\n<div class=\"panel\">\n",
    );
    if r.timeseries.is_empty() {
        h.push_str("<p class=\"note\">No 401 with a time.</p>\n</div>\n</section>\n");
        return;
    }
    let bucket = r.settings.bucket_seconds.max(1);
    // bars of `width` seconds (a whole number of buckets): widened until
    // the bars that hold 401s are few enough to read
    let bars_of = |width: i64| {
        let mut stacks: BTreeMap<i64, [u64; Cause::COUNT]> = BTreeMap::new();
        for row in &r.timeseries {
            let start = row.bucket_start.secs().div_euclid(width) * width;
            let s = stacks.entry(start).or_insert([0; Cause::COUNT]);
            s[row.cause.index()] = s[row.cause.index()].saturating_add(row.count);
        }
        stacks
    };
    let mut width = bucket;
    let mut stacks = bars_of(width);
    while stacks.len() as i64 > MAX_BARS {
        width *= 2;
        stacks = bars_of(width);
    }
    let first = stacks.keys().next().copied().unwrap_or(0);
    let last = stacks.keys().next_back().copied().unwrap_or(0);
    let span = (last - first) / width + 1;
    // a time axis when the bars fill at least a quarter of it; else (a
    // few bursts far apart) the bars side by side, gaps marked
    let dense = span <= MAX_BARS && stacks.len() as i64 * 4 >= span;
    let slots = if dense { span } else { stacks.len() as i64 };
    let peak = stacks
        .values()
        .map(|s| s.iter().sum::<u64>())
        .max()
        .unwrap_or(1)
        .max(1);
    let (w, ht, left, bottom, top) = (960.0_f64, 260.0_f64, 44.0_f64, 22.0_f64, 8.0_f64);
    let plot_w = w - left - 8.0;
    let plot_h = ht - bottom - top;
    let bar_w = plot_w / slots as f64;
    let _ = write!(
        h,
        "<svg id=\"timeseries\" role=\"img\" aria-label=\"401s per cause over time\" viewBox=\"0 0 {w} {ht}\" width=\"100%\" preserveAspectRatio=\"none\" xmlns=\"http://www.w3.org/2000/svg\">\n\
<line x1=\"{left}\" y1=\"{base}\" x2=\"{right}\" y2=\"{base}\" stroke=\"#c5ccd6\"/>\n\
<text x=\"{lx}\" y=\"{ty}\" text-anchor=\"end\">{peak}</text><text x=\"{lx}\" y=\"{base}\" text-anchor=\"end\">0</text>\n",
        base = top + plot_h,
        right = w - 8.0,
        lx = left - 6.0,
        ty = top + 10.0,
        peak = group(peak),
    );
    let mut previous: Option<i64> = None;
    for (n, (&bar, stack)) in stacks.iter().enumerate() {
        let slot = if dense {
            (bar - first) / width
        } else {
            n as i64
        };
        let x = left + slot as f64 * bar_w;
        if !dense && previous.is_some_and(|p| p + width < bar) {
            let _ = writeln!(
                h,
                "<line class=\"gap\" x1=\"{gx:.2}\" y1=\"{top}\" x2=\"{gx:.2}\" y2=\"{base}\" stroke=\"#c5ccd6\" stroke-dasharray=\"3 3\"/>",
                gx = x - bar_w * 0.05,
                base = top + plot_h,
            );
        }
        previous = Some(bar);
        let start = Timestamp::from_secs(bar);
        let mut y = top + plot_h;
        for c in Cause::ALL {
            let count = stack[c.index()];
            if count == 0 {
                continue;
            }
            let bh = count as f64 / peak as f64 * plot_h;
            y -= bh;
            let _ = writeln!(
                h,
                "<rect class=\"bar\" data-cause=\"{id}\" x=\"{x:.2}\" y=\"{y:.2}\" width=\"{bw:.2}\" height=\"{bh:.2}\" fill=\"{col}\"><title>{start} · {id}: {count}</title></rect>",
                id = c.id(),
                bw = (bar_w * 0.9).max(0.5),
                col = cause_colour(c).1,
            );
        }
    }
    let _ = writeln!(
        h,
        "<text x=\"{left}\" y=\"{ly}\">{a}</text><text x=\"{right}\" y=\"{ly}\" text-anchor=\"end\">{b}</text>\n</svg>",
        ly = ht - 6.0,
        right = w - 8.0,
        a = Timestamp::from_secs(first),
        b = Timestamp::from_secs(last + width),
    );
    h.push_str("<ul class=\"legend\">");
    for c in Cause::ALL {
        if r.causes.0[c.index()] > 0 {
            let _ = write!(
                h,
                "<li><span class=\"sw\" style=\"background:{}\"></span>{}</li>",
                cause_colour(c).1,
                c.id()
            );
        }
    }
    let _ = writeln!(
        h,
        "</ul>\n<p class=\"note\">One bar per {}{}.</p>\n</div>\n</section>",
        duration(width).trim_start_matches("1 "),
        if dense {
            ""
        } else {
            "; times without a 401 are left out (a dashed line marks a gap)"
        }
    );
}

fn duration(secs: i64) -> String {
    match secs {
        s if s % 86400 == 0 => plural((s / 86400) as u64, "day", "days"),
        s if s % 3600 == 0 => plural((s / 3600) as u64, "hour", "hours"),
        s if s % 60 == 0 => plural((s / 60) as u64, "minute", "minutes"),
        s => plural(s as u64, "second", "seconds"),
    }
}

fn causes(r: &Report, h: &mut String, failing: u64) {
    h.push_str(
        "<section id=\"causes\">\n<h2>Causes</h2>\n<div class=\"panel\">\n<table class=\"sortable\">\n\
<thead><tr><th>cause</th><th class=\"n\">401s</th><th class=\"n\">share</th><th>meaning</th><th>fix</th></tr></thead>\n<tbody>\n",
    );
    let mut rows: Vec<(Cause, u64)> = Cause::ALL
        .iter()
        .map(|c| (*c, r.causes.0[c.index()]))
        .filter(|(_, n)| *n > 0)
        .collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let max = rows.iter().map(|r| r.1).max().unwrap_or(1).max(1);
    for (c, n) in rows {
        let i = info(c);
        // the share is of the failing 401s; handshakes stand apart
        let share = if c.is_benign() {
            "benign".to_string()
        } else {
            percent(n, failing)
        };
        let _ = writeln!(
            h,
            "<tr data-cause=\"{id}\">{cell}<td class=\"n\" data-v=\"{n}\">{count} <span class=\"meter\" style=\"width:{bw}px;background:{col}\"></span></td><td class=\"n\">{share}</td><td>{meaning}</td><td>{fix}</td></tr>",
            id = c.id(),
            cell = cause_cell(Some(c)),
            count = group(n),
            bw = (n as f64 / max as f64 * 80.0).round().max(1.0),
            col = cause_colour(c).1,
            meaning = escape(i.meaning),
            fix = escape(i.fix),
        );
    }
    h.push_str("</tbody>\n</table>\n</div>\n</section>\n");
}

fn dim_text<'a>(p: &'a PatternRow, dim: &str) -> &'a str {
    let v = match dim {
        "host" => &p.host,
        "method" => &p.method,
        "path" => &p.path,
        "client" => &p.client,
        "user_agent" => &p.user_agent,
        "credential" => &p.credential,
        "status_detail" => &p.status_detail,
        _ => &None,
    };
    v.as_deref().unwrap_or("")
}

fn patterns(r: &Report, h: &mut String) {
    let dims: &[&str] = &r.settings.group_by;
    let _ = writeln!(
        h,
        "<section id=\"patterns\">\n<h2>Top patterns</h2>\n\
<p class=\"controls\" id=\"cause-filter\" hidden><label>Cause <select><option value=\"\">all causes</option>{}</select></label></p>\n\
<div class=\"panel\">\n<table class=\"sortable\">",
        Cause::ALL
            .iter()
            .filter(|c| r.causes.0[c.index()] > 0)
            .map(|c| format!("<option>{}</option>", c.id()))
            .collect::<String>()
    );
    h.push_str("<thead><tr><th class=\"n\">401s</th>");
    for d in dims {
        let _ = write!(h, "<th>{}</th>", escape(d));
    }
    h.push_str(
        "<th>first and last seen</th><th class=\"n\">clients</th><th class=\"n\">credentials</th><th>evidence (of the first 401)</th></tr></thead>\n<tbody>\n",
    );
    for p in r.patterns.iter().take(TOP_PATTERNS) {
        let cause = p.cause.or_else(|| p.causes.dominant());
        let _ = write!(
            h,
            "<tr data-cause=\"{}\">{}",
            cause.map_or("", |c| c.id()),
            num(p.count)
        );
        for d in dims {
            if *d == "cause" {
                h.push_str(&cause_cell(p.cause));
            } else if *d == "path" || *d == "credential" {
                let _ = write!(h, "<td class=\"code\">{}</td>", escape(dim_text(p, d)));
            } else {
                h.push_str(&text_cell(dim_text(p, d)));
            }
        }
        let approx = if p.distinct_exact { "" } else { "≈" };
        let _ = writeln!(
            h,
            "<td class=\"t\" data-v=\"{}\">{}<br>{}</td><td class=\"n\" data-v=\"{c}\">{approx}{cg}</td><td class=\"n\" data-v=\"{k}\">{approx}{kg}</td><td class=\"ev\">{ex}<br><span class=\"small\">{kind} · <code>{rule}</code></span></td></tr>",
            time(p.first_seen),
            time(p.first_seen),
            time(p.last_seen),
            c = p.distinct_clients,
            cg = group(p.distinct_clients),
            k = p.distinct_credentials,
            kg = group(p.distinct_credentials),
            kind = escape(p.evidence_kind),
            rule = escape(&p.evidence_rule),
            ex = escape(&p.example_evidence),
        );
    }
    h.push_str("</tbody>\n</table>\n</div>\n");
    if r.patterns.len() > TOP_PATTERNS {
        let _ = writeln!(
            h,
            "<p class=\"note\">{} more in <code>summary.csv</code> (<code>--out DIR</code>) or <code>--json</code>.</p>",
            plural(
                (r.patterns.len() - TOP_PATTERNS) as u64,
                "pattern",
                "patterns"
            )
        );
    }
    h.push_str("</section>\n");
}

/// Incidents as lanes per host on a shared time axis, then as a table.
fn incidents(r: &Report, h: &mut String) {
    h.push_str("<section id=\"incidents\">\n<h2>Incidents</h2>\n");
    if r.incidents.is_empty() {
        let _ = writeln!(
            h,
            "<p class=\"note\">None: no minute in which {} valid credentials failed on one host.</p>\n</section>",
            r.settings.incident_min_credentials
        );
        return;
    }
    let shown = &r.incidents[..r.incidents.len().min(TOP_INCIDENTS)];
    let mut hosts: Vec<&str> = shown.iter().map(|i| i.host.as_str()).collect();
    hosts.sort_unstable();
    hosts.dedup();
    let t0 = shown.iter().map(|i| i.start.0).min().unwrap_or(0);
    let t1 = shown
        .iter()
        .map(|i| i.end.0)
        .max()
        .unwrap_or(0)
        .max(t0 + 60_000_000);
    let (w, lane, left) = (960.0_f64, 22.0_f64, 200.0_f64);
    let ht = lane * hosts.len() as f64 + 24.0;
    let span = (t1 - t0) as f64;
    let _ = writeln!(
        h,
        "<div class=\"panel\">\n<svg id=\"incident-timeline\" role=\"img\" aria-label=\"incidents over time\" viewBox=\"0 0 {w} {ht}\" width=\"100%\" xmlns=\"http://www.w3.org/2000/svg\">"
    );
    for (li, host) in hosts.iter().enumerate() {
        let y = li as f64 * lane;
        let name = if host.is_empty() { "(no host)" } else { host };
        let _ = writeln!(
            h,
            "<text x=\"{tx}\" y=\"{ty}\" text-anchor=\"end\">{}</text><line x1=\"{left}\" y1=\"{ly}\" x2=\"{w}\" y2=\"{ly}\" stroke=\"#eef0f3\"/>",
            escape(&super::table::shorten(name, 30)),
            tx = left - 8.0,
            ty = y + 15.0,
            ly = y + 11.0,
        );
    }
    for i in shown {
        let li = hosts.iter().position(|x| *x == i.host).unwrap_or(0);
        let x = left + (i.start.0 - t0) as f64 / span * (w - left - 4.0);
        let x2 = left + (i.end.0 - t0) as f64 / span * (w - left - 4.0);
        let cause = i.dominant_cause.unwrap_or(Cause::Unknown);
        let _ = writeln!(
            h,
            "<rect class=\"incident\" data-cause=\"{id}\" x=\"{x:.2}\" y=\"{y:.2}\" width=\"{iw:.2}\" height=\"16\" rx=\"3\" fill=\"{col}\"><title>{host} {a} – {b}: {n}</title></rect>",
            id = cause.id(),
            y = li as f64 * lane + 3.0,
            iw = (x2 - x).max(4.0),
            col = cause_colour(cause).1,
            host = escape(&i.host),
            a = i.start,
            b = i.end,
            n = plural(i.count_401, "401", "401s"),
        );
    }
    let _ = writeln!(
        h,
        "<text x=\"{left}\" y=\"{ly}\">{a}</text><text x=\"{w}\" y=\"{ly}\" text-anchor=\"end\">{b}</text>\n</svg>",
        ly = ht - 4.0,
        a = Timestamp(t0),
        b = Timestamp(t1),
    );
    h.push_str(
        "<table class=\"sortable\"><thead><tr><th>host</th><th>start</th><th>end</th><th class=\"n\">credentials</th><th class=\"n\">clients</th><th class=\"n\">401s</th><th>mostly</th></tr></thead>\n<tbody>\n",
    );
    for i in shown {
        let _ = writeln!(
            h,
            "<tr data-cause=\"{}\">{}<td class=\"t\">{}</td><td class=\"t\">{}</td>{}{}{}{}</tr>",
            i.dominant_cause.map_or("", |c| c.id()),
            text_cell(&i.host),
            i.start,
            i.end,
            num(i.distinct_credentials),
            num(i.distinct_clients),
            num(i.count_401),
            cause_cell(i.dominant_cause),
        );
    }
    h.push_str("</tbody>\n</table>\n</div>\n");
    if r.incidents.len() > shown.len() {
        let _ = writeln!(
            h,
            "<p class=\"note\">{} more in <code>incidents.csv</code> (<code>--out DIR</code>).</p>",
            plural(
                (r.incidents.len() - shown.len()) as u64,
                "incident",
                "incidents"
            )
        );
    }
    h.push_str("</section>\n");
}

fn clients(r: &Report, h: &mut String) {
    h.push_str("<section id=\"clients\">\n<h2>Top failing clients</h2>\n");
    if r.clients.is_empty() {
        h.push_str("<p class=\"note\">None.</p>\n</section>\n");
        return;
    }
    let storms = r.clients.iter().filter(|c| c.storm).count();
    let _ = writeln!(
        h,
        "<p class=\"note\">{} at {} or more 401s a minute from one client and credential.</p>",
        plural(storms as u64, "retry storm", "retry storms"),
        r.settings.storm_per_minute
    );
    h.push_str(
        "<div class=\"panel\">\n<table class=\"sortable\"><thead><tr><th>client</th><th>user agent</th><th>credential</th><th class=\"n\">401s</th><th>first</th><th>last</th><th class=\"n\">peak / min</th><th>storm</th><th>mostly</th></tr></thead>\n<tbody>\n",
    );
    for c in r.clients.iter().take(TOP_CLIENTS) {
        let _ = writeln!(
            h,
            "<tr data-cause=\"{}\"><td class=\"code\">{}</td>{}<td class=\"code\">{}</td>{}<td class=\"t\">{}</td><td class=\"t\">{}</td>{}<td data-v=\"{}\">{}</td>{}</tr>",
            c.dominant_cause.map_or("", |c| c.id()),
            escape(&c.client),
            text_cell(c.user_agent.as_deref().unwrap_or("")),
            escape(c.credential.as_deref().unwrap_or("")),
            num(c.count_401),
            time(c.first),
            time(c.last),
            num(c.peak_per_minute),
            c.storm as u8,
            if c.storm {
                "<span class=\"badge\">storm</span>"
            } else {
                ""
            },
            cause_cell(c.dominant_cause),
        );
    }
    h.push_str("</tbody>\n</table>\n</div>\n");
    if r.clients_total > TOP_CLIENTS as u64 {
        let _ = writeln!(
            h,
            "<p class=\"note\">{} more in <code>clients.csv</code> (<code>--out DIR</code>).</p>",
            plural(r.clients_total - TOP_CLIENTS as u64, "row", "rows")
        );
    }
    h.push_str("</section>\n");
}

fn credentials(r: &Report, h: &mut String) {
    h.push_str("<section id=\"credentials\">\n<h2>Top failing credentials</h2>\n");
    if r.credentials.is_empty() {
        h.push_str("<p class=\"note\">No failing 401 carried a credential.</p>\n</section>\n");
        return;
    }
    // a credential's peak: the highest of its clients' (the rows the report holds)
    let mut peaks: BTreeMap<&str, (u64, bool)> = BTreeMap::new();
    for c in &r.clients {
        if let Some(k) = c.credential.as_deref() {
            let e = peaks.entry(k).or_default();
            e.0 = e.0.max(c.peak_per_minute);
            e.1 |= c.storm;
        }
    }
    h.push_str(
        "<div class=\"panel\">\n<table class=\"sortable\"><thead><tr><th>fingerprint</th><th class=\"n\">failures</th><th>first failure</th><th>last failure</th><th>first success</th><th>last success</th><th class=\"n\">peak / min (a client)</th><th>mostly</th></tr></thead>\n<tbody>\n",
    );
    for c in r.credentials.iter().take(TOP_CREDENTIALS) {
        let (peak, storm) = peaks
            .get(c.credential.as_str())
            .copied()
            .unwrap_or_default();
        let dominant = c.causes.dominant();
        let _ = writeln!(
            h,
            "<tr data-cause=\"{}\"><td class=\"code\">{}</td>{}<td class=\"t\">{}</td><td class=\"t\">{}</td><td class=\"t\">{}</td><td class=\"t\">{}</td><td class=\"n\" data-v=\"{peak}\">{}{}</td>{}</tr>",
            dominant.map_or("", |c| c.id()),
            escape(&c.credential),
            num(c.failures),
            time(c.first_failure),
            time(c.last_failure),
            time(c.first_success),
            time(c.last_success),
            group(peak),
            if storm {
                "<span class=\"badge\">storm</span>"
            } else {
                ""
            },
            cause_cell(dominant),
        );
    }
    h.push_str("</tbody>\n</table>\n</div>\n");
    if r.credentials_total > TOP_CREDENTIALS as u64 {
        let _ = writeln!(
            h,
            "<p class=\"note\">{} more in <code>credentials.csv</code> (<code>--out DIR</code>).</p>",
            plural(r.credentials_total - TOP_CREDENTIALS as u64, "row", "rows")
        );
    }
    h.push_str("</section>\n");
}

fn inputs(r: &Report, h: &mut String) {
    h.push_str(
        "<section id=\"inputs\">\n<h2>Inputs</h2>\n<div class=\"panel\">\n<table class=\"sortable\"><thead><tr><th>input</th><th>format</th><th class=\"n\">bytes</th><th class=\"n\">exchanges</th><th class=\"n\">401s</th><th class=\"n\">unparsed</th><th class=\"n\">degraded</th><th>notes</th></tr></thead>\n<tbody>\n",
    );
    for f in &r.files {
        let mut notes = String::new();
        if f.sanitized == Some(true) {
            notes.push_str("<span class=\"badge\">sanitized</span> ");
        }
        if let Some(e) = &f.error {
            let _ = write!(notes, "<span class=\"badge\">failed</span> {}", escape(e));
        }
        let _ = writeln!(
            h,
            "<tr><td class=\"code\">{}</td>{}{}{}{}{}{}<td>{}</td></tr>",
            escape(&f.path),
            text_cell(&f.format),
            num(f.bytes),
            num(f.exchanges),
            num(f.status_401),
            num(f.unparsed),
            num(f.degraded),
            notes
        );
    }
    h.push_str("</tbody>\n</table>\n</div>\n");
    if !r.problems.is_empty() {
        h.push_str("<h2>Problems</h2>\n<div class=\"panel\">\n<ul id=\"problems\">\n");
        for p in r.problems.iter().take(TOP_PROBLEMS) {
            let _ = writeln!(
                h,
                "<li><code>{}</code>: {}</li>",
                escape(&p.location()),
                escape(&p.message)
            );
        }
        h.push_str("</ul>\n");
        if r.problems.len() > TOP_PROBLEMS {
            let _ = writeln!(
                h,
                "<p class=\"note\">{} more in <code>summary.json</code> (<code>--out DIR</code>) or <code>--json</code>.</p>",
                plural(
                    (r.problems.len() - TOP_PROBLEMS) as u64,
                    "problem",
                    "problems"
                )
            );
        }
        h.push_str("</div>\n");
    }
    h.push_str("</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape("<script>alert(1)</script>"),
            "&lt;script&gt;alert(1)&lt;/script&gt;"
        );
        assert_eq!(
            escape("<img src=x onerror=\"a('b')\">&"),
            "&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;&amp;"
        );
        assert_eq!(escape("/a\x1b]0;t\x07<b>"), "/a\\x1b]0;t\\x07&lt;b&gt;");
    }

    #[test]
    fn durations_name_their_unit() {
        assert_eq!(duration(3600), "1 hour");
        assert_eq!(duration(7200), "2 hours");
        assert_eq!(duration(300), "5 minutes");
        assert_eq!(duration(86400), "1 day");
    }
}
