//! The terminal summary: totals, causes, the top patterns, incidents,
//! storms and problems, in plain text that fits a terminal.

use std::io::Write;

use crate::summary::report::Report;
use crate::verdict::Cause;

const TOP_PATTERNS: usize = 15;
const TOP_ROWS: usize = 5;

fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn cut(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(width.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

pub fn write<W: Write>(r: &Report, w: &mut W) -> std::io::Result<()> {
    let t = &r.totals;
    writeln!(
        w,
        "{} input{}, {} exchanges, {} HTTP 401 ({} benign handshake leg{}), {} unparsed",
        t.inputs,
        if t.inputs == 1 { "" } else { "s" },
        group(t.exchanges),
        group(t.status_401),
        group(t.benign_401),
        if t.benign_401 == 1 { "" } else { "s" },
        group(t.unparsed)
    )?;
    if t.filtered > 0 {
        writeln!(w, "{} exchanges outside --since/--until", group(t.filtered))?;
    }
    for f in r.files.iter().filter(|f| f.sanitized == Some(true)) {
        writeln!(
            w,
            "{}: credential headers were removed from this capture (a sanitized export): a request without one is no evidence of a missing credential. For a complete HAR, enable \"Allow to generate HAR with sensitive data\" in Chrome DevTools settings and use \"Export HAR (with sensitive data)\"; --sanitized no overrides",
            f.path
        )?;
    }
    // one line per format whose inputs left many 401s without evidence (a
    // sanitized capture has its own line above)
    let mut advised: Vec<(&str, &str, u64, u64)> = Vec::new();
    for f in r.files.iter().filter(|f| f.sanitized != Some(true)) {
        let Some(advice) = f.advice else { continue };
        match advised.iter_mut().find(|a| a.0 == f.format) {
            Some(a) => (a.2, a.3) = (a.2 + f.undecided_401, a.3 + f.status_401),
            None => advised.push((&f.format, advice, f.undecided_401, f.status_401)),
        }
    }
    for (format, advice, undecided, all) in advised {
        writeln!(
            w,
            "{format}: {} of {} 401s show nothing to decide them by. {advice}",
            group(undecided),
            group(all)
        )?;
    }
    let problems_401 = t.status_401 - t.benign_401;
    writeln!(w)?;
    writeln!(w, "Causes of {} failing 401s", group(problems_401))?;
    let mut rows: Vec<(Cause, u64)> = Cause::ALL
        .iter()
        .map(|c| (*c, r.causes.0[c.index()]))
        .filter(|(c, n)| *n > 0 && !c.is_benign())
        .collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    if rows.is_empty() {
        writeln!(w, "  (none)")?;
    }
    for (c, n) in rows {
        let pct = if problems_401 > 0 {
            n as f64 * 100.0 / problems_401 as f64
        } else {
            0.0
        };
        writeln!(w, "  {:<26}{:>10}  {:>5.1}%", c.id(), group(n), pct)?;
        writeln!(w, "      fix: {}", r.cause_fix(c))?;
    }
    if t.benign_401 > 0 {
        writeln!(
            w,
            "Benign: {:<18}{:>10}",
            Cause::ChallengeHandshake.id(),
            group(t.benign_401)
        )?;
    }
    let failing: Vec<_> = r
        .patterns
        .iter()
        .filter(|p| p.cause.is_none_or(|c| !c.is_benign()))
        .take(TOP_PATTERNS)
        .collect();
    if !failing.is_empty() {
        writeln!(w)?;
        writeln!(w, "Top patterns")?;
        writeln!(
            w,
            "  {:>8}  {:<24} {:<6} {:<30} {:<34} evidence",
            "count", "cause", "method", "host", "path"
        )?;
        for p in failing {
            writeln!(
                w,
                "  {:>8}  {:<24} {:<6} {:<30} {:<34} {}",
                group(p.count),
                p.cause.map_or("", |c| c.id()),
                cut(p.method.as_deref().unwrap_or(""), 6),
                cut(p.host.as_deref().unwrap_or(""), 30),
                cut(p.path.as_deref().unwrap_or(""), 34),
                cut(&p.example_evidence, 70)
            )?;
        }
    }
    if !r.incidents.is_empty() {
        writeln!(w)?;
        writeln!(w, "Incidents (many valid credentials failing together)")?;
        for i in r.incidents.iter().take(TOP_ROWS) {
            writeln!(
                w,
                "  {} {} – {}  {} credentials, {} clients, {} 401s, mostly {}",
                if i.host.is_empty() {
                    "(no host)"
                } else {
                    &i.host
                },
                i.start,
                i.end,
                i.distinct_credentials,
                i.distinct_clients,
                i.count_401,
                i.dominant_cause.map_or("", |c| c.id())
            )?;
        }
    }
    let storms: Vec<_> = r
        .clients
        .iter()
        .filter(|c| c.storm)
        .take(TOP_ROWS)
        .collect();
    if !storms.is_empty() {
        writeln!(w)?;
        writeln!(
            w,
            "Retry storms (clients hammering with failing credentials)"
        )?;
        for c in storms {
            writeln!(
                w,
                "  {} credential {}: {} 401s, peak {}/min, mostly {}",
                cut(&c.client, 40),
                c.credential.as_deref().unwrap_or("-"),
                c.count_401,
                c.peak_per_minute,
                c.dominant_cause.map_or("", |c| c.id())
            )?;
        }
    }
    let failed: Vec<_> = r.files.iter().filter(|f| f.error.is_some()).collect();
    if !r.problems.is_empty() || !failed.is_empty() {
        writeln!(w)?;
        writeln!(w, "Problems")?;
        for f in failed {
            writeln!(w, "  {}: {}", f.path, f.error.as_deref().unwrap_or(""))?;
        }
        for p in r.problems.iter().take(TOP_PATTERNS) {
            writeln!(w, "  {}:{}: {}", p.file, p.position, p.message)?;
        }
        if r.problems.len() > TOP_PATTERNS {
            writeln!(
                w,
                "  … {} more in summary.json",
                r.problems.len() - TOP_PATTERNS
            )?;
        }
    }
    Ok(())
}
