//! Which failures end the process, and with which exit code and one-line reason.
//!
//! azservicebus returns `azure_core::Error`s whose text is all we have (servicebus-amqp.md §4:
//! only the last attempt's error is shown), so the classification is by the AMQP error
//! conditions and HTTP-like status codes that appear in it.

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
    pub fn exit_code(self) -> u8 {
        match self {
            Failure::Unauthorized => 3,
            Failure::NotFound => 4,
            Failure::Other => 1,
        }
    }
}

pub fn classify(error_text: &str) -> Failure {
    let t = error_text.to_ascii_lowercase();
    let any = |needles: &[&str]| needles.iter().any(|n| t.contains(n));
    if any(&[
        "unauthorized",
        "unauthorised",
        "status-code: 401",
        "status_code: 401",
        "statuscode: 401",
        "invalidsignature",
        "invalid signature",
        "authentication failed",
        "put-token",
        "puttoken",
        "forbidden",
    ]) {
        Failure::Unauthorized
    } else if any(&[
        "amqp:not-found",
        "notfound",
        "not found",
        "not-found",
        "status-code: 404",
        "does not exist",
        "could not be found",
        "failed to lookup address",
        "name or service not known",
        "no such host",
    ]) {
        Failure::NotFound
    } else {
        Failure::Other
    }
}

/// The one line printed before exiting, naming what to check.
pub fn reason(failure: Failure, queue: &str, namespace: &str, detail: &str) -> String {
    match failure {
        Failure::Unauthorized => format!(
            "unauthorised on queue {queue} in {namespace}: check the key and that the rule has Listen rights ({detail})"
        ),
        Failure::NotFound => format!(
            "not found: queue {queue} in {namespace} (check QUEUE_NAME and the connection string's Endpoint) ({detail})"
        ),
        Failure::Other => format!("receiving from queue {queue} in {namespace} failed: {detail}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_are_classified_by_their_text() {
        let cases = [
            (
                "CBS put-token failed: status-code: 401, status-description: InvalidSignature",
                Failure::Unauthorized,
            ),
            (
                "Error { condition: AmqpError(UnauthorizedAccess), description: Some(\"Unauthorized access. 'Listen' claim(s) are required\") }",
                Failure::Unauthorized,
            ),
            (
                "amqp:not-found The messaging entity 'sb://x/kedaqueue' could not be found",
                Failure::NotFound,
            ),
            (
                "failed to lookup address information: Name or service not known",
                Failure::NotFound,
            ),
            ("Connection refused (os error 111)", Failure::Other),
            ("Local error: ExpectImmediateDetach", Failure::Other),
        ];
        for (text, expected) in cases {
            assert_eq!(classify(text), expected, "{text}");
        }
    }

    #[test]
    fn exit_codes_are_distinct_and_documented() {
        assert_eq!(Failure::Unauthorized.exit_code(), 3);
        assert_eq!(Failure::NotFound.exit_code(), 4);
        assert_eq!(Failure::Other.exit_code(), 1);
        assert!(crate::config::USAGE.contains("3 unauthorised"));
    }

    #[test]
    fn reasons_are_one_line() {
        for f in [Failure::Unauthorized, Failure::NotFound, Failure::Other] {
            let r = reason(f, "kedaqueue", "ns.servicebus.windows.net", "detail");
            assert!(!r.contains('\n'));
            assert!(r.contains("kedaqueue"));
        }
    }
}
