//! Reports: one emitter per format, each a view of the same `RunResult`.
//! Emitters write to the writer they are given and never print or open
//! files; `write_file` makes a file report atomic.

mod cobertura;
mod coverage_figures;
mod format;
mod github;
mod gitlab;
mod html;
pub(crate) mod json;
mod junit;
mod sarif;
mod sarif_fix;
#[cfg(test)]
mod snapshots;
mod step_outputs;
mod summary;
mod terminal;
mod write;

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result};

pub use format::{OutputArg, ReportFormat};
pub(crate) use step_outputs::append_step_outputs;
pub(crate) use summary::append_step_summary;
#[cfg(test)]
pub(crate) use summary::markdown as summary_markdown;
pub(crate) use write::{Destinations, write_all};

use crate::ci::CiContext;
use crate::discover::shard::ShardInfo;
use crate::judge::adoption::AdoptionSummary;
use crate::judge::verdict::Verdict;
use crate::model::{Coverage, Finding, Severity, TestResult};
use crate::runners::ToolRun;

/// Everything a report may show about one run.
pub(crate) struct RunResult {
    pub(crate) verdict: Verdict,
    pub(crate) fail_on: Severity,
    pub(crate) findings: Vec<Finding>,
    pub(crate) tests: Vec<TestResult>,
    pub(crate) tools: Vec<ToolRun>,
    pub(crate) python: String,
    pub(crate) python_version: String,
    pub(crate) duration: Duration,
    /// The configuration file that counted; `None` for the embedded defaults.
    pub(crate) config: Option<String>,
    pub(crate) domains: Vec<String>,
    pub(crate) tool_folders: Vec<String>,
    pub(crate) ci: CiContext,
    /// Under `--new-only` or with a baseline: what was compared and found existing.
    pub(crate) adoption: Option<AdoptionSummary>,
    /// Which shard of a sharded run this is; `None` for a whole run.
    pub(crate) shard: Option<ShardInfo>,
    /// What the tests executed of the tool folders and shared libraries
    /// (test files aside); `None` when coverage was not measured.
    pub(crate) coverage: Option<Coverage>,
}

impl RunResult {
    /// Findings at or above the threshold: the ones that fail the gate.
    pub(crate) fn blocking(&self) -> usize {
        self.findings.iter().filter(|f| self.is_blocking(f)).count()
    }

    pub(crate) fn is_blocking(&self, finding: &Finding) -> bool {
        finding.fails(self.fail_on)
    }

    /// What the verdict line adds after the run's threshold when per-folder
    /// overrides set other thresholds for some findings.
    pub(crate) fn other_thresholds(&self) -> &'static str {
        if self.findings.iter().any(|f| f.fail_on.is_some()) {
            " or their folder's threshold"
        } else {
            ""
        }
    }

    pub(crate) fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }

    /// A finding's path as the CI platform sees it: relative to the
    /// workspace when opsgate checked a folder inside it.
    pub(crate) fn platform_path(&self, path: &str) -> String {
        self.ci.platform_path(path)
    }
}

trait Emitter {
    fn emit(&self, out: &mut dyn Write, run: &RunResult) -> Result<()>;
}

pub(crate) fn emit(format: ReportFormat, out: &mut dyn Write, run: &RunResult) -> Result<()> {
    match format {
        ReportFormat::Terminal => terminal::Terminal.emit(out, run),
        ReportFormat::Json => json::Json.emit(out, run),
        ReportFormat::Junit => junit::Junit.emit(out, run),
        ReportFormat::Sarif => sarif::Sarif.emit(out, run),
        ReportFormat::Gitlab => gitlab::Gitlab.emit(out, run),
        ReportFormat::Github => github::Github.emit(out, run),
        ReportFormat::Html => html::Html.emit(out, run),
        ReportFormat::Cobertura => cobertura::Cobertura.emit(out, run),
    }
}

/// Writes a report next to `path` and renames it into place, so that a run
/// that fails half-way never leaves half a file.
pub(crate) fn write_file(format: ReportFormat, path: &Path, run: &RunResult) -> Result<()> {
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut file = tempfile::Builder::new()
        .prefix(".opsgate-report-")
        .tempfile_in(folder)
        .with_context(|| format!("creating a temporary file in `{}`", folder.display()))?;
    {
        let mut writer = std::io::BufWriter::new(file.as_file_mut());
        emit(format, &mut writer, run)
            .and_then(|()| writer.flush().map_err(Into::into))
            .with_context(|| format!("writing `{}`", path.display()))?;
    }
    // Temporary files are private; a report is an ordinary file.
    file.as_file()
        .set_permissions(std::fs::Permissions::from_mode(0o644))
        .and_then(|()| file.as_file().sync_all())
        .with_context(|| format!("writing `{}`", path.display()))?;
    file.persist(path)
        .with_context(|| format!("moving the report into `{}`", path.display()))?;
    Ok(())
}

/// Appends `text` to a file the CI platform reads after the step (its
/// summary, its outputs), creating it if needed.
fn append_to(path: &Path, text: &str, what: &str) -> Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("opening the {what} `{}`", path.display()))?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("writing the {what} `{}`", path.display()))
}

/// Test fixtures shared by the emitters' tests.
#[cfg(test)]
pub(crate) mod fixtures {
    use super::*;
    use crate::model::{FileCoverage, Span, TestOutcome, ToolId, ToolKind};
    use crate::runners::ToolStatus;

    pub(crate) fn tool(name: &str, findings: usize) -> ToolRun {
        ToolRun {
            name: ToolKind::from_name(name).expect("a known tool"),
            version: Some("1.0.0".into()),
            pinned_version: "1.0.0".into(),
            status: ToolStatus::Ok,
            duration_ms: 1500,
            files: 2,
            cached: 0,
            processes: 1,
            findings,
            exit_code: Some(i32::from(findings > 0)),
            checked_files: vec!["net/a.py".into(), "net/b.py".into()],
            error: None,
        }
    }

    pub(crate) fn finding(tool: &str, rule: &str, severity: Severity, line: u32) -> Finding {
        let mut finding = Finding::new(
            ToolId::from_name(tool).expect("a known tool"),
            rule,
            severity,
            "net/a.py",
            Span::at(line, Some(5)),
            format!("{rule} says <this> & \"that\"\nsecond line"),
        );
        finding.fingerprint = format!("{tool}{rule}{line}");
        finding
    }

    /// Three findings from two tools, one passed and one failed test.
    pub(crate) fn run() -> RunResult {
        let mut black = finding("black", "would-reformat", Severity::Error, 3);
        black.message = "Black would reformat this file".into();
        black.fix = Some(
            "--- net/a.py\n+++ net/a.py\n@@ -1,3 +1,3 @@\n a = 1\n-b=2\n+b = 2\n c = 3\n".into(),
        );
        RunResult {
            verdict: Verdict::Failed,
            fail_on: Severity::Warning,
            findings: vec![
                black,
                finding("flake8", "F401", Severity::Error, 1),
                finding("flake8", "E501", Severity::Note, 7),
            ],
            tests: vec![
                TestResult {
                    tool: ToolKind::Pytest.into(),
                    classname: "net.test_a".into(),
                    name: "test_ok".into(),
                    file: Some("net/test_a.py".into()),
                    line: Some(3),
                    time: 0.25,
                    outcome: TestOutcome::Passed,
                    message: None,
                    details: None,
                    system_out: Some("hello".into()),
                    system_err: None,
                },
                TestResult {
                    tool: ToolKind::Pytest.into(),
                    classname: "net.test_a".into(),
                    name: "test_bad".into(),
                    file: Some("net/test_a.py".into()),
                    line: Some(9),
                    time: 0.5,
                    outcome: TestOutcome::Failed,
                    message: Some("assert 1 == 2".into()),
                    details: Some("E   assert 1 == 2 ]]> \u{1b}[0m".into()),
                    system_out: None,
                    system_err: None,
                },
            ],
            tools: vec![tool("black", 1), tool("flake8", 2), tool("pytest", 0)],
            python: "/venv/bin/python".into(),
            python_version: "3.11.7".into(),
            duration: Duration::from_millis(2500),
            config: None,
            domains: vec!["net".into()],
            tool_folders: vec![],
            ci: CiContext::default(),
            adoption: None,
            shard: None,
            coverage: None,
        }
    }

    /// The same run with coverage measured: two files of a tool folder, a
    /// shared library and a file at the root; a second tool folder unmeasured.
    pub(crate) fn covered_run() -> RunResult {
        let file = FileCoverage::of;
        RunResult {
            tool_folders: vec!["net/backup".into(), "net/deploy".into()],
            coverage: Some(
                [
                    file("net/backup/run.py", &[1, 2, 3, 5, 8, 9], &[1, 2, 3, 9]),
                    file("net/backup/helpers/io.py", &[1, 2], &[1, 2]),
                    file("lib/common.py", &[1, 2, 3, 4], &[1]),
                    file("setup.py", &[1], &[]),
                ]
                .into_iter()
                .collect(),
            ),
            ..run()
        }
    }
}
