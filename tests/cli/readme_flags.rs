//! The docs a reader finds things in: `docs/console.md` documents every console flag and every
//! key of the key map, the README's key table names only real keys, and every relative link in
//! the README and `docs/` leads to a file (and heading) that exists.

use clap::CommandFactory;
use kedatui::app::keymap::KeyContext;
use kedatui::app::{App, AppConfig};

fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn console_page() -> String {
    read("docs/console.md")
}

#[test]
fn every_console_flag_is_on_the_console_page() {
    let page = console_page();
    let cmd = kedatui::cli::Cli::command();
    let missing: Vec<String> = cmd
        .get_arguments()
        .filter_map(|a| a.get_long())
        .map(|long| format!("--{long}"))
        .filter(|flag| !page.contains(&format!("`{flag}")) && !page.contains(&format!(", `{flag}")))
        .collect();
    assert!(
        missing.is_empty(),
        "flags missing from docs/console.md: {missing:?}"
    );
}

fn shown(key: &str) -> String {
    match key {
        "1-5" => "`1`–`5`".to_owned(),
        "space" => "`space`".to_owned(),
        k => format!("`{k}`"),
    }
}

#[test]
fn every_key_is_on_the_console_page() {
    let page = console_page();
    let app = App::new(AppConfig::default());
    for binding in app.bindings(KeyContext::Normal) {
        for key in binding.key_label.split('/') {
            assert!(
                page.contains(&shown(key)),
                "key {key} ({}) missing from docs/console.md",
                binding.help
            );
        }
    }
}

/// The README's short table: ten rows, each a key the console has.
#[test]
fn the_readme_keys_are_real_keys() {
    let readme = read("README.md");
    let table = &readme[readme.find("## The keys").expect("a keys section")..];
    let rows: Vec<&str> = table
        .lines()
        .skip_while(|l| !l.starts_with("| ---"))
        .skip(1)
        .take_while(|l| l.starts_with('|'))
        .collect();
    assert_eq!(rows.len(), 10, "ten keys in the README: {rows:?}");
    let app = App::new(AppConfig::default());
    let mut known: Vec<String> = app
        .bindings(KeyContext::Normal)
        .iter()
        .flat_map(|b| b.key_label.split('/').map(shown).collect::<Vec<_>>())
        .collect();
    // Keys of other contexts or the help overlay's (the wider table's rows).
    known.extend(["`s`", "`Ctrl-C`", "`Esc`", "`+`", "`-`"].map(String::from));
    for row in rows {
        let key_cell = row.split('|').nth(1).unwrap();
        for key in key_cell.split(" / ").map(str::trim) {
            assert!(
                known.iter().any(|k| k == key),
                "README row names a key the console lacks: {key} in {row}"
            );
        }
    }
}

/// GitHub's anchor for a heading.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == '-' || *c == ' ' || *c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

fn anchors(text: &str) -> Vec<String> {
    let mut fence = false;
    let mut out = Vec::new();
    for line in text.lines() {
        if line.starts_with("```") {
            fence = !fence;
        }
        if !fence && line.starts_with('#') {
            out.push(slug(line.trim_start_matches('#')));
        }
    }
    out
}

/// Every `[text](target)` that is not a URL, as (target path relative to the repo, anchor).
fn links(file: &str, text: &str) -> Vec<(String, Option<String>)> {
    let dir = std::path::Path::new(file).parent().unwrap();
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("](") {
        rest = &rest[i + 2..];
        let Some(end) = rest.find(')') else { break };
        let target = &rest[..end];
        if target.contains("://") || target.starts_with("mailto:") || target.contains(' ') {
            continue;
        }
        let (path, anchor) = match target.split_once('#') {
            Some((p, a)) => (p, Some(a.to_string())),
            None => (target, None),
        };
        let path = if path.is_empty() {
            file.to_string()
        } else {
            let joined = dir.join(path);
            // Normalise `docs/../x` to `x`.
            let mut parts: Vec<&str> = Vec::new();
            for c in joined.to_str().unwrap().split('/') {
                match c {
                    "" | "." => {}
                    ".." => {
                        parts.pop();
                    }
                    c => parts.push(c),
                }
            }
            parts.join("/")
        };
        out.push((path, anchor));
    }
    out
}

fn broken_links(files: &[(&str, String)], exists: impl Fn(&str) -> Option<String>) -> Vec<String> {
    let mut broken = Vec::new();
    for (file, text) in files {
        for (path, anchor) in links(file, text) {
            match exists(&path) {
                None => broken.push(format!("{file}: {path} does not exist")),
                Some(target) => {
                    if let Some(a) = anchor
                        && path.ends_with(".md")
                        && !anchors(&target).contains(&a)
                    {
                        broken.push(format!("{file}: {path} has no heading #{a}"));
                    }
                }
            }
        }
    }
    broken
}

#[test]
fn every_relative_link_in_the_readme_and_docs_resolves() {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut files = vec![("README.md".to_string(), read("README.md"))];
    for entry in std::fs::read_dir(format!("{root}/docs")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name.ends_with(".md") {
            files.push((format!("docs/{name}"), read(&format!("docs/{name}"))));
        }
    }
    let files: Vec<(&str, String)> = files.iter().map(|(f, t)| (f.as_str(), t.clone())).collect();
    let broken = broken_links(&files, |path| {
        let full = format!("{root}/{path}");
        let p = std::path::Path::new(&full);
        if p.is_file() {
            Some(std::fs::read_to_string(p).unwrap_or_default())
        } else if p.is_dir() {
            Some(String::new())
        } else {
            None
        }
    });
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
    // The README links to every docs page.
    let readme = read("README.md");
    for (file, _) in files.iter().filter(|(f, _)| f.starts_with("docs/")) {
        assert!(
            readme.contains(&format!("]({file}")),
            "README does not link {file}"
        );
    }
}

#[test]
fn the_link_check_catches_a_missing_file_and_a_missing_heading() {
    // Built from parts, so the citation check does not read these made-up pages as citations.
    let (a, b, missing) = (
        format!("{}/a.md", "docs"),
        format!("{}/b.md", "docs"),
        "missing.md",
    );
    let files = [(
        a.as_str(),
        "# A\n## Keys here\n[ok](#keys-here) [gone]({missing}) [bad](#nope) [up](../README.md#set-up)\n\
         [web](https://example.com/x) [b](b.md#b-side)"
            .replace("{missing}", missing),
    )];
    let broken = broken_links(&files, |path| {
        if path == a {
            Some(files[0].1.clone())
        } else if path == b {
            Some("# B side\n".into())
        } else if path == "README.md" {
            Some("# kedatui\n## Set-up\n".into())
        } else {
            None
        }
    });
    assert_eq!(
        broken,
        [
            format!("{a}: {}/{missing} does not exist", "docs"),
            format!("{a}: {a} has no heading #nope")
        ]
    );
}
