//! The "why" panel shows a behavior's per-direction tolerance (docs/keda-semantics.md §4.3): the
//! simulator from a ScaledObject file with `scaleUp.tolerance: 50m`, in a real pseudo-terminal.

use crate::support as common;

use std::time::Duration;

use common::pty::{Pty, SERVICEBUS_VARS, Spawn};

const SCALED_OBJECT: &str = r#"apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: kedasbreceiver-scaler, namespace: keda-demo}
spec:
  scaleTargetRef: {name: kedasbreceiver}
  pollingInterval: 5
  minReplicaCount: 2
  maxReplicaCount: 20
  advanced:
    horizontalPodAutoscalerConfig:
      behavior:
        scaleUp:
          tolerance: 50m
  triggers:
  - type: azure-servicebus
    metadata: {queueName: kedaqueue, messageCount: "5"}
"#;

/// 11 messages at 2 replicas is a ratio of 1.1: outside the 5% scale-up band (3 pods), inside
/// the controller's 10% when the cluster lacks HPAConfigurableTolerance (2 pods).
fn why_panel_after_eleven_messages(extra: &[&str], expected: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let so = dir.path().join("so.yaml");
    std::fs::write(&so, SCALED_OBJECT).unwrap();
    let log = dir.path().join("kedatui.log");
    let mut args = vec![
        "--scaledobject-file",
        so.to_str().unwrap(),
        "--warp",
        "20",
        "--seed",
        "1",
        "--no-consume",
        "--bursts",
        "11",
        "--log-file",
        log.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let mut pty: Pty = Pty::spawn(Spawn {
        args: &args,
        envs: &[],
        remove: &SERVICEBUS_VARS,
        rows: 40,
        cols: 120,
        timeout: Duration::from_secs(30),
    });
    pty.wait_for("the first frame", |s, _| s.contains("Queue kedaqueue"));
    pty.press(b"1");
    pty.wait_for(expected, |s, _| s.contains(expected));
    let screen = pty.contents();
    pty.press(b"q");
    pty.wait_for("the quit question", |s, _| s.contains("Quit?"));
    pty.press(b"y");
    let (code, _) = pty.wait_exit();
    assert_eq!(code, 0);
    screen
}

#[test]
fn a_scale_up_tolerance_is_shown_and_used() {
    let screen = why_panel_after_eleven_messages(&[], "desired = ceil(11 / 5) = 3");
    assert!(
        screen.contains("tolerance up 5% · down 10% (behavior)"),
        "{screen}"
    );
}

#[test]
fn without_the_gate_the_tolerance_is_not_shown_and_ten_percent_holds() {
    let screen = why_panel_after_eleven_messages(
        &["--no-hpa-configurable-tolerance"],
        "within ±10% → keep 2",
    );
    assert!(!screen.contains("tolerance up"), "{screen}");
}
