//! Which failures end the process, and with which exit code. The classification itself is
//! kedatui's (`kedatui_servicebus::errors::classify`, which also reads the broker's logged
//! reason, since azservicebus's errors show only the last local error: docs/servicebus-amqp.md §4).

use kedatui_servicebus::ErrorKind;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// Bad key, wrong rule, or a rule without Listen.
    Unauthorized,
    /// The queue or the namespace does not exist.
    NotFound,
    /// Anything else: worth retrying a few times.
    Other,
}

impl Failure {
    pub fn from_kind(kind: &ErrorKind) -> Self {
        match kind {
            ErrorKind::Unauthorized | ErrorKind::Forbidden { .. } => Failure::Unauthorized,
            ErrorKind::NotFound => Failure::NotFound,
            _ => Failure::Other,
        }
    }

    pub fn exit_code(self) -> u8 {
        match self {
            Failure::Unauthorized => 3,
            Failure::NotFound => 4,
            Failure::Other => 1,
        }
    }

    /// Retrying cannot fix a wrong key or a missing queue.
    pub fn is_permanent(self) -> bool {
        self != Failure::Other
    }
}

/// One line, whatever the detail held.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_kinds_map_to_documented_exit_codes() {
        let cases = [
            (ErrorKind::Unauthorized, 3, true),
            (ErrorKind::NotFound, 4, true),
            (ErrorKind::Unreachable, 1, false),
            (ErrorKind::Timeout, 1, false),
            (ErrorKind::Throttled, 1, false),
            (ErrorKind::Other, 1, false),
        ];
        for (kind, code, permanent) in cases {
            let f = Failure::from_kind(&kind);
            assert_eq!(
                (f.exit_code(), f.is_permanent()),
                (code, permanent),
                "{kind:?}"
            );
        }
        let usage = crate::config::USAGE;
        assert!(
            usage.contains("3 unauthorised") && usage.contains("4 queue or namespace not found")
        );
    }

    #[test]
    fn reasons_become_one_line() {
        assert_eq!(one_line("a\n  b\tc\n"), "a b c");
    }
}
