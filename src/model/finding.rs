//! The one data model every stage passes along: tools and rules produce
//! findings, the judge weighs them, the reports render them.

use serde::{Deserialize, Serialize};

use super::{Severity, ToolId};

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
    pub(crate) tool: ToolId,
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
    /// Set under `--new-only` or a baseline: whether the finding is new or
    /// was there before (those are lowered to `note`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) baseline_state: Option<BaselineState>,
    /// The severity before an existing finding was lowered to `note`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) original_severity: Option<Severity>,
    /// The threshold of the configuration of its path when an override makes
    /// it other than the run's `fail_on` (which `None` means).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) fail_on: Option<Severity>,
}

/// A finding against the code it is compared with (the merge base under
/// `--new-only`, the baseline file), named as SARIF's `baselineState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum BaselineState {
    /// On a line added or changed since the base, or not in the baseline:
    /// it can fail the gate.
    New,
    /// There before: on an unchanged line, or in the baseline.
    Unchanged,
    /// In the baseline with another message (the same line and rule).
    Updated,
}

impl BaselineState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            BaselineState::New => "new",
            BaselineState::Unchanged => "unchanged",
            BaselineState::Updated => "updated",
        }
    }

    /// There before this change, whatever its message now says.
    pub(crate) fn is_existing(self) -> bool {
        self != BaselineState::New
    }
}

impl Finding {
    pub(crate) fn new(
        tool: impl Into<ToolId>,
        rule: impl Into<String>,
        severity: Severity,
        path: impl Into<String>,
        span: Span,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            tool: tool.into(),
            rule: rule.into(),
            rule_name: None,
            severity,
            message: message.into(),
            path: path.into(),
            span,
            fingerprint: String::new(),
            help_url: None,
            fix: None,
            baseline_state: None,
            original_severity: None,
            fail_on: None,
        }
    }

    /// Whether it fails the gate: at or above its path's threshold, else the
    /// run's; existing findings (on unchanged lines, or in the baseline)
    /// never do.
    pub(crate) fn fails(&self, run_fail_on: Severity) -> bool {
        self.severity >= self.fail_on.unwrap_or(run_fail_on)
            && !self.baseline_state.is_some_and(BaselineState::is_existing)
    }

    /// The order reports use: by path, position, then rule, so output diffs cleanly.
    pub(crate) fn sort_key(&self) -> (&str, &Span, ToolId, &str) {
        (&self.path, &self.span, self.tool, &self.rule)
    }
}

/// Sorts findings into the stable order every report uses.
pub(crate) fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        a.sort_key()
            .cmp(&b.sort_key())
            .then_with(|| a.message.cmp(&b.message))
    });
}
