//! kedatui: a terminal console for live KEDA demos, with a built-in simulator.

pub mod app;
pub mod cli;
pub mod crd;
pub mod duration;
pub mod event;
pub mod kube;
pub mod lab;
pub mod model;
pub mod presenter;
pub mod record;
pub mod servicebus;
pub mod sim;
pub mod source;
pub mod tui;
pub mod ui;
