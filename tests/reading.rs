//! Memory-mapped and streamed reads are one decision of the configuration
//! (`Config::map_files`): every fixture, read either way, gives a
//! byte-identical JSON summary. Calls the library (no flag chooses the
//! streamed read of a regular file).

mod common;

use std::path::{Path, PathBuf};

use authsift::cli::{Cli, Command};
use authsift::config::Config;
use authsift::summary::report::Rows;
use authsift::{output, run};
use clap::Parser;
use common::{crate_root, fixtures_dir};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("a readable fixture folder")
        .map(|e| e.expect("a readable entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_none_or(|x| x != "md") {
            out.push(p);
        }
    }
}

/// The extra flags `tests/expected/<name>.json` gives a fixture.
fn extra_args(fixture: &Path) -> Vec<String> {
    let name = fixture.file_name().unwrap_or_default().to_string_lossy();
    let expected = crate_root()
        .join("tests/expected")
        .join(format!("{name}.json"));
    let Ok(text) = std::fs::read_to_string(expected) else {
        return Vec::new();
    };
    let v: serde_json::Value = serde_json::from_str(&text).expect("an expected file is JSON");
    v["args"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn summary(fixture: &Path, map_files: bool) -> Result<Vec<u8>, String> {
    let mut argv = vec![
        "authsift".to_string(),
        "analyze".into(),
        "--quiet".into(),
        "--progress".into(),
        "never".into(),
        "-j2".into(),
    ];
    argv.extend(extra_args(fixture));
    argv.push(fixture.display().to_string());
    let Command::Analyze(args) = Cli::try_parse_from(&argv)
        .map_err(|e| e.to_string())?
        .command
    else {
        return Err("not an analyze command".into());
    };
    let mut cfg = Config::from_args(args).map_err(|e| e.to_string())?;
    cfg.map_files = map_files;
    let mut analysis = run::analyze(&cfg).map_err(|e| e.to_string())?;
    let (report, _) = analysis.state.finalize(Rows::All, false);
    let mut json = Vec::new();
    output::write_json(&report, &mut json).map_err(|e| e.to_string())?;
    Ok(json)
}

#[test]
fn mapped_and_streamed_reads_give_the_same_summary() {
    let mut all = Vec::new();
    files(&fixtures_dir(), &mut all);
    assert!(all.len() > 20, "the fixtures are there");
    let mut compared = 0;
    for f in &all {
        let text = |r: Result<Vec<u8>, String>| r.map(|b| String::from_utf8_lossy(&b).into_owned());
        let mapped = text(summary(f, true));
        let streamed = text(summary(f, false));
        assert_eq!(
            mapped,
            streamed,
            "{}: mapped (left) and streamed (right) reads differ",
            f.display()
        );
        compared += usize::from(mapped.is_ok());
    }
    assert!(compared > 20, "most fixtures give a summary ({compared})");
}
