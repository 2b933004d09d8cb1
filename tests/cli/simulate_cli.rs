//! `kedatui simulate`, run as the real binary.

use std::process::{Command, Output};

fn simulate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kedatui"))
        .arg("simulate")
        .args(args)
        .output()
        .expect("run kedatui")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

const HEADER: &str =
    "t,active,in_flight,spec_replicas,status_replicas,ready,hpa_desired,keda_active";

#[test]
fn csv_has_the_exact_header_and_one_row_per_step() {
    let o = simulate(&[
        "--burst",
        "0:100",
        "--no-consume",
        "--max",
        "30",
        "--duration",
        "2m",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], HEADER);
    assert_eq!(lines.len(), 1 + 121, "rows for t = 0..=120");
    assert_eq!(lines[1], "0,100,0,0,0,0,0,false");
    // KEDA activates at its first poll after the burst (30 s); the legacy HPA then doubles.
    let spec_at = |t: usize| {
        lines[1 + t]
            .split(',')
            .nth(3)
            .unwrap()
            .parse::<u32>()
            .unwrap()
    };
    let seq: Vec<u32> = [29, 30, 45, 60, 75, 90]
        .iter()
        .map(|&t| spec_at(t))
        .collect();
    assert_eq!(seq, [0, 1, 4, 8, 16, 20]);
    assert!(lines[31].ends_with(",true"), "{}", lines[31]);
    assert!(
        stderr(&o).contains("peak replicas: 20"),
        "summary on stderr: {}",
        stderr(&o)
    );
}

#[test]
fn behavior_default_and_scaledobject_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("so.yaml");
    std::fs::write(
        &path,
        r#"apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: kedasbreceiver-scaler, namespace: keda-demo}
spec:
  scaleTargetRef: {name: kedasbreceiver}
  pollingInterval: 5
  maxReplicaCount: 30
  advanced:
    horizontalPodAutoscalerConfig:
      behavior: {}
  triggers:
  - type: azure-servicebus
    metadata: {queueName: kedaqueue, messageCount: "5"}
"#,
    )
    .unwrap();
    let o = simulate(&[
        "--scaledobject",
        path.to_str().unwrap(),
        "--burst",
        "0:100",
        "--no-consume",
        "--duration",
        "1m30s",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let specs: Vec<u32> = out
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(3).unwrap().parse().unwrap())
        .collect();
    let mut changes = specs.clone();
    changes.dedup();
    // Poll every 5 s: activation at 5 s; behavior defaults: 1 → 5 → 10 → 20.
    assert_eq!(changes, [0, 1, 5, 10, 20]);
    assert_eq!(specs[5], 1);
}

#[test]
fn jsonl_rows_carry_the_fields_and_events() {
    let o = simulate(&[
        "--burst",
        "0:10",
        "--format",
        "jsonl",
        "--duration",
        "40s",
        "--step",
        "10s",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rows: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[3]["t"], 30);
    assert_eq!(rows[3]["keda_active"], true);
    let reasons: Vec<&str> = rows[3]["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["reason"].as_str().unwrap())
        .collect();
    assert!(reasons.contains(&"KEDAScaleTargetActivated"), "{reasons:?}");
}

#[test]
fn table_prints_changes_events_and_the_summary() {
    let o = simulate(&[
        "--burst",
        "0:20",
        "--purge",
        "35s",
        "--format",
        "table",
        "--duration",
        "10m",
        "--cooldown",
        "60s",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("KEDAScaleTargetActivated"));
    assert!(out.contains("KEDAScaleTargetDeactivated"));
    assert!(out.contains("summary:"));
    assert!(out.contains("back to 0 replicas: t="), "{out}");
}

#[test]
fn bad_input_exits_2_with_a_clear_message() {
    let cases: [(&[&str], &str); 8] = [
        (&["--duration", "1m30"], "30 has no unit"),
        (&["--cooldown", "5x"], "unknown unit"),
        (&["--burst", "10"], "expected AT:COUNT"),
        (
            &["--min", "5", "--max", "2"],
            "minReplicaCount (5) is greater than maxReplicaCount (2)",
        ),
        (&["--message-count", "0"], "messageCount must be at least 1"),
        (
            &["--scaledobject", "/nonexistent/scaledobject.yaml"],
            "cannot read /nonexistent/scaledobject.yaml",
        ),
        (&["--step", "0s"], "--step must be greater than 0s"),
        (
            &["--duration", "720h", "--step", "1ms"],
            "is 2 592 000 001 rows; at most 1 000 000 (raise --step",
        ),
    ];
    for (args, expected) in cases {
        let o = simulate(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(expected), "{args:?}: {}", stderr(&o));
        assert!(stdout(&o).is_empty(), "{args:?}");
    }
}

#[test]
fn same_seed_same_output() {
    let args = [
        "--burst",
        "0:300",
        "--format",
        "jsonl",
        "--duration",
        "5m",
        "--seed",
        "42",
    ];
    assert_eq!(simulate(&args).stdout, simulate(&args).stdout);
}

/// docs/keda-semantics.md §4.5: `storeScaleEvent` never deletes a scale event, it only marks it
/// outdated, so scale-downs older than their own 15 s policy period still count toward the
/// 120 s scale-up period. Upstream's functions have 16 replicas at t = 135 s here; dropping the
/// old scale-downs gave 15.
#[test]
fn old_scale_downs_still_count_toward_a_longer_scale_up_period() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("so.yaml");
    std::fs::write(
        &path,
        r#"apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: kedasbreceiver-scaler, namespace: keda-demo}
spec:
  scaleTargetRef: {name: kedasbreceiver}
  advanced:
    horizontalPodAutoscalerConfig:
      behavior:
        scaleUp:
          policies: [{type: Pods, value: 10, periodSeconds: 120}]
        scaleDown:
          stabilizationWindowSeconds: 0
          policies: [{type: Pods, value: 1, periodSeconds: 15}]
  triggers:
  - type: azure-servicebus
    metadata: {queueName: kedaqueue, messageCount: "5"}
"#,
    )
    .unwrap();
    let o = simulate(&[
        "--scaledobject",
        path.to_str().unwrap(),
        "--no-consume",
        "--polling-interval",
        "5s",
        "--cooldown",
        "300s",
        "--burst",
        "0s:40",
        "--purge",
        "20s",
        "--burst",
        "61s:200",
        "--purge",
        "76s",
        "--burst",
        "91s:500",
        "--duration",
        "180s",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let specs: Vec<u32> = out
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(3).unwrap().parse().unwrap())
        .collect();
    assert_eq!(specs[135], 16, "spec.replicas at t=135 s; series {specs:?}");
}

/// docs/keda-semantics.md §4.2: the first sync of a new HPA comes at once (Kubernetes 1.37+,
/// `queue.Add`) or one sync period later (1.36 and earlier, `queue.AddRateLimited`). With a
/// 60 s scale-up window the first, empty-queue recommendation holds the scale-up until it leaves
/// the window: 60 s after it, so 15 s later with `--hpa-first-sync resync`.
#[test]
fn the_first_hpa_sync_is_now_or_one_period_later() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("so.yaml");
    std::fs::write(
        &path,
        r#"apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: kedasbreceiver-scaler, namespace: keda-demo}
spec:
  scaleTargetRef: {name: kedasbreceiver}
  minReplicaCount: 2
  advanced:
    horizontalPodAutoscalerConfig:
      behavior:
        scaleUp: {stabilizationWindowSeconds: 60}
  triggers:
  - type: azure-servicebus
    metadata: {queueName: kedaqueue, messageCount: "5"}
"#,
    )
    .unwrap();
    for (extra, first_scale_up) in [
        (&[][..], 60),
        (&["--hpa-first-sync", "now"][..], 60),
        (&["--hpa-first-sync", "resync"][..], 75),
    ] {
        let mut args = vec![
            "--scaledobject",
            path.to_str().unwrap(),
            "--initial-replicas",
            "2",
            "--no-consume",
            "--burst",
            "0s:100",
            "--duration",
            "2m",
        ];
        args.extend_from_slice(extra);
        let o = simulate(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        let specs: Vec<u32> = stdout(&o)
            .lines()
            .skip(1)
            .map(|l| l.split(',').nth(3).unwrap().parse().unwrap())
            .collect();
        let first = specs.iter().position(|&s| s > 2);
        assert_eq!(first, Some(first_scale_up), "{extra:?}: {specs:?}");
    }
}

/// `--scaler rabbitmq`: the same 100 waiting messages, `value` 20 instead of `messageCount` 5,
/// so 5 replicas where Service Bus gets 20; and KEDA's events name the rabbitmq metric.
#[test]
fn the_rabbitmq_scaler_has_its_own_target_and_metric() {
    let last = |scaler: &str| {
        let o = simulate(&[
            "--scaler",
            scaler,
            "--burst",
            "0:100",
            "--no-consume",
            "--duration",
            "3m",
            "--step",
            "30s",
            "--format",
            "jsonl",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let text = stdout(&o);
        let rows: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let events = rows
            .iter()
            .flat_map(|r| r["events"].as_array().cloned().unwrap_or_default())
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join("\n");
        (
            rows.last().unwrap()["spec_replicas"].as_u64().unwrap(),
            events,
        )
    };
    let (servicebus, _) = last("servicebus");
    let (rabbitmq, events) = last("rabbitmq");
    assert_eq!((servicebus, rabbitmq), (20, 5));
    assert!(events.contains("s0-rabbitmq-kedaqueue"), "{events}");
}
