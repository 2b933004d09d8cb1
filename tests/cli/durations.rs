//! One duration syntax for every flag: `--cooldown`, `--count-interval`, `--burst AT:…` and the
//! rest share `kedatui_core::duration::parse_duration`, where a bare number means seconds (as in a
//! ScaledObject's `cooldownPeriod: 300`).

use std::time::Duration;

use clap::Parser;
use jiff::SignedDuration;
use kedatui::cli::{Cli, Commands};

fn console(args: &[&str]) -> Cli {
    Cli::try_parse_from(std::iter::once("kedatui").chain(args.iter().copied()))
        .unwrap_or_else(|e| panic!("{args:?}: {e}"))
}

#[test]
fn a_bare_number_means_seconds_for_every_duration_flag() {
    for (text, secs) in [("2", 2), ("2s", 2), ("90", 90), ("1m30s", 90)] {
        let cli = console(&["--cooldown", text, "--count-interval", text]);
        assert_eq!(
            cli.console.sim.cooldown,
            Some(SignedDuration::from_secs(secs)),
            "--cooldown {text}"
        );
        assert_eq!(
            cli.console.queue.servicebus.count_interval,
            Duration::from_secs(secs as u64),
            "--count-interval {text}"
        );
        let burst = format!("{text}:10");
        let cli = console(&["simulate", "--burst", &burst]);
        let Some(Commands::Simulate(args)) = cli.command else {
            panic!("simulate did not parse");
        };
        assert_eq!(
            args.bursts[0].at,
            SignedDuration::from_secs(secs),
            "--burst {burst}"
        );
    }
}

#[test]
fn fractions_and_milliseconds_agree_too() {
    let cli = console(&["--cooldown", "1.5s", "--count-interval", "1.5"]);
    assert_eq!(
        cli.console.sim.cooldown,
        Some(SignedDuration::from_millis(1500))
    );
    assert_eq!(
        cli.console.queue.servicebus.count_interval,
        Duration::from_millis(1500)
    );
    let cli = console(&["--count-interval", "500ms"]);
    assert_eq!(
        cli.console.queue.servicebus.count_interval,
        Duration::from_millis(500)
    );
}

#[test]
fn the_same_text_is_refused_the_same_way_everywhere() {
    for bad in ["5x", "1m30", "1.2.3s"] {
        let errors: Vec<String> = [
            vec!["--cooldown", bad],
            vec!["--count-interval", bad],
            vec!["simulate", "--burst", &format!("{bad}:10")],
        ]
        .iter()
        .map(|args| {
            Cli::try_parse_from(std::iter::once("kedatui").chain(args.iter().copied()))
                .expect_err(&format!("{args:?} was accepted"))
                .to_string()
        })
        .collect();
        let reason = kedatui_core::duration::parse_duration(bad)
            .unwrap_err()
            .to_string();
        for e in &errors {
            assert!(e.contains(&reason), "{bad}: {e} lacks {reason}");
        }
    }
}
