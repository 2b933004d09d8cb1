//! The README's console section documents every console flag and every key of the key map.

use clap::CommandFactory;
use kedatui::app::keymap::KeyContext;
use kedatui::app::{App, AppConfig};

fn console_section() -> String {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme
        .find("<!-- section: console -->")
        .expect("console section marker");
    let end = readme[start + 1..]
        .find("<!-- section:")
        .map_or(readme.len(), |i| start + 1 + i);
    readme[start..end].to_owned()
}

#[test]
fn every_console_flag_is_in_the_readme() {
    let section = console_section();
    let cmd = kedatui::cli::Cli::command();
    let missing: Vec<String> = cmd
        .get_arguments()
        .filter_map(|a| a.get_long())
        .map(|long| format!("--{long}"))
        .filter(|flag| {
            !section.contains(&format!("`{flag}")) && !section.contains(&format!(", `{flag}"))
        })
        .collect();
    assert!(
        missing.is_empty(),
        "flags missing from the README's console section: {missing:?}"
    );
}

#[test]
fn every_key_is_in_the_readme() {
    let section = console_section();
    let app = App::new(AppConfig::default());
    for binding in app.bindings(KeyContext::Normal) {
        for key in binding.key_label.split('/') {
            let shown = match key {
                "1-5" => "`1`–`5`".to_owned(),
                "space" => "`space`".to_owned(),
                k => format!("`{k}`"),
            };
            assert!(
                section.contains(&shown),
                "key {key} ({}) missing from the README",
                binding.help
            );
        }
    }
}
