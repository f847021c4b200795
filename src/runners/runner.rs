//! The interface every tool sits behind: which files it checks, its
//! arguments, and what its output means.

use std::ffi::OsString;
use std::path::Path;

use super::{Pass, ProcessOutput, black, flake8, pylint, pytest};
use crate::config::SeverityMap;
use crate::discover::repo::Repo;
use crate::model::{Finding, TestResult, ToolKind};

/// The runner of each tool: the one place a tool's kind meets its code.
pub(super) fn runner(kind: ToolKind) -> &'static dyn Runner {
    match kind {
        ToolKind::Black => &black::Black,
        ToolKind::Flake8 => &flake8::Flake8,
        ToolKind::Pylint => &pylint::Pylint,
        ToolKind::Pytest => &pytest::Pytest,
    }
}

/// What every runner may read while building arguments and interpreting output.
pub(crate) struct RunContext<'a> {
    pub(crate) repo: &'a Repo,
    /// Processes the tool may start itself (Black's and Flake8's pools).
    pub(crate) jobs: usize,
    /// Forked copies a Pylint process checks its files in (1: none).
    pub(crate) forks: usize,
    /// Which checks a Pylint process runs.
    pub(crate) pass: Pass,
    pub(crate) severity: &'a SeverityMap,
    /// A private folder for this tool's report files, outside the repository.
    pub(crate) scratch: &'a Path,
    /// Pylint's duplicate-code comparisons kept from an earlier run.
    pub(crate) pairs_in: Option<&'a Path>,
    /// Whether the result cache keeps what Pylint's cross-file checks
    /// gather and compare (else only a part, which must, reports it).
    pub(crate) keeps: bool,
}

/// What a tool's output says: its findings, and for test runners every test.
#[derive(Debug, Default)]
pub(crate) struct Interpreted {
    pub(crate) findings: Vec<Finding>,
    pub(crate) tests: Vec<TestResult>,
    /// What Pylint's cross-file checks gathered, per file.
    pub(crate) gathered: Option<pylint::Gathered>,
    /// Pylint's duplicate-code comparisons, for the next run.
    pub(crate) pairs: Option<Box<serde_json::value::RawValue>>,
}

impl From<Vec<Finding>> for Interpreted {
    fn from(findings: Vec<Finding>) -> Self {
        Interpreted {
            findings,
            ..Interpreted::default()
        }
    }
}

/// The tool's output understood, or why it shows the tool did not do its job.
pub(crate) type Interpretation = Result<Interpreted, String>;

pub(super) trait Runner: Sync {
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
    /// Arguments for `python` instead of `-m <tool>`.
    fn interpreter_args(&self, _ctx: &RunContext) -> Option<Vec<OsString>> {
        None
    }
    /// Environment variables the tool needs set.
    fn env(&self, _ctx: &RunContext) -> Vec<(OsString, OsString)> {
        Vec::new()
    }
}

/// The Python files a linter checks: every one the walk found.
pub(super) fn python_paths(repo: &Repo) -> Vec<&str> {
    repo.python_files().map(|f| f.path.as_str()).collect()
}

impl RunContext<'_> {
    /// Whether this Pylint process reports what its cross-file checks
    /// gathered: a part must (its conclusion reads it); a whole run and a
    /// conclusion only for the cache to keep.
    pub(crate) fn gathers(&self) -> bool {
        match self.pass {
            Pass::Part => true,
            Pass::All | Pass::Conclude { .. } => self.keeps,
            Pass::PerFile => false,
        }
    }

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
pub(super) fn file_args(files: &[&str]) -> impl Iterator<Item = OsString> {
    std::iter::once(OsString::from("--")).chain(files.iter().map(OsString::from))
}
