//! `kedatui replay` refuses what it cannot play before touching the terminal: exit code 2, a
//! message that says what is wrong with the file, no panic and no escape sequences.

use crate::support as common;

use common::run;

const HEADER: &str = r#"{"kedatui_recording":1,"started_at":"2026-09-21T14:13:20Z","config":{"mode":"simulator","bursts":[10,100,500,1000,5000],"trickle_per_second":5.0,"warp":1.0,"namespace":"keda-demo","queue":"kedaqueue","scaled_object":"kedasbreceiver-scaler","deployment":"kedasbreceiver"}}"#;
const TICK: &str = r#"{"ms":0,"event":{"Tick":{"now":"2026-09-21T14:13:20Z"}}}"#;

#[test]
fn bad_recordings_exit_2_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&str, String, &str)] = &[
        (
            "empty.jsonl",
            String::new(),
            "it is empty, not a kedatui recording",
        ),
        (
            "truncated-header.jsonl",
            HEADER[..40].to_owned(),
            "it is truncated: line 1 stops mid-event",
        ),
        (
            "corrupt.jsonl",
            format!("{HEADER}\n{TICK}\n{{\"ms\":5,\"event\":{{\"Nope\":1}}}}\n{TICK}\n"),
            "it is corrupt at line 3",
        ),
        (
            "future.jsonl",
            format!(
                "{}\n{TICK}\n",
                HEADER.replace("\"kedatui_recording\":1", "\"kedatui_recording\":2")
            ),
            "recorded in format 2, newer than this kedatui reads (format 1)",
        ),
        (
            "log.jsonl",
            "2026-09-21T14:13:20Z INFO console starting\n".into(),
            "not a kedatui recording",
        ),
    ];
    for (name, content, want) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        let (code, stdout, stderr) = run(&["replay", path.to_str().unwrap()]);
        assert_eq!(code, 2, "{name}: {stderr}");
        assert!(stderr.contains("cannot replay"), "{name}: {stderr}");
        assert!(stderr.contains(want), "{name}: {stderr}");
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        assert!(
            !stdout.contains('\u{1b}') && !stderr.contains('\u{1b}'),
            "{name}: terminal untouched"
        );
    }
    let missing = dir.path().join("missing.jsonl");
    let (code, _, stderr) = run(&["replay", missing.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(stderr.contains("cannot read it"), "{stderr}");
    let (code, _, stderr) = run(&["replay", missing.to_str().unwrap(), "--speed", "0"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("invalid speed"), "{stderr}");
}

#[test]
fn a_replay_is_not_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.jsonl");
    let (code, _, stderr) = run(&["--record", out.to_str().unwrap(), "replay", "in.jsonl"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("--record cannot record a replay"),
        "{stderr}"
    );
    assert!(!out.exists());
}

#[test]
fn a_missing_snapshot_dir_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("slides");
    for args in [
        vec!["--snapshot-dir", missing.to_str().unwrap()],
        vec![
            "replay",
            "x.jsonl",
            "--snapshot-dir",
            missing.to_str().unwrap(),
        ],
    ] {
        let (code, _, stderr) = run(&args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains("not an existing directory"), "{stderr}");
    }
}

#[test]
fn an_uncreatable_recording_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no/such/dir/demo.jsonl");
    let (code, _, stderr) = run(&["--record", path.to_str().unwrap()]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("cannot create the recording"), "{stderr}");
}

/// #10.8: `replay` reads only a regular file of sane size with sane lines: `/dev/zero` once grew
/// kedatui to 7.7 GB. Each is refused at once with exit 2.
#[test]
fn replay_refuses_devices_huge_files_and_huge_lines() {
    let dir = tempfile::tempdir().unwrap();
    // Sparse: a quarter gigabyte and a bit that takes no disk.
    let huge = dir.path().join("huge.jsonl");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(kedatui::record::MAX_RECORDING_BYTES + 1)
        .unwrap();
    let long_line = dir.path().join("long-line.jsonl");
    let mut text = format!("{HEADER}\n{TICK}\n");
    text.push_str(&"x".repeat(kedatui::record::MAX_LINE_BYTES + 1));
    text.push('\n');
    std::fs::write(&long_line, text).unwrap();
    let cases = [
        ("/dev/zero".to_owned(), "it is not a regular file"),
        (dir.path().display().to_string(), "it is not a regular file"),
        (huge.display().to_string(), "more than a recording can be"),
        (
            long_line.display().to_string(),
            "line 3 is 8388609 bytes long, more than any event",
        ),
    ];
    for (path, want) in cases {
        let (code, stdout, stderr) =
            common::run_within(&["replay", &path], std::time::Duration::from_secs(10));
        assert_eq!(code, 2, "{path}: {stderr}");
        assert!(stderr.contains("cannot replay"), "{path}: {stderr}");
        assert!(stderr.contains(want), "{path}: {stderr}");
        assert!(!stdout.contains('\u{1b}'), "{path}: terminal untouched");
    }
}

/// #19 item 10: the header's settings are checked like the console flags that made them: no
/// burst keys, twelve of them, or a negative warp is refused with exit 2 (they once started).
#[test]
fn headers_with_settings_no_flag_allows_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            HEADER.replace("[10,100,500,1000,5000]", "[]"),
            "its header has no burst sizes",
        ),
        (
            HEADER.replace("[10,100,500,1000,5000]", "[1,2,3,4,5,6,7,8,9,10,11,12]"),
            "its header's bursts: at most 9 bursts (keys 1-9), got 12",
        ),
        (
            HEADER.replace("\"warp\":1.0", "\"warp\":-1e308"),
            "its header's warp: invalid warp",
        ),
        (
            HEADER.replace("\"trickle_per_second\":5.0", "\"trickle_per_second\":1e300"),
            "its header's trickle_per_second",
        ),
    ];
    for (i, (header, want)) in cases.iter().enumerate() {
        assert_ne!(header, HEADER, "case {i} changed nothing");
        let path = dir.path().join(format!("{i}.jsonl"));
        std::fs::write(&path, format!("{header}\n{TICK}\n")).unwrap();
        let (code, stdout, stderr) = common::run_within(
            &["replay", path.to_str().unwrap()],
            std::time::Duration::from_secs(10),
        );
        assert_eq!(code, 2, "{want}: {stderr}");
        assert!(stderr.contains("cannot replay"), "{want}: {stderr}");
        assert!(stderr.contains(want), "{want}: {stderr}");
        assert!(!stdout.contains('\u{1b}'), "{want}: terminal untouched");
    }
}
