//! The interface every tool sits behind: which files it checks, its
//! arguments, and what its output means.

use std::ffi::OsString;
use std::path::Path;

use anyhow::Result;

use super::{Pass, ProcessOutput};
use crate::config::SeverityMap;
use crate::discover::repo::Repo;
use crate::model::{FileCoverage, Finding, TestResult, ToolSpec};

/// What every runner may read while building arguments and interpreting output.
pub(crate) struct RunContext<'a> {
    pub(crate) repo: &'a Repo,
    /// The whole repository when `repo` is a shard's part of it (what a
    /// shard's tests import may be another shard's to check).
    pub(crate) whole: &'a Repo,
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
    /// A test runner measures what its tests execute.
    pub(crate) coverage: bool,
    /// coverage.py may measure through `sys.monitoring` (Python 3.12+).
    pub(crate) sysmon: bool,
}

/// What a tool's output says: its findings, and for test runners every test.
#[derive(Debug, Default)]
pub(crate) struct Interpreted {
    pub(crate) findings: Vec<Finding>,
    pub(crate) tests: Vec<TestResult>,
    /// What Pylint's cross-file checks gathered, per file.
    pub(crate) gathered: Option<Gathered>,
    /// Pylint's duplicate-code comparisons, for the next run.
    pub(crate) pairs: Option<Box<serde_json::value::RawValue>>,
    /// What the tests executed, per process that measured it.
    pub(crate) coverage: Vec<Measured>,
}

/// What a Pylint process gathered for the cross-file checks, per file
/// (relative path), kept as JSON that only Pylint's driver reads.
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct Gathered {
    /// Whether the configuration enables each check.
    pub(crate) similar: bool,
    pub(crate) cyclic: bool,
    pub(crate) files: std::collections::HashMap<String, Box<serde_json::value::RawValue>>,
}

/// What a formatter did with the files it was given (`opsgate fmt`).
pub(crate) struct Formatted {
    /// Files it could not parse (it formats the others).
    pub(crate) unparsable: usize,
    /// Its own report: what it reformatted, what it could not.
    pub(crate) report: String,
}

/// What one test process executed: the test files it ran (which say whose
/// measurement it is, for the cache) and the lines of the files it measured.
#[derive(Debug, Clone)]
pub(crate) struct Measured {
    pub(crate) tests: Vec<String>,
    pub(crate) files: Vec<FileCoverage>,
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

/// The process a tool runs: which files, with which arguments, and what
/// its output means.
pub(crate) trait Runner: Sync {
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
    /// An executable the tool's package installs beside the interpreter, to
    /// run instead of `python -m <tool>`; `None` for a Python module.
    fn program(&self, _python: &Path) -> Option<std::path::PathBuf> {
        None
    }
    /// Arguments for `python` instead of `-m <tool>`.
    fn interpreter_args(&self, _ctx: &RunContext) -> Option<Vec<OsString>> {
        None
    }
    /// Repository files besides `path` that the tool reads to check it
    /// (the files a shell script sources), for its cache key; they need
    /// not exist.
    fn file_inputs(&self, _repo: &Repo, _path: &str) -> Vec<String> {
        Vec::new()
    }
    /// Environment variables the tool needs set.
    fn env(&self, _ctx: &RunContext) -> Vec<(OsString, OsString)> {
        Vec::new()
    }
}

/// A tool opsgate runs, as every stage may ask about it: the process it
/// runs, and what it is.
pub(crate) trait Tool: Runner {
    /// What every stage may ask about the tool.
    fn spec(&self) -> &'static ToolSpec;
    /// The exit codes of two processes of this tool, as one: the worst wins.
    fn combine_exits(&self, a: i32, b: i32) -> i32 {
        a.max(b)
    }
    /// Settings the tool runs with that no file of the repository states,
    /// for the cache key, under the name `--explain-cache` gives them;
    /// empty when there are none.
    fn implied_settings(&self, _root: &Path) -> (&'static str, String) {
        ("settings implied without a configuration", String::new())
    }
    /// How many processes a process of this tool starts itself, and in how
    /// many forked copies it checks its files, on `slots` cores;
    /// `parts_given`: the number of Pylint parts was set by hand.
    fn pool(&self, _slots: usize, _parts_given: bool) -> (usize, usize) {
        (1, 1)
    }
    /// Packages the tool runs with besides its own under these settings, as
    /// `name==version` pins (pytest's coverage.py).
    fn companions(&self, _settings: &crate::config::ToolSettings) -> &'static [&'static str] {
        &[]
    }
    /// Packages the managed environment installs beside the tool under
    /// these settings although the tool runs without them (pytest-cov, so
    /// that a repository's `--cov` options parse), as `name==version` pins.
    fn conveniences(&self, _settings: &crate::config::ToolSettings) -> &'static [&'static str] {
        &[]
    }
    /// Variables that keep the tool's own cache under opsgate's cache folder
    /// `cache`, out of the repository (the folders are created for it).
    fn cache_env(&self, _cache: &Path) -> Vec<(&'static str, std::path::PathBuf)> {
        Vec::new()
    }
    /// Formats `files` (relative to the root) in place, for `opsgate fmt`;
    /// `None` for a tool that does not format.
    fn format_in_place(
        &self,
        _toolbox: &super::Toolbox,
        _repo: &Repo,
        _settings: &crate::config::ToolSettings,
        _jobs: usize,
        _files: &[&str],
    ) -> Option<Result<Formatted>> {
        None
    }
    /// Whether `id` is one of this tool's codes.
    fn owns_code(&self, id: &str) -> CodeMatch;
    /// What `opsgate explain` prints of one of the tool's codes, and the
    /// code as severity maps and suppressions take it; `None` when the tool
    /// knows no such code.
    fn explain_code(&self, id: &str, tool: &dyn AskTool) -> Result<Option<Explained>>;
}

/// How surely a code is a tool's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum CodeMatch {
    No,
    /// It has the shape of the tool's codes.
    Shape,
    /// It is one of the few codes the tool has.
    Exact,
}

/// The pinned tool, for a runner that asks it to explain its own codes.
pub(crate) trait AskTool {
    /// The version `opsgate explain` describes.
    fn version(&self) -> &str;
    /// Runs `python -m <tool> ARGS` with the pinned tool.
    fn run(&self, args: &[&str]) -> Result<ProcessOutput>;
}

/// A code explained.
pub(crate) struct Explained {
    pub(crate) text: String,
    /// The code as severity maps and suppressions take it (Pylint's
    /// `W0702` for `bare-except`).
    pub(crate) code: String,
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
