//! Loopback fakes.
