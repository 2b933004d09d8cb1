//! Building an azservicebus client from our [`ConnectionString`], honouring its port and
//! `UseDevelopmentEmulator` (azservicebus's own parser drops the port: docs/servicebus-amqp.md §1).
//! The receiver crate reuses this.

use std::time::Duration;

use azservicebus::authorization::AzureNamedKeyCredential;
use azservicebus::core::BasicRetryPolicy;
use azservicebus::{
    ServiceBusClient, ServiceBusClientOptions, ServiceBusRetryOptions, ServiceBusTransportType,
};

use super::connection::ConnectionString;

pub type Client = ServiceBusClient<BasicRetryPolicy>;

/// The runtime every azservicebus call runs on, in the console and the receiver alike:
/// `current_thread`, because fe2o3-amqp 0.14 races on a multi-threaded runtime (a send's
/// settlement can arrive before its entry in the unsettled map: docs/servicebus-amqp.md §2
/// gotcha 2). The other hazards have their homes too: the port ([`connect`]), create calls
/// with no limit of their own (callers wrap them in `tokio::time::timeout`: §4 "Hangs"), and
/// batch sizes (`kedatui-core`'s sender leaves headroom: §1 "Batch size bug").
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
}

/// Retries short enough that a dead broker is reported within seconds, long enough to ride out
/// a broker restart (azservicebus's default try timeout is 60 s: §4 "Retry / reconnect").
pub fn retry_options() -> ServiceBusRetryOptions {
    ServiceBusRetryOptions {
        max_retries: 3,
        delay: Duration::from_millis(400),
        max_delay: Duration::from_secs(4),
        try_timeout: Duration::from_secs(10),
        ..ServiceBusRetryOptions::default()
    }
}

/// For senders: no retries inside azservicebus. `LiveSender` retries each batch itself, so it
/// knows which messages went out twice (`BurstReport::maybe_resent`); azservicebus's own resend
/// after a dropped connection is invisible to its caller.
pub fn send_retry_options() -> ServiceBusRetryOptions {
    ServiceBusRetryOptions {
        max_retries: 0,
        ..retry_options()
    }
}

pub fn client_options(retry: ServiceBusRetryOptions) -> ServiceBusClientOptions {
    ServiceBusClientOptions {
        transport_type: ServiceBusTransportType::AmqpTcp,
        retry_options: retry,
        ..ServiceBusClientOptions::default()
    }
}

/// What to hand azservicebus as the "fully qualified namespace": `host:port` keeps the port
/// (the string goes straight into `amqp[s]://{…}`).
pub fn namespace_for_client(cs: &ConnectionString) -> String {
    match (cs.port, cs.use_development_emulator) {
        (Some(_), _) | (None, true) => cs.amqp_host_port(),
        (None, false) => cs.host.clone(),
    }
}

/// Opens a client: plain AMQP for the emulator (and the testkit fake), TLS otherwise.
pub async fn connect(
    cs: &ConnectionString,
    retry: ServiceBusRetryOptions,
) -> Result<Client, azure_core::Error> {
    let namespace = namespace_for_client(cs);
    let options = client_options(retry);
    if let Some(auth) = &cs.entra {
        // CBS with type `jwt`; azservicebus re-puts a fresh token when the last one expires.
        let credential: std::sync::Arc<dyn azure_core::credentials::TokenCredential> =
            std::sync::Arc::new(auth.clone());
        return if cs.use_development_emulator {
            ServiceBusClient::unsecured()
                .new_from_token_credential(namespace, credential, options)
                .await
        } else {
            ServiceBusClient::new_from_token_credential(namespace, credential, options).await
        };
    }
    let credential = AzureNamedKeyCredential::new(cs.key_name.clone(), cs.key.expose());
    if cs.use_development_emulator {
        ServiceBusClient::unsecured()
            .new_from_named_key_credential(namespace, credential, options)
            .await
    } else {
        ServiceBusClient::new_from_named_key_credential(namespace, credential, options).await
    }
}
