//! Property tests of the summary monoid. Through the binary: realistic,
//! time-ordered traffic (a HAR capture, a Caddy JSON log, a combined log) is
//! cut at random record boundaries into 2–6 files, each file is analysed
//! into a partial summary, and the partials are merged in random orders and
//! random groupings; every output must be byte-identical to one `analyze`
//! over all the files (and, except for the per-file rows, to one `analyze`
//! of the uncut input). Through the library: `State::merge` is associative
//! and commutative with `State::new` as identity, on generated `Record401`s.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use authsift::classify::{Cause, EvidenceKind, Verdict};
use authsift::summary::{Dim, Order, Record401, Settings, Shared, State};
use authsift::time::Timestamp;
use common::scenario::{Fmt, Rng, cut_points, traffic_for};
use common::*;
use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;
use serde_json::Value;

// ---------------------------------------------------------------- helpers

/// `cases` cases by default (`PROPTEST_CASES` for a deep run): each case of
/// the tests through the binary spawns a dozen processes.
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        // a failing case spawns dozens of processes: shrink a little, and
        // write no regression files into the source tree
        max_shrink_iters: 12,
        failure_persistence: None,
        ..proptest_cases(cases)
    }
}

/// Runs `authsift ARGS` in `dir` and requires exit code 0.
fn ok(dir: &Path, args: &[&str]) -> Run {
    let r = authsift(dir, args);
    r.expect_code(0);
    r
}

/// Every file of `dir`, by name.
fn dir_files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| {
            let p = e.expect("entry").path();
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).expect("readable output"),
            )
        })
        .collect()
}

/// Where two texts first differ, with a few lines of each around it (or,
/// for one-line JSON, the bytes around it).
fn first_difference(a: &[u8], b: &[u8]) -> String {
    let at = a
        .iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    let line = a[..at].iter().filter(|&&c| c == b'\n').count();
    let line_start = a[..at]
        .iter()
        .rposition(|&c| c == b'\n')
        .map_or(0, |i| i + 1);
    if at - line_start > 400 {
        let from = at.saturating_sub(300);
        let show =
            |v: &[u8]| String::from_utf8_lossy(&v[from..(at + 300).min(v.len())]).into_owned();
        return format!(
            "first difference at byte {at} (line {}; {} vs {} bytes)\n--- got ---\n…{}…\n--- want ---\n…{}…",
            line + 1,
            a.len(),
            b.len(),
            show(a),
            show(b)
        );
    }
    let (a, b) = (String::from_utf8_lossy(a), String::from_utf8_lossy(b));
    let (la, lb): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    let i = la
        .iter()
        .zip(&lb)
        .position(|(x, y)| x != y)
        .unwrap_or(la.len().min(lb.len()));
    let around = |v: &[&str]| v[i.saturating_sub(2)..(i + 3).min(v.len())].join("\n");
    format!(
        "first difference at line {} ({} vs {} lines)\n--- got ---\n{}\n--- want ---\n{}",
        i + 1,
        la.len(),
        lb.len(),
        around(&la),
        around(&lb)
    )
}

/// Requires two output directories to hold the same files with the same bytes.
fn same_dirs(got: &Path, want: &Path, what: &str) -> Result<(), TestCaseError> {
    let (g, w) = (dir_files(got), dir_files(want));
    prop_assert_eq!(
        g.keys().collect::<Vec<_>>(),
        w.keys().collect::<Vec<_>>(),
        "{}: not the same files",
        what
    );
    for (name, bytes) in &w {
        prop_assert!(
            g[name] == *bytes,
            "{}: {} differs\n{}",
            what,
            name,
            first_difference(&g[name], bytes)
        );
    }
    Ok(())
}

fn same_bytes(got: &[u8], want: &[u8], what: &str) -> Result<(), TestCaseError> {
    prop_assert!(got == want, "{}\n{}", what, first_difference(got, want));
    Ok(())
}

/// A summary without what names or sizes the input files.
fn without_files(mut s: Value) -> Value {
    let o = s.as_object_mut().expect("a summary object");
    o.remove("files");
    o.remove("problems");
    // a pattern's example names its file and position (compared apart)
    if let Some(rows) = o.get_mut("patterns").and_then(Value::as_array_mut) {
        for r in rows {
            r.as_object_mut().map(|r| r.remove("example"));
        }
    }
    let t = o
        .get_mut("totals")
        .and_then(Value::as_object_mut)
        .expect("totals");
    t.remove("inputs");
    t.remove("bytes");
    s
}

/// The text of the record a pattern's `example` names (`file:line`, or
/// `file:entry N` in a HAR capture), read from `dir`.
fn example_record(dir: &Path, example: &str) -> String {
    if let Some((file, n)) = example.split_once(":entry ") {
        let doc: Value =
            serde_json::from_slice(&std::fs::read(dir.join(file)).expect("the example's file"))
                .expect("a HAR");
        let n: usize = n.parse().expect("an entry index");
        return doc["log"]["entries"][n].to_string();
    }
    let (file, n) = example.rsplit_once(':').expect("file:line");
    let n: usize = n.parse().expect("a line number");
    let text = std::fs::read(dir.join(file)).expect("the example's file");
    String::from_utf8_lossy(&text)
        .lines()
        .nth(n - 1)
        .expect("the example's line")
        .to_string()
}

/// `summary.csv` without its `example` column, and the records the
/// examples name (read from `dir`).
fn summary_csv_apart(bytes: &[u8], dir: &Path) -> (Vec<Vec<String>>, Vec<String>) {
    let mut r = csv::Reader::from_reader(bytes);
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    let at = header
        .iter()
        .position(|h| h == "example")
        .expect("example column");
    let mut rows = vec![header.clone()];
    let mut records = Vec::new();
    for row in r.records() {
        let row: Vec<String> = row.unwrap().iter().map(String::from).collect();
        records.push(example_record(dir, &row[at]));
        rows.push(
            row.into_iter()
                .enumerate()
                .filter(|(i, _)| *i != at)
                .map(|(_, v)| v)
                .collect(),
        );
    }
    (rows, records)
}

/// A partial with the `file` field of its waiting 401s (the index of the
/// input in the run that read it) set to 0.
fn without_input_index(partial: &[u8]) -> Vec<u8> {
    let mut v: Value = serde_json::from_slice(partial).expect("a partial is JSON");
    if let Some(pending) = v["state"]["sequence"]["pending"].as_array_mut() {
        for p in pending {
            p["rec"]["file"] = Value::from(0);
        }
    }
    serde_json::to_vec(&v).expect("serializable")
}

/// The events CSV without the columns that name the file and the position in it.
fn events_without_position(path: &Path) -> Vec<Vec<String>> {
    let (header, rows) = read_csv(path);
    let keep: Vec<usize> = (0..header.len())
        .filter(|&i| header[i] != "file" && header[i] != "record")
        .collect();
    rows.into_iter()
        .map(|r| keep.iter().map(|&i| r[i].clone()).collect())
        .collect()
}

/// `evs` rendered as one file per part, cut before the given record indexes.
fn render_parts(fmt: Fmt, evs: &[common::scenario::Ev], cuts: &[usize]) -> Vec<String> {
    let mut bounds = vec![0];
    bounds.extend_from_slice(cuts);
    bounds.push(evs.len());
    bounds
        .windows(2)
        .map(|w| fmt.render(&evs[w[0]..w[1]]))
        .collect()
}

/// Picks `n - 1` distinct cut points from the allowed ones, using `picks`.
fn choose_cuts(allowed: &[usize], n: usize, picks: &[u64]) -> Vec<usize> {
    let mut pool = allowed.to_vec();
    let mut cuts = Vec::new();
    for p in picks.iter().take(n.saturating_sub(1)) {
        if pool.is_empty() {
            break;
        }
        cuts.push(pool.remove((*p % pool.len() as u64) as usize));
    }
    cuts.sort_unstable();
    cuts
}

/// Merges `partials` pairwise or three at a time, in a random order and
/// grouping, into one partial; returns its name.
fn merge_tree(dir: &Path, partials: &[String], rng: &mut Rng) -> String {
    let mut pool = partials.to_vec();
    rng.shuffle(&mut pool);
    let mut n = 0;
    while pool.len() > 1 {
        let take = if pool.len() >= 3 && rng.chance(3) {
            3
        } else {
            2
        };
        let mut group = Vec::new();
        for _ in 0..take {
            let i = rng.below(pool.len() as u64) as usize;
            group.push(pool.remove(i));
        }
        let out = format!("tree{n}.partial.json");
        n += 1;
        let mut args = vec!["merge"];
        args.extend(group.iter().map(String::as_str));
        args.extend(["--partial", &out]);
        ok(dir, &args);
        let at = rng.below(pool.len() as u64 + 1) as usize;
        pool.insert(at, out);
    }
    pool.pop().expect("one partial left")
}

/// The whole property for one format: cut, analyse, merge, compare.
fn split_merge_equals_one_analyze(
    fmt: Fmt,
    seed: u64,
    episodes: usize,
    parts: usize,
    picks: &[u64],
    order_seed: u64,
    opts: &[String],
) -> Result<(), TestCaseError> {
    let ws = workspace();
    let dir = ws.path();
    let evs = traffic_for(fmt, seed, episodes);
    let cuts = choose_cuts(&cut_points(fmt, &evs), parts, picks);
    let whole = format!("whole.{}", fmt.ext());
    std::fs::write(dir.join(&whole), fmt.render(&evs)).unwrap();
    let mut names = Vec::new();
    let mut partials = Vec::new();
    for (i, text) in render_parts(fmt, &evs, &cuts).iter().enumerate() {
        let name = format!("part{i}.{}", fmt.ext());
        std::fs::write(dir.join(&name), text).unwrap();
        let partial = format!("p{i}.partial.json");
        let mut args = vec!["analyze", "-j", "1", &name, "--partial", &partial];
        args.extend(opts.iter().map(String::as_str));
        ok(dir, &args);
        names.push(name);
        partials.push(partial);
    }

    // one analyze over every part: the reference
    let mut args = vec![
        "analyze",
        "-j",
        "2",
        "--out",
        "all",
        "--partial",
        "all.partial.json",
    ];
    args.extend(opts.iter().map(String::as_str));
    args.extend(names.iter().map(String::as_str));
    ok(dir, &args);
    // (the events keep redacted targets in the partial: a run of their own)
    let mut args = vec!["analyze", "-j", "1", "--events", "all-events.csv"];
    args.extend(opts.iter().map(String::as_str));
    args.extend(names.iter().map(String::as_str));
    ok(dir, &args);

    // all partials at once, in a random order
    let mut rng = Rng::new(order_seed);
    let mut shuffled = partials.clone();
    rng.shuffle(&mut shuffled);
    let mut args = vec!["merge", "--out", "flat", "--partial", "flat.partial.json"];
    args.extend(shuffled.iter().map(String::as_str));
    ok(dir, &args);
    same_dirs(
        &dir.join("flat"),
        &dir.join("all"),
        "merge of every partial",
    )?;

    // random groupings: merge(merge(a, b), c), merge(a, merge(b, c, d)), …
    let root = merge_tree(dir, &partials, &mut rng);
    let json = ok(
        dir,
        &[
            "merge",
            &root,
            "--out",
            "tree",
            "--partial",
            "tree.partial.json",
            "--json",
        ],
    );
    same_dirs(&dir.join("tree"), &dir.join("all"), "merge tree")?;
    same_bytes(
        &json.stdout,
        &std::fs::read(dir.join("all/summary.json")).unwrap(),
        "merge --json differs from summary.json of one analyze",
    )?;

    // the uncut input: the same CSVs, the same summary but for the file rows
    let mut args = vec![
        "analyze",
        "-j",
        "1",
        "--out",
        "uncut",
        "--events",
        "uncut-events.csv",
        &whole,
    ];
    args.extend(opts.iter().map(String::as_str));
    ok(dir, &args);
    for (name, bytes) in dir_files(&dir.join("all")) {
        let uncut = std::fs::read(dir.join("uncut").join(&name)).unwrap();
        if name == "summary.json" {
            let a: Value = serde_json::from_slice(&bytes).unwrap();
            let b: Value = serde_json::from_slice(&uncut).unwrap();
            prop_assert!(
                without_files(a.clone()) == without_files(b.clone()),
                "cutting the input changed summary.json\n{}",
                first_difference(
                    serde_json::to_string_pretty(&without_files(a))
                        .unwrap()
                        .as_bytes(),
                    serde_json::to_string_pretty(&without_files(b))
                        .unwrap()
                        .as_bytes()
                )
            );
        } else if name == "summary.csv" {
            // the same rows, whose examples name the same records (at
            // other positions of other files)
            prop_assert_eq!(
                summary_csv_apart(&bytes, dir),
                summary_csv_apart(&uncut, dir),
                "cutting the input changed summary.csv (or the records its examples name)"
            );
        } else {
            same_bytes(&bytes, &uncut, &format!("cutting the input changed {name}"))?;
        }
    }
    prop_assert_eq!(
        events_without_position(&dir.join("all-events.csv")),
        events_without_position(&dir.join("uncut-events.csv")),
        "cutting the input changed the events (file and record aside)"
    );

    // the partial of a merge is the partial of one analyze over everything:
    // first with the run-local input index of waiting 401s set aside (so
    // that any other difference shows first), then byte for byte
    let want = std::fs::read(dir.join("all.partial.json")).unwrap();
    for p in ["flat.partial.json", "tree.partial.json"] {
        let got = std::fs::read(dir.join(p)).unwrap();
        same_bytes(
            &without_input_index(&got),
            &without_input_index(&want),
            &format!("{p} differs from the partial of one analyze (input indexes aside)"),
        )?;
        same_bytes(
            &got,
            &want,
            &format!("{p} differs from the partial of one analyze"),
        )?;
    }
    Ok(())
}

// ---------------------------------------------------------------- through the binary

/// Options that change what a summary holds: a group-by (any non-empty
/// set of dimensions), a bucket width, a time filter inside the traffic's
/// span, a handshake window and the incident and storm thresholds; each
/// left at its default about half of the time.
fn analysis_options() -> impl Strategy<Value = Vec<String>> {
    let base = common::scenario::BASE_SECS;
    let instant = move |secs: i64| common::scenario::rfc3339_ms((base + secs) * 1000);
    (
        prop::option::weighted(0.7, prop::sample::subsequence(Dim::ALL.to_vec(), 1..=8)),
        prop::option::weighted(
            0.5,
            prop::sample::select(vec!["1m", "5m", "15m", "1h", "1d"]),
        ),
        prop::option::weighted(0.4, (0i64..3 * 3600, 0i64..3 * 3600, 0u8..3)),
        prop::option::weighted(0.3, prop::sample::select(vec!["0.05", "1", "30"])),
        prop::option::weighted(0.3, 1u32..5),
        prop::option::weighted(0.3, 2u32..12),
    )
        .prop_map(move |(dims, bucket, filter, window, incident, storm)| {
            let mut v: Vec<String> = Vec::new();
            let mut opt = |k: &str, val: String| {
                v.push(k.to_string());
                v.push(val);
            };
            if let Some(dims) = dims {
                let ids: Vec<&str> = dims.iter().map(|d| d.id()).collect();
                opt("--group-by", ids.join(","));
            }
            if let Some(b) = bucket {
                opt("--bucket", b.to_string());
            }
            if let Some((a, b, which)) = filter {
                let (since, until) = (a.min(b), a.max(b) + 1);
                if which != 1 {
                    opt("--since", instant(since));
                }
                if which != 0 {
                    opt("--until", instant(until));
                }
            }
            if let Some(w) = window {
                opt("--handshake-window", w.to_string());
            }
            if let Some(n) = incident {
                opt("--incident-min-credentials", n.to_string());
            }
            if let Some(n) = storm {
                opt("--storm-per-minute", n.to_string());
            }
            v
        })
}

proptest! {
    #![proptest_config(config(5))]

    #[test]
    fn har_cut_anywhere_merges_to_one_analyze(
        seed in any::<u64>(),
        episodes in 70usize..130,
        parts in 2usize..=6,
        picks in prop::collection::vec(any::<u64>(), 5),
        order_seed in any::<u64>(),
        opts in analysis_options(),
    ) {
        split_merge_equals_one_analyze(Fmt::Har, seed, episodes, parts, &picks, order_seed, &opts)?;
    }

    #[test]
    fn caddy_log_cut_where_time_changes_merges_to_one_analyze(
        seed in any::<u64>(),
        episodes in 70usize..130,
        parts in 2usize..=6,
        picks in prop::collection::vec(any::<u64>(), 5),
        order_seed in any::<u64>(),
        opts in analysis_options(),
    ) {
        split_merge_equals_one_analyze(Fmt::Caddy, seed, episodes, parts, &picks, order_seed, &opts)?;
    }

    #[test]
    fn combined_log_cut_where_time_changes_merges_to_one_analyze(
        seed in any::<u64>(),
        episodes in 70usize..130,
        parts in 2usize..=6,
        picks in prop::collection::vec(any::<u64>(), 5),
        order_seed in any::<u64>(),
        opts in analysis_options(),
    ) {
        split_merge_equals_one_analyze(Fmt::Combined, seed, episodes, parts, &picks, order_seed, &opts)?;
    }
}

/// The ways a user gets a partial that holds no 401: an empty capture, a
/// log with no 401 (and no credential that could change a sequence).
fn empty_inputs(fmt: Fmt) -> Vec<(String, String)> {
    // successful traffic only (a HAR without entries is an input that
    // yields no record, which fails the run: see tests/batch.rs)
    let quiet: Vec<common::scenario::Ev> = traffic_for(fmt, 99, 200)
        .into_iter()
        .filter(|e| e.status != 401 && e.req.is_empty())
        .take(25)
        .collect();
    assert!(!quiet.is_empty(), "the generator makes plain traffic");
    vec![(format!("quiet.{}", fmt.ext()), fmt.render(&quiet))]
}

proptest! {
    #![proptest_config(config(3))]

    /// Merging a partial without a 401 changes no CSV and no count, only the
    /// file rows; and it is still what one analyze with that input writes.
    #[test]
    fn merging_a_partial_without_401s_changes_nothing(
        seed in any::<u64>(),
        fmt in prop::sample::select(vec![Fmt::Har, Fmt::Caddy, Fmt::Combined]),
        front in any::<bool>(),
    ) {
        let ws = workspace();
        let dir = ws.path();
        let evs = traffic_for(fmt, seed, 60);
        let cuts = choose_cuts(&cut_points(fmt, &evs), 2, &[seed]);
        let mut names = Vec::new();
        let mut partials = Vec::new();
        for (i, text) in render_parts(fmt, &evs, &cuts).iter().enumerate() {
            let name = format!("part{i}.{}", fmt.ext());
            std::fs::write(dir.join(&name), text).unwrap();
            ok(dir, &["analyze", &name, "--partial", &format!("p{i}.json")]);
            names.push(name);
            partials.push(format!("p{i}.json"));
        }
        let (empty, text) = empty_inputs(fmt).remove(0);
        std::fs::write(dir.join(&empty), text).unwrap();
        let empty_run = ok(dir, &["analyze", "--json", &empty, "--partial", "empty.json"]);
        prop_assert_eq!(&empty_run.json()["totals"]["status_401"], &serde_json::json!(0));

        let mut args = vec!["merge", "--out", "without"];
        args.extend(partials.iter().map(String::as_str));
        ok(dir, &args);
        let mut with: Vec<&str> = partials.iter().map(String::as_str).collect();
        if front { with.insert(0, "empty.json") } else { with.push("empty.json") }
        let mut args = vec!["merge", "--out", "with"];
        args.extend(with);
        ok(dir, &args);
        let mut args = vec!["analyze", "--out", "analyzed"];
        args.extend(names.iter().map(String::as_str));
        args.push(&empty);
        ok(dir, &args);
        same_dirs(&dir.join("with"), &dir.join("analyzed"), "merge with the empty partial")?;

        for (name, bytes) in dir_files(&dir.join("without")) {
            let got = std::fs::read(dir.join("with").join(&name)).unwrap();
            if name == "summary.json" {
                let mut a: Value = serde_json::from_slice(&got).unwrap();
                let mut b: Value = serde_json::from_slice(&bytes).unwrap();
                // the only change: one more input row, its bytes and lines
                for s in [&mut a, &mut b] {
                    s["totals"].as_object_mut().unwrap().remove("exchanges");
                }
                prop_assert!(
                    without_files(a.clone()) == without_files(b.clone()),
                    "an empty partial changed the summary\n{}",
                    first_difference(
                        serde_json::to_string_pretty(&without_files(a)).unwrap().as_bytes(),
                        serde_json::to_string_pretty(&without_files(b)).unwrap().as_bytes()
                    )
                );
            } else {
                same_bytes(&got, &bytes, &format!("an empty partial changed {name}"))?;
            }
        }
    }
}

// ---------------------------------------------------------------- grouping by credential

/// With `--group-by credential`, the 401s that carried no credential form
/// one row. Cut so that one of them is decided in the first file and the
/// other (a handshake leg) only when the files meet, the merge must still
/// give one row, as one analyze does.
#[test]
fn merge_keeps_one_row_for_401s_without_a_credential() {
    use common::scenario::Ev;
    let ws = workspace();
    let dir = ws.path();
    let ev = |t_ms: i64, client: u32, target: &str, status: u16, auth: Option<&str>, ch: &str| Ev {
        t_ms,
        client,
        method: "GET",
        host: "intranet.example.org".into(),
        target: target.into(),
        req: auth
            .map(|a| vec![("Authorization".to_string(), a.to_string())])
            .unwrap_or_default(),
        status,
        resp: if ch.is_empty() {
            vec![]
        } else {
            vec![("WWW-Authenticate".to_string(), ch.to_string())]
        },
        body: None,
    };
    let t0 = common::scenario::BASE_SECS * 1000;
    let first = [
        ev(t0, 1, "/x", 401, None, "Bearer realm=\"api\""),
        ev(t0 + 100_000, 2, "/hr/", 401, None, "NTLM"),
    ];
    let second = [ev(
        t0 + 100_500,
        2,
        "/hr/",
        200,
        Some("NTLM TlRMTVNTUAADAAAAGAAYAIAAAAA="),
        "",
    )];
    std::fs::write(dir.join("a.jsonl"), Fmt::Caddy.render(&first)).unwrap();
    std::fs::write(dir.join("b.jsonl"), Fmt::Caddy.render(&second)).unwrap();
    let g = ["--group-by", "credential"];
    ok(
        dir,
        &[&["analyze", "a.jsonl", "--partial", "a.json"][..], &g].concat(),
    );
    ok(
        dir,
        &[&["analyze", "b.jsonl", "--partial", "b.json"][..], &g].concat(),
    );
    ok(
        dir,
        &[&["analyze", "a.jsonl", "b.jsonl", "--out", "whole"][..], &g].concat(),
    );
    ok(dir, &["merge", "a.json", "b.json", "--out", "merged"]);
    let (_, rows) = read_csv(&dir.join("whole/summary.csv"));
    assert_eq!(
        rows.len(),
        1,
        "one analyze: one row for the 401s without a credential"
    );
    let (_, merged_rows) = read_csv(&dir.join("merged/summary.csv"));
    assert_eq!(
        merged_rows, rows,
        "merge: the same single row (a partial reads back `credential: none` as `not grouped by credential`)"
    );
    let whole = std::fs::read(dir.join("whole/summary.json")).unwrap();
    let merged = std::fs::read(dir.join("merged/summary.json")).unwrap();
    assert!(
        merged == whole,
        "summary.json of the merge differs\n{}",
        first_difference(&merged, &whole)
    );
}

// ---------------------------------------------------------------- same input name on two machines

/// Two servers, one log path: `authsift analyze /var/log/nginx/access.log
/// --partial webN.json` on each gives two partials whose input has the
/// same name. README: merge combines partials "in any order"; so the
/// merge must not depend on which comes first, even when two 401s share a
/// time and a position in files of the same name.
#[test]
fn merge_does_not_depend_on_order_for_inputs_with_the_same_name() {
    use common::scenario::{Ev, jwt};
    let ws = workspace();
    let dir = ws.path();
    let t0 = common::scenario::BASE_SECS * 1000 + 36_000_000; // 10:00:00
    for (server, exp_ago) in [("web1", 3_600), ("web2", 90_000)] {
        let token = jwt(
            &serde_json::json!({"sub": "u1", "exp": t0 / 1000 - exp_ago}),
            exp_ago as u64,
        );
        let ev = Ev {
            t_ms: t0,
            client: 1,
            method: "GET",
            host: "api.example.com".into(),
            target: "/v1/me".into(),
            req: vec![("Authorization".into(), format!("Bearer {token}"))],
            status: 401,
            resp: vec![],
            body: None,
        };
        std::fs::create_dir(dir.join(server)).unwrap();
        std::fs::write(
            dir.join(server).join("access.log"),
            Fmt::Combined.render(&[ev]),
        )
        .unwrap();
        ok(
            &dir.join(server),
            &[
                "analyze",
                "access.log",
                "--partial",
                &format!("../{server}.json"),
            ],
        );
    }
    ok(dir, &["merge", "web1.json", "web2.json", "--out", "ab"]);
    ok(dir, &["merge", "web2.json", "web1.json", "--out", "ba"]);
    let (ab, ba) = (dir_files(&dir.join("ab")), dir_files(&dir.join("ba")));
    for (name, bytes) in &ab {
        assert!(
            ba[name] == *bytes,
            "{name}: merge(web1, web2) differs from merge(web2, web1)\n{}",
            first_difference(bytes, &ba[name])
        );
    }
}

// ---------------------------------------------------------------- exit codes of merge

/// A merge writes what one analyze over the same inputs writes; a script
/// that checks the exit code must not learn less from the merge. One
/// analyze over a readable and an unreadable input exits 1; merging their
/// partials must not report success.
#[test]
fn merge_of_a_failed_input_exits_like_one_analyze() {
    let ws = workspace();
    let dir = ws.path();
    let evs = traffic_for(Fmt::Caddy, 5, 30);
    std::fs::write(dir.join("good.jsonl"), Fmt::Caddy.render(&evs)).unwrap();
    std::fs::write(
        dir.join("noise.bin"),
        b"\x00\x01\x02 not a log at all \xff\xfe\n",
    )
    .unwrap();
    authsift(dir, &["analyze", "good.jsonl", "noise.bin", "--json"]).expect_code(1);
    authsift(dir, &["analyze", "good.jsonl", "--partial", "good.json"]).expect_code(0);
    // nothing could be analysed: exit 2, but the partial is written
    authsift(dir, &["analyze", "noise.bin", "--partial", "noise.json"]).expect_code(2);
    assert!(
        dir.join("noise.json").is_file(),
        "the failed input's partial"
    );
    let m = authsift(dir, &["merge", "good.json", "noise.json", "--json"]);
    m.expect_no_panic();
    assert_eq!(
        m.json()["totals"]["failed_inputs"],
        serde_json::json!(1),
        "the merged summary records the failed input"
    );
    m.expect_code(1);
}

// ---------------------------------------------------------------- through the library

const HOSTS: [Option<&str>; 4] = [
    Some("api.example.com"),
    Some("files.example.com"),
    Some(""),
    None,
];
const PATHS: [&str; 3] = ["/v1/me", "/v1/items/{id}", "/reports/{id}.aspx"];
const AGENTS: [Option<&str>; 3] = [Some("curl/8.7.1"), Some("okhttp/4.12.0"), None];
const DETAILS: [Option<&str>; 3] = [
    Some("Bearer error=invalid_token"),
    Some("401.1.2148074254"),
    None,
];
const KINDS: [EvidenceKind; 5] = [
    EvidenceKind::ServerMessage,
    EvidenceKind::RequestShape,
    EvidenceKind::TokenClaims,
    EvidenceKind::Sequence,
    EvidenceKind::None,
];

/// The fields of a 401 that vary; `Record401`s are built from these with a
/// unique position each (two records never share a place in the order).
#[derive(Debug, Clone)]
struct Spec {
    t: Option<i64>,
    file: u64,
    cause: usize,
    kind: usize,
    host: usize,
    post: bool,
    path: usize,
    client: u64,
    agent: usize,
    credential: Option<u64>,
    detail: usize,
    note: u8,
    valid_elsewhere: bool,
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        (
            prop::option::weighted(0.95, 0i64..3 * 3600),
            0u64..3,
            0..Cause::COUNT,
            0usize..5,
            0usize..4,
            any::<bool>(),
            0usize..3,
        ),
        (
            0u64..6,
            0usize..3,
            prop::option::weighted(0.75, 0u64..9),
            0usize..3,
            0u8..4,
            any::<bool>(),
        ),
    )
        .prop_map(
            |(
                (t, file, cause, kind, host, post, path),
                (client, agent, credential, detail, note, valid_elsewhere),
            )| Spec {
                t,
                file,
                cause,
                kind,
                host,
                post,
                path,
                client,
                agent,
                credential,
                detail,
                note,
                valid_elsewhere,
            },
        )
}

fn shared(s: &str) -> Shared {
    Shared::from(s)
}

fn record(s: &Spec, position: u64) -> Record401 {
    let base = common::scenario::BASE_SECS;
    let time = s.t.map(|t| Timestamp::from_secs(base + t));
    Record401 {
        order: Order {
            t: time.map_or(i64::MIN, |t| t.0),
            file: 0x1000 + s.file,
            record: position,
        },
        time,
        file: s.file as u32,
        record: position,
        host: HOSTS[s.host].map(shared),
        method: shared(if s.post { "POST" } else { "GET" }),
        path: shared(PATHS[s.path]),
        target: None,
        // as the analyzer: the address, else the user agent; the id hashes both
        client: if s.client != 0 {
            Some(shared(&format!("10.0.0.{}", s.client)))
        } else {
            AGENTS[s.agent].map(shared)
        },
        client_id: if s.client == 0 && AGENTS[s.agent].is_none() {
            0
        } else {
            (s.client + 1) * 0x9E37_79B9 + s.agent as u64 * 0x1_0000_0001
        },
        user_agent: AGENTS[s.agent].map(shared),
        // a fingerprint of 0 is a real value too
        credential: s.credential.map(|c| c.wrapping_mul(0x2545_F491_4F6C_DD1D)),
        status_detail: DETAILS[s.detail].map(shared),
        verdict: Verdict::new(
            Cause::ALL[s.cause],
            KINDS[s.kind],
            "test:rule",
            format!("note {} at {position}", s.note),
        ),
        if_sanitized: None,
    }
}

fn settings() -> impl Strategy<Value = Settings> {
    (
        prop::sample::subsequence(Dim::ALL.to_vec(), 0..=8),
        prop::sample::select(vec![60i64, 300, 900, 3600, 86_400]),
    )
        .prop_map(|(group_by, bucket_secs)| Settings {
            group_by,
            bucket_secs,
            ..Settings::default()
        })
}

fn state_of(settings: &Settings, recs: &[(Record401, bool)]) -> State {
    let mut s = State::new(settings.clone());
    for (r, v) in recs {
        s.record(r, *v);
    }
    s
}

fn merged(mut a: State, b: State) -> State {
    a.merge(b);
    a
}

/// What a user sees of a state: the report JSON.
fn report_json(s: &State) -> String {
    let report = s.clone().finalize();
    serde_json::to_string_pretty(&report).expect("a report serializes")
}

/// A state as a partial file holds it: canonical order, JSON. States are
/// compared this way (equal partials), not with `==`, which also compares
/// the order of rows inside a hash bucket.
fn canon(s: &State) -> String {
    serde_json::to_string_pretty(s).expect("a state serializes")
}

/// A state written as a partial and read back.
fn round_trip(s: &State) -> State {
    serde_json::from_str(&serde_json::to_string(s).expect("serializes")).expect("reads back")
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..proptest_cases(40) })]

    #[test]
    fn state_merge_is_a_commutative_monoid(
        settings in settings(),
        specs in prop::collection::vec(spec(), 0..120),
        cut1 in any::<prop::sample::Index>(),
        cut2 in any::<prop::sample::Index>(),
    ) {
        let recs: Vec<(Record401, bool)> = specs
            .iter()
            .enumerate()
            .map(|(i, s)| (record(s, i as u64), s.valid_elsewhere))
            .collect();
        let (i, j) = {
            let (x, y) = (cut1.index(recs.len() + 1), cut2.index(recs.len() + 1));
            (x.min(y), x.max(y))
        };
        let a = state_of(&settings, &recs[..i]);
        let b = state_of(&settings, &recs[i..j]);
        let c = state_of(&settings, &recs[j..]);
        let e = State::new(settings.clone());
        let whole = state_of(&settings, &recs);

        let ab_c = merged(merged(a.clone(), b.clone()), c.clone());
        let a_bc = merged(a.clone(), merged(b.clone(), c.clone()));
        prop_assert_eq!(canon(&ab_c), canon(&a_bc), "associativity");
        prop_assert_eq!(canon(&ab_c), canon(&whole), "merge of the parts is the state of the whole");
        prop_assert_eq!(
            canon(&merged(a.clone(), b.clone())),
            canon(&merged(b.clone(), a.clone())),
            "commutativity"
        );
        let c_b_a = merged(merged(c.clone(), b.clone()), a.clone());
        prop_assert_eq!(canon(&c_b_a), canon(&whole), "reverse order");
        prop_assert_eq!(canon(&merged(a.clone(), e.clone())), canon(&a), "right identity");
        prop_assert_eq!(canon(&merged(e.clone(), a.clone())), canon(&a), "left identity");

        // partials written and read back merge to the same thing, and what a
        // user sees is the same bytes
        let rt = merged(merged(round_trip(&c), round_trip(&a)), round_trip(&b));
        prop_assert_eq!(canon(&rt), canon(&whole), "merge after a JSON round trip");
        prop_assert_eq!(report_json(&rt), report_json(&whole));
        prop_assert_eq!(report_json(&a_bc), report_json(&whole));

        // a state read back keeps counting into the same rows (finalize
        // records the 401s that waited into a state read from partials)
        let mut cont = round_trip(&a);
        for (r, v) in &recs[i..] {
            cont.record(r, *v);
        }
        prop_assert_eq!(canon(&cont), canon(&whole), "recording into a state read back from JSON");
    }
}

/// Part sizes around the exact limit of distinct counts (1,024): a few,
/// just under, exactly at, just over, well over.
fn part_len() -> impl Strategy<Value = u64> {
    prop_oneof![
        1u64..64,
        900u64..1024,
        1023u64..1027,
        1027u64..1200,
        1200u64..1500,
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..proptest_cases(8) })]

    /// Distinct counts past the exact limit (1,024) become sketches; the
    /// merge must still not depend on order or grouping. Parts overlap and
    /// their sizes lie around the limit, so that exact tables meet exact
    /// ones whose union is past it, sketches meet exact tables and sketches.
    #[test]
    fn distinct_counts_merge_the_same_past_the_exact_limit(
        ranges in prop::collection::vec((0u64..1500, part_len()), 2..5),
        order in any::<u64>(),
    ) {
        let settings = Settings::default();
        let spec0 = Spec {
            t: Some(600), file: 0, cause: 7, kind: 1, host: 0, post: false, path: 0,
            client: 1, agent: 0, credential: None, detail: 0, note: 0, valid_elsewhere: true,
        };
        let mut position = 0;
        let mut parts = Vec::new();
        let mut all = Vec::new();
        for &(lo, len) in &ranges {
            let mut recs = Vec::new();
            for c in lo..lo + len {
                let mut r = record(&spec0, position);
                position += 1;
                r.credential = Some(c.wrapping_mul(0x9E37_79B9_7F4A_7C15));
                r.client_id = 1 + c % 1700;
                recs.push((r, true));
            }
            all.extend(recs.iter().cloned());
            parts.push(state_of(&settings, &recs));
        }
        let whole = state_of(&settings, &all);
        let mut idx: Vec<usize> = (0..parts.len()).collect();
        Rng::new(order).shuffle(&mut idx);
        let mut acc = State::new(settings.clone());
        for i in idx {
            acc.merge(round_trip(&parts[i]));
        }
        prop_assert_eq!(canon(&acc), canon(&whole));
        prop_assert_eq!(report_json(&acc), report_json(&whole));
    }
}
