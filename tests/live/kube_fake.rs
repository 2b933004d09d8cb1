//! The loopback API server speaks the recorded wire shapes (docs/kube-wire.md) to the real
//! kube client: paged lists, expired continue tokens (HTTP 410), watches from a too-old
//! resourceVersion (an ERROR 410 event inside HTTP 200), streaming lists, bookmarks, 401.

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{ListParams, WatchEvent, WatchParams};
use kube::{Api, Client, Config};
use testkit::kube::demo::{self, PodStage};
use testkit::kube::{FakeApiServer, Options, PODS};

const NS: &str = demo::NAMESPACE;

async fn client(server: &FakeApiServer) -> Client {
    let kubeconfig = kube::config::Kubeconfig::from_yaml(&server.kubeconfig_yaml(NS)).unwrap();
    let config = Config::from_custom_kubeconfig(kubeconfig, &Default::default())
        .await
        .unwrap();
    Client::try_from(config).unwrap()
}

async fn with_pods(n: usize) -> (FakeApiServer, Api<Pod>) {
    let server = FakeApiServer::start_with(Options {
        seed_demo: true,
        ..Options::default()
    })
    .await
    .unwrap();
    for i in 0..n {
        server.apply(demo::pod(
            NS,
            &format!("kedasbreceiver-p-{i}"),
            PodStage::Ready,
        ));
    }
    let api = Api::namespaced(client(&server).await, NS);
    (server, api)
}

/// The resourceVersion of a fresh list: where a watch starts from.
async fn list_resource_version(api: &Api<Pod>) -> String {
    api.list(&ListParams::default())
        .await
        .unwrap()
        .metadata
        .resource_version
        .unwrap()
}

#[tokio::test]
async fn lists_page_with_continue_tokens_and_expire_with_410() {
    let (server, api) = with_pods(5).await;
    let mut lp = ListParams::default().limit(2);
    let mut names = Vec::new();
    let mut pages = 0;
    loop {
        let page = api.list(&lp).await.unwrap();
        pages += 1;
        names.extend(page.items.iter().map(|p| p.metadata.name.clone().unwrap()));
        match page.metadata.continue_.filter(|c| !c.is_empty()) {
            Some(token) => lp = lp.continue_token(&token),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(names.len(), 5);

    let first = api.list(&ListParams::default().limit(2)).await.unwrap();
    server.expire_resource_versions();
    let token = first.metadata.continue_.unwrap();
    let err = api
        .list(&ListParams::default().limit(2).continue_token(&token))
        .await
        .unwrap_err();
    // docs/kube-wire.md §7: a list fails at HTTP level.
    assert!(
        matches!(err, kube::Error::Api(ref s) if s.code == 410 && s.reason == "Expired"),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_too_old_watch_gets_an_error_event_inside_http_200() {
    let (server, api) = with_pods(1).await;
    let rv = list_resource_version(&api).await;
    server.modify(PODS, NS, "kedasbreceiver-p-0", |p| {
        p["metadata"]["labels"]["touched"] = "yes".into()
    });
    server.expire_resource_versions();
    // The request itself succeeds (HTTP 200); the 410 arrives as the stream's only event.
    let events: Vec<_> = api
        .watch(&WatchParams::default(), &rv)
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    match &events[0] {
        WatchEvent::Error(status) => {
            assert_eq!((status.code, status.reason.as_str()), (410, "Expired"));
            assert!(
                status.message.starts_with("too old resource version"),
                "{}",
                status.message
            );
        }
        other => panic!("expected an ERROR event, got {other:?}"),
    }
}

#[tokio::test]
async fn watches_replay_from_a_resource_version_then_stream_and_bookmark() {
    let server = FakeApiServer::start_with(Options {
        seed_demo: true,
        bookmark_interval: std::time::Duration::from_millis(100),
        ..Options::default()
    })
    .await
    .unwrap();
    let api: Api<Pod> = Api::namespaced(client(&server).await, NS);
    let rv = list_resource_version(&api).await;
    server.apply(demo::pod(NS, "kedasbreceiver-p-0", PodStage::Pending));
    let mut stream = api
        .watch(&WatchParams::default(), &rv)
        .await
        .unwrap()
        .boxed();
    // Replayed from history.
    assert!(
        matches!(stream.try_next().await.unwrap(), Some(WatchEvent::Added(p)) if p.metadata.name.as_deref() == Some("kedasbreceiver-p-0"))
    );
    server.delete(PODS, NS, "kedasbreceiver-p-0");
    assert!(matches!(
        stream.try_next().await.unwrap(),
        Some(WatchEvent::Deleted(_))
    ));
    // Then a BOOKMARK carrying the latest resourceVersion.
    match stream.try_next().await.unwrap() {
        Some(WatchEvent::Bookmark(b)) => assert_eq!(
            b.metadata.resource_version,
            server.resource_version().to_string()
        ),
        other => panic!("expected a BOOKMARK, got {other:?}"),
    }
}

#[tokio::test]
async fn streaming_lists_end_with_the_initial_events_bookmark() {
    let (_server, api) = with_pods(2).await;
    let wp = WatchParams {
        send_initial_events: true,
        ..WatchParams::default()
    };
    let mut stream = api.watch(&wp, "0").await.unwrap().boxed();
    let mut added = 0;
    loop {
        match stream.try_next().await.unwrap() {
            Some(WatchEvent::Added(_)) => added += 1,
            Some(WatchEvent::Bookmark(b)) => {
                // docs/kube-wire.md §5: ADDED events, then a BOOKMARK marking their end
                assert!(
                    b.metadata
                        .annotations
                        .contains_key("k8s.io/initial-events-end")
                );
                break;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(added, 2);
}

#[tokio::test]
async fn a_wrong_token_is_401() {
    let server = FakeApiServer::start().await.unwrap();
    let yaml = server
        .kubeconfig_yaml(NS)
        .replace(server.token(), "not-the-token");
    let kubeconfig = kube::config::Kubeconfig::from_yaml(&yaml).unwrap();
    let config = Config::from_custom_kubeconfig(kubeconfig, &Default::default())
        .await
        .unwrap();
    let api: Api<Pod> = Api::namespaced(Client::try_from(config).unwrap(), NS);
    let err = api.list(&ListParams::default()).await.unwrap_err();
    assert!(
        matches!(err, kube::Error::Api(ref s) if s.code == 401),
        "{err:?}"
    );
}
