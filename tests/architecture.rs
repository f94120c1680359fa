//! The shape of the code: the modules follow the data flow in one
//! direction (no module imports one that imports it back, directly or
//! through others), and `unsafe` lives only where README says it does.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use common::crate_root;

/// Every `.rs` file under `src/` with its module path (`classify::rules`;
/// `lib.rs` and `main.rs` are the crate root and left out).
fn modules() -> BTreeMap<String, PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).expect("readable src") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let src = crate_root().join("src");
    let mut files = Vec::new();
    walk(&src, &mut files);
    let mut out = BTreeMap::new();
    for f in files {
        let rel = f.strip_prefix(&src).expect("inside src").with_extension("");
        let mut parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        if parts.last().is_some_and(|l| l == "mod") {
            parts.pop();
        }
        if parts == ["lib"] || parts == ["main"] {
            continue;
        }
        out.insert(parts.join("::"), f);
    }
    out
}

/// The code of a file without its test module and comments.
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("readable source");
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => &text[..],
    };
    text.lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The paths after each `prefix` in `code` (`crate::a::b` → `[a, b]`),
/// with the names inside a brace group each their own path.
fn paths_after(code: &str, prefix: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    for (i, _) in code.match_indices(prefix) {
        if code[..i]
            .chars()
            .next_back()
            .is_some_and(|c| ident(c) || c == ':')
        {
            continue;
        }
        let rest = &code[i + prefix.len()..];
        let mut path = Vec::new();
        let mut r = rest;
        loop {
            let n = r.find(|c: char| !ident(c)).unwrap_or(r.len());
            if n == 0 {
                break;
            }
            path.push(r[..n].to_string());
            r = &r[n..];
            if let Some(more) = r.strip_prefix("::") {
                r = more;
            } else {
                break;
            }
        }
        if r.starts_with('{') {
            let group = &r[1..r.find('}').unwrap_or(r.len())];
            for name in group.split(',') {
                let name: String = name.trim().chars().take_while(|&c| ident(c)).collect();
                if !name.is_empty() {
                    let mut p = path.clone();
                    p.push(name);
                    out.push(p);
                }
            }
        } else if !path.is_empty() {
            out.push(path);
        }
    }
    out
}

/// Module → the modules it uses (not itself, not its own ancestors: a
/// child reading its parent's items is not a cycle).
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let mods = modules();
    let resolve = |parts: &[String]| -> Option<String> {
        (1..=parts.len())
            .rev()
            .map(|n| parts[..n].join("::"))
            .find(|k| mods.contains_key(k))
    };
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (m, path) in &mods {
        let c = code(path);
        let me: Vec<String> = m.split("::").map(str::to_string).collect();
        // `super` of a folder's mod.rs is the folder's parent
        let parent: Vec<String> = if path.ends_with("mod.rs") {
            me[..me.len().saturating_sub(1)].to_vec()
        } else {
            me[..me.len() - 1].to_vec()
        };
        let mut refs = paths_after(&c, "crate::");
        for p in paths_after(&c, "super::") {
            let mut full = parent.clone();
            full.extend(p);
            refs.push(full);
        }
        let e = g.entry(m.clone()).or_default();
        for r in refs {
            if let Some(t) = resolve(&r)
                && t != *m
                && !m.starts_with(&format!("{t}::"))
            {
                e.insert(t);
            }
        }
    }
    g
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let g = graph();
    assert!(g.len() > 30, "modules found: {}", g.len());
    // a depth-first search from every module for a path back to it
    for start in g.keys() {
        let mut stack: Vec<(String, Vec<String>)> = vec![(start.clone(), vec![start.clone()])];
        let mut seen = BTreeSet::new();
        while let Some((m, path)) = stack.pop() {
            for next in g.get(&m).into_iter().flatten() {
                assert!(
                    next != start,
                    "import cycle: {} -> {start}",
                    path.join(" -> ")
                );
                if seen.insert(next.clone()) {
                    let mut p = path.clone();
                    p.push(next.clone());
                    stack.push((next.clone(), p));
                }
            }
        }
    }
}

#[test]
fn the_graph_sees_imports() {
    // the check above must not pass because it sees nothing
    let g = graph();
    assert!(
        g["analyzer"].contains("classify::sequence"),
        "{:?}",
        g["analyzer"]
    );
    assert!(g["logs"].contains("analyzer"), "{:?}", g["logs"]);
    assert!(g["summary"].contains("verdict"), "{:?}", g["summary"]);
    assert!(!g["summary"].iter().any(|m| m.starts_with("classify")));
}

#[test]
fn unsafe_code_only_in_the_memory_map_and_the_simd_masks() {
    let allowed = ["input::mmap", "logs::simd"];
    for (m, path) in modules() {
        let c = code(&path);
        if allowed.contains(&m.as_str()) {
            continue;
        }
        assert!(
            !c.contains("unsafe ") && !c.contains("unsafe{"),
            "unsafe code in {m} ({})",
            path.display()
        );
    }
    let lib = std::fs::read_to_string(crate_root().join("src").join("lib.rs")).expect("lib.rs");
    assert!(lib.contains("#![deny(unsafe_code)]"));
}
