//! Every document the repository cites is in the repository, with the cited section.
//!
//! Walks the repository's files (`git ls-files`, or the tree without `target/` and `.git/`) and
//! checks each line:
//! - `docs/NAME.md` must exist; a `§N` or `§N.M` after it on the same line must be a heading of
//!   that file (`§A–B` checks both ends; `§2 gotcha N` needs a "Gotcha N" heading in §2;
//!   `§N "Label"` needs the label's text inside §N). Inside `docs/*.md` a `§N` before any
//!   citation refers to the file itself.
//! - the reference docs' names may appear only as `docs/NAME.md`, and nothing may point outside
//!   the repository at the shared reference folder.
//!
//! This file is the one exception to the scan: it has to spell out the patterns it forbids.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Names that used to point at documents outside the repository.
const REFERENCE_STEMS: [&str; 3] = ["keda-semantics", "servicebus-amqp", "kube-wire"];
/// Paths that point outside the repository.
const OUTSIDE_PATHS: [&str; 2] = ["../shared", "shared/reference"];
const SELF: &str = "tests/cli/doc_citations.rs";

/// One document's section numbers, gotcha numbers and the text under each section.
#[derive(Debug, Default)]
struct Doc {
    sections: BTreeSet<String>,
    /// Top-level section → gotcha numbers with a heading inside it.
    gotchas: BTreeMap<String, BTreeSet<u32>>,
    /// Section → its text, sub-sections included (for `§N "Label"`).
    text: BTreeMap<String, String>,
}

/// `1`, `1.2`, … at the start of a heading (after the `#`s), followed by `.`, a space or the end.
fn heading_number(title: &str) -> Option<String> {
    let end = title
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(title.len());
    let number = title[..end].trim_end_matches('.');
    let well_formed = !number.is_empty()
        && number.split('.').all(|p| !p.is_empty())
        && title[end..].chars().next().is_none_or(|c| c == ' ');
    well_formed.then(|| number.to_string())
}

fn parse_doc(markdown: &str) -> Doc {
    let mut doc = Doc::default();
    let mut open: Vec<String> = Vec::new();
    let mut in_fence = false;
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
        }
        let title = line.trim_start_matches('#');
        if !in_fence && title.len() < line.len() && title.starts_with(' ') {
            let title = title.trim();
            if let Some(number) = heading_number(title) {
                open = number
                    .split('.')
                    .scan(String::new(), |acc, part| {
                        if !acc.is_empty() {
                            acc.push('.');
                        }
                        acc.push_str(part);
                        Some(acc.clone())
                    })
                    .collect();
                doc.sections.insert(number);
            } else if let Some(rest) = title.to_ascii_lowercase().strip_prefix("gotcha ") {
                let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                if let (Ok(n), Some(top)) = (digits.parse(), open.first()) {
                    doc.gotchas.entry(top.clone()).or_default().insert(n);
                }
            }
        }
        for section in &open {
            let text = doc.text.entry(section.clone()).or_default();
            text.push_str(line);
            text.push('\n');
        }
    }
    doc
}

/// A `docs/NAME.md` citation: where it starts and ends in the line, and NAME.md.
fn citations(line: &str) -> Vec<(usize, usize, String)> {
    let mut found = Vec::new();
    for (at, _) in line.match_indices("docs/") {
        // `content/docs/x.md` or `keda-docs/…` is someone else's docs folder.
        let before = line[..at].chars().next_back();
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || "/_.-".contains(c)) {
            continue;
        }
        let rest = &line[at + 5..];
        let stem_len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .unwrap_or(rest.len());
        if stem_len > 0 && rest[stem_len..].starts_with(".md") {
            let end = at + 5 + stem_len + 3;
            found.push((at, end, line[at + 5..end].to_string()));
        }
    }
    found
}

/// A section number `N` or `N.M` at the start of `s`, and its length.
fn section_at(s: &str) -> Option<(String, usize)> {
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let number = s[..end].trim_end_matches('.');
    (!number.is_empty() && number.split('.').all(|p| !p.is_empty()))
        .then(|| (number.to_string(), number.len()))
}

/// What one `§…` reference asks for.
#[derive(Debug, PartialEq)]
struct SectionRef {
    sections: Vec<String>,
    gotcha: Option<u32>,
    label: Option<String>,
}

/// Parses the reference at the start of `s` (just after a `§`).
fn section_ref(s: &str) -> Option<SectionRef> {
    let (first, mut used) = section_at(s)?;
    let mut sections = vec![first];
    // A range: `§4.2–4.5`, `§6.1–§6.4`, `§1-§3`.
    let rest = &s[used..];
    let trimmed = rest.trim_start();
    if let Some(after_dash) = trimmed
        .strip_prefix('–')
        .or_else(|| trimmed.strip_prefix('-'))
    {
        let after_dash = after_dash.trim_start();
        let after_dash = after_dash.strip_prefix('§').unwrap_or(after_dash);
        if let Some((second, len)) = section_at(after_dash) {
            sections.push(second);
            used = s.len() - after_dash.len() + len;
        }
    }
    let rest = &s[used..];
    let mut gotcha = None;
    let mut rest_after_gotcha = rest;
    if let Some(g) = rest.strip_prefix(" gotcha ") {
        let digits: String = g.chars().take_while(char::is_ascii_digit).collect();
        if let Ok(n) = digits.parse() {
            gotcha = Some(n);
            rest_after_gotcha = &g[digits.len()..];
        }
    }
    let label = rest_after_gotcha
        .strip_prefix(" \"")
        .or_else(|| rest_after_gotcha.strip_prefix(", \""))
        .and_then(|l| l.find('"').map(|end| l[..end].to_string()));
    Some(SectionRef {
        sections,
        gotcha,
        label,
    })
}

/// Problems on one line of `path`. `docs` maps `NAME.md` to its parsed headings.
fn check_line(path: &str, line: &str, docs: &BTreeMap<String, Doc>) -> Vec<String> {
    let mut problems = Vec::new();
    for outside in OUTSIDE_PATHS {
        if line.contains(outside) {
            problems.push(format!(
                "points outside the repository (`{outside}`); cite docs/ instead"
            ));
        }
    }
    for stem in REFERENCE_STEMS {
        for (at, _) in line.match_indices(stem) {
            let in_docs =
                line[..at].ends_with("docs/") && line[at + stem.len()..].starts_with(".md");
            if !in_docs {
                problems.push(format!("cites `{stem}` without `docs/{stem}.md`"));
            }
        }
    }

    let cited = citations(line);
    for (_, _, name) in &cited {
        if !docs.contains_key(name) {
            problems.push(format!("cites docs/{name}, which does not exist"));
        }
    }
    // Each `§` belongs to the nearest citation before it on the line; inside docs/NAME.md, to
    // NAME.md when no citation precedes it.
    let own = path
        .strip_prefix("docs/")
        .filter(|n| !n.contains('/') && n.ends_with(".md"));
    for (at, _) in line.match_indices('§') {
        let owner = cited
            .iter()
            .rev()
            .find(|(_, end, _)| *end <= at)
            .map(|(_, _, name)| name.as_str())
            .or(own);
        let (Some(owner), Some(reference)) = (owner, section_ref(&line[at + '§'.len_utf8()..]))
        else {
            continue;
        };
        let Some(doc) = docs.get(owner) else {
            continue; // already reported above
        };
        for section in &reference.sections {
            if !doc.sections.contains(section) {
                problems.push(format!(
                    "cites docs/{owner} §{section}, which has no such heading"
                ));
            }
        }
        let first = &reference.sections[0];
        if let Some(n) = reference.gotcha
            && !doc.gotchas.get(first).is_some_and(|g| g.contains(&n))
        {
            problems.push(format!(
                "cites docs/{owner} §{first} gotcha {n}, which has no \"Gotcha {n}\" heading there"
            ));
        }
        if let Some(label) = &reference.label
            && !doc
                .text
                .get(first)
                .is_some_and(|t| t.contains(label.as_str()))
        {
            problems.push(format!(
                "cites docs/{owner} §{first} \"{label}\", which that section does not contain"
            ));
        }
    }
    problems
}

/// A file outside `docs/` that cites `§N` must name the document somewhere: a bare `§7.2` in a
/// file that mentions no `docs/NAME.md` leaves the reader guessing which document it means.
fn bare_sections(file: &str, text: &str) -> Option<String> {
    if file.starts_with("docs/") || file.starts_with("vendor/") {
        return None;
    }
    let line = text.lines().position(|l| {
        l.match_indices('§')
            .any(|(i, s)| l[i + s.len()..].starts_with(|c: char| c.is_ascii_digit()))
    })?;
    let names_a_doc = text.match_indices("docs/").any(|(i, _)| {
        let rest = &text[i + "docs/".len()..];
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'))
            .unwrap_or(rest.len());
        rest[..end].ends_with(".md")
    });
    (!names_a_doc).then(|| {
        format!(
            "line {}: cites a § section but names no docs/NAME.md, so the reader cannot tell which document",
            line + 1
        )
    })
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Tracked and new (not ignored) files; the tree without `target/` and `.git/` if git fails.
fn repo_files(root: &Path) -> Vec<String> {
    let listed = Command::new("git")
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .current_dir(root)
        .output();
    if let Ok(out) = listed
        && out.status.success()
    {
        let mut files: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .split('\0')
            .filter(|f| !f.is_empty())
            .map(str::to_string)
            .collect();
        files.sort();
        files.dedup();
        return files;
    }
    let mut files = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            let name = entry.file_name();
            if path.is_dir() {
                if name != "target" && name != ".git" {
                    pending.push(path);
                }
            } else if let Ok(relative) = path.strip_prefix(root) {
                files.push(relative.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    files.sort();
    files
}

fn load_docs(root: &Path) -> BTreeMap<String, Doc> {
    let mut docs = BTreeMap::new();
    for entry in std::fs::read_dir(root.join("docs")).expect("docs/ exists") {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            docs.insert(name, parse_doc(&std::fs::read_to_string(&path).unwrap()));
        }
    }
    docs
}

#[test]
fn every_cited_doc_and_section_is_in_the_repository() {
    let root = repo_root();
    let docs = load_docs(&root);
    for name in ["keda-semantics.md", "servicebus-amqp.md", "kube-wire.md"] {
        assert!(docs.contains_key(name), "docs/{name} is missing");
    }
    let mut problems = Vec::new();
    let (mut scanned, mut cited) = (0usize, 0usize);
    for file in repo_files(&root) {
        if file == SELF {
            continue;
        }
        // Binary files, and tracked files deleted in the working tree, have nothing to cite.
        let Ok(text) = std::fs::read_to_string(root.join(&file)) else {
            continue;
        };
        scanned += 1;
        if let Some(problem) = bare_sections(&file, &text) {
            problems.push(format!("{file}: {problem}"));
        }
        for (n, line) in text.lines().enumerate() {
            cited += citations(line).len();
            for problem in check_line(&file, line, &docs) {
                problems.push(format!("{file}:{}: {problem}", n + 1));
            }
        }
    }
    println!("{scanned} files scanned, {cited} docs/ citations found");
    // The walk must really have seen the repository and its citations.
    assert!(scanned > 100, "only {scanned} files scanned");
    assert!(cited > 80, "only {cited} citations found");
    assert!(
        problems.is_empty(),
        "{} bad citation(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[cfg(test)]
mod checker {
    use super::*;

    fn docs() -> BTreeMap<String, Doc> {
        let mut docs = BTreeMap::new();
        docs.insert(
            "a.md".to_string(),
            parse_doc(
                "# A\n\n## 1. One\n\n### 1.2 One two\n\n**Parser notes**: x\n\n\
                 ## 2. Two\n\n```\n## 9. not a heading\n```\n\n### Gotcha 3: a trap\n\n## 4. Four\n",
            ),
        );
        docs
    }

    fn check(path: &str, line: &str) -> Vec<String> {
        check_line(path, line, &docs())
    }

    #[test]
    fn headings_and_gotchas() {
        let d = &docs()["a.md"];
        let sections: Vec<&str> = d.sections.iter().map(String::as_str).collect();
        assert_eq!(sections, ["1", "1.2", "2", "4"]);
        assert_eq!(d.gotchas["2"], BTreeSet::from([3]));
        assert!(d.text["1"].contains("Parser notes"));
    }

    #[test]
    fn a_bare_section_needs_the_document_named_in_its_file() {
        let bare = "# scales to 0 on its first poll (§1.2)\nkind: Deployment\n";
        assert!(
            bare_sections("yaml/x.yaml", bare)
                .unwrap()
                .starts_with("line 1:")
        );
        let named = "# see docs/a.md for the rules\n# scales to 0 (§1.2)\n";
        assert_eq!(bare_sections("yaml/x.yaml", named), None);
        // Not a citation: no digit after the sign; and docs/ cite their own sections.
        assert_eq!(bare_sections("README.md", "§ alone, §x\n"), None);
        assert_eq!(bare_sections("docs/a.md", "see §2\n"), None);
    }

    #[test]
    fn good_citations_pass() {
        for line in [
            "// docs/a.md §1.2 and §4",
            "(docs/a.md §1–§2), docs/a.md §1.2–4",
            "docs/a.md §2 gotcha 3, §1.2 \"Parser notes\"",
            "see `docs/a.md`",
            "https://keda.sh/docs/2.20/x.md and content/docs/nope.md are not ours",
            "§7 with no citation before it is not checked",
        ] {
            assert_eq!(check("src/x.rs", line), Vec::<String>::new(), "{line}");
        }
        assert_eq!(check("docs/a.md", "see §2 and §1.2"), Vec::<String>::new());
    }

    #[test]
    fn bad_citations_fail() {
        let cases = [
            ("src/x.rs", "// docs/b.md §1", "does not exist"),
            (
                "src/x.rs",
                "// docs/a.md §3",
                "§3, which has no such heading",
            ),
            (
                "src/x.rs",
                "// docs/a.md §1.2–1.5",
                "§1.5, which has no such heading",
            ),
            (
                "src/x.rs",
                "// docs/a.md §1.2, §9",
                "§9, which has no such heading",
            ),
            ("src/x.rs", "// docs/a.md §2 gotcha 4", "gotcha 4"),
            ("src/x.rs", "// docs/a.md §1 gotcha 3", "gotcha 3"),
            (
                "src/x.rs",
                "// docs/a.md §2 \"Parser notes\"",
                "does not contain",
            ),
            ("docs/a.md", "see §5", "§5, which has no such heading"),
            (
                "src/x.rs",
                "// keda-semantics §1.2",
                "without `docs/keda-semantics.md`",
            ),
            ("src/x.rs", "// keda-semantics.md §1.2", "without `docs/"),
            (
                "src/x.rs",
                "// reference/kube-wire/x.json",
                "without `docs/kube-wire.md`",
            ),
            (
                "src/x.rs",
                "// docs/servicebus-amqp §1",
                "without `docs/servicebus-amqp.md`",
            ),
            (
                "README.md",
                "see ../shared/STYLE.md",
                "outside the repository",
            ),
            (
                "README.md",
                "/work/shared/reference/x",
                "outside the repository",
            ),
        ];
        for (path, line, expected) in cases {
            let problems = check(path, line);
            assert!(
                problems.iter().any(|p| p.contains(expected)),
                "{line}: expected a problem containing {expected:?}, got {problems:?}"
            );
        }
    }
}
