//! How much a finding matters, the scale every stage shares.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// How much a finding matters. Ordered so that `Error > Warning > Note`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    /// From least to most, as `--fail-on` lists them.
    pub const ALL: [Severity; 3] = [Severity::Note, Severity::Warning, Severity::Error];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;

    fn from_str(name: &str) -> Result<Severity, String> {
        Severity::ALL
            .into_iter()
            .find(|severity| severity.as_str() == name)
            .ok_or_else(|| format!("unknown severity `{name}` (note, warning or error)"))
    }
}
