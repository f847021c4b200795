//! External tools behind one interface. A runner says which files it checks,
//! builds its arguments and turns the tool's output into findings; running
//! the processes, concurrently and with a timeout, is done here for all.

mod black;
mod flake8;
mod process;
mod pylint;
mod pytest;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde::Serialize;

pub(crate) use process::{ProcessError, ProcessOutput, run as run_process, tail};

use crate::config::{SeverityMap, ToolSettings};
use crate::finding::Finding;
use crate::repo::Repo;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum ToolKind {
    Black,
    Flake8,
    Pylint,
    Pytest,
}

impl ToolKind {
    pub(crate) const ALL: [ToolKind; 4] = [
        ToolKind::Black,
        ToolKind::Flake8,
        ToolKind::Pylint,
        ToolKind::Pytest,
    ];

    /// The tool's name, which is also its `PyPI` package and `python -m` module.
    pub(crate) fn name(self) -> &'static str {
        match self {
            ToolKind::Black => "black",
            ToolKind::Flake8 => "flake8",
            ToolKind::Pylint => "pylint",
            ToolKind::Pytest => "pytest",
        }
    }

    fn runner(self) -> &'static dyn Runner {
        match self {
            ToolKind::Black => &black::Black,
            ToolKind::Flake8 => &flake8::Flake8,
            ToolKind::Pylint => &pylint::Pylint,
            ToolKind::Pytest => &pytest::Pytest,
        }
    }
}

/// What every runner may read while building arguments and interpreting output.
pub(crate) struct RunContext<'a> {
    pub(crate) repo: &'a Repo,
    pub(crate) jobs: usize,
    pub(crate) severity: &'a SeverityMap,
    /// A private folder for this tool's report files, outside the repository.
    pub(crate) scratch: &'a Path,
}

/// How a tool's process ended, as far as the gate is concerned.
pub(crate) type Interpretation = Result<Vec<Finding>, String>;

trait Runner: Sync {
    /// The files this tool checks, relative to the root.
    fn files<'r>(&self, repo: &'r Repo) -> Vec<&'r str>;
    /// Arguments after `python -m <tool>`; file names come after `--`.
    fn args(&self, ctx: &RunContext, files: &[&str]) -> Vec<OsString>;
    /// Findings, or why the output shows the tool did not do its job.
    fn interpret(&self, ctx: &RunContext, output: &ProcessOutput) -> Interpretation;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ToolStatus {
    /// Ran and its output was understood.
    Ok,
    /// Nothing to check (no files of its kind); not an error.
    Skipped,
    /// Turned off in the configuration.
    Disabled,
    NotInstalled,
    Failed,
    TimedOut,
}

impl ToolStatus {
    /// Whether the gate may judge with this tool in this state.
    pub(crate) fn is_error(self) -> bool {
        matches!(
            self,
            ToolStatus::NotInstalled | ToolStatus::Failed | ToolStatus::TimedOut
        )
    }
}

/// One tool's part of a run, as the reports show it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ToolRun {
    pub(crate) name: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) version: Option<String>,
    pub(crate) pinned_version: String,
    pub(crate) status: ToolStatus,
    pub(crate) duration_ms: u64,
    pub(crate) files: usize,
    pub(crate) findings: usize,
    /// Why the tool failed, with the tail of its stderr.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) error: Option<String>,
}

/// The interpreter and environment the tools run with.
pub(crate) struct Toolbox {
    pub(crate) python: PathBuf,
    pub(crate) python_version: String,
    /// Installed version per tool name; `None` when not installed.
    pub(crate) versions: std::collections::BTreeMap<String, Option<String>>,
    pub(crate) env: Vec<(OsString, OsString)>,
}

/// Runs every tool in `tools` concurrently; each may use `jobs` processes.
pub(crate) fn run_all(
    tools: &[ToolSettings],
    repo: &Repo,
    toolbox: &Toolbox,
    jobs: usize,
    scratch: &Path,
) -> Vec<(ToolRun, Vec<Finding>)> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = tools
            .iter()
            .map(|tool| scope.spawn(move || run_one(tool, repo, toolbox, jobs, scratch)))
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().expect("tool threads do not panic"))
            .collect()
    })
}

fn run_one(
    tool: &ToolSettings,
    repo: &Repo,
    toolbox: &Toolbox,
    jobs: usize,
    scratch: &Path,
) -> (ToolRun, Vec<Finding>) {
    let name = tool.kind.name();
    let runner = tool.kind.runner();
    let files = runner.files(repo);
    let version = toolbox.versions.get(name).cloned().flatten();
    let mut record = ToolRun {
        name,
        version: version.clone(),
        pinned_version: tool.version.clone(),
        status: ToolStatus::Ok,
        duration_ms: 0,
        files: files.len(),
        findings: 0,
        error: None,
    };
    if !tool.enabled {
        record.status = ToolStatus::Disabled;
        return (record, Vec::new());
    }
    if version.is_none() {
        record.status = ToolStatus::NotInstalled;
        record.error = Some(format!(
            "{name} is not installed for `{python}`: run `{python} -m pip install {name}=={pinned}`, \
             or drop --python (and `python` in the configuration) to use the managed environment",
            python = toolbox.python.display(),
            pinned = tool.version,
        ));
        return (record, Vec::new());
    }
    if files.is_empty() {
        record.status = ToolStatus::Skipped;
        return (record, Vec::new());
    }

    let tool_scratch = scratch.join(name);
    if let Err(err) = std::fs::create_dir_all(&tool_scratch) {
        record.status = ToolStatus::Failed;
        record.error = Some(format!(
            "cannot create scratch folder `{}`: {err}",
            tool_scratch.display()
        ));
        return (record, Vec::new());
    }
    let ctx = RunContext {
        repo,
        jobs,
        severity: &tool.severity,
        scratch: &tool_scratch,
    };
    let mut command = Command::new(&toolbox.python);
    command
        .arg("-m")
        .arg(name)
        .args(runner.args(&ctx, &files))
        .current_dir(&repo.root)
        .envs(toolbox.env.iter().map(|(k, v)| (k, v)));

    match process::run(command, tool.timeout) {
        Ok(output) => {
            record.duration_ms = millis(output.duration);
            match runner.interpret(&ctx, &output) {
                Ok(findings) => {
                    record.findings = findings.len();
                    (record, findings)
                }
                Err(reason) => {
                    record.status = ToolStatus::Failed;
                    record.error = Some(failure_message(name, &reason, &output));
                    (record, Vec::new())
                }
            }
        }
        Err(ProcessError::TimedOut { after, stderr }) => {
            record.duration_ms = millis(after);
            record.status = ToolStatus::TimedOut;
            let stderr = tail(&String::from_utf8_lossy(&stderr), 10);
            record.error = Some(format!(
                "{name} did not finish within {}; it was killed. Raise `timeout` under \
                 [tools.{name}] if it needs longer.{}",
                humantime::format_duration(after),
                indent_stderr(&stderr)
            ));
            (record, Vec::new())
        }
        Err(ProcessError::Spawn(err)) => {
            record.status = ToolStatus::Failed;
            record.error = Some(format!(
                "cannot start `{}`: {err}",
                toolbox.python.display()
            ));
            (record, Vec::new())
        }
        Err(ProcessError::OutputTooLarge) => {
            record.status = ToolStatus::Failed;
            record.error = Some(format!("{name} printed more output than opsgate accepts"));
            (record, Vec::new())
        }
    }
}

fn failure_message(name: &str, reason: &str, output: &ProcessOutput) -> String {
    format!(
        "{name} failed ({}): {reason}{}",
        output.describe_exit(),
        indent_stderr(&output.stderr_tail(15))
    )
}

fn indent_stderr(stderr: &str) -> String {
    if stderr.trim().is_empty() {
        return String::new();
    }
    let lines: Vec<String> = stderr.lines().map(|l| format!("    {l}")).collect();
    format!("\n  stderr (last lines):\n{}", lines.join("\n"))
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// The Python files a linter checks: every one the walk found.
fn python_paths(repo: &Repo) -> Vec<&str> {
    repo.python_files().map(|f| f.path.as_str()).collect()
}

impl RunContext<'_> {
    /// A path as a tool printed it (relative, `./`-prefixed or absolute),
    /// made relative to the repository root.
    pub(crate) fn relative_path(&self, printed: &str) -> String {
        let path = Path::new(printed);
        let path = path.strip_prefix(&self.repo.root).unwrap_or(path);
        let path = path.strip_prefix(".").unwrap_or(path);
        path.to_string_lossy().into_owned()
    }
}

/// `["--", files…]`, so that no file name is ever read as an option.
fn file_args(files: &[&str]) -> impl Iterator<Item = OsString> {
    std::iter::once(OsString::from("--")).chain(files.iter().map(OsString::from))
}
