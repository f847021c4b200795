//! Reports: one emitter per format, each a view of the same `RunResult`.
//! Emitters write to the writer they are given and never print or open files.

mod json;
mod terminal;

use std::io::Write;
use std::time::Duration;

use anyhow::Result;

use crate::cli::ReportFormat;
use crate::finding::{Finding, Severity};
use crate::runners::ToolRun;
use crate::verdict::Verdict;

/// Everything a report may show about one run.
pub(crate) struct RunResult {
    pub(crate) verdict: Verdict,
    pub(crate) fail_on: Severity,
    pub(crate) findings: Vec<Finding>,
    pub(crate) tools: Vec<ToolRun>,
    pub(crate) python: String,
    pub(crate) python_version: String,
    pub(crate) duration: Duration,
    /// The configuration file that counted; `None` for the embedded defaults.
    pub(crate) config: Option<String>,
    pub(crate) domains: Vec<String>,
    pub(crate) tool_folders: Vec<String>,
}

impl RunResult {
    /// Findings at or above the threshold: the ones that fail the gate.
    pub(crate) fn blocking(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity >= self.fail_on)
            .count()
    }

    pub(crate) fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }
}

trait Emitter {
    fn emit(&self, out: &mut dyn Write, run: &RunResult) -> Result<()>;
}

pub(crate) fn emit(format: ReportFormat, out: &mut dyn Write, run: &RunResult) -> Result<()> {
    match format {
        ReportFormat::Terminal => terminal::Terminal.emit(out, run),
        ReportFormat::Json => json::Json.emit(out, run),
    }
}
