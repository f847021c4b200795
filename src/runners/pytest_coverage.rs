//! pytest under coverage.py: what one process of a folder's tests executes
//! of that folder and of the shared libraries. opsgate's driver
//! (`pytest_coverage_driver.py`) runs it as `coverage run --source=… -m
//! pytest` does and reports only the Python files of the walk.
//!
//! The data file and the JSON report go to the process's scratch folder,
//! never the tree. The repository's own coverage configuration
//! (`.coveragerc`, `[tool.coverage]`…) is read as coverage.py reads it —
//! its `omit`, `exclude_lines` and plugins count — but the gate decides
//! what is measured (the sources) and what fails (its thresholds; a report
//! is never judged by `fail_under`).

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::runner::{Measured, RunContext};
use crate::discover::repo::{Repo, within};
use crate::model::{FileCoverage, TestResult};

/// The version the managed environment installs beside pytest.
pub(crate) const PINS: &[&str] = &["coverage==7.18.0"];
/// Installed beside pytest in the managed environment, not required
/// elsewhere: with it, a repository's pytest configuration that passes
/// pytest-cov's options (`addopts = "--cov=…"`) parses, and the driver turns
/// pytest-cov off (`--no-cov`), since it measures itself.
pub(crate) const CONVENIENCES: &[&str] = &["pytest-cov==7.1.0"];
const STATUSES: &str = "statuses.json";
/// `python -c DRIVER SPEC ARGS...`.
pub(super) const DRIVER: &str = include_str!("pytest_coverage_driver.py");

/// What coverage.py measures for a folder's tests: the folder and every
/// shared library of `libraries` (those the tests do not import are
/// dropped afterwards).
fn sources(libraries: &[String], folder: &str) -> Vec<String> {
    if folder.is_empty() {
        // The root holds every library already.
        return vec![".".to_owned()];
    }
    std::iter::once(folder.to_owned())
        .chain(
            libraries
                .iter()
                .filter(|library| !within(library, folder))
                .cloned(),
        )
        .collect()
}

/// The shared libraries' folders: each import root, and for the root
/// itself (top-level packages) each package.
fn library_folders(repo: &Repo) -> Vec<String> {
    let mut folders = Vec::new();
    for root in &repo.import_roots {
        if root.is_empty() {
            folders.extend(
                repo.files
                    .iter()
                    .filter_map(|f| f.path.strip_suffix("/__init__.py"))
                    .filter(|dir| !dir.contains('/'))
                    .map(str::to_owned),
            );
        } else {
            folders.push(root.clone());
        }
    }
    folders.sort();
    folders.dedup();
    folders
}

/// The driver's first argument: a run per folder of tests among `files`
/// (in the order the folders first come), each with what it measures and
/// reports, and where its outputs go (see [`Run`]).
pub(super) fn spec(ctx: &RunContext, files: &[&str]) -> OsString {
    // A shard's tests import libraries another shard checks.
    let libraries = library_folders(ctx.whole);
    let runs: Vec<serde_json::Value> = by_folder(ctx.repo, files)
        .into_iter()
        .enumerate()
        .map(|(index, (folder, tests))| {
            let sources = sources(&libraries, &folder);
            run_spec(ctx, Run(index), &folder, &sources, &tests)
        })
        .collect();
    let spec = serde_json::json!({
        "runs": runs,
        "statuses": ctx.scratch.join(STATUSES),
    });
    spec.to_string().into()
}

/// `files` grouped by their folder of tests, in the order the folders first come.
pub(crate) fn by_folder<'f>(repo: &Repo, files: &[&'f str]) -> Vec<(String, Vec<&'f str>)> {
    let mut folders: Vec<(String, Vec<&'f str>)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for file in files {
        let folder = crate::discover::changed::test_folder(repo, file);
        if let Some(&at) = index.get(&folder) {
            folders[at].1.push(file);
        } else {
            index.insert(folder.clone(), folders.len());
            folders.push((folder, vec![file]));
        }
    }
    folders
}

fn run_spec(
    ctx: &RunContext,
    run: Run,
    folder: &str,
    sources: &[String],
    tests: &[&str],
) -> serde_json::Value {
    // Each source's range of the sorted files; a folder of tests inside a
    // library is listed by both.
    let mut reported: Vec<&str> = sources
        .iter()
        .flat_map(|source| {
            ctx.whole
                .files_below(if source == "." { "" } else { source })
        })
        .filter(|f| f.is_measured_code())
        .map(|f| f.path.as_str())
        .collect();
    reported.sort_unstable();
    reported.dedup();
    serde_json::json!({
        "folder": folder,
        "source": sources,
        "files": reported,
        "tests": tests,
        "data_file": run.data_file(ctx),
        "report": run.report(ctx),
        "junit": run.junit(ctx),
    })
}

/// One run of the driver's, by its place in the spec: where its outputs go.
#[derive(Clone, Copy)]
pub(super) struct Run(pub(super) usize);

impl Run {
    fn data_file(self, ctx: &RunContext) -> PathBuf {
        ctx.scratch.join(format!(".coverage-{}", self.0))
    }

    pub(super) fn report(self, ctx: &RunContext) -> PathBuf {
        ctx.scratch.join(format!("coverage-{}.json", self.0))
    }

    pub(super) fn junit(self, ctx: &RunContext) -> PathBuf {
        ctx.scratch.join(format!("junit-{}.xml", self.0))
    }
}

/// What the driver wrote of each run once all had ended: its folder and
/// pytest's exit status (negative: the signal that ended it).
#[derive(Deserialize)]
pub(super) struct Ended {
    pub(super) folder: String,
    pub(super) status: i32,
}

/// Every run's end, in the spec's order.
pub(super) fn ended(ctx: &RunContext) -> Result<Vec<Ended>, String> {
    let path = ctx.scratch.join(STATUSES);
    let json = std::fs::read(&path)
        .map_err(|err| format!("its driver wrote no statuses (`{}`): {err}", path.display()))?;
    serde_json::from_slice(&json).map_err(|err| format!("its driver's statuses: {err}"))
}

/// coverage.py's faster core where the interpreter has one
/// (`sys.monitoring`, Python 3.12 and later).
pub(super) fn env(ctx: &RunContext) -> Vec<(OsString, OsString)> {
    if ctx.sysmon {
        vec![("COVERAGE_CORE".into(), "sysmon".into())]
    } else {
        Vec::new()
    }
}

/// Whether coverage.py can use `sys.monitoring` on this Python version.
pub(crate) fn has_sysmon(python_version: &str) -> bool {
    let mut parts = python_version.split('.').map(str::parse::<u32>);
    match (parts.next(), parts.next()) {
        (Some(Ok(major)), Some(Ok(minor))) => (major, minor) >= (3, 12),
        _ => false,
    }
}

#[derive(Deserialize)]
struct Report {
    files: std::collections::BTreeMap<String, ReportFile>,
}

#[derive(Deserialize)]
struct ReportFile {
    executed_lines: Vec<u32>,
    missing_lines: Vec<u32>,
}

/// A run's measurement from its JSON report: the folder's files, and the
/// other files it imported (a library file the tests never imported is not
/// theirs to report, and its lines are not in their cache key). `None`
/// when it ran no test.
pub(super) fn read(
    ctx: &RunContext,
    report: &Path,
    folder: &str,
    tests: &[TestResult],
) -> Result<Option<Measured>, String> {
    let mut files: Vec<&str> = tests.iter().filter_map(|t| t.file.as_deref()).collect();
    files.sort_unstable();
    files.dedup();
    if files.is_empty() {
        return Ok(None);
    }
    let json = std::fs::read(report).map_err(|err| {
        format!(
            "it wrote no coverage report (`{}`): {err}",
            report.display()
        )
    })?;
    let report: Report = serde_json::from_slice(&json)
        .map_err(|err| format!("its coverage report is not coverage.py's JSON: {err}"))?;
    let measured = report
        .files
        .into_iter()
        .filter_map(|(printed, file)| {
            let path = relative(&ctx.repo.root, &printed)?;
            let ours = within(&path, folder) || !file.executed_lines.is_empty();
            ours.then(|| FileCoverage::new(path, file.executed_lines, &file.missing_lines))
        })
        .collect();
    Ok(Some(Measured {
        tests: files.iter().map(|f| (*f).to_owned()).collect(),
        files: measured,
    }))
}

/// A path as coverage.py printed it (relative to the root, its working
/// folder, or absolute), relative to the root; `None` outside it.
fn relative(root: &Path, printed: &str) -> Option<String> {
    let path = Path::new(printed);
    let path = if path.is_absolute() {
        path.strip_prefix(root).ok()?
    } else {
        path.strip_prefix(".").unwrap_or(path)
    };
    let text = path.to_str()?;
    (!text.starts_with("..")).then(|| text.replace('\\', "/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sysmon_from_python_3_12() {
        assert!(has_sysmon("3.12.1"));
        assert!(has_sysmon("3.13.0"));
        assert!(!has_sysmon("3.11.7"));
        assert!(!has_sysmon(""));
    }

    #[test]
    fn printed_paths_become_relative_to_the_root() {
        let root = Path::new("/r");
        assert_eq!(relative(root, "net/a.py").as_deref(), Some("net/a.py"));
        assert_eq!(relative(root, "/r/lib/x.py").as_deref(), Some("lib/x.py"));
        assert_eq!(relative(root, "/elsewhere/x.py"), None);
        assert_eq!(relative(root, "../x.py"), None);
    }
}
