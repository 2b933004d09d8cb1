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
    let credential = AzureNamedKeyCredential::new(cs.key_name.clone(), cs.key.expose());
    let namespace = namespace_for_client(cs);
    let options = client_options(retry);
    if cs.use_development_emulator {
        ServiceBusClient::unsecured()
            .new_from_named_key_credential(namespace, credential, options)
            .await
    } else {
        ServiceBusClient::new_from_named_key_credential(namespace, credential, options).await
    }
}
