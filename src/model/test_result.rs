//! The outcome of every test the repository's suite ran, passed ones too,
//! kept whole for the reports that show tests (`JUnit`) beside the findings.

use serde::{Deserialize, Serialize};

use super::ToolId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum TestOutcome {
    Passed,
    Failed,
    Error,
    Skipped,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct TestResult {
    /// The tool that ran it (`pytest`).
    pub(crate) tool: ToolId,
    pub(crate) classname: String,
    pub(crate) name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) file: Option<String>,
    /// 1-based.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) line: Option<u32>,
    /// Seconds.
    pub(crate) time: f64,
    pub(crate) outcome: TestOutcome,
    /// The failure, error or skip message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) message: Option<String>,
    /// The traceback or reason in full.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) details: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) system_out: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) system_err: Option<String>,
}
