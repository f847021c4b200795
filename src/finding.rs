//! The one data model every stage passes along: tools and rules produce
//! findings, the judge weighs them, the reports render them.

use std::fmt;

use serde::{Deserialize, Serialize};

/// How much a finding matters. Ordered so that `Error > Warning > Note`.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
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

/// A place in a file: 1-based line and column, both optional for
/// whole-file findings.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub(crate) struct Span {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) column: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) end_line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) end_column: Option<u32>,
}

impl Span {
    pub(crate) fn at(line: u32, column: Option<u32>) -> Self {
        Span {
            line: Some(line),
            column,
            ..Span::default()
        }
    }
}

/// One problem reported by a tool or a built-in rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Finding {
    /// `black`, `flake8`, `pylint`, `pytest`, or `opsgate` for built-in rules.
    pub(crate) tool: String,
    /// The tool's own code (`F401`, `W0702`) or an opsgate rule id.
    pub(crate) rule: String,
    /// The rule's readable name where the tool has one (`unused-import`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) rule_name: Option<String>,
    pub(crate) severity: Severity,
    pub(crate) message: String,
    /// Relative to the repository root, forward slashes.
    pub(crate) path: String,
    #[serde(flatten)]
    pub(crate) span: Span,
    /// Stable identity across unrelated edits; filled in by `fingerprint`.
    pub(crate) fingerprint: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) help_url: Option<String>,
    /// A suggested change, e.g. Black's diff.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) fix: Option<String>,
}

impl Finding {
    pub(crate) fn new(
        tool: &str,
        rule: impl Into<String>,
        severity: Severity,
        path: impl Into<String>,
        span: Span,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            tool: tool.to_owned(),
            rule: rule.into(),
            rule_name: None,
            severity,
            message: message.into(),
            path: path.into(),
            span,
            fingerprint: String::new(),
            help_url: None,
            fix: None,
        }
    }

    /// The order reports use: by path, position, then rule, so output diffs cleanly.
    pub(crate) fn sort_key(&self) -> (&str, &Span, &str, &str) {
        (&self.path, &self.span, &self.tool, &self.rule)
    }
}

/// Sorts findings into the stable order every report uses.
pub(crate) fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        a.sort_key()
            .cmp(&b.sort_key())
            .then_with(|| a.message.cmp(&b.message))
    });
}
