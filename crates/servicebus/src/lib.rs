//! Azure Service Bus plumbing shared by the kedatui console and the receiver: connection
//! strings, SAS tokens, client set-up around azservicebus 0.25.1's gaps, and turning failures
//! into classified errors. Knows nothing of the UI, the simulator or Kubernetes.

pub mod client;
pub mod connection;
pub mod entra;
pub mod errors;
pub mod sas;

/// Exit code for bad input (flags, configuration, a malformed connection string), found before
/// anything starts: the console's commands and the receiver alike.
pub const EXIT_BAD_INPUT: u8 = 2;

pub use connection::{ConnectionString, ConnectionStringError};
pub use errors::{ErrorKind, SourceError};
