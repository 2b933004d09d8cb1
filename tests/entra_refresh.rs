//! An Entra ID token that expires mid-session is renewed: one sender and one counts probe keep
//! working past the first token's expiry, against a broker that refuses expired tokens and
//! re-checks each transfer against the link's live authorisation.
//!
//! Its own test binary: it points this process's `PATH` at a fake `az`, which must not leak
//! into other tests.

use std::time::Duration;

use kedatui::args::servicebus::{ServiceBusArgs, ServiceBusEnv};
use kedatui_core::queue::{BatchSender, BurstSpec, burst::send_burst};
use kedatui_core::servicebus::sender::LiveSender;
use serde_json::json;
use testkit::fake_az::FakeAz;
use testkit::servicebus::entra::{AUDIENCE, mint};
use testkit::servicebus::{EntraAccept, EntraConfig, FakeServiceBus, FakeServiceBusOptions, Role};

const KEY: &str = "refresh-test-key";

fn token(exp: i64) -> String {
    mint(
        KEY,
        &json!({"aud": AUDIENCE, "exp": exp, "upn": "ana@contoso.com"}),
    )
}

fn burst(n: u64, count: u64) -> BurstSpec {
    BurstSpec::new(n, count)
}

#[tokio::test]
async fn an_expired_token_is_refreshed_mid_session() {
    let bus = FakeServiceBus::start(FakeServiceBusOptions {
        entra: Some(EntraConfig {
            accept: EntraAccept::SigningKey(KEY.into()),
            roles: vec![Role::Owner],
        }),
        ..FakeServiceBusOptions::default()
    })
    .unwrap();
    let now = jiff::Timestamp::now().as_second();
    // The first token lives 6 s, the next one an hour.
    let first_exp = now + 6;
    let mut az = FakeAz::new().unwrap();
    az.push_token(&token(first_exp), first_exp).unwrap();
    az.push_token(&token(now + 3600), now + 3600).unwrap();
    // SAFETY: the only test in this binary, set before any thread reads the environment.
    unsafe { std::env::set_var("PATH", az.path_env()) };

    let args = ServiceBusArgs {
        fully_qualified_namespace: Some(bus.fully_qualified_namespace()),
        management_url: Some(bus.management_url()),
        count_interval: Duration::from_secs(1),
        ..ServiceBusArgs::default()
    };
    let cfg = args.resolve_env(ServiceBusEnv::default()).unwrap().unwrap();
    let auth = cfg.connection.entra.clone().expect("keyless");
    let probe = cfg.count_probe().unwrap();
    let mut sender = LiveSender::new(cfg.connection.clone(), cfg.queue.clone());

    let report = send_burst(&mut sender, &burst(1, 10), &|| false, &mut |_| {}).await;
    assert_eq!((report.sent, report.error), (10, None));
    assert_eq!(probe.read().await.unwrap().active, 10);
    assert_eq!(az.calls(), 1, "one sign-in serves sends and counts");
    assert_eq!(auth.identity().as_deref(), Some("ana@contoso.com"));
    let accepted = bus.tokens_accepted();

    // Wait (on conditions, bounded) until the first token has expired and azservicebus has put
    // a fresh one on the open connection.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while jiff::Timestamp::now().as_second() <= first_exp || bus.tokens_accepted() <= accepted {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no refreshed token reached the broker ({} accepted, az called {} times)",
            bus.tokens_accepted(),
            az.calls()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // The same sender and probe carry on with the new token.
    let report = send_burst(&mut sender, &burst(2, 10), &|| false, &mut |_| {}).await;
    assert_eq!((report.sent, report.error), (10, None));
    assert_eq!(probe.read().await.unwrap().active, 20);
    assert_eq!(az.calls(), 2, "renewed once, then cached");
    sender.dispose().await;
}
