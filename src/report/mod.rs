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
pub struct RunResult {
    pub verdict: Verdict,
    pub fail_on: Severity,
    pub findings: Vec<Finding>,
    pub tools: Vec<ToolRun>,
    pub python: String,
    pub python_version: String,
    pub duration: Duration,
}

impl RunResult {
    /// Findings at or above the threshold: the ones that fail the gate.
    pub fn blocking(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity >= self.fail_on)
            .count()
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }
}

trait Emitter {
    fn emit(&self, out: &mut dyn Write, run: &RunResult) -> Result<()>;
}

pub fn emit(format: ReportFormat, out: &mut dyn Write, run: &RunResult) -> Result<()> {
    match format {
        ReportFormat::Terminal => terminal::Terminal.emit(out, run),
        ReportFormat::Json => json::Json.emit(out, run),
    }
}
