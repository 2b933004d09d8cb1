//! What `kedatui doctor` reports: each check's outcome, the fix for a failure, the whole report
//! as text or JSON. Shared by the cluster and Service Bus checks (`doctor`) and the keyless ones
//! (`doctor_entra`).

use std::fmt::Write as _;

use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Pass,
    Fail,
    /// Not run because a check it depends on failed.
    Skip,
    /// Something optional is missing and no fix can bring it (an API the server does not serve):
    /// said, never a failure.
    Warn,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Check {
    pub name: String,
    pub outcome: Outcome,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Check {
    pub fn pass(name: &str, detail: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            outcome: Outcome::Pass,
            detail: detail.into(),
            fix: None,
        }
    }
    pub fn fail(name: &str, detail: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            outcome: Outcome::Fail,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }
    pub fn warn(name: &str, detail: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            outcome: Outcome::Warn,
            detail: detail.into(),
            fix: None,
        }
    }
    pub fn skip(name: &str, why: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            outcome: Outcome::Skip,
            detail: why.into(),
            fix: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Report {
    pub ok: bool,
    pub checks: Vec<Check>,
}

impl Report {
    pub fn new(checks: Vec<Check>) -> Self {
        Self {
            ok: checks
                .iter()
                .all(|c| matches!(c.outcome, Outcome::Pass | Outcome::Warn)),
            checks,
        }
    }

    /// ✔/✘ per check, the fix under each ✘, skipped checks dimmed as `-`, warnings as `⚠`.
    pub fn render_text(&self) -> String {
        let mut out: String = self.checks.iter().map(Self::render_check).collect();
        out.push_str(&self.render_summary());
        out
    }

    /// One check's lines of [`render_text`](Self::render_text).
    pub fn render_check(c: &Check) -> String {
        let mut out = String::new();
        let mark = match c.outcome {
            Outcome::Pass => "✔",
            Outcome::Fail => "✘",
            Outcome::Skip => "-",
            Outcome::Warn => "⚠",
        };
        let _ = writeln!(out, "{mark} {}: {}", c.name, c.detail);
        if let Some(fix) = &c.fix {
            let _ = writeln!(out, "    fix: {fix}");
        }
        out
    }

    /// The last line of [`render_text`](Self::render_text).
    pub fn render_summary(&self) -> String {
        let mut out = String::new();
        let failed = self
            .checks
            .iter()
            .filter(|c| matches!(c.outcome, Outcome::Fail | Outcome::Skip))
            .count();
        // A warning is neither a check passed nor one failed.
        let warnings = self
            .checks
            .iter()
            .filter(|c| c.outcome == Outcome::Warn)
            .count();
        let checks = self.checks.len() - warnings;
        let noted = match warnings {
            0 => String::new(),
            1 => " (1 warning above)".into(),
            n => format!(" ({n} warnings above)"),
        };
        if self.ok {
            let _ = writeln!(
                out,
                "all {checks} checks passed{noted}: ready for the stage"
            );
        } else {
            let _ = writeln!(out, "{failed} of {checks} checks did not pass{noted}");
        }
        out
    }
}

pub mod names {
    pub const CONNECTION_STRING: &str = "connection string parses";
    pub const SEND: &str = "AMQP connect + CBS (send rights)";
    pub const MANAGE: &str = "REST counts (manage rights)";
    pub const RABBITMQ_URL: &str = "RabbitMQ URL parses";
    pub const RABBITMQ_SEND: &str = "AMQP connect + queue exists (publish)";
    pub const RABBITMQ_COUNTS: &str = "management API counts (what KEDA reads)";
    pub const REACHABLE: &str = "cluster reachable";
    pub const NAMESPACE: &str = "namespace exists";
    pub const CRDS: &str = "KEDA CRDs present";
    pub const SCALED_OBJECT: &str = "ScaledObject exists and Ready";
    pub const DEPLOYMENT: &str = "Deployment exists";
    pub const HPA: &str = "HPA exists";
    pub const RBAC: &str = "kedatui may list and watch what it shows";
    /// A warning, only when the API server serves no Events (the console says the same).
    pub const EVENTS_NOT_SERVED: &str = "events unavailable (not served)";
}
