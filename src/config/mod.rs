//! Talk profiles: one TOML file of console defaults and named `[profile.NAME]` sections.
//!
//! Keys are the console's long flag names (`polling-interval`, `bursts`, `theme`, …). A value is
//! applied by handing it to clap as the flag would be (`--polling-interval=5s`), so the file is
//! checked by the very parsers the command line uses. Precedence: flags, then env, then the
//! profile, then the file's top-level keys, then clap's defaults (`ArgMatches::value_source`
//! tells which flags the command line or the environment already set).

pub mod shell;
pub mod version;

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory, FromArgMatches};

use crate::cli::Cli;

/// The console's exit code for bad input.
const BAD_INPUT: u8 = crate::tui::BAD_INPUT;

/// The largest config file read: a few profiles are a few kilobytes.
const MAX_FILE_BYTES: u64 = 1 << 20;

#[derive(Debug, Clone, Default, clap::Args)]
pub struct SetupArgs {
    /// The config file of talk profiles [default: $XDG_CONFIG_HOME/kedatui/config.toml, or the
    /// platform's config directory].
    #[arg(long, value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,
    /// The talk profile (`[profile.NAME]` in the config file) to start from; flags and env
    /// override it.
    #[arg(long, value_name = "NAME", env = "KEDATUI_PROFILE", global = true)]
    pub profile: Option<String>,
}

#[derive(Debug, Clone, clap::Args)]
pub struct ConfigArgs {
    #[command(subcommand)]
    pub action: ConfigAction,
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum ConfigAction {
    /// Print the console's effective settings and where each comes from.
    Show,
    /// Write a commented template of every setting, with the real defaults, to the config file.
    Init {
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
        /// Print the template on stdout instead of writing the file.
        #[arg(long)]
        stdout: bool,
    },
    /// Check a config file (default: the one in use); errors carry line and column.
    Check {
        #[arg(value_name = "FILE")]
        file: Option<PathBuf>,
    },
    /// List the profile names (what shell completion offers after --profile).
    Profiles,
}

/// Where the config file lives when `--config` is not given: `$XDG_CONFIG_HOME/kedatui/`
/// (`~/.config/kedatui/` without it) on Linux and macOS, `%APPDATA%\kedatui\` on Windows.
pub fn default_path() -> Option<PathBuf> {
    use etcetera::BaseStrategy;
    let base = etcetera::choose_base_strategy().ok()?;
    Some(base.config_dir().join("kedatui").join("config.toml"))
}

/// One problem in a config file, at a line and column (both from 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// A setting from the file: a flag's switch or a value as it would be typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Setting {
    Switch(bool),
    Value(String),
}

#[derive(Debug, Clone)]
pub struct Entry {
    pub key: String,
    pub setting: Setting,
    pub line: usize,
}

#[derive(Debug, Clone, Default)]
pub struct ConfigFile {
    /// The top-level keys: defaults for every profile.
    pub defaults: Vec<Entry>,
    pub profiles: BTreeMap<String, Vec<Entry>>,
}

/// The console's flags a config file may set, by long name.
fn console_args(cmd: &clap::Command) -> Vec<&clap::Arg> {
    cmd.get_arguments()
        .filter(|a| !a.is_global_set() && !a.is_hide_set())
        .filter(|a| a.get_long().is_some_and(|l| l != "help" && l != "version"))
        .collect()
}

/// A key that names a secret: connection strings, keys, tokens. They stay in the environment
/// or in a file named by a `*-file` key.
fn is_secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase().replace('_', "-");
    if k.ends_with("-file") {
        return false;
    }
    k.contains("connection-string")
        || k.contains("connectionstring")
        || k.contains("sharedaccess")
        || k.split('-').any(|w| {
            matches!(
                w,
                "key" | "secret" | "password" | "token" | "sas" | "credential"
            )
        })
}

/// A value that is a secret whatever its key: a connection string or a SAS token.
fn is_secret_value(value: &str) -> bool {
    let v = value.to_ascii_lowercase();
    v.contains("sharedaccesskey=") || v.contains("sharedaccesssignature")
}

fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

fn nearest<'a>(key: &str, known: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    known
        .map(|k| (strsim::damerau_levenshtein(key, k), k))
        .filter(|&(d, k)| d <= 3.max(k.len() / 3))
        .min_by_key(|&(d, _)| d)
        .map(|(_, k)| k)
}

impl ConfigFile {
    /// Parses and validates a file: every problem found, each at its line and column.
    pub fn parse(text: &str) -> Result<ConfigFile, Vec<Problem>> {
        let at = |offset: usize, message: String| {
            let (line, column) = line_column(text, offset);
            Problem {
                line,
                column,
                message,
            }
        };
        let root = match toml::de::DeTable::parse(text) {
            Ok(root) => root,
            Err(e) => {
                let offset = e.span().map_or(0, |s| s.start);
                return Err(vec![at(offset, e.message().trim().to_owned())]);
            }
        };
        let cmd = Cli::command();
        let args = console_args(&cmd);
        let mut problems = Vec::new();
        let mut file = ConfigFile::default();
        let mut top = toml::de::DeTable::new();
        for (key, value) in root.get_ref() {
            if key.get_ref() != "profile" {
                top.insert(key.clone(), value.clone());
                continue;
            }
            let toml::de::DeValue::Table(profiles) = value.get_ref() else {
                problems.push(at(
                    value.span().start,
                    "profile must be a table: [profile.NAME]".to_owned(),
                ));
                continue;
            };
            for (name, body) in profiles {
                let name = name.get_ref();
                let toml::de::DeValue::Table(body) = body.get_ref() else {
                    problems.push(at(
                        body.span().start,
                        format!("profile.{name} must be a table: [profile.{name}]"),
                    ));
                    continue;
                };
                let prefix = format!("profile.{name}.");
                let entries = entries(text, body, &prefix, &args, &at, &mut problems);
                file.profiles.insert(name.to_string(), entries);
            }
        }
        file.defaults = entries(text, &top, "", &args, &at, &mut problems);
        if problems.is_empty() {
            Ok(file)
        } else {
            problems.sort_by_key(|p| (p.line, p.column));
            Err(problems)
        }
    }

    pub fn read(path: &Path) -> Result<ConfigFile, String> {
        let text = read_text(path)?;
        ConfigFile::parse(&text).map_err(|problems| {
            problems
                .iter()
                .map(|p| format!("{}:{}:{}: {}", path.display(), p.line, p.column, p.message))
                .collect::<Vec<_>>()
                .join("\n")
        })
    }
}

fn read_text(path: &Path) -> Result<String, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut text = String::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if text.len() as u64 > MAX_FILE_BYTES {
        return Err(format!(
            "{}: larger than {} KiB; a config file is a few kilobytes",
            path.display(),
            MAX_FILE_BYTES >> 10
        ));
    }
    Ok(text)
}

/// The entries of one table (the top level or a profile), each checked as clap would check the
/// flag.
fn entries(
    text: &str,
    table: &toml::de::DeTable<'_>,
    prefix: &str,
    args: &[&clap::Arg],
    at: &dyn Fn(usize, String) -> Problem,
    problems: &mut Vec<Problem>,
) -> Vec<Entry> {
    let mut out = Vec::new();
    for (key, value) in table {
        let name = key.get_ref().replace('_', "-");
        let shown = format!("{prefix}{}", key.get_ref());
        let key_at = key.span().start;
        let value_at = value.span().start;
        let raw_value = scalar(value.get_ref());
        if is_secret_key(&name) || raw_value.as_deref().is_some_and(is_secret_value) {
            problems.push(at(
                key_at,
                format!(
                    "{shown} is a secret, and kedatui reads no secret from its config file: keep \
                     connection strings in $SERVICEBUS_CONNECTION_STRING or in a file named by \
                     connection-string-file"
                ),
            ));
            continue;
        }
        let Some(arg) = args.iter().find(|a| a.get_long() == Some(name.as_str())) else {
            let hint = nearest(&name, args.iter().filter_map(|a| a.get_long()))
                .map(|k| format!("; did you mean {prefix}{k}?"))
                .unwrap_or_default();
            let what =
                if matches!(value.get_ref(), toml::de::DeValue::Table(_)) && prefix.is_empty() {
                    "unknown table"
                } else {
                    "unknown key"
                };
            problems.push(at(key_at, format!("{what} {shown}{hint}")));
            continue;
        };
        let long = arg.get_long().unwrap_or_default();
        let setting = if arg.get_action().takes_values() {
            match raw_value {
                Some(v) => Setting::Value(v),
                None => {
                    problems.push(at(
                        value_at,
                        format!("{shown}: expected a string, a number or a list"),
                    ));
                    continue;
                }
            }
        } else {
            match value.get_ref() {
                toml::de::DeValue::Boolean(b) => Setting::Switch(*b),
                _ => {
                    problems.push(at(value_at, format!("{shown}: expected true or false")));
                    continue;
                }
            }
        };
        if let Setting::Value(v) = &setting {
            // The flag's own parser: the same messages and limits as on the command line.
            let flag = format!("--{long}={v}");
            // A flag that needs another (`force` needs `record`) is checked with the whole
            // profile when it is applied.
            if let Err(e) = Cli::command().try_get_matches_from(["kedatui", flag.as_str()])
                && e.kind() != clap::error::ErrorKind::MissingRequiredArgument
            {
                problems.push(at(value_at, format!("{shown}: {}", clap_message(&e))));
                continue;
            }
        }
        let (line, _) = line_column(text, key_at);
        out.push(Entry {
            key: long.to_owned(),
            setting,
            line,
        });
    }
    out
}

/// A string, number or list of them, as it would be typed after the flag.
fn scalar(value: &toml::de::DeValue<'_>) -> Option<String> {
    use toml::de::DeValue;
    match value {
        DeValue::String(s) => Some(s.to_string()),
        DeValue::Integer(i) => Some(i.to_string()),
        DeValue::Float(f) => Some(f.to_string()),
        DeValue::Boolean(b) => Some(b.to_string()),
        DeValue::Array(items) => items
            .iter()
            .map(|i| match i.get_ref() {
                DeValue::Array(_) => None,
                other => scalar(other),
            })
            .collect::<Option<Vec<_>>>()
            .map(|v| v.join(",")),
        DeValue::Datetime(_) | DeValue::Table(_) => None,
    }
}

/// clap's first line without its `error: ` prefix.
fn clap_message(e: &clap::Error) -> String {
    let text = e.render().to_string();
    let first = text.lines().next().unwrap_or_default();
    first.strip_prefix("error: ").unwrap_or(first).to_owned()
}

/// Where a console setting came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Flag,
    Env(String),
    Profile { name: String, line: usize },
    File { line: usize },
    Default,
    Unset,
}

/// The command line with the config file applied.
pub struct Resolved {
    matches: ArgMatches,
    injected: BTreeMap<String, Source>,
    pub path: Option<PathBuf>,
    pub profile: Option<String>,
}

/// Why the command line could not be resolved: clap's own error (it prints and exits itself),
/// or one sentence about the config file (exit 2).
pub enum Refusal {
    Clap(clap::Error),
    Config(String),
}

fn subcommand_uses_console(matches: &ArgMatches) -> bool {
    match matches.subcommand() {
        None => true,
        Some(("config", sub)) => matches!(sub.subcommand_name(), Some("show")),
        Some(_) => false,
    }
}

/// Parses the command line and, for the console (and `config show`), applies the config file.
pub fn resolve(argv: Vec<OsString>) -> Result<(Cli, Resolved), Refusal> {
    let matches = Cli::command()
        .try_get_matches_from(&argv)
        .map_err(Refusal::Clap)?;
    let setup = SetupArgs::from_arg_matches(&matches).map_err(Refusal::Clap)?;
    let explicit = setup.config.is_some();
    let path = setup.config.clone().or_else(default_path);
    if !subcommand_uses_console(&matches) {
        // Silently ignoring a typed --profile would run the wrong numbers on stage.
        let typed = |id: &str| matches.value_source(id) == Some(ValueSource::CommandLine);
        if let Some(name) = matches.subcommand_name().filter(|&n| n != "config")
            && (typed("profile") || typed("config"))
        {
            return Err(Refusal::Config(format!(
                "--profile and --config set up the console; `kedatui {name}` takes its own flags only"
            )));
        }
        let cli = Cli::from_arg_matches(&matches).map_err(Refusal::Clap)?;
        return Ok((
            cli,
            Resolved {
                matches,
                injected: BTreeMap::new(),
                path,
                profile: setup.profile,
            },
        ));
    }
    let file = match &path {
        Some(p) if p.exists() || explicit => Some(ConfigFile::read(p).map_err(Refusal::Config)?),
        _ => None,
    };
    let profile_entries = match (&setup.profile, &file) {
        (None, _) => None,
        (Some(name), Some(file)) => match file.profiles.get(name) {
            Some(entries) => Some(entries),
            None => {
                let known: Vec<&str> = file.profiles.keys().map(String::as_str).collect();
                return Err(Refusal::Config(format!(
                    "no profile {name:?} in {} (profiles: {})",
                    path.as_deref().unwrap_or(Path::new("?")).display(),
                    if known.is_empty() {
                        "none".to_owned()
                    } else {
                        known.join(", ")
                    }
                )));
            }
        },
        (Some(name), None) => {
            return Err(Refusal::Config(match &path {
                Some(p) => format!(
                    "profile {name:?}: there is no config file at {}",
                    p.display()
                ),
                None => format!(
                    "profile {name:?}: no config directory found; name the file with --config FILE"
                ),
            }));
        }
    };
    // The profile's keys win over the top-level ones.
    let mut layered: BTreeMap<String, (Setting, Source)> = BTreeMap::new();
    if let Some(file) = &file {
        for e in &file.defaults {
            layered.insert(
                e.key.clone(),
                (e.setting.clone(), Source::File { line: e.line }),
            );
        }
    }
    if let (Some(entries), Some(name)) = (profile_entries, &setup.profile) {
        for e in entries {
            let source = Source::Profile {
                name: name.clone(),
                line: e.line,
            };
            layered.insert(e.key.clone(), (e.setting.clone(), source));
        }
    }
    let cmd = Cli::command();
    let mut injected_args: Vec<OsString> = Vec::new();
    let mut injected = BTreeMap::new();
    for (long, (setting, source)) in layered {
        let Some(arg) = cmd
            .get_arguments()
            .find(|a| a.get_long() == Some(long.as_str()))
        else {
            continue;
        };
        let id = arg.get_id().as_str();
        if matches!(
            matches.value_source(id),
            Some(ValueSource::CommandLine | ValueSource::EnvVariable)
        ) {
            continue;
        }
        match setting {
            Setting::Switch(false) => continue,
            Setting::Switch(true) => injected_args.push(format!("--{long}").into()),
            Setting::Value(v) => injected_args.push(format!("--{long}={v}").into()),
        }
        injected.insert(id.to_owned(), source);
    }
    let matches = if injected_args.is_empty() {
        matches
    } else {
        let mut argv2 = Vec::with_capacity(argv.len() + injected_args.len());
        argv2.extend(argv.first().cloned());
        argv2.extend(injected_args);
        argv2.extend(argv.iter().skip(1).cloned());
        Cli::command().try_get_matches_from(&argv2).map_err(|e| {
            Refusal::Config(format!(
                "{}: {}",
                path.as_deref().unwrap_or(Path::new("?")).display(),
                clap_message(&e)
            ))
        })?
    };
    let cli = Cli::from_arg_matches(&matches).map_err(Refusal::Clap)?;
    Ok((
        cli,
        Resolved {
            matches,
            injected,
            path,
            profile: setup.profile,
        },
    ))
}

/// `Cli::parse()` with the config file applied: exits on a bad command line or config file.
pub fn parse_cli() -> (Cli, Resolved) {
    match resolve(std::env::args_os().collect()) {
        Ok(resolved) => resolved,
        Err(Refusal::Clap(e)) => e.exit(),
        Err(Refusal::Config(message)) => {
            eprintln!("kedatui: {message}");
            std::process::exit(BAD_INPUT.into());
        }
    }
}

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

impl Resolved {
    /// Every console setting, its effective value and where it came from.
    pub fn settings(&self) -> Vec<(String, Option<String>, Source)> {
        let cmd = Cli::command();
        console_args(&cmd)
            .into_iter()
            .map(|arg| {
                let id = arg.get_id().as_str();
                let long = arg.get_long().unwrap_or_default().to_owned();
                let value = self.matches.get_raw(id).map(|raw| {
                    raw.map(|v| v.to_string_lossy().into_owned())
                        .collect::<Vec<_>>()
                        .join(",")
                });
                let source = if let Some(s) = self.injected.get(id) {
                    s.clone()
                } else {
                    match self.matches.value_source(id) {
                        Some(ValueSource::CommandLine) => Source::Flag,
                        Some(ValueSource::EnvVariable) => Source::Env(
                            arg.get_env()
                                .map(|e| e.to_string_lossy().into_owned())
                                .unwrap_or_default(),
                        ),
                        Some(ValueSource::DefaultValue) => Source::Default,
                        _ => Source::Unset,
                    }
                };
                (long, value, source)
            })
            .collect()
    }

    fn show(&self) -> String {
        let mut out = String::new();
        let file = match &self.path {
            Some(p) if p.exists() => p.display().to_string(),
            Some(p) => format!("{} (none there)", p.display()),
            None => "none".to_owned(),
        };
        out.push_str(&format!("# config file: {file}\n"));
        out.push_str(&format!(
            "# profile: {}\n",
            self.profile.as_deref().unwrap_or("none")
        ));
        let cmd = Cli::command();
        for (long, value, source) in self.settings() {
            let is_switch = cmd
                .get_arguments()
                .find(|a| a.get_long() == Some(long.as_str()))
                .is_some_and(|a| !a.get_action().takes_values());
            let shown = match (&value, is_switch) {
                (Some(v), true) => v.clone(),
                (Some(v), false) => toml_string(v),
                (None, _) => "(unset)".to_owned(),
            };
            let from = match &source {
                Source::Flag => "flag".to_owned(),
                Source::Env(var) => format!("env {var}"),
                Source::Profile { name, line } => format!("profile {name} (line {line})"),
                Source::File { line } => format!("config file (line {line})"),
                Source::Default => "default".to_owned(),
                Source::Unset => "unset".to_owned(),
            };
            let setting = format!("{long} = {shown}");
            out.push_str(&format!("{setting:<44} # {from}\n"));
        }
        out
    }
}

/// A duration as the flags take it (`5s`, `500ms`).
fn flag_duration(d: jiff::SignedDuration) -> String {
    let ms = d.as_millis();
    if ms % 1000 == 0 {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

/// The simulator's flags have no clap default: unset, they take the demo ScaledObject's numbers
/// (`SimConfig::demo`, what the console starts from). These are those numbers, by flag.
fn simulator_defaults() -> Vec<(&'static str, String)> {
    use kedatui_core::sim::config::{HpaBehavior, SimConfig};
    let c = SimConfig::demo();
    let d = flag_duration;
    vec![
        ("polling-interval", d(c.polling_interval)),
        ("cooldown", d(c.cooldown_period)),
        ("min", c.min_replicas.to_string()),
        ("max", c.max_replicas.to_string()),
        ("message-count", c.message_count.to_string()),
        ("activation", c.activation_message_count.to_string()),
        (
            "hpa-behavior",
            match c.hpa_behavior {
                HpaBehavior::Legacy => "legacy".to_owned(),
                HpaBehavior::Configured(_) => "default".to_owned(),
            },
        ),
        ("processing", d(c.processing_time)),
        ("concurrency", c.concurrency.to_string()),
        (
            "hpa-first-sync",
            if c.hpa_first_sync_after_period {
                "resync"
            } else {
                "now"
            }
            .to_owned(),
        ),
        ("scheduling-delay", d(c.pod.scheduling)),
        ("container-creating", d(c.pod.container_creating)),
        ("readiness", d(c.pod.readiness)),
        ("shutdown", d(c.pod.shutdown)),
        ("drain-limit", d(c.pod.drain_limit)),
        ("max-delivery-count", c.max_delivery_count.to_string()),
        ("initial-replicas", c.initial_replicas.to_string()),
    ]
}

/// A value as TOML: numbers bare, everything else a string.
fn toml_value(v: &str) -> String {
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        v.to_owned()
    } else {
        toml_string(v)
    }
}

/// The template `config init` writes: every console setting, commented out, with its real
/// default (clap's, or the simulator's demo numbers the console starts from).
pub fn template() -> String {
    let sim = simulator_defaults();
    let cmd = Cli::command();
    let mut out = String::from(
        "# kedatui config file: the console's settings, and named talk profiles.\n\
         # Keys are the console's flags without the dashes. Precedence: flags, then env, then\n\
         # the profile picked with --profile NAME (or KEDATUI_PROFILE), then the top-level keys\n\
         # below, then the built-in defaults. Secrets never go here: connection strings stay\n\
         # in $SERVICEBUS_CONNECTION_STRING or a file named by connection-string-file.\n\
         # Check it with `kedatui config check`; see it applied with `kedatui config show`.\n\n",
    );
    for arg in console_args(&cmd) {
        let long = arg.get_long().unwrap_or_default();
        let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
        for line in help.lines() {
            out.push_str(&format!("# {line}\n"));
        }
        if !arg.get_action().takes_values() {
            out.push_str(&format!("# {long} = false\n\n"));
            continue;
        }
        let mut defaults: Vec<String> = arg
            .get_default_values()
            .iter()
            .map(|v| v.to_string_lossy().into_owned())
            .collect();
        if let Some((_, v)) = sim.iter().find(|(k, _)| *k == long) {
            defaults = vec![v.clone()];
        }
        if defaults.is_empty() {
            let value = arg
                .get_value_names()
                .and_then(|v| v.first())
                .map_or("VALUE".to_owned(), |v| v.to_string());
            out.push_str(&format!("# {long}: {value} (unset by default)\n\n"));
        } else {
            out.push_str(&format!(
                "# {long} = {}\n\n",
                toml_value(&defaults.join(","))
            ));
        }
    }
    out.push_str(
        "# A talk: `kedatui --profile kubecon`.\n\
         # [profile.kubecon]\n\
         # polling-interval = \"5s\"\n\
         # cooldown = \"30s\"\n\
         # bursts = [10, 100, 500]\n\
         # theme = \"presenter\"\n\
         # big = true\n",
    );
    out
}

/// `kedatui config …`.
pub fn run(args: ConfigArgs, resolved: &Resolved) -> color_eyre::Result<ExitCode> {
    let bad = |message: String| {
        eprintln!("kedatui: {message}");
        Ok(ExitCode::from(BAD_INPUT))
    };
    match args.action {
        ConfigAction::Show => {
            print!("{}", resolved.show());
            Ok(ExitCode::SUCCESS)
        }
        ConfigAction::Init { force, stdout } => {
            let text = template();
            if stdout {
                print!("{text}");
                return Ok(ExitCode::SUCCESS);
            }
            let Some(path) = &resolved.path else {
                return bad(
                    "no config directory found; name the file with --config FILE".to_owned(),
                );
            };
            if path.exists() && !force {
                return bad(format!("{} exists; --force overwrites it", path.display()));
            }
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::write(path, text)?;
            println!("wrote {}", path.display());
            Ok(ExitCode::SUCCESS)
        }
        ConfigAction::Check { file } => {
            let Some(path) = file.or_else(|| resolved.path.clone()) else {
                return bad(
                    "no config directory found; name the file with --config FILE".to_owned(),
                );
            };
            match ConfigFile::read(&path) {
                Ok(file) => {
                    let names: Vec<&str> = file.profiles.keys().map(String::as_str).collect();
                    println!(
                        "{}: ok ({} top-level settings, profiles: {})",
                        path.display(),
                        file.defaults.len(),
                        if names.is_empty() {
                            "none".to_owned()
                        } else {
                            names.join(", ")
                        }
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(message) => bad(message),
            }
        }
        ConfigAction::Profiles => {
            // For completion: quiet when there is no file or it does not parse.
            if let Some(file) = resolved
                .path
                .as_deref()
                .and_then(|p| ConfigFile::read(p).ok())
            {
                for name in file.profiles.keys() {
                    println!("{name}");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
