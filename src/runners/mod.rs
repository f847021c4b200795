//! External tools behind one interface. A runner says which files it checks,
//! builds its arguments and turns the tool's output into findings; running
//! the processes, concurrently and with a timeout, is done here for all.

mod black;
mod credentials;
mod flake8;
#[cfg(test)]
mod fuzz;
mod process;
mod pylint;
mod pytest;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub(crate) use process::{ProcessError, ProcessOutput, run as run_process, tail};

use crate::config::{SeverityMap, ToolSettings};
use crate::finding::Finding;
use crate::progress::Progress;
use crate::repo::Repo;
use crate::test_result::TestResult;

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

    /// A tool name read back from a report, as the static name it was written from.
    pub(crate) fn deserialize_name<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<&'static str, D::Error> {
        let name = String::deserialize(deserializer)?;
        ToolKind::ALL
            .iter()
            .map(|kind| kind.name())
            .find(|known| *known == name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown tool `{name}`")))
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

/// What a tool's output says: its findings, and for test runners every test.
#[derive(Debug, Default)]
pub(crate) struct Interpreted {
    pub(crate) findings: Vec<Finding>,
    pub(crate) tests: Vec<TestResult>,
}

impl From<Vec<Finding>> for Interpreted {
    fn from(findings: Vec<Finding>) -> Self {
        Interpreted {
            findings,
            tests: Vec::new(),
        }
    }
}

/// The tool's output understood, or why it shows the tool did not do its job.
pub(crate) type Interpretation = Result<Interpreted, String>;

trait Runner: Sync {
    /// The files this tool checks, relative to the root.
    fn files<'r>(&self, repo: &'r Repo) -> Vec<&'r str>;
    /// Arguments after `python -m <tool>`; file names come after `--`.
    fn args(&self, ctx: &RunContext, files: &[&str]) -> Vec<OsString>;
    /// Findings, or why the output shows the tool did not do its job.
    fn interpret(&self, ctx: &RunContext, output: &ProcessOutput) -> Interpretation;
    /// Whether it imports and runs the repository's code, and so needs the
    /// environment of the tool folder it checks.
    fn runs_repository_code(&self) -> bool {
        false
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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

/// A tool's name, one of `ToolKind`'s. A path type rather than `&'static
/// str`, which serde would borrow from the input (`opsgate merge` reads
/// reports back and maps the name to the static one).
pub(crate) type ToolName = &'static str;

/// One tool's part of a run, as the reports show it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ToolRun {
    #[serde(deserialize_with = "ToolKind::deserialize_name")]
    pub(crate) name: ToolName,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) version: Option<String>,
    pub(crate) pinned_version: String,
    pub(crate) status: ToolStatus,
    pub(crate) duration_ms: u64,
    pub(crate) files: usize,
    pub(crate) findings: usize,
    /// The exit code of its (last) process; `None` when it did not run or a
    /// signal ended it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) exit_code: Option<i32>,
    /// The files it checked, relative to the root: reports count those
    /// that passed.
    pub(crate) checked_files: Vec<String>,
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
    /// Tool folders whose tests run in an environment of their own.
    pub(crate) isolated: Vec<IsolatedEnv>,
}

/// A tool folder whose declared pins conflict with the rest of the repository.
pub(crate) struct IsolatedEnv {
    /// Relative to the root.
    pub(crate) folder: String,
    pub(crate) python: PathBuf,
}

/// Runs every tool in `tools` concurrently; each may use `jobs` processes.
pub(crate) fn run_all(
    tools: &[ToolSettings],
    repo: &Repo,
    toolbox: &Toolbox,
    jobs: usize,
    scratch: &Path,
    progress: &Progress,
) -> Vec<(ToolRun, Interpreted)> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = tools
            .iter()
            .map(|tool| {
                scope.spawn(move || {
                    let name = tool.kind.name();
                    progress.started(name);
                    let outcome = run_one(tool, repo, toolbox, jobs, scratch);
                    progress.finished(name);
                    outcome
                })
            })
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
) -> (ToolRun, Interpreted) {
    run_with(tool.kind.runner(), tool, repo, toolbox, jobs, scratch)
}

/// Pylint's cross-file checks (duplicate-code, cyclic-import) over every
/// file of `repo`, for the shard designated to run them. `None` when Pylint
/// does not run or its configuration turns both checks off.
pub(crate) fn run_pylint_cross_file(
    tools: &[ToolSettings],
    repo: &Repo,
    toolbox: &Toolbox,
    jobs: usize,
    scratch: &Path,
) -> Option<(ToolRun, Interpreted)> {
    let tool = tools
        .iter()
        .find(|t| t.kind == ToolKind::Pylint && t.enabled)?;
    let version = toolbox.versions.get(tool.kind.name()).cloned().flatten()?;
    if python_paths(repo).is_empty() {
        return None;
    }
    let mut command = Command::new(&toolbox.python);
    command
        .args(["-m", "pylint", "--list-msgs-enabled"])
        .current_dir(&repo.root)
        .envs(toolbox.env.iter().map(|(k, v)| (k, v)));
    let listed = match process::run(command, tool.timeout) {
        Ok(output) => match output.code {
            Some(0) => pylint::enabled_cross_file(&output.stdout_text()),
            _ => Err("it could not list its enabled messages".to_owned()),
        }
        .map_err(|reason| (failure_message("pylint", &reason, &output), output.duration)),
        Err(err) => {
            let reason = match err {
                ProcessError::Spawn(err) => format!("cannot start it: {err}"),
                ProcessError::TimedOut { after, .. } => format!(
                    "it did not finish within {}",
                    humantime::format_duration(after)
                ),
                ProcessError::OutputTooLarge => "it printed too much".to_owned(),
            };
            Err((
                format!("pylint could not list its enabled messages: {reason}"),
                Duration::ZERO,
            ))
        }
    };
    match listed {
        Ok(enable) if enable.is_empty() => None,
        Ok(enable) => Some(run_with(
            &pylint::CrossFile { enable },
            tool,
            repo,
            toolbox,
            jobs,
            &scratch.join("pylint-cross-file"),
        )),
        Err((error, duration)) => Some((
            ToolRun {
                name: tool.kind.name(),
                version: Some(version),
                pinned_version: tool.version.clone(),
                status: ToolStatus::Failed,
                duration_ms: millis(duration),
                files: 0,
                findings: 0,
                exit_code: None,
                checked_files: Vec::new(),
                error: Some(error),
            },
            Interpreted::default(),
        )),
    }
}

fn run_with(
    runner: &dyn Runner,
    tool: &ToolSettings,
    repo: &Repo,
    toolbox: &Toolbox,
    jobs: usize,
    scratch: &Path,
) -> (ToolRun, Interpreted) {
    let name = tool.kind.name();
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
        exit_code: None,
        checked_files: Vec::new(),
        error: None,
    };
    if !tool.enabled {
        record.status = ToolStatus::Disabled;
        return (record, Interpreted::default());
    }
    if version.is_none() {
        record.status = ToolStatus::NotInstalled;
        record.error = Some(format!(
            "{name} is not installed for `{python}`: run `{python} -m pip install {name}=={pinned}`, \
             or drop --python (and `python` in the configuration) to use the managed environment",
            python = toolbox.python.display(),
            pinned = tool.version,
        ));
        return (record, Interpreted::default());
    }
    if files.is_empty() {
        record.status = ToolStatus::Skipped;
        return (record, Interpreted::default());
    }

    let mut interpreted = Interpreted::default();
    let mut duration = Duration::ZERO;
    for (index, (python, group)) in groups(runner, toolbox, &files).into_iter().enumerate() {
        let invocation = Invocation {
            name,
            runner,
            python,
            env: &toolbox.env,
            timeout: tool.timeout,
            pass_env: &tool.pass_env,
        };
        let ctx = RunContext {
            repo,
            jobs,
            severity: &tool.severity,
            scratch: &scratch.join(format!("{name}-{index}")),
        };
        match invocation.run(&ctx, &group) {
            Ok(ran) => {
                duration += ran.duration;
                record.exit_code = ran.exit_code;
                interpreted.findings.extend(ran.interpreted.findings);
                interpreted.tests.extend(ran.interpreted.tests);
            }
            Err((status, error, elapsed)) => {
                record.duration_ms = millis(duration + elapsed);
                record.status = status;
                record.error = Some(error);
                return (record, Interpreted::default());
            }
        }
    }
    record.duration_ms = millis(duration);
    record.findings = interpreted.findings.len();
    record.checked_files = files.iter().map(|f| (*f).to_owned()).collect();
    (record, interpreted)
}

/// A process that ran and whose output was understood.
struct Ran {
    interpreted: Interpreted,
    duration: Duration,
    exit_code: Option<i32>,
}

/// The files per interpreter: tools that run the repository's code run the
/// files of an isolated tool folder with that folder's environment.
fn groups<'f>(
    runner: &dyn Runner,
    toolbox: &'f Toolbox,
    files: &[&'f str],
) -> Vec<(&'f Path, Vec<&'f str>)> {
    let mut shared = Vec::new();
    let mut isolated: Vec<(&Path, Vec<&str>)> = Vec::new();
    for &file in files {
        let home = runner.runs_repository_code().then(|| {
            toolbox.isolated.iter().find(|env| {
                file.strip_prefix(env.folder.as_str())
                    .is_some_and(|rest| rest.starts_with('/'))
            })
        });
        match home.flatten() {
            Some(env) => match isolated.iter_mut().find(|(p, _)| *p == env.python) {
                Some((_, group)) => group.push(file),
                None => isolated.push((&env.python, vec![file])),
            },
            None => shared.push(file),
        }
    }
    let mut all = Vec::new();
    if !shared.is_empty() {
        all.push((toolbox.python.as_path(), shared));
    }
    all.extend(isolated);
    all
}

/// One process of one tool.
struct Invocation<'a> {
    name: &'static str,
    runner: &'a dyn Runner,
    python: &'a Path,
    env: &'a [(OsString, OsString)],
    timeout: Duration,
    /// Credentials let through to a tool that runs repository code.
    pass_env: &'a [String],
}

type Failure = (ToolStatus, String, Duration);

impl Invocation<'_> {
    fn run(&self, ctx: &RunContext, files: &[&str]) -> Result<Ran, Failure> {
        let name = self.name;
        std::fs::create_dir_all(ctx.scratch).map_err(|err| {
            (
                ToolStatus::Failed,
                format!(
                    "cannot create scratch folder `{}`: {err}",
                    ctx.scratch.display()
                ),
                Duration::ZERO,
            )
        })?;
        let mut command = Command::new(self.python);
        command
            .arg("-m")
            .arg(name)
            .args(self.runner.args(ctx, files))
            .current_dir(&ctx.repo.root)
            .envs(self.env.iter().map(|(k, v)| (k, v)));
        if self.runner.runs_repository_code() {
            credentials::scrub(&mut command, self.pass_env);
        }
        match process::run(command, self.timeout) {
            Ok(output) => match self.runner.interpret(ctx, &output) {
                Ok(interpreted) => Ok(Ran {
                    interpreted,
                    duration: output.duration,
                    exit_code: output.code,
                }),
                Err(reason) => Err((
                    ToolStatus::Failed,
                    failure_message(name, &reason, &output),
                    output.duration,
                )),
            },
            Err(ProcessError::TimedOut { after, stderr }) => {
                let stderr = tail(&String::from_utf8_lossy(&stderr), 10);
                Err((
                    ToolStatus::TimedOut,
                    format!(
                        "{name} did not finish within {}; it was killed. Raise `timeout` under \
                         [tools.{name}] if it needs longer.{}",
                        humantime::format_duration(after),
                        indent_stderr(&stderr)
                    ),
                    after,
                ))
            }
            Err(ProcessError::Spawn(err)) => Err((
                ToolStatus::Failed,
                format!("cannot start `{}`: {err}", self.python.display()),
                Duration::ZERO,
            )),
            Err(ProcessError::OutputTooLarge) => Err((
                ToolStatus::Failed,
                format!("{name} printed more output than opsgate accepts"),
                Duration::ZERO,
            )),
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

/// How many testcases a `JUnit` document holds, read with pytest's parser.
#[cfg(test)]
pub(crate) fn parse_junit_cases(xml: &str) -> Result<usize, quick_xml::DeError> {
    pytest::parse_junit(xml).map(|cases| cases.len())
}

/// A repository in a temporary folder and a context to interpret output in.
#[cfg(test)]
pub(crate) struct TestRepo {
    pub(crate) dir: tempfile::TempDir,
    repo: Repo,
    severity: SeverityMap,
}

#[cfg(test)]
impl TestRepo {
    /// Discovers `dir` as it is (the caller wrote its files).
    pub(crate) fn discover(dir: tempfile::TempDir) -> TestRepo {
        let layout = crate::config::Layout {
            libraries: Vec::new(),
            not_domains: Vec::new(),
        };
        let repo = Repo::discover(dir.path(), &layout, 1);
        TestRepo {
            dir,
            repo,
            severity: SeverityMap::uniform(crate::finding::Severity::Error),
        }
    }

    pub(crate) fn ctx(&self) -> RunContext<'_> {
        RunContext {
            repo: &self.repo,
            jobs: 1,
            severity: &self.severity,
            scratch: self.dir.path(),
        }
    }
}

/// A finished process's output, as a tool would leave it.
#[cfg(test)]
pub(crate) fn test_output(code: i32, stdout: &[u8], stderr: &[u8]) -> ProcessOutput {
    ProcessOutput {
        code: Some(code),
        signal: None,
        stdout: stdout.to_vec(),
        stderr: stderr.to_vec(),
        duration: Duration::ZERO,
    }
}
