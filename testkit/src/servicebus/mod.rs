//! A loopback Azure Service Bus: AMQP 1.0 broker (Service Bus dialect) + management REST.
