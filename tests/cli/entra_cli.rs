//! Keyless sign-in (Microsoft Entra ID) as a speaker runs it: `kedatui send`, `queue`, `purge`
//! and `doctor` with `--fully-qualified-namespace` and no connection string, signing in through
//! a fake `az` on PATH, against the loopback broker checking the tokens.

use std::process::{Command, Output, Stdio};

use crate::support::output_text;
use serde_json::json;
use testkit::fake_az::FakeAz;
use testkit::servicebus::entra::{AUDIENCE, mint};
use testkit::servicebus::{EntraAccept, EntraConfig, FakeServiceBus, FakeServiceBusOptions, Role};

const SIGNING_KEY: &str = "entra-test-signing-key";

fn bus(roles: Vec<Role>) -> FakeServiceBus {
    FakeServiceBus::start(FakeServiceBusOptions {
        entra: Some(EntraConfig {
            accept: EntraAccept::SigningKey(SIGNING_KEY.into()),
            roles,
        }),
        ..FakeServiceBusOptions::default()
    })
    .unwrap()
}

fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// A token for ana@contoso.com, as Entra would issue it for Service Bus, valid for `life` s.
fn token(life: i64) -> (String, i64) {
    let exp = now() + life;
    let jwt = mint(
        SIGNING_KEY,
        &json!({"aud": AUDIENCE, "exp": exp, "upn": "ana@contoso.com", "tid": "t"}),
    );
    (jwt, exp)
}

fn signed_in_az() -> (FakeAz, String) {
    let mut az = FakeAz::new().unwrap();
    let (jwt, exp) = token(3600);
    az.push_token(&jwt, exp).unwrap();
    (az, jwt)
}

fn kedatui(args: &[&str], az: &FakeAz, bus: &FakeServiceBus) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kedatui"))
        .args(args)
        .args([
            "--fully-qualified-namespace",
            &bus.fully_qualified_namespace(),
        ])
        .env("PATH", az.path_env())
        .env("SERVICEBUS_MANAGEMENT_URL", bus.management_url())
        .env_remove("SERVICEBUS_CONNECTION_STRING")
        .env_remove("SERVICEBUS_MANAGE_CONNECTION_STRING")
        .env_remove("SERVICEBUS_FULLY_QUALIFIED_NAMESPACE")
        .env_remove("SERVICEBUS_QUEUE")
        .stdin(Stdio::null())
        .output()
        .expect("kedatui runs")
}

#[test]
fn send_counts_and_purge_without_keys() {
    let bus = bus(vec![Role::Owner]);
    let (az, jwt) = signed_in_az();

    let sent = kedatui(&["send", "-n", "25"], &az, &bus);
    assert!(sent.status.success(), "{}", output_text(&sent));
    assert_eq!(bus.counts("kedaqueue").unwrap().active, 25);

    let counted = kedatui(&["queue", "--json"], &az, &bus);
    assert!(counted.status.success(), "{}", output_text(&counted));
    let v: serde_json::Value = serde_json::from_slice(&counted.stdout).unwrap();
    assert_eq!(v["active"], 25, "{v}");

    let purged = kedatui(&["purge", "--yes"], &az, &bus);
    assert!(purged.status.success(), "{}", output_text(&purged));
    assert!(
        output_text(&purged).contains("removed 25 messages"),
        "{}",
        output_text(&purged)
    );
    assert_eq!(bus.counts("kedaqueue").unwrap().active, 0);

    // The CLI was asked for the Service Bus scope; the token was never printed.
    assert!(
        az.log().contains(
            "account get-access-token -o json --scope https://servicebus.azure.net/.default"
        ),
        "{}",
        az.log()
    );
    for o in [&sent, &counted, &purged] {
        assert!(!output_text(o).contains(&jwt));
    }
}

#[test]
fn without_the_sender_role_the_error_names_the_role_and_the_fix() {
    // The identity may receive (purge) but not send, nor read counts.
    let bus = bus(vec![Role::Receiver]);
    let (az, jwt) = signed_in_az();
    let out = kedatui(&["send", "-n", "1"], &az, &bus);
    let all = output_text(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(all.contains("`ana@contoso.com`"), "{all}");
    assert!(
        all.contains("needs the \"Azure Service Bus Data Sender\" role"),
        "{all}"
    );
    assert!(
        all.contains(
            "az role assignment create --assignee ana@contoso.com --role \"Azure Service Bus Data Sender\""
        ),
        "{all}"
    );
    assert!(!all.contains(&jwt), "the token must never be printed");
    assert_eq!(bus.counts("kedaqueue").unwrap().active, 0);

    let out = kedatui(&["queue"], &az, &bus);
    let all = output_text(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(all.contains("Azure Service Bus Data Owner"), "{all}");

    // Receiving is allowed: purge works.
    bus.preload("kedaqueue", [b"x".to_vec()]);
    let out = kedatui(&["purge", "--yes"], &az, &bus);
    assert!(out.status.success(), "{}", output_text(&out));
}

#[test]
fn a_signed_out_cli_says_to_sign_in() {
    let bus = bus(vec![Role::Owner]);
    let (az, _) = signed_in_az();
    az.sign_out().unwrap();
    let out = kedatui(&["queue"], &az, &bus);
    let all = output_text(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(all.contains("Microsoft Entra ID"), "{all}");
    assert!(all.contains("az login"), "{all}");
}

#[test]
fn a_token_the_namespace_does_not_accept_is_refused() {
    // Signed with another key (another tenant, say): Service Bus's InvalidSignature.
    let bus = bus(vec![Role::Owner]);
    let mut az = FakeAz::new().unwrap();
    let exp = now() + 3600;
    let forged = mint(
        "another-key",
        &json!({"aud": AUDIENCE, "exp": exp, "upn": "ana@contoso.com"}),
    );
    az.push_token(&forged, exp).unwrap();
    let out = kedatui(&["queue"], &az, &bus);
    let all = output_text(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(all.contains("InvalidSignature"), "{all}");
}

#[test]
fn bad_namespaces_and_two_sign_ins_are_bad_input() {
    let bus = bus(vec![Role::Owner]);
    let (az, _) = signed_in_az();
    let out = Command::new(env!("CARGO_BIN_EXE_kedatui"))
        .args(["queue", "--fully-qualified-namespace", "https://x/y/z"])
        .env("PATH", az.path_env())
        .env_remove("SERVICEBUS_CONNECTION_STRING")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", output_text(&out));
    assert!(
        output_text(&out).contains("NAME.servicebus.windows.net"),
        "{}",
        output_text(&out)
    );
    let out = Command::new(env!("CARGO_BIN_EXE_kedatui"))
        .args(["queue"])
        .env(
            "SERVICEBUS_FULLY_QUALIFIED_NAMESPACE",
            bus.fully_qualified_namespace(),
        )
        .env("SERVICEBUS_CONNECTION_STRING", bus.connection_string())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", output_text(&out));
    assert!(
        output_text(&out).contains("not both"),
        "{}",
        output_text(&out)
    );
    assert_eq!(az.calls(), 0, "bad input is refused before signing in");
}

#[test]
fn doctor_checks_the_roles_and_spells_out_the_fix() {
    let bus = bus(vec![Role::Sender]);
    let (az, _) = signed_in_az();
    let dir = tempfile::tempdir().unwrap();
    let out = kedatui(
        &[
            "doctor",
            "--json",
            "--kubeconfig",
            dir.path().join("none").to_str().unwrap(),
        ],
        &az,
        &bus,
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", output_text(&out)));
    let checks = report["checks"].as_array().unwrap();
    let find = |name: &str| {
        checks
            .iter()
            .find(|c| c["name"] == name)
            .unwrap_or_else(|| panic!("{name} in {report}"))
    };
    let signed = find(kedatui::commands::doctor::names::CONNECTION_STRING);
    assert_eq!(signed["outcome"], "pass", "{signed}");
    assert!(
        signed["detail"]
            .as_str()
            .unwrap()
            .contains("Entra: ana@contoso.com"),
        "{signed}"
    );
    assert_eq!(
        find(kedatui::commands::doctor::names::SEND)["outcome"],
        "pass"
    );
    let counts = find(kedatui::commands::doctor::names::MANAGE);
    assert_eq!(counts["outcome"], "fail", "{counts}");
    let fix = counts["fix"].as_str().unwrap();
    assert!(
        fix.starts_with(
            "az role assignment create --assignee ana@contoso.com --role \"Azure Service Bus Data Owner\""
        ),
        "{fix}"
    );
}
