//! The terminal summary: totals, causes, the top patterns, incidents,
//! storms and problems, in plain text that fits the width it is given
//! (columns shrink, long values lose their middle, never their ends).
//! Every text is measured, cut and written through `shorten` or `wrap`,
//! which escape the control characters of input text (`terminal_text`):
//! the table's only escape sequences are its own colours.

use std::io::Write;

use crate::summary::report::{PatternRow, Report};
use crate::verdict::Cause;

use super::{cause_colour, group, percent, plural, terminal_text};

const TOP_PATTERNS: usize = 15;
const TOP_ROWS: usize = 5;
/// The width when stdout is not a terminal and `COLUMNS` says nothing.
pub const DEFAULT_WIDTH: usize = 100;
/// Narrower than this, the table is laid out as if it had this width.
const MIN_WIDTH: usize = 40;

/// How the table is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// Columns available.
    pub width: usize,
    /// Causes in colour (ANSI sequences).
    pub colour: bool,
}

impl Default for Layout {
    fn default() -> Self {
        Layout {
            width: DEFAULT_WIDTH,
            colour: false,
        }
    }
}

impl Layout {
    /// The width: `COLUMNS` when it holds a number, else the terminal's
    /// when stdout is one, else `DEFAULT_WIDTH`.
    pub fn width_of_stdout() -> usize {
        if let Some(n) = std::env::var("COLUMNS")
            .ok()
            .and_then(|v| v.trim().parse::<usize>().ok())
            .filter(|&n| n > 0)
        {
            return n;
        }
        match terminal_size::terminal_size_of(std::io::stdout()) {
            Some((terminal_size::Width(w), _)) if w > 0 => w as usize,
            _ => DEFAULT_WIDTH,
        }
    }
}

/// Characters `s` takes on the screen, its control characters escaped
/// (one per char: the table's text is ids, paths and evidence).
fn width_of(s: &str) -> usize {
    terminal_text(s).chars().count()
}

/// `s` in at most `width` characters, its control characters escaped
/// (`terminal_text`): the middle is replaced by `…`, so that the start and
/// the end (where a path's resource and an evidence's conclusion are) both
/// stay.
pub fn shorten(s: &str, width: usize) -> String {
    let s = terminal_text(s);
    let n = width_of(&s);
    if n <= width {
        return s.into_owned();
    }
    if width == 0 {
        return String::new();
    }
    let chars: Vec<char> = s.chars().collect();
    let keep = width - 1;
    let mut head = keep.div_ceil(2);
    let mut tail = keep - head;
    // cut between words when a word boundary is near (a time or an id
    // is either shown whole or left out)
    if let Some(sp) = chars[..head].iter().rposition(|&c| c == ' ')
        && sp + 1 >= head - head / 3
    {
        head = sp + 1;
    }
    if let Some(sp) = chars[n - tail..].iter().position(|&c| c == ' ')
        && sp < tail / 3
    {
        tail -= sp + 1;
    }
    let mut out: String = chars[..head].iter().collect();
    out.push('…');
    out.extend(&chars[n - tail..]);
    out
}

/// `s` padded to `width` (left-aligned), coloured with `sgr` when given.
fn cell(s: &str, width: usize, sgr: Option<&str>) -> String {
    let text = shorten(s, width);
    let pad = width.saturating_sub(width_of(&text));
    match sgr {
        Some(code) => format!("\x1b[{code}m{text}\x1b[0m{}", " ".repeat(pad)),
        None => format!("{text}{}", " ".repeat(pad)),
    }
}

/// Lines of at most `width` characters, broken between words, the control
/// characters of `text` escaped (`terminal_text`).
fn wrap(text: &str, width: usize, indent: &str) -> Vec<String> {
    let text = terminal_text(text);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let used = width_of(&line);
        if used > 0 && used + 1 + width_of(word) > width {
            lines.push(std::mem::take(&mut line));
            line.push_str(indent);
        }
        if !line.is_empty() && !line.ends_with(' ') {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.trim().is_empty() {
        lines.push(line);
    }
    lines
}

/// The text of a pattern's dimension (`dim` as in `--group-by`).
fn dim_value<'a>(p: &'a PatternRow, dim: &str) -> &'a str {
    let v = match dim {
        "cause" => return p.cause.map_or("", |c| c.id()),
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

/// The narrowest a column of `dim` (`natural` wide) becomes before the
/// table overflows: a cause, a method and a fingerprint are never cut.
fn min_width(dim: &str, natural: usize) -> usize {
    match dim {
        "cause" | "method" | "credential" => natural,
        _ => natural.min(10),
    }
}

/// The evidence stays on a pattern's row when it has this much room (or
/// all it needs); else it is written on a line of its own, indented so.
const EVIDENCE_INLINE: usize = 40;
const EVIDENCE_INDENT: &str = "        ";
/// What a column of free text counts as at first (see `write`).
const CAPPED: usize = 40;

/// Column widths: each its natural width when they fit in `avail`, else
/// the widest shrunk first, one character at a time, down to its minimum.
fn fit_columns(natural: &[usize], minimum: &[usize], avail: usize) -> Vec<usize> {
    let mut w = natural.to_vec();
    let mut total: usize = w.iter().sum();
    while total > avail {
        let Some(i) = (0..w.len())
            .filter(|&i| w[i] > minimum[i])
            .max_by_key(|&i| (w[i], std::cmp::Reverse(i)))
        else {
            break;
        };
        w[i] -= 1;
        total -= 1;
    }
    w
}

pub fn write<W: Write>(r: &Report, layout: Layout, w: &mut W) -> std::io::Result<()> {
    let width = layout.width.max(MIN_WIDTH);
    let paint = |c: Cause| layout.colour.then(|| cause_colour(c).0);
    let t = &r.totals;
    let headline = format!(
        "{}, {}, {} ({} of exchanges; {}), {} unparsed",
        plural(t.inputs, "input", "inputs"),
        plural(t.exchanges, "exchange", "exchanges"),
        plural(t.status_401, "HTTP 401", "HTTP 401s"),
        percent(t.status_401, t.exchanges),
        plural(
            t.benign_401,
            "benign handshake leg",
            "benign handshake legs"
        ),
        group(t.unparsed)
    );
    for line in wrap(&headline, width, "  ") {
        writeln!(w, "{line}")?;
    }
    if t.filtered > 0 {
        writeln!(
            w,
            "{} outside --since/--until",
            plural(t.filtered, "exchange", "exchanges")
        )?;
    }
    for f in r.files.iter().filter(|f| f.sanitized == Some(true)) {
        let note = format!(
            "{}: credential headers were removed from this capture (a sanitized export): a request without one is no evidence of a missing credential. For a complete HAR, enable \"Allow to generate HAR with sensitive data\" in Chrome DevTools settings and use \"Export HAR (with sensitive data)\"; --sanitized no overrides",
            f.path
        );
        for line in wrap(&note, width, "  ") {
            writeln!(w, "{line}")?;
        }
    }
    // one line per format (or known layout: Gin's request log) whose
    // inputs left many 401s without evidence (a sanitized capture has its
    // own line above)
    let mut advised: Vec<(&str, &str, u64, u64)> = Vec::new();
    for f in r.files.iter().filter(|f| f.sanitized != Some(true)) {
        let Some(advice) = f.advice else { continue };
        let read_as = f.layout.as_deref().unwrap_or(&f.format);
        match advised.iter_mut().find(|a| a.0 == read_as) {
            Some(a) => (a.2, a.3) = (a.2 + f.undecided_401, a.3 + f.status_401),
            None => advised.push((read_as, advice, f.undecided_401, f.status_401)),
        }
    }
    for (format, advice, undecided, all) in advised {
        let line = format!(
            "{format}: {} of {} 401s show nothing to decide them by. {advice}",
            group(undecided),
            group(all)
        );
        for l in wrap(&line, width, "  ") {
            writeln!(w, "{l}")?;
        }
    }
    for f in &r.files {
        if let Some(e) = &f.error_log {
            let line = format!(
                "{}: error log, {} authentication lines, {} joined to a 401, {} unjoined",
                f.path,
                group(e.auth_failures),
                group(e.joined),
                group(e.unjoined)
            );
            for l in wrap(&line, width, "  ") {
                writeln!(w, "{l}")?;
            }
        }
    }
    let problems_401 = t.status_401 - t.benign_401;
    writeln!(w)?;
    writeln!(
        w,
        "Causes of {}",
        plural(problems_401, "failing 401", "failing 401s")
    )?;
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
        writeln!(
            w,
            "  {}{:>10}  {:>6}",
            cell(c.id(), 26, paint(c)),
            group(n),
            percent(n, problems_401)
        )?;
        let fix = format!("fix: {}", r.cause_fix(c));
        for line in wrap(&fix, width.saturating_sub(6), "     ") {
            writeln!(w, "      {line}")?;
        }
    }
    if t.benign_401 > 0 {
        let c = Cause::ChallengeHandshake;
        writeln!(
            w,
            "Benign: {}{:>10}",
            cell(c.id(), 20, paint(c)),
            group(t.benign_401)
        )?;
    }
    let failing: Vec<&PatternRow> = r
        .patterns
        .iter()
        .filter(|p| p.cause.is_none_or(|c| !c.is_benign()))
        .collect();
    if !failing.is_empty() {
        let shown = &failing[..failing.len().min(TOP_PATTERNS)];
        writeln!(w)?;
        writeln!(w, "Top patterns")?;
        let dims: &[&str] = &r.settings.group_by;
        let count_w = shown
            .iter()
            .map(|p| width_of(&group(p.count)))
            .max()
            .unwrap_or(0)
            .max("count".len());
        let natural: Vec<usize> = dims
            .iter()
            .map(|d| {
                shown
                    .iter()
                    .map(|p| width_of(dim_value(p, d)))
                    .max()
                    .unwrap_or(0)
                    .max(width_of(d))
            })
            .collect();
        let evidence = shown
            .iter()
            .map(|p| width_of(&p.example_evidence))
            .max()
            .unwrap_or(0);
        let minimum: Vec<usize> = dims
            .iter()
            .zip(&natural)
            .map(|(d, &n)| min_width(d, n))
            .collect();
        // two spaces of indent, the count, then a space before every column
        let avail = width.saturating_sub(2 + count_w + dims.len());
        // the evidence stays on the row when the dimensions fit whole and
        // leave it room; else it goes on a line of its own below the row
        // free text (a host, a user agent) first counts as at most
        // CAPPED wide, and gets the rest back when the evidence has room
        let capped: Vec<usize> = natural.iter().map(|&n| n.min(CAPPED)).collect();
        let inline = capped.iter().sum::<usize>() + 1 + evidence.min(EVIDENCE_INLINE) <= avail;
        let mut widths = fit_columns(&capped, &minimum, avail);
        if inline {
            let mut spare = avail.saturating_sub(widths.iter().sum::<usize>() + 1 + evidence);
            for (w, &n) in widths.iter_mut().zip(&natural) {
                let more = n.saturating_sub(*w).min(spare);
                *w += more;
                spare -= more;
            }
        }
        let evidence_w = if inline {
            avail.saturating_sub(widths.iter().sum::<usize>() + 1)
        } else {
            width.saturating_sub(EVIDENCE_INDENT.len())
        };
        let mut head = format!("  {:>count_w$}", "count");
        for (d, cw) in dims.iter().zip(&widths) {
            head.push(' ');
            head.push_str(&cell(d, *cw, None));
        }
        if inline {
            head.push_str(" evidence");
        }
        writeln!(w, "{}", head.trim_end())?;
        for p in shown {
            let mut line = format!("  {:>count_w$}", group(p.count));
            for (d, cw) in dims.iter().zip(&widths) {
                line.push(' ');
                let sgr = if *d == "cause" {
                    p.cause.and_then(paint)
                } else {
                    None
                };
                line.push_str(&cell(dim_value(p, d), *cw, sgr));
            }
            let ev = shorten(&p.example_evidence, evidence_w);
            if inline {
                line.push(' ');
                line.push_str(&ev);
                writeln!(w, "{}", line.trim_end())?;
            } else {
                writeln!(w, "{}", line.trim_end())?;
                if !ev.is_empty() {
                    writeln!(w, "{EVIDENCE_INDENT}{ev}")?;
                }
            }
        }
        // the report holds the first rows only unless every row was asked for
        let more = failing.len() - shown.len();
        if more > 0 {
            writeln!(
                w,
                "  … {} more: --out DIR or --json",
                plural(more as u64, "pattern", "patterns")
            )?;
        }
    }
    if !r.incidents.is_empty() {
        writeln!(w)?;
        writeln!(w, "Incidents (many valid credentials failing together)")?;
        for i in r.incidents.iter().take(TOP_ROWS) {
            let line = format!(
                "  {} {} – {}  {}, {}, {}, mostly {}",
                if i.host.is_empty() {
                    "(no host)"
                } else {
                    &i.host
                },
                i.start,
                i.end,
                plural(i.distinct_credentials, "credential", "credentials"),
                plural(i.distinct_clients, "client", "clients"),
                plural(i.count_401, "401", "401s"),
                i.dominant_cause.map_or("", |c| c.id())
            );
            writeln!(w, "{}", shorten(&line, width))?;
        }
        if r.incidents.len() > TOP_ROWS {
            writeln!(
                w,
                "  … {} more: --out DIR or --json",
                plural(
                    (r.incidents.len() - TOP_ROWS) as u64,
                    "incident",
                    "incidents"
                )
            )?;
        }
    }
    let storms: Vec<_> = r.clients.iter().filter(|c| c.storm).collect();
    if !storms.is_empty() {
        writeln!(w)?;
        writeln!(
            w,
            "Retry storms (clients hammering with failing credentials)"
        )?;
        for c in storms.iter().take(TOP_ROWS) {
            let tail = format!(
                " credential {}: {}, peak {}/min, mostly {}",
                c.credential.as_deref().unwrap_or("-"),
                plural(c.count_401, "401", "401s"),
                group(c.peak_per_minute),
                c.dominant_cause.map_or("", |c| c.id())
            );
            let room = width.saturating_sub(2 + width_of(&tail)).max(16);
            writeln!(w, "  {}{tail}", shorten(&c.client, room))?;
        }
        if storms.len() > TOP_ROWS {
            writeln!(
                w,
                "  … {} more: --out DIR or --json",
                plural((storms.len() - TOP_ROWS) as u64, "storm", "storms")
            )?;
        }
    }
    let failed: Vec<_> = r.files.iter().filter(|f| f.error.is_some()).collect();
    if !r.problems.is_empty() || !failed.is_empty() {
        writeln!(w)?;
        writeln!(w, "Problems")?;
        for f in failed {
            let line = format!("  {}: {}", f.path, f.error.as_deref().unwrap_or(""));
            for l in wrap(&line, width, "    ") {
                writeln!(w, "{l}")?;
            }
        }
        for p in r.problems.iter().take(TOP_PATTERNS) {
            let line = format!("  {}: {}", p.location(), p.message);
            for l in wrap(&line, width, "    ") {
                writeln!(w, "{l}")?;
            }
        }
        if r.problems.len() > TOP_PATTERNS {
            writeln!(
                w,
                "  … {} more: --out DIR or --json",
                plural(
                    (r.problems.len() - TOP_PATTERNS) as u64,
                    "problem",
                    "problems"
                )
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortening_keeps_both_ends() {
        assert_eq!(shorten("abcdef", 6), "abcdef");
        assert_eq!(shorten("abcdefgh", 5), "ab…gh");
        assert_eq!(shorten("/api/v1/orders/{id}/items", 12), "/api/v…items");
        assert!(width_of(&shorten("credential succeeded and again at", 11)) <= 11);
        // between words when a boundary is near
        assert_eq!(
            shorten(
                "credential 8dc0 succeeded at 2024-06-01T10:00:12Z and again at 2024-06-01T10:00:40Z",
                60
            ),
            "credential 8dc0 succeeded at …at 2024-06-01T10:00:40Z"
        );
    }

    #[test]
    fn columns_shrink_widest_first_down_to_their_minimum() {
        assert_eq!(fit_columns(&[10, 30], &[5, 5], 40), vec![10, 30]);
        assert_eq!(fit_columns(&[10, 30], &[5, 5], 30), vec![10, 20]);
        assert_eq!(fit_columns(&[20, 30], &[5, 5], 30), vec![15, 15]);
        assert_eq!(fit_columns(&[20, 30], &[12, 24], 10), vec![12, 24]);
    }

    #[test]
    fn cells_and_prose_escape_control_characters_and_are_measured_escaped() {
        let path = "/x\x1b]0;pwned\x07/y\u{9b}2J";
        let shown = "/x\\x1b]0;pwned\\x07/y\\u{9b}2J";
        assert_eq!(shorten(path, 80), shown);
        assert_eq!(width_of(path), shown.chars().count());
        assert_eq!(cell(path, 40, None).chars().count(), 40);
        let cut = shorten(path, 12);
        assert!(
            width_of(&cut) <= 12 && !cut.chars().any(char::is_control),
            "{cut}"
        );
        let lines = wrap(&format!("a.log:3: {path} and\nmore"), 20, "  ");
        assert!(
            lines.iter().all(|l| !l.chars().any(char::is_control)),
            "{lines:?}"
        );
        assert!(lines.join(" ").contains("\\x1b]0;pwned"), "{lines:?}");
    }

    #[test]
    fn prose_wraps_between_words() {
        let lines = wrap("one two three four five six", 10, "  ");
        assert!(lines.iter().all(|l| width_of(l) <= 10), "{lines:?}");
        assert_eq!(lines.join(" ").split_whitespace().count(), 6);
    }
}
