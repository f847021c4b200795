//! A rule's configured level: a severity, or off.

use serde::Deserialize;

use super::Severity;

/// A rule's severity, or `off` to not run it at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum RuleLevel {
    Off,
    Note,
    Warning,
    Error,
}

impl RuleLevel {
    pub(crate) fn severity(self) -> Option<Severity> {
        match self {
            RuleLevel::Off => None,
            RuleLevel::Note => Some(Severity::Note),
            RuleLevel::Warning => Some(Severity::Warning),
            RuleLevel::Error => Some(Severity::Error),
        }
    }

    pub(crate) fn as_str(self) -> &'static str {
        self.severity().map_or("off", Severity::as_str)
    }
}
