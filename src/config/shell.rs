//! `kedatui completions SHELL` and `kedatui man`, generated from the clap definitions.

use std::io::Write;

use clap::CommandFactory;
use clap_complete::Shell;

#[derive(Debug, Clone, clap::Args)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish or powershell.
    #[arg(value_name = "SHELL", value_parser = ["bash", "zsh", "fish", "powershell"])]
    pub shell: String,
}

/// Bash: clap's script, then a wrapper that completes `--profile NAME` from the config file
/// (through `kedatui config profiles`, honouring a `--config FILE` already on the line).
const BASH_PROFILES: &str = r#"
_kedatui_with_profiles() {
    local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"
    if [[ "$prev" == "--profile" ]]; then
        local i config=()
        for ((i = 1; i < COMP_CWORD; i++)); do
            if [[ "${COMP_WORDS[i]}" == "--config" ]]; then
                config=(--config "${COMP_WORDS[i+1]}")
            fi
        done
        local IFS=$'\n'
        # shellcheck disable=SC2207
        COMPREPLY=($(compgen -W "$("${COMP_WORDS[0]}" "${config[@]}" config profiles 2>/dev/null)" -- "$cur"))
        return 0
    fi
    _kedatui "$@"
}
if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -F _kedatui_with_profiles -o nosort -o bashdefault -o default kedatui
else
    complete -F _kedatui_with_profiles -o bashdefault -o default kedatui
fi
"#;

const FISH_PROFILES: &str =
    "complete -c kedatui -l profile -x -a '(kedatui config profiles 2>/dev/null)'\n";

pub fn run_completions(args: CompletionsArgs) -> color_eyre::Result<std::process::ExitCode> {
    let shell = match args.shell.as_str() {
        "bash" => Shell::Bash,
        "zsh" => Shell::Zsh,
        "fish" => Shell::Fish,
        _ => Shell::PowerShell,
    };
    let mut script = Vec::new();
    clap_complete::generate(
        shell,
        &mut crate::cli::Cli::command(),
        "kedatui",
        &mut script,
    );
    match shell {
        Shell::Bash => script.extend_from_slice(BASH_PROFILES.as_bytes()),
        Shell::Fish => script.extend_from_slice(FISH_PROFILES.as_bytes()),
        _ => {}
    }
    std::io::stdout().lock().write_all(&script)?;
    Ok(std::process::ExitCode::SUCCESS)
}

/// The man page: clap_mangen's page for `kedatui`, then one section per subcommand with its
/// synopsis and options (a single page, so `man -l` shows everything).
pub fn man_page() -> std::io::Result<Vec<u8>> {
    let cmd = crate::cli::Cli::command();
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut out)?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("kedatui {}", sub.get_name());
        let mut roff = roff::Roff::new();
        roff.control("SH", [name.to_uppercase().as_str()]);
        if let Some(about) = sub.get_long_about().or(sub.get_about()) {
            roff.text([roff::roman(about.to_string())]);
        }
        let usage = sub.clone().bin_name(&name).render_usage().to_string();
        let usage = usage.trim_start_matches("Usage: ").to_owned();
        roff.control("PP", []).text([roff::bold(usage)]);
        for arg in sub.get_arguments().filter(|a| !a.is_hide_set()) {
            let mut spelled = Vec::new();
            if let Some(short) = arg.get_short() {
                spelled.push(format!("-{short}"));
            }
            if let Some(long) = arg.get_long() {
                spelled.push(format!("--{long}"));
            }
            let value = arg.get_value_names().map(|v| {
                v.iter()
                    .map(|n| n.to_string())
                    .collect::<Vec<_>>()
                    .join(" ")
            });
            let mut head = vec![roff::bold(if spelled.is_empty() {
                value.clone().unwrap_or_default()
            } else {
                spelled.join(", ")
            })];
            if let Some(v) =
                value.filter(|_| !spelled.is_empty() && arg.get_action().takes_values())
            {
                head.push(roff::roman(" "));
                head.push(roff::italic(v));
            }
            roff.control("TP", []).text(head);
            let help = arg
                .get_long_help()
                .or(arg.get_help())
                .map(|h| h.to_string())
                .unwrap_or_default();
            roff.text([roff::roman(help)]);
        }
        out.extend_from_slice(roff.render().as_bytes());
    }
    Ok(out)
}

pub fn run_man() -> color_eyre::Result<std::process::ExitCode> {
    std::io::stdout().lock().write_all(&man_page()?)?;
    Ok(std::process::ExitCode::SUCCESS)
}
