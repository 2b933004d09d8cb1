//! `servicebus-fake --amqp-port P --http-port H [--key-name N --key K] [--rule NAME:KEY:RIGHTS]…
//! --queue Q`: a loopback Service Bus for manual live-mode runs. Prints one connection string
//! per shared access rule, each under a `# rule NAME: RIGHTS` line, then the management URL.
//!
//! `--entra-token T` (or `--entra-signing-key K` for signed, expiring JWTs) also accepts one
//! Microsoft Entra ID identity, with the `--entra-role` roles (default owner), on CBS (`jwt`)
//! and as `Authorization: Bearer` on REST.
//!
//! Several rules let the least-privilege set-up (a Send-only string for kedatui's sends, a
//! Manage one for counts and purge) be rehearsed by hand.

use clap::Parser;
use testkit::servicebus::{
    EntraAccept, EntraConfig, FakeServiceBus, FakeServiceBusOptions, Rights, Role, SasRule,
    random_key,
};

const DEFAULT_KEY_NAME: &str = "RootManageSharedAccessKey";

#[derive(Parser)]
#[command(about = "A loopback Azure Service Bus (AMQP 1.0 + management REST) for kedatui")]
struct Args {
    #[arg(long, default_value_t = 5672)]
    amqp_port: u16,
    #[arg(long, default_value_t = 5300)]
    http_port: u16,
    /// Name of a Manage+Send+Listen rule [default: RootManageSharedAccessKey]. That rule exists
    /// when this or `--key` is given, or when there is no `--rule`.
    #[arg(long)]
    key_name: Option<String>,
    /// The shared access key of that rule; a random one when omitted.
    #[arg(long)]
    key: Option<String>,
    /// A shared access rule NAME:KEY:RIGHTS (repeatable); RIGHTS is a comma list of send,
    /// listen, manage (manage includes send and listen, as in Azure); an empty KEY is a random
    /// one, e.g. `--rule kedatui-send::send --rule keda-manage::manage`.
    // Parsed after clap, whose error would echo the whole value, key included.
    #[arg(long = "rule", value_name = "NAME:KEY:RIGHTS")]
    rules: Vec<String>,
    /// Queues to create (repeatable).
    #[arg(long, default_value = "kedaqueue")]
    queue: Vec<String>,
    /// Refuse repeated message ids (Service Bus duplicate detection).
    #[arg(long)]
    duplicate_detection: bool,
    /// Accept this one Microsoft Entra ID bearer token (CBS `jwt`, REST `Authorization: Bearer`).
    #[arg(long, value_name = "TOKEN", conflicts_with = "entra_signing_key")]
    entra_token: Option<String>,
    /// Accept any HS256 JWT signed with KEY, for audience https://servicebus.azure.net, until
    /// its `exp`.
    #[arg(long, value_name = "KEY")]
    entra_signing_key: Option<String>,
    /// The Entra identity's role on the namespace (repeatable): owner, sender, receiver
    /// [default: owner].
    #[arg(long = "entra-role", value_name = "ROLE", value_parser = Role::parse)]
    entra_roles: Vec<Role>,
}

/// `NAME:KEY:RIGHTS`. The key sits between the first and the last colon, so a key holding a
/// colon still parses (generated keys are base64 and hold none).
fn parse_rule(s: &str) -> Result<SasRule, String> {
    let (name, rest) = s
        .split_once(':')
        .ok_or_else(|| format!("expected NAME:KEY:RIGHTS, got {:?}", redact(s)))?;
    let (key, rights) = rest
        .rsplit_once(':')
        .ok_or_else(|| format!("expected NAME:KEY:RIGHTS, got {:?}", redact(s)))?;
    if name.is_empty() {
        return Err("the rule's NAME is empty".into());
    }
    let rights = parse_rights(rights)?;
    let key = if key.is_empty() {
        random_key()
    } else {
        key.to_owned()
    };
    Ok(SasRule {
        name: name.to_owned(),
        key,
        rights,
    })
}

/// The parts of a malformed `--rule` that are safe to echo: only up to the first colon (the
/// name), so a key never lands in an error message.
fn redact(s: &str) -> String {
    match s.split_once(':') {
        Some((name, _)) => format!("{name}:…"),
        None => "…".into(),
    }
}

fn parse_rights(list: &str) -> Result<Rights, String> {
    let mut rights = Rights {
        manage: false,
        send: false,
        listen: false,
    };
    for right in list.split(',').map(str::trim) {
        match right.to_ascii_lowercase().as_str() {
            "send" => rights.send = true,
            "listen" => rights.listen = true,
            // Azure's Manage right always comes with Send and Listen.
            "manage" => rights = Rights::ALL,
            "" => return Err("RIGHTS is empty: give a comma list of send, listen, manage".into()),
            other => {
                return Err(format!(
                    "unknown right {other:?}: RIGHTS is a comma list of send, listen, manage"
                ));
            }
        }
    }
    Ok(rights)
}

fn rights_label(r: Rights) -> String {
    [(r.manage, "manage"), (r.send, "send"), (r.listen, "listen")]
        .into_iter()
        .filter_map(|(has, name)| has.then_some(name))
        .collect::<Vec<_>>()
        .join(",")
}

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let mut rules = Vec::new();
    if args.rules.is_empty() || args.key_name.is_some() || args.key.is_some() {
        rules.push(SasRule {
            name: args.key_name.unwrap_or_else(|| DEFAULT_KEY_NAME.into()),
            key: args.key.unwrap_or_else(random_key),
            rights: Rights::ALL,
        });
    }
    for rule in &args.rules {
        match parse_rule(rule) {
            Ok(rule) => rules.push(rule),
            Err(e) => {
                eprintln!("servicebus-fake: --rule: {e}");
                return std::process::ExitCode::from(2);
            }
        }
    }
    for (i, rule) in rules.iter().enumerate() {
        if rules[..i].iter().any(|r| r.name == rule.name) {
            eprintln!("servicebus-fake: two rules are named {:?}", rule.name);
            return std::process::ExitCode::from(2);
        }
    }
    let accept = match (args.entra_token, args.entra_signing_key) {
        (Some(token), _) => Some(EntraAccept::Token(token)),
        (None, Some(key)) => Some(EntraAccept::SigningKey(key)),
        (None, None) => None,
    };
    if accept.is_none() && !args.entra_roles.is_empty() {
        eprintln!("servicebus-fake: --entra-role needs --entra-token or --entra-signing-key");
        return std::process::ExitCode::from(2);
    }
    let entra = accept.map(|accept| EntraConfig {
        accept,
        roles: if args.entra_roles.is_empty() {
            vec![Role::Owner]
        } else {
            args.entra_roles
        },
    });
    let opts = FakeServiceBusOptions {
        entra,
        amqp_port: args.amqp_port,
        http_port: args.http_port,
        queues: args.queue,
        rules,
        duplicate_detection: args.duplicate_detection,
        ..FakeServiceBusOptions::default()
    };
    let bus = match FakeServiceBus::start(opts) {
        Ok(bus) => bus,
        Err(e) => {
            eprintln!("servicebus-fake: cannot listen: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let rules = &bus.options().rules;
    for rule in rules {
        println!("# rule {}: {}", rule.name, rights_label(rule.rights));
        println!("{}", bus.connection_string_for(&rule.name));
    }
    println!("management URL: {}", bus.management_url());
    // The least-privilege pair when there is one (a Send-only rule and a Manage rule), else the
    // first rule alone.
    let send_only = rules.iter().find(|r| r.rights.send && !r.rights.manage);
    let manage = rules.iter().find(|r| r.rights.manage);
    match (send_only, manage) {
        (Some(send), Some(manage)) => println!(
            "try: SERVICEBUS_CONNECTION_STRING='{}' SERVICEBUS_MANAGE_CONNECTION_STRING='{}' SERVICEBUS_MANAGEMENT_URL={} kedatui",
            bus.connection_string_for(&send.name),
            bus.connection_string_for(&manage.name),
            bus.management_url()
        ),
        _ => println!(
            "try: SERVICEBUS_CONNECTION_STRING='{}' SERVICEBUS_MANAGEMENT_URL={} kedatui queue",
            bus.connection_string(),
            bus.management_url()
        ),
    }
    if let Some(entra) = &bus.options().entra {
        let roles: Vec<_> = entra.roles.iter().map(|r| r.name()).collect();
        println!("# Entra ID: one identity, roles: {}", roles.join(", "));
        println!(
            "try keyless: SERVICEBUS_FULLY_QUALIFIED_NAMESPACE={} SERVICEBUS_MANAGEMENT_URL={} kedatui queue",
            bus.fully_qualified_namespace(),
            bus.management_url()
        );
    }
    // Serve until killed.
    loop {
        std::thread::park();
    }
}
