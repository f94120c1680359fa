//! Logs as servers really write them, through the real binary: comment
//! lines, padded fields and months in other languages, virtual hosts,
//! quoted and padded W3C fields, a W3C file whose headers were dropped,
//! fields after the user agent, lines wrapped by syslog, docker compose
//! and Kubernetes, byte order marks and lone CRs, bzip2 and xz. The
//! summaries of `fixtures/realworld/` are checked by `tests/fixtures.rs`;
//! this file checks what a summary's counts do not show (hosts, notes,
//! line numbers, messages, stdin).

mod common;

use common::*;
use serde_json::Value;

const CLF_401: &str =
    "198.51.100.7 - - [02/Sep/2015:00:11:31 +0200] \"GET /login HTTP/1.1\" 401 1382\n";

fn problems(summary: &Value) -> Vec<(u64, String)> {
    summary["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| {
            (
                u(&p["position"]),
                p["message"].as_str().expect("message").to_string(),
            )
        })
        .collect()
}

fn write(dir: &std::path::Path, name: &str, bytes: &[u8]) -> String {
    std::fs::write(dir.join(name), bytes).expect("write");
    name.to_string()
}

#[test]
fn a_leading_comment_does_not_stop_detection_and_comments_are_not_records() {
    let ws = workspace();
    let f = write(
        ws.path(),
        "k.log",
        format!("# note\n{CLF_401}#   another note\n\n{CLF_401}").as_bytes(),
    );
    let run = authsift(ws.path(), &["analyze", "--json", &f]);
    run.expect_code(0);
    let s = run.json();
    assert_eq!(s["files"][0]["format"], "common", "{}", run.stderr);
    assert_eq!(u(&s["totals"]["status_401"]), 2);
    assert_eq!(u(&s["totals"]["unparsed"]), 0);
    assert!(problems(&s).is_empty(), "{:?}", problems(&s));
    // a file of comments only is still no log (nothing analysed: exit 2)
    let only = write(ws.path(), "notes.log", b"# nothing but notes\n# here\n");
    let run = authsift(ws.path(), &["analyze", &only]);
    run.expect_code(2);
    assert!(
        run.stderr.contains("format not recognised"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_padded_dash_user_is_no_basic_user() {
    let ws = workspace();
    let f = write(
        ws.path(),
        "jetty.log",
        "198.51.100.20 -  -  [02/sept./2015:00:11:31 +0200] \"GET /rest/items HTTP/1.1\" 401 1382\n"
            .as_bytes(),
    );
    for args in [vec![], vec!["--format", "common"]] {
        let mut a = vec!["analyze", "--json", "--events", "ev.csv"];
        a.extend(args.iter().copied());
        a.push(&f);
        let run = authsift(ws.path(), &a);
        run.expect_code(0);
        let s = run.json();
        assert_eq!(
            u(&s["causes"]["invalid_credentials"]),
            0,
            "{}",
            run.describe()
        );
        assert_eq!(u(&s["causes"]["unknown"]), 1, "{}", run.describe());
        // the French month is read: the 401 has its time
        let (_, rows) = read_csv(&ws.path().join("ev.csv"));
        assert_eq!(rows[0][0], "2015-09-01T22:11:31.000Z");
    }
}

#[test]
fn the_virtual_host_is_the_host() {
    let ws = workspace();
    let f = copy_fixture(ws.path(), "realworld/vhost-combined.log");
    let run = authsift(
        ws.path(),
        &["analyze", "--json", "--group-by", "host,cause", &f],
    );
    run.expect_code(0);
    let s = run.json();
    assert_eq!(s["files"][0]["format"], "vhost_combined");
    let hosts: Vec<&str> = s["patterns"]
        .as_array()
        .expect("patterns")
        .iter()
        .map(|p| p["host"].as_str().unwrap_or(""))
        .collect();
    assert!(hosts.contains(&"api.fixture.example.com"), "{hosts:?}");
    assert!(hosts.contains(&"www.fixture.example.com"), "{hosts:?}");
    assert!(!hosts.iter().any(|h| h.contains(':')), "{hosts:?}");
}

#[test]
fn lines_of_an_earlier_fields_block_are_read_with_it_and_said_once() {
    let ws = workspace();
    let f = copy_fixture(ws.path(), "realworld/u_ex240610-concatenated.log");
    for env in [vec![], vec![("AUTHSIFT_REFERENCE", "1")]] {
        let run = authsift_env(ws.path(), &["analyze", "--json", &f], &env);
        run.expect_code(0);
        let s = run.json();
        assert_eq!(u(&s["totals"]["status_401"]), 4);
        assert_eq!(u(&s["totals"]["unparsed"]), 0);
        let notes: Vec<(u64, String)> = problems(&s)
            .into_iter()
            .filter(|(_, m)| m.contains("earlier #Fields"))
            .collect();
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert_eq!(notes[0].0, 12, "the first line read with the earlier block");
        assert_eq!(u(&s["totals"]["degraded"]), 0, "a note counts nothing");
    }
}

#[test]
fn recognised_trailing_fields_give_the_challenge_without_a_log_format() {
    let ws = workspace();
    let f = copy_fixture(ws.path(), "logs/nginx-auth.log");
    let run = authsift(ws.path(), &["analyze", "--json", &f]);
    run.expect_code(0);
    let s = run.json();
    assert_eq!(u(&s["totals"]["status_401"]), 7);
    // the challenge decides: no failure is left unknown
    assert_eq!(u(&s["causes"]["unknown"]), 0, "{}", s["causes"]);
    assert_eq!(u(&s["causes"]["expired_credentials"]), 1);
    assert_eq!(u(&s["causes"]["insufficient_scope"]), 1);
    assert!(
        problems(&s)
            .iter()
            .any(|(p, m)| *p == 1 && m.contains("$sent_http_www_authenticate")),
        "{:?}",
        problems(&s)
    );
}

#[test]
fn unknown_trailing_fields_are_named_by_shape_and_a_log_format_is_suggested() {
    let ws = workspace();
    let secret = "sk_live_51HxQpLkTrailingSecret9";
    let line = format!(
        "198.51.100.7 - - [02/Sep/2015:00:11:31 +0200] \"GET / HTTP/1.1\" 401 13 \"-\" \"curl/8\" \"{secret}\" 17\n"
    );
    let f = write(ws.path(), "t.log", line.repeat(3).as_bytes());
    let run = authsift(ws.path(), &["analyze", "--json", &f]);
    run.expect_code(0);
    assert!(
        run.stderr.contains("--log-format") && run.stderr.contains("a quoted text"),
        "{}",
        run.stderr
    );
    let s = run.json();
    assert_eq!(s["files"][0]["format"], "combined");
    assert!(
        problems(&s).iter().any(|(_, m)| m.contains("--log-format")),
        "{:?}",
        problems(&s)
    );
    assert!(!run.stdout_text().contains(secret) && !run.stderr.contains(secret));
    // the generator's plain combined lines: no note
    let plain = copy_fixture(ws.path(), "logs/access-combined.log");
    let run = authsift(ws.path(), &["analyze", "--json", &plain]);
    run.expect_code(0);
    assert!(problems(&run.json()).is_empty(), "{}", run.stderr);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
}

/// The diagnostic's "first at" names the first record that failed, with
/// why: not a note at line 1 (a comment there, fields after the user agent
/// noted), nor a degraded record before it.
#[test]
fn the_first_unparsed_line_named_is_a_record_that_failed_not_a_note() {
    let ws = workspace();
    let mut text = String::from("# exported by the edge team\n");
    for i in 0..24 {
        let (time, status) = if i == 3 {
            ("02/Jan/2024:10:00:xx +0000".to_string(), 401)
        } else {
            (
                format!("02/Jan/2024:10:00:{i:02} +0000"),
                if i % 3 == 0 { 401 } else { 200 },
            )
        };
        text.push_str(&format!(
            "10.0.0.{i} - - [{time}] \"GET /api/{i} HTTP/1.1\" {status} 12 \"-\" \"curl/8.5\" w{i}x\n"
        ));
    }
    text.push_str("garbage without a request\n");
    text.push_str("10.0.0.9 - - [02/Jan/2024:10:01:00 +0000] \"GET /x HTTP/1.1\" 4O1 12 \"-\" \"curl/8.5\" w\n");
    let f = write(ws.path(), "edge.log", text.as_bytes());
    for env in [&[][..], &[("AUTHSIFT_REFERENCE", "1")][..]] {
        let run = authsift_env(ws.path(), &["analyze", "--json", &f], env);
        run.expect_code(0);
        assert!(
            run.stderr.contains(
                "edge.log: 2 of 26 records could not be parsed as combined (first at line 26: no quoted request)"
            ),
            "{}",
            run.stderr
        );
        // the note is still in the file's problems, at line 1, and the
        // degraded record (line 5) before the first unparsed one
        let p = problems(&run.json());
        assert!(p[0].0 == 1 && p[0].1.starts_with("note: "), "{p:?}");
        assert!(p.iter().any(|(at, _)| *at == 5), "{p:?}");
    }
}

#[test]
fn wrapped_lines_keep_the_line_numbers_of_the_file() {
    let ws = workspace();
    // a syslog-wrapped log with a cut record on line 3 and a bad time on line 4
    let ok = "<134>Jun  3 10:00:01 web1 nginx[812]: 203.0.113.40 - - [03/Jun/2024:10:00:01 +0000] \"GET /a HTTP/1.1\" 401 5 \"-\" \"curl/8\"\n";
    let cut = "<134>Jun  3 10:00:02 web1 nginx[812]: 203.0.113.40 - - [03/Jun/2024:10:00:02 +0000] \"GET /cut-in-the-mid\n";
    let bad_time = "<134>Jun  3 10:00:03 web1 nginx[812]: 203.0.113.41 - - [99/Jun/2024:10:00:03 +0000] \"GET /b HTTP/1.1\" 401 5 \"-\" \"curl/8\"\n";
    let text = format!("{ok}{ok}{cut}{bad_time}{ok}");
    let f = write(ws.path(), "syslog.log", text.as_bytes());
    let run = authsift(ws.path(), &["analyze", "--json", &f]);
    run.expect_code(0);
    let s = run.json();
    assert_eq!(s["files"][0]["format"], "combined");
    assert_eq!(u(&s["totals"]["status_401"]), 4);
    let p = problems(&s);
    assert_eq!(
        p.iter().map(|(l, _)| *l).collect::<Vec<_>>(),
        vec![3, 4],
        "{p:?}"
    );
    // the same from stdin, gzip-compressed
    let run = authsift_stdin(
        ws.path(),
        &["analyze", "--json", "-"],
        &gzip(text.as_bytes()),
    );
    run.expect_code(0);
    assert_eq!(problems(&run.json()), p);
    // CRI: a record split over lines 2-4 stands at its last part; a bad
    // record after it keeps its own line
    let cri = std::fs::read_to_string(fixture("realworld/cri.log")).expect("cri");
    let text = format!("{cri}2024-06-03T10:00:09.000Z stdout F not an access line\n");
    let f = write(ws.path(), "cri.log", text.as_bytes());
    let run = authsift(ws.path(), &["analyze", "--json", "--events", "ev.csv", &f]);
    run.expect_code(0);
    let s = run.json();
    assert_eq!(
        problems(&s).iter().map(|(l, _)| *l).collect::<Vec<_>>(),
        vec![6]
    );
    let (head, rows) = read_csv(&ws.path().join("ev.csv"));
    let record = head
        .iter()
        .position(|h| h == "record")
        .expect("record column");
    let mut lines: Vec<&str> = rows.iter().map(|r| r[record].as_str()).collect();
    lines.sort();
    assert_eq!(lines, vec!["1", "4"]);
}

/// Docker's default log driver writes each line as a JSON document
/// (`{"log":"…\n","stream":…,"time":…}`): the lines are unwrapped like
/// CRI's, a line the driver cut in two parts joined at its last part.
#[test]
fn docker_json_file_logs_are_unwrapped() {
    let ws = workspace();
    let f = copy_fixture(ws.path(), "realworld/docker-json-file.log");
    let run = authsift(ws.path(), &["analyze", "--json", "--events", "ev.csv", &f]);
    run.expect_code(0);
    let s = run.json();
    assert_eq!(s["files"][0]["format"], "combined");
    assert_eq!(
        (u(&s["totals"]["exchanges"]), u(&s["totals"]["status_401"])),
        (3, 2)
    );
    assert_eq!(
        problems(&s).iter().map(|(l, _)| *l).collect::<Vec<_>>(),
        vec![5]
    );
    let (head, rows) = read_csv(&ws.path().join("ev.csv"));
    let record = head.iter().position(|h| h == "record").expect("record");
    let mut lines: Vec<&str> = rows.iter().map(|r| r[record].as_str()).collect();
    lines.sort();
    assert_eq!(lines, vec!["1", "4"]);
    assert!(!run.stdout_text().contains("k_51f0c9ad3e7b2864"));
}

#[test]
fn a_byte_order_mark_is_not_part_of_the_first_client() {
    let ws = workspace();
    let f = copy_fixture(ws.path(), "realworld/bom-cr-only-no-eol.log");
    let bytes = std::fs::read(fixture("realworld/bom-cr-only-no-eol.log")).expect("read");
    for stdin in [false, true] {
        let run = if stdin {
            authsift_stdin(ws.path(), &["analyze", "--events", "ev.csv", "-"], &bytes)
        } else {
            authsift(ws.path(), &["analyze", "--events", "ev.csv", &f])
        };
        run.expect_code(0);
        let (head, rows) = read_csv(&ws.path().join("ev.csv"));
        let client = head
            .iter()
            .position(|h| h == "client")
            .expect("client column");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0][client], "203.0.113.70", "stdin: {stdin}");
    }
}

#[test]
fn bzip2_and_xz_are_read_and_damage_is_named() {
    let ws = workspace();
    let plain = authsift(
        ws.path(),
        &[
            "analyze",
            "--json",
            &copy_fixture(ws.path(), "logs/access-combined.log"),
        ],
    );
    plain.expect_code(0);
    let want = plain.json()["causes"].clone();
    for (rel, name) in [
        ("realworld/access-combined.log.3.bz2", "bzip2"),
        ("realworld/access-combined.log.4.xz", "xz"),
    ] {
        let f = copy_fixture(ws.path(), rel);
        let run = authsift(ws.path(), &["analyze", "--json", &f]);
        run.expect_code(0);
        assert_eq!(run.json()["causes"], want, "{rel}");
        // from stdin, found by the magic bytes
        let bytes = std::fs::read(fixture(rel)).expect("read");
        let run = authsift_stdin(ws.path(), &["analyze", "--json", "-"], &bytes);
        run.expect_code(0);
        assert_eq!(run.json()["causes"], want, "{rel} on stdin");
        // cut short: the input fails with the compression named (nothing
        // of it could be read: exit 2)
        let cut = write(ws.path(), "cut.bin", &bytes[..bytes.len() / 2]);
        let run = authsift(ws.path(), &["analyze", &cut]);
        run.expect_code(2);
        assert!(
            run.stderr
                .contains(&format!("corrupt or truncated {name} data")),
            "{}",
            run.stderr
        );
    }
}

/// The summary of `file` as a combined log, in the default and the
/// reference mode (the two must agree on what a user sees): the run
/// succeeds, reads the file as combined and leaves no record unparsed.
fn combined_in_both_modes(dir: &std::path::Path, file: &str) -> Vec<Value> {
    [vec![], vec![("AUTHSIFT_REFERENCE", "1")]]
        .iter()
        .map(|env| {
            let run = authsift_env(dir, &["analyze", "--json", file], env);
            run.expect_code(0);
            let s = run.json();
            assert_eq!(s["files"][0]["format"], "combined", "{}", run.stderr);
            assert_eq!(u(&s["totals"]["unparsed"]), 0, "{:?}", problems(&s));
            s
        })
        .collect()
}

#[test]
fn apaches_empty_user_name_is_a_record_and_a_malformed_credential() {
    // mod_log_config writes an empty `%u` as `""`: the line is a record,
    // and an empty Basic user name is a malformed credential
    let ws = workspace();
    let f = write(
        ws.path(),
        "access.log",
        concat!(
            "203.0.113.7 - \"\" [25/Apr/2024:05:33:02 +0000] \"GET /private/ HTTP/1.1\" 401 381 \"-\" \"Mozilla/5.0\"\n",
            "203.0.113.8 - bob [25/Apr/2024:05:34:01 +0000] \"GET /private/ HTTP/1.1\" 401 381 \"-\" \"curl/8\"\n",
            "203.0.113.9 - - [25/Apr/2024:05:35:01 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"curl/8\"\n",
        )
        .as_bytes(),
    );
    for s in combined_in_both_modes(ws.path(), &f) {
        assert_eq!(u(&s["totals"]["status_401"]), 2);
        let causes = causes_of(&s);
        assert!(
            causes.contains(&("malformed_credentials".to_string(), 1)),
            "{causes:?}"
        );
        assert!(
            causes.contains(&("invalid_credentials".to_string(), 1)),
            "{causes:?}"
        );
    }
}

#[test]
fn a_logged_authorization_header_is_read_as_the_requests_credential() {
    // `log_format … "$http_authorization"`: a client's scheme and token
    // after the user agent is its credential, not the server's challenge
    let ws = workspace();
    let token = "dXNlcjpodW50ZXIy";
    let line = |ip: u8, status: u16| {
        format!(
            "203.0.113.{ip} - - [25/Apr/2024:05:33:0{ip} +0000] \"GET /api/me HTTP/1.1\" {status} 179 \"-\" \"curl/8.5.0\" \"Basic {token}\"\n"
        )
    };
    let f = write(
        ws.path(),
        "access.log",
        format!("{}{}{}", line(1, 401), line(2, 401), line(3, 200)).as_bytes(),
    );
    let run = authsift(ws.path(), &["analyze", "--json", &f]);
    run.expect_code(0);
    let s = run.json();
    assert_eq!(s["files"][0]["format"], "nginx", "{}", run.stderr);
    assert!(
        causes_of(&s).contains(&("invalid_credentials".to_string(), 2)),
        "{:?}",
        causes_of(&s)
    );
    let table = authsift(ws.path(), &["analyze", &f]);
    for out in [
        &run.stdout_text(),
        &run.stderr,
        &table.stdout_text(),
        &table.stderr,
    ] {
        assert!(!out.contains(token), "the credential leaked: {out}");
    }
}

#[test]
fn a_list_of_forwarded_addresses_in_the_client_field_is_one_field() {
    // `log_format … '$http_x_forwarded_for - $remote_user [$time_local] …'`
    // behind proxies: the list is the client field, its first address the
    // client; the fields after it are still ident and user
    let ws = workspace();
    let f = write(
        ws.path(),
        "access.log",
        concat!(
            "10.0.0.2, 10.0.0.1, 127.0.0.1 - - [07/Dec/2016:11:05:07 +0100] \"GET /ocelot HTTP/1.1\" 401 571 \"-\" \"curl/8\"\n",
            "10.0.0.3, 127.0.0.1 - bob [07/Dec/2016:11:05:08 +0100] \"GET /ocelot HTTP/1.1\" 401 571 \"-\" \"curl/8\"\n",
            "10.0.0.4 - - [07/Dec/2016:11:05:09 +0100] \"GET / HTTP/1.1\" 200 5 \"-\" \"curl/8\"\n",
        )
        .as_bytes(),
    );
    for s in combined_in_both_modes(ws.path(), &f) {
        let clients: Vec<&str> = s["clients"]
            .as_array()
            .expect("clients")
            .iter()
            .map(|c| c["client"].as_str().unwrap_or(""))
            .collect();
        assert_eq!(clients.len(), 2, "{clients:?}");
        assert!(
            clients.contains(&"10.0.0.2") && clients.contains(&"10.0.0.3"),
            "{clients:?}"
        );
        // only bob's line logged a Basic user
        let causes = causes_of(&s);
        assert!(
            causes.contains(&("invalid_credentials".to_string(), 1)),
            "{causes:?}"
        );
    }
}

#[test]
fn a_quoted_list_of_forwarded_addresses_before_the_client_is_read() {
    // `log_format … '"$http_x_forwarded_for" $remote_addr - $remote_user
    // [$time_local] …'`: the quoted list comes first; the client is its
    // first address, as of an unquoted list (the address after a `-`
    // list, when the header was absent); every 401 is counted
    let ws = workspace();
    let f = copy_fixture(ws.path(), "realworld/forwarded-quoted-first.log");
    for s in combined_in_both_modes(ws.path(), &f) {
        assert_eq!(u(&s["totals"]["status_401"]), 4);
        assert_eq!(u(&s["totals"]["unparsed"]), 0);
        let mut clients: Vec<&str> = s["clients"]
            .as_array()
            .expect("clients")
            .iter()
            .map(|c| c["client"].as_str().unwrap_or(""))
            .collect();
        clients.sort_unstable();
        assert_eq!(
            clients,
            [
                "10.2.1.187",
                "198.51.100.23",
                "198.51.100.24",
                "203.0.113.9"
            ]
        );
    }
}

#[test]
fn a_w3c_log_with_a_time_but_no_date_field_takes_the_date_directive() {
    let ws = workspace();
    let f = copy_fixture(ws.path(), "realworld/time-only-w3c.log");
    let times = |env: &[(&str, &str)], file: &str| -> Vec<(u64, String)> {
        events_of(ws.path(), file, env)
            .iter()
            .map(|e| {
                (
                    u(&e["record"]),
                    e["time"].as_str().unwrap_or("none").to_string(),
                )
            })
            .collect()
    };
    let want: Vec<(u64, String)> = [
        (5, "2024-06-03T09:15:02Z"),
        (6, "2024-06-03T09:15:02Z"),
        (8, "2024-06-03T09:20:40Z"),
        // a block begun at 23:59:50: after midnight is the next day
        (13, "2024-06-03T23:59:58Z"),
        (14, "2024-06-04T00:00:01Z"),
    ]
    .iter()
    .map(|(r, t)| (*r, t.to_string()))
    .collect();
    assert_eq!(times(&[], &f), want);
    // many chunks (the reference mode's are small): each starts with the
    // last #Date before it
    let mut big = String::new();
    for day in 1..=9 {
        big.push_str(&format!(
            "#Software: Microsoft Internet Information Services 10.0\n#Date: 2024-07-0{day} 00:00:00\n#Fields: time c-ip cs-method cs-uri-stem cs-username sc-status sc-substatus sc-win32-status\n"
        ));
        for i in 0..400 {
            big.push_str(&format!(
                "{:02}:{:02}:{:02} 192.0.2.{} GET /app/{i} CORP\\u{i} 401 1 1326\n",
                i / 60 % 24,
                i % 60,
                i % 60,
                i % 200
            ));
        }
    }
    let big_file = write(ws.path(), "u_ex-big.log", big.as_bytes());
    let fast = times(&[], &big_file);
    let reference = times(&[("AUTHSIFT_REFERENCE", "1")], &big_file);
    assert_eq!(fast.len(), 9 * 400);
    assert_eq!(fast, reference);
    for (k, (_, t)) in fast.iter().enumerate() {
        let day = k / 400 + 1;
        assert!(t.starts_with(&format!("2024-07-0{day}T")), "{k}: {t}");
    }
}

#[test]
fn pythons_development_servers_are_common_log_lines() {
    // http.server and Werkzeug (Flask): `[25/Apr/2024 05:33:01]`, no offset
    let ws = workspace();
    let f = write(
        ws.path(),
        "flask.log",
        concat!(
            "127.0.0.1 - - [25/Apr/2024 05:33:01] \"GET /admin HTTP/1.1\" 401 -\n",
            "127.0.0.1 - - [25/Apr/2024 05:33:02] \"GET /static/app.js HTTP/1.1\" 200 -\n",
        )
        .as_bytes(),
    );
    let run = authsift(ws.path(), &["analyze", "--json", &f]);
    run.expect_code(0);
    let s = run.json();
    assert_eq!(s["files"][0]["format"], "common", "{}", run.stderr);
    assert_eq!(u(&s["totals"]["status_401"]), 1);
    assert_eq!(u(&s["totals"]["degraded"]), 0, "{:?}", problems(&s));
}

/// Werkzeug on a terminal colours the request line by its status
/// (`ESC[31mESC[1mGET /api/data HTTP/1.1ESC[0m` for a 4xx): the colour
/// codes are not part of the method or the target, and its time (a space
/// before the time of day, no offset) reads as UTC.
#[test]
fn werkzeugs_coloured_request_lines_are_read_without_their_colours() {
    let ws = workspace();
    let f = copy_fixture(ws.path(), "realworld/werkzeug-colour.log");
    for env in [&[][..], &[("AUTHSIFT_REFERENCE", "1")][..]] {
        let evs = events_of(ws.path(), &f, env);
        let got: Vec<(String, String, String, String)> = evs
            .iter()
            .map(|e| {
                let s = |k: &str| e[k].as_str().unwrap_or("").to_string();
                (s("time"), s("method"), s("target"), s("cause"))
            })
            .collect();
        assert_eq!(
            got,
            [
                ("2024-01-02T10:00:00Z", "GET", "/api/data", "unknown"),
                (
                    "2024-01-02T10:00:01Z",
                    "GET",
                    "/api/data?api_key=REDACTED",
                    "placeholder_credentials"
                ),
                ("2024-01-02T10:00:06Z", "DELETE", "/api/jobs/7", "unknown"),
            ]
            .map(|(a, b, c, d)| (
                a.to_string(),
                b.to_string(),
                c.to_string(),
                d.to_string()
            ))
        );
    }
    let s = authsift(ws.path(), &["analyze", "--json", &f]).json();
    assert_eq!(s["files"][0]["format"], "common");
    assert_eq!(u(&s["totals"]["degraded"]), 0, "{:?}", problems(&s));
    assert_eq!(u(&s["totals"]["unparsed"]), 0, "{:?}", problems(&s));
}

/// An IIS log without its `#Fields:` directive (shipped to a SIEM line by
/// line): lines of IIS's default fields are detected and read with them,
/// said once in the problems; IIS 7.5's 14 fields too; a `#Fields:`
/// directive later in the file takes over from it.
#[test]
fn an_iis_log_without_its_fields_directive_is_read_with_the_default_fields() {
    let ws = workspace();
    let f = copy_fixture(ws.path(), "realworld/iis-no-fields.log");
    for args in [
        &["--json"][..],
        &["--json", "--format", "iis"],
        &["--json", "--format", "w3c"],
    ] {
        for env in [&[][..], &[("AUTHSIFT_REFERENCE", "1")][..]] {
            let mut all = vec!["analyze"];
            all.extend_from_slice(args);
            all.push(&f);
            let run = authsift_env(ws.path(), &all, env);
            run.expect_code(0);
            let s = run.json();
            assert_eq!(
                (
                    u(&s["totals"]["exchanges"]),
                    u(&s["totals"]["status_401"]),
                    u(&s["totals"]["unparsed"])
                ),
                (7, 5, 0),
                "{args:?} {}",
                run.stderr
            );
            let p = problems(&s);
            assert_eq!(p.len(), 1, "{p:?}");
            assert_eq!(p[0].0, 1);
            assert!(
                p[0].1.starts_with("note: no #Fields directive before these lines: read with the default fields of IIS 8.5 and later (#Fields: date time s-ip "),
                "{p:?}"
            );
        }
    }
    let s = authsift(ws.path(), &["analyze", "--json", &f]).json();
    assert_eq!(s["files"][0]["format"], "iis");
    // IIS 7.5 (no cs(Referer)), then a directive of other fields
    let text = concat!(
        "2019-03-06 18:43:17 10.0.140.107 GET /health-monitoring - 80 - 10.0.140.2 - 200 0 0 15\n",
        "2019-03-06 18:43:18 10.0.140.107 GET /admin - 80 - 10.0.140.2 curl/8.5 401 2 5 15\n",
        "#Software: Microsoft Internet Information Services 7.5\n",
        "#Fields: date time cs-method cs-uri-stem cs-username c-ip sc-status sc-substatus sc-win32-status\n",
        "2019-03-06 18:43:19 GET /admin CORP\\eve 10.0.140.2 401 1 1326\n",
        "2019-03-06 18:43:20 10.0.140.107 GET /admin - 80 - 10.0.140.2 curl/8.5 401 2 5 15\n",
    );
    let g = write(ws.path(), "u_ex190306.log", text.as_bytes());
    for env in [&[][..], &[("AUTHSIFT_REFERENCE", "1")][..]] {
        let run = authsift_env(ws.path(), &["analyze", "--json", &g], env);
        run.expect_code(0);
        let s = run.json();
        assert_eq!(s["files"][0]["format"], "iis");
        assert_eq!(
            (
                u(&s["totals"]["exchanges"]),
                u(&s["totals"]["status_401"]),
                u(&s["totals"]["unparsed"])
            ),
            (3, 2, 1),
            "{}",
            run.stderr
        );
        let p = problems(&s);
        assert!(
            p.iter()
                .any(|(at, m)| *at == 1 && m.contains("default fields of IIS 7.5 (")),
            "{p:?}"
        );
        // the line after the directive with the old shape is not a record
        assert!(p.iter().any(|(at, _)| *at == 6), "{p:?}");
        let causes: Vec<(u64, String)> = events_of(ws.path(), &g, env)
            .iter()
            .map(|e| {
                (
                    u(&e["record"]),
                    e["cause"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect();
        assert_eq!(
            causes,
            [
                (2, "missing_credentials".to_string()),
                (5, "invalid_credentials".to_string())
            ]
        );
    }
}

/// An IIS log without its directives whose site chose other fields than
/// the defaults: each line is read with the IIS fields its values fit, in
/// IIS's order (the client address and the three status numbers are
/// IIS's mark); a line of another shape is no record.
#[test]
fn an_iis_log_of_selected_fields_without_its_directive_is_read_by_what_its_values_fit() {
    let ws = workspace();
    let f = copy_fixture(ws.path(), "realworld/iis-selected-fields.log");
    for env in [&[][..], &[("AUTHSIFT_REFERENCE", "1")][..]] {
        let run = authsift_env(ws.path(), &["analyze", "--json", &f], env);
        run.expect_code(0);
        let s = run.json();
        assert_eq!(s["files"][0]["format"], "iis");
        let p = problems(&s);
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(
            p[0].1.contains("read with the IIS fields their values fit"),
            "{p:?}"
        );
        let causes: Vec<(u64, String, String, String)> = events_of(ws.path(), &f, env)
            .iter()
            .map(|e| {
                (
                    u(&e["record"]),
                    e["cause"].as_str().unwrap_or("").to_string(),
                    e["client"].as_str().unwrap_or("").to_string(),
                    e["host"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect();
        let want = [
            (
                1,
                "challenge_handshake",
                "192.0.2.10",
                "intranet.example.org",
            ),
            (
                2,
                "challenge_handshake",
                "192.0.2.10",
                "intranet.example.org",
            ),
            (
                4,
                "invalid_credentials",
                "198.51.100.9",
                "files.example.org",
            ),
            // no cs-host in this selection
            (5, "missing_credentials", "10.1.0.1", ""),
        ];
        assert_eq!(
            causes,
            want.map(|(r, c, a, h)| (r, c.to_string(), a.to_string(), h.to_string())),
            "{env:?}"
        );
    }
    // lines of other shapes: no client address, or no status numbers
    let text = concat!(
        "2024-03-04 09:00:12 INFO GET /jobs 200 0 0 12\n",
        "2024-03-04 09:00:13 W3SVC2 GET /x - 443 - 192.0.2.10 401\n",
        "2024-03-04 09:00:14 W3SVC2 GET /x - 443 - 192.0.2.10 curl/8.5.0 401 2 5 3\n",
    );
    let g = write(ws.path(), "u_ex240304.log", text.as_bytes());
    let s = authsift(ws.path(), &["analyze", "--json", "--format", "iis", &g]).json();
    assert_eq!(
        (
            u(&s["totals"]["exchanges"]),
            u(&s["totals"]["status_401"]),
            u(&s["totals"]["unparsed"])
        ),
        (1, 1, 2),
        "{:?}",
        problems(&s)
    );
}

/// (host, method, target, cause) of each 401 event of `file`.
fn events_401(dir: &std::path::Path, file: &str) -> Vec<(String, String, String, String)> {
    events_of(dir, file, &[])
        .iter()
        .map(|e| {
            let s = |k: &str| e[k].as_str().unwrap_or("").to_string();
            (s("host"), s("method"), s("target"), s("cause"))
        })
        .collect()
}

/// (host, method, target, cause) of a 401 as its event shows it.
type Seen<'a> = (&'a str, &'a str, &'a str, &'a str);

#[test]
fn json_logs_of_well_known_schemas_are_read_without_a_mapping_and_the_mapping_is_said() {
    let ws = workspace();
    // (fixture, the mapping said on stderr, (host, method, target, cause) of each 401)
    let cases: &[(&str, &str, &[Seen])] = &[
        (
            "nginx-json.log",
            "status=status,time=time_local,path=request,host=host,client=remote_addr,user_agent=http_user_agent,authorization=http_authorization,www_authenticate=sent_http_www_authenticate,user=remote_user",
            &[
                ("api.example.com", "GET", "/v1/me", "missing_credentials"),
                (
                    "api.example.com",
                    "GET",
                    "/v1/orders?page=2",
                    "expired_credentials",
                ),
                ("api.example.com", "GET", "/admin/", "invalid_credentials"),
            ],
        ),
        (
            "gcp-requests.jsonl",
            "status=httpRequest.status,time=timestamp,path=httpRequest.requestUrl,method=httpRequest.requestMethod,client=httpRequest.remoteIp,user_agent=httpRequest.userAgent",
            &[
                (
                    "api.example.com",
                    "GET",
                    "/v1/items?key=REDACTED",
                    "placeholder_credentials",
                ),
                // shows nothing; the same client's success 2 s later is
                // for another page (`?page=3`), no retry of this request
                ("api.example.com", "GET", "/v1/items", "unknown"),
                (
                    "api.example.com",
                    "GET",
                    "/v1/report?access_token=REDACTED",
                    "expired_credentials",
                ),
            ],
        ),
        (
            "cloudflare-http.jsonl",
            "status=EdgeResponseStatus,time=EdgeStartTimestamp,path=ClientRequestURI,method=ClientRequestMethod,host=ClientRequestHost,client=ClientIP,user_agent=ClientRequestUserAgent,authorization=RequestHeaders.authorization,www_authenticate=ResponseHeaders.www-authenticate",
            &[
                ("www.example.org", "GET", "/api/cart", "missing_credentials"),
                (
                    "www.example.org",
                    "GET",
                    "/api/cart?x=1",
                    "placeholder_credentials",
                ),
                ("www.example.org", "GET", "/api/orders", "wrong_scheme"),
            ],
        ),
        (
            "apigateway-rest.jsonl",
            "status=status,time=requestTime,path=resourcePath,method=httpMethod,client=ip,message=errorMessage",
            &[
                ("", "GET", "/pets/{petId}", "unknown"),
                ("", "POST", "/pets", "expired_credentials"),
            ],
        ),
        (
            "apigateway-http.jsonl",
            "status=status,time=requestTime,path=routeKey,method=httpMethod,client=ip,message=errorMessage",
            &[
                ("", "GET", "/items/{id}", "unknown"),
                ("", "DELETE", "/items/{id}", "unknown"),
            ],
        ),
        (
            "pino-http.jsonl",
            "status=res.statusCode,time=time,path=req.url,method=req.method,host=req.headers.host,client=req.remoteAddress,user_agent=req.headers.user-agent,authorization=req.headers.authorization,api_key=req.headers.x-api-key,headers=req.headers,www_authenticate=res.headers.www-authenticate",
            &[
                ("svc.internal", "GET", "/api/profile", "missing_credentials"),
                // pino's `redact` leaves "[Redacted]": a credential was sent
                ("svc.internal", "GET", "/api/profile", "invalid_credentials"),
                (
                    "svc.internal",
                    "GET",
                    "/api/reports/42",
                    "expired_credentials",
                ),
                (
                    "svc.internal",
                    "GET",
                    "/api/keys",
                    "placeholder_credentials",
                ),
            ],
        ),
        (
            // Kong's file-log plugin: epoch milliseconds, key-auth's `apikey`
            "kong-file-log.jsonl",
            "status=response.status,time=started_at,path=request.url,method=request.method,host=request.headers.host,client=client_ip,user_agent=request.headers.user-agent,authorization=request.headers.authorization,api_key=request.headers.apikey,headers=request.headers,www_authenticate=response.headers.www-authenticate",
            &[
                ("gw.example.com", "GET", "/orders", "invalid_credentials"),
                ("gw.example.com", "GET", "/orders", "expired_credentials"),
                // Kong logs every request header: no key, no Authorization
                ("gw.example.com", "GET", "/orders", "missing_credentials"),
            ],
        ),
        (
            // Azure Front Door: the status a string, the target a URL
            "azure-frontdoor.jsonl",
            "status=properties.httpStatusCode,time=time,path=properties.requestUri,method=properties.httpMethod,client=properties.clientIp,user_agent=properties.userAgent",
            &[
                (
                    "shop.fixture.example.com",
                    "GET",
                    "/api/orders?page=1",
                    "unknown",
                ),
                (
                    "shop.fixture.example.com",
                    "GET",
                    "/api/export?api_key=REDACTED",
                    "invalid_credentials",
                ),
            ],
        ),
        (
            "azure-appgateway.jsonl",
            "status=properties.httpStatus,time=time,path=properties.requestUri,method=properties.httpMethod,host=properties.host,client=properties.clientIP,user_agent=properties.userAgent",
            &[(
                "portal.fixture.example.com",
                "POST",
                "/api/login",
                "unknown",
            )],
        ),
        (
            // App Service's HTTP log: IIS's fields under `properties`
            "azure-appservice-http.jsonl",
            "status=properties.ScStatus,time=time,path=properties.CsUriStem,method=properties.CsMethod,host=properties.CsHost,client=properties.CIp,user_agent=properties.UserAgent",
            &[(
                "app-fixture.azurewebsites.net",
                "GET",
                "/api/report",
                "unknown",
            )],
        ),
    ];
    for (name, mapping, want) in cases {
        let f = copy_fixture(ws.path(), &format!("realworld/{name}"));
        let run = authsift(ws.path(), &["analyze", "--json", &f]);
        run.expect_code(0);
        let said = format!("authsift: {f}: JSON lines read with --json-fields '{mapping}'\n");
        assert_eq!(
            run.stderr.matches(&said).count(),
            1,
            "{name}: {}",
            run.stderr
        );
        let s = run.json();
        assert_eq!(s["files"][0]["format"], "jsonl", "{name}");
        assert!(
            problems(&s)
                .iter()
                .any(|(line, m)| *line == 1 && m.contains(mapping)),
            "{name}: {:?}",
            problems(&s)
        );
        let got = events_401(ws.path(), &f);
        let want: Vec<(String, String, String, String)> = want
            .iter()
            .map(|(h, m, t, c)| (h.to_string(), m.to_string(), t.to_string(), c.to_string()))
            .collect();
        assert_eq!(got, want, "{name}");
        // every 401 has its time (CLF, RFC 3339, epoch milliseconds and
        // nanoseconds alike)
        for e in events_of(ws.path(), &f, &[]) {
            assert!(
                e["time"]
                    .as_str()
                    .is_some_and(|t| t.starts_with("2024-10-10T13:5")),
                "{name}: {e}"
            );
        }
        // the mapping said, given back, reads the same
        let again = authsift(
            ws.path(),
            &["analyze", "--json", "--json-fields", mapping, &f],
        );
        again.expect_code(0);
        assert!(
            !again.stderr.contains("JSON lines read with"),
            "{}",
            again.stderr
        );
        assert_eq!(again.json()["causes"], s["causes"], "{name}");
    }
    // --json-fields still decides: without the host member the Cloudflare
    // 401s have none, and no mapping is said
    let f = copy_fixture(ws.path(), "realworld/cloudflare-http.jsonl");
    let run = authsift(
        ws.path(),
        &[
            "analyze",
            "--events",
            "-",
            "--events-format",
            "ndjson",
            "--json-fields",
            "status=EdgeResponseStatus,path=ClientRequestURI",
            &f,
        ],
    );
    run.expect_code(0);
    assert!(
        !run.stderr.contains("JSON lines read with"),
        "{}",
        run.stderr
    );
    let hosts: Vec<Value> = run
        .stdout_text()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("event")["host"].clone())
        .collect();
    assert_eq!(hosts, vec![Value::Null; 3]);
}

#[test]
fn lines_of_an_inferred_json_log_that_are_no_records_are_counted_with_their_line() {
    let ws = workspace();
    let ok = |status: &str| {
        format!(
            r#"{{"time":"2024-10-10T13:55:36Z","status":{status},"method":"GET","path":"/v1/me","remote_addr":"10.0.0.1"}}"#
        ) + "\n"
    };
    let text = [
        ok("401"),
        "not json at all\n".to_string(),
        ok("\"401\""),
        r#"{"time":"2024-10-10T13:55:37Z","level":"info","msg":"cache warmed"}"#.to_string() + "\n",
        ok("200"),
    ]
    .concat();
    let f = write(ws.path(), "app.jsonl", text.as_bytes());
    let run = authsift(ws.path(), &["analyze", "--json", &f]);
    run.expect_code(0);
    let s = run.json();
    // a status as a number and as a string both count
    assert_eq!(u(&s["totals"]["status_401"]), 2);
    assert_eq!(u(&s["totals"]["exchanges"]), 3);
    assert_eq!(u(&s["totals"]["unparsed"]), 2);
    let lines: Vec<u64> = problems(&s)
        .into_iter()
        .filter(|(_, m)| !m.starts_with("note: "))
        .map(|(l, _)| l)
        .collect();
    assert_eq!(lines, [2, 4], "{:?}", problems(&s));
}

#[test]
fn json_lines_with_no_status_under_a_known_name_fail_with_a_clear_message() {
    let ws = workspace();
    let f = write(
        ws.path(),
        "app.jsonl",
        b"{\"level\":\"info\",\"msg\":\"started\"}\n{\"level\":\"info\",\"code\":401,\"route\":\"/x\"}\n",
    );
    // alone, nothing could be analysed (exit 2); beside another input, that
    // input fails (exit 1)
    let run = authsift(ws.path(), &["analyze", &f]);
    run.expect_code(2);
    assert!(
        run.stderr
            .contains("app.jsonl: JSON lines whose first lines hold no HTTP status and path")
            && run.stderr.contains("--json-fields status="),
        "{}",
        run.stderr
    );
    let other = write(ws.path(), "a.log", CLF_401.as_bytes());
    let run = authsift(ws.path(), &["analyze", "--json", &f, &other]);
    run.expect_code(1);
    assert_eq!(u(&run.json()["totals"]["status_401"]), 1);
    // the mapping a user gives reads them
    let run = authsift(
        ws.path(),
        &[
            "analyze",
            "--json",
            "--json-fields",
            "status=code,path=route",
            &f,
        ],
    );
    assert_eq!(u(&run.json()["totals"]["status_401"]), 1, "{}", run.stderr);
}

#[test]
fn query_tokens_under_common_names_are_credentials_sent() {
    // `oauth_token` (OAuth 1.0, Google's legacy name), `api_token`,
    // `apiToken`, `accessToken`: each 401 carried a credential, fingerprinted
    // and never quoted; the last line carries none
    let ws = workspace();
    let f = copy_fixture(ws.path(), "realworld/query-token-names.log");
    let got: Vec<(String, String, bool)> = events_of(ws.path(), &f, &[])
        .iter()
        .map(|e| {
            (
                e["evidence_detail"].as_str().unwrap_or("").to_string(),
                e["cause"].as_str().unwrap_or("").to_string(),
                e["credential"].is_string(),
            )
        })
        .collect();
    let want = [
        ("token in query parameter oauth_token rejected", true),
        ("api key in query parameter api_token rejected", true),
        ("api key in query parameter apitoken rejected", true),
        ("token in query parameter accesstoken rejected", true),
        ("format carries no request headers", false),
    ];
    assert_eq!(got.len(), want.len(), "{got:?}");
    for ((detail, cause, fingerprinted), (said, sent)) in got.iter().zip(want) {
        assert!(detail.starts_with(said), "{detail} / {said}");
        assert_eq!(*fingerprinted, sent, "{detail}");
        let expected = if sent {
            "invalid_credentials"
        } else {
            "unknown"
        };
        assert_eq!(cause, expected, "{detail}");
    }
}

#[test]
fn a_traefik_line_without_client_host_takes_its_client_from_client_addr() {
    // `accessLog.fields.names` may drop ClientHost: the client is then
    // ClientAddr without its port, not the user agent; ClientHost wins
    // where both are logged; the same in the reference mode
    let ws = workspace();
    let f = copy_fixture(ws.path(), "realworld/traefik-no-clienthost.jsonl");
    for env in [vec![], vec![("AUTHSIFT_REFERENCE", "1")]] {
        let clients: Vec<String> = events_of(ws.path(), &f, &env)
            .iter()
            .map(|e| e["client"].as_str().unwrap_or("").to_string())
            .collect();
        assert_eq!(
            clients,
            ["198.51.100.40", "2001:db8::41", "198.51.100.42"],
            "{env:?}"
        );
    }
}

#[test]
fn an_address_before_ident_is_no_basic_user() {
    // `$http_x_forwarded_for $remote_addr - $remote_user` unquoted: the
    // proxy's address stands before ident; a virtual host before the
    // client on some lines of a log read as combined (its format changed).
    // Neither makes the user `- -`, a Basic user no request sent.
    let ws = workspace();
    let f = copy_fixture(ws.path(), "realworld/forwarded-unquoted-list.log");
    let mixed = write(
        ws.path(),
        "changed.log",
        concat!(
            "203.0.113.70 - - [05/Jun/2024:08:00:01 +0000] \"GET /a HTTP/1.1\" 401 60 \"-\" \"curl/8\"\n",
            "api.example.com 203.0.113.71 - - [05/Jun/2024:08:00:02 +0000] \"GET /b HTTP/1.1\" 401 60 \"-\" \"curl/8\"\n",
            "api.example.com:443 203.0.113.72 - - [05/Jun/2024:08:00:03 +0000] \"GET /c HTTP/1.1\" 401 60 \"-\" \"curl/8\"\n",
            "api.example.com:443 203.0.113.73 - dave [05/Jun/2024:08:00:04 +0000] \"GET /d HTTP/1.1\" 401 60 \"-\" \"curl/8\"\n",
        )
        .as_bytes(),
    );
    for env in [vec![], vec![("AUTHSIFT_REFERENCE", "1")]] {
        let run = authsift_env(ws.path(), &["analyze", "--json", &f], &env);
        run.expect_code(0);
        assert_eq!(
            run.json()["files"][0]["format"],
            "combined",
            "{}",
            run.stderr
        );
        let got: Vec<(String, String)> = events_of(ws.path(), &f, &env)
            .iter()
            .map(|e| {
                let s = |k: &str| e[k].as_str().unwrap_or("").to_string();
                (s("client"), s("cause"))
            })
            .collect();
        let want = [
            ("203.0.113.9", "unknown"),
            ("198.51.100.60", "invalid_credentials"),
            ("198.51.100.61", "unknown"),
        ];
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(c, k)| (c.to_string(), k.to_string()))
            .collect();
        assert_eq!(got, want, "{env:?}");
        let causes: Vec<String> = events_of(ws.path(), &mixed, &env)
            .iter()
            .map(|e| e["cause"].as_str().unwrap_or("").to_string())
            .collect();
        assert_eq!(
            causes,
            ["unknown", "unknown", "unknown", "invalid_credentials"],
            "{env:?}"
        );
    }
}

#[test]
fn a_bare_dash_referer_keeps_the_user_agent_that_follows_it() {
    // Traefik's common log writes an absent referer as a bare `-`: the
    // first quoted field after it is the user agent (not the router's
    // name two fields on), and a first line of that shape is combined
    let ws = workspace();
    let f = copy_fixture(ws.path(), "realworld/traefik-common-dash-referer.log");
    for env in [vec![], vec![("AUTHSIFT_REFERENCE", "1")]] {
        let run = authsift_env(ws.path(), &["analyze", "--json", &f], &env);
        run.expect_code(0);
        assert_eq!(
            run.json()["files"][0]["format"],
            "combined",
            "{}",
            run.stderr
        );
        let agents: Vec<String> = events_of(ws.path(), &f, &env)
            .iter()
            .map(|e| e["user_agent"].as_str().unwrap_or("").to_string())
            .collect();
        assert_eq!(
            agents,
            [
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X)",
                "curl/8.5.0"
            ],
            "{env:?}"
        );
    }
}

#[test]
fn haproxy_and_envoy_targets_keep_the_backslashes_the_client_sent() {
    // neither server escapes a backslash (HAProxy encodes as `#XX`, Envoy
    // writes what it got): the scanner's `\think\app` is no tab, `\n` and
    // `\x41` are four bytes each
    let ws = workspace();
    for (rel, want) in [
        (
            "realworld/haproxy-backslash.log",
            &[
                (
                    "/index.php?s=/index/\\think\\app/invokefunction&function=call_user_func_array",
                    "",
                ),
                ("/files/a\\nb\\x41", ""),
            ][..],
        ),
        (
            "realworld/envoy-backslash.log",
            &[(
                "/index.php?s=/index/\\think\\app/invokefunction",
                "scanner\\tbot/1.0",
            )][..],
        ),
    ] {
        let f = copy_fixture(ws.path(), rel);
        for env in [vec![], vec![("AUTHSIFT_REFERENCE", "1")]] {
            let got: Vec<(String, String)> = events_of(ws.path(), &f, &env)
                .iter()
                .map(|e| {
                    let s = |k: &str| e[k].as_str().unwrap_or("").to_string();
                    (s("target"), s("user_agent"))
                })
                .collect();
            let want: Vec<(String, String)> = want
                .iter()
                .map(|(t, a)| (t.to_string(), a.to_string()))
                .collect();
            assert_eq!(got, want, "{rel} {env:?}");
        }
    }
}

#[test]
fn emissary_ingress_access_lines_are_envoy_text() {
    // Emissary-ingress (Ambassador) writes `ACCESS ` before Envoy's default
    // format: detected and read, its external authorization's UAEX said
    let ws = workspace();
    let f = copy_fixture(ws.path(), "realworld/emissary-access.log");
    let run = authsift(ws.path(), &["analyze", "--json", &f]);
    run.expect_code(0);
    let s = run.json();
    assert_eq!(s["files"][0]["format"], "envoy-text", "{}", run.stderr);
    assert_eq!(u(&s["totals"]["exchanges"]), 3);
    assert_eq!(u(&s["totals"]["unparsed"]), 0);
    let got: Vec<(String, String, String)> = events_of(ws.path(), &f, &[])
        .iter()
        .map(|e| {
            let s = |k: &str| e[k].as_str().unwrap_or("").to_string();
            (s("client"), s("target"), s("evidence_rule"))
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "198.51.100.130".to_string(),
                "/backend/orders".to_string(),
                "envoy:flag-uaex".to_string()
            ),
            (
                "198.51.100.132".to_string(),
                "/backend/admin".to_string(),
                "step6:no-signal".to_string()
            ),
        ]
    );
}
