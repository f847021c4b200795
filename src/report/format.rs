//! The report formats and where each report goes. `ValueEnum` lets the
//! command line list each format with the line that describes it here.

use std::path::PathBuf;

use clap::ValueEnum;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Grouped by file, for people; colour on a terminal
    Terminal,
    /// `{"version":1,"verdict":…,"findings":[…],"tools":[…],"tests":[…],"coverage":{…}}`
    Json,
    /// `JUnit` XML: every pytest test and every finding a testcase
    Junit,
    /// SARIF 2.1.0, one run per tool, for code scanning
    Sarif,
    /// GitLab Code Quality JSON
    Gitlab,
    /// GitHub Actions workflow commands (annotations)
    Github,
    /// One self-contained HTML page with filters, to browse the findings
    Html,
    /// Cobertura XML line coverage for GitLab's `coverage_report`; needs coverage measured
    Cobertura,
}

/// One `--output FMT=FILE`.
#[derive(Debug, Clone)]
pub struct OutputArg {
    pub format: ReportFormat,
    pub path: PathBuf,
}
