//! What each tool must still do: its units of work looked up in the result
//! cache, and the processes (jobs) that check the units that missed, sized so
//! that the scheduler can keep every core busy.
//!
//! - Black and Flake8 check each file on its own: a unit per file, and the
//!   files that missed are split into batches by estimated cost.
//! - Pylint infers through imports and has two cross-file checks: a unit per
//!   file keyed on the file and everything it imports, plus one unit for
//!   `duplicate-code` (keyed on every file's content) and one for
//!   `cyclic-import` (keyed on every file's import skeleton). A cold run, or
//!   one where the import graph changed or most files missed, is the one
//!   invocation Pylint gets when run directly (which the scheduler may cut
//!   into parts); otherwise the missed files are checked with the cross-file
//!   checks off and, beside them, one more process concludes
//!   `duplicate-code` over every file from the facts the cache kept of each
//!   (its lines as `duplicate-code` reads them; keyed on its content and
//!   where the packages are) and the comparisons of pairs kept from the last
//!   run (only pairs with a changed file are compared again).
//! - mypy: a unit per file keyed on the file and everything it imports; the
//!   files that missed are checked in one process, with what they import,
//!   and only their findings are kept (`closure.rs`).
//! - pytest: a unit per folder of tests (the tool folder, else the test
//!   file's folder) keyed on every file in it and what its Python files
//!   import; only units whose tests all passed are stored, so a failure is
//!   always run again.

// Estimates: a rounded byte count is as good as an exact one.
#![allow(clippy::cast_precision_loss)]

mod closure;
mod pylint;
mod pytest;
mod store;

use std::collections::HashMap;
use std::path::Path;

use serde_json::value::RawValue;

use super::keys::KeyInputs;
use super::runner::Measured;
use super::{Interpreted, Toolbox};
use crate::cache::ResultCache;
use crate::config::ToolSettings;
use crate::discover::repo::Repo;
use crate::model::TestResult;
use crate::model::{FileCoverage, Finding};
use crate::model::{Planning, ToolKind};
pub(crate) use store::store;

/// Which of Pylint's checks a Pylint process runs; other tools always `All`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pass {
    /// Every check, over every file, as when run directly.
    All,
    /// Everything but `duplicate-code` and `cyclic-import` (a shard's part).
    PerFile,
    /// Every check on part of the files; the cross-file checks gather what
    /// they need and a `Conclude` pass draws their conclusion.
    Part,
    /// The cross-file checks concluded over what the parts gathered.
    Conclude { similar: bool, cyclic: bool },
}

pub(crate) const DUPLICATE_CODE: &str = "R0801";
pub(crate) const CYCLIC_IMPORT: &str = "R0401";

/// One process to run.
pub(crate) struct Job<'a> {
    pub(crate) python: &'a Path,
    pub(crate) files: Vec<&'a str>,
    pub(crate) pass: Pass,
    /// Estimated seconds, for the scheduler's order.
    pub(crate) cost: f64,
    /// For a `Conclude` pass that needs no other job: every file in one
    /// run's order, and the facts kept of the files it does not check.
    pub(crate) facts: Option<KeptFacts<'a>>,
    /// The files whose findings this job reports; `None`: all it checks.
    /// A tool given a file's imports with it (mypy) also reports on them,
    /// and those findings belong to the files' own jobs.
    pub(crate) owns: Option<Owned>,
}

/// The files a job reports on, shared with its outcome.
pub(crate) type Owned = std::sync::Arc<std::collections::HashSet<String>>;

/// Every file in one run's order, and the facts kept of some of them.
pub(crate) struct KeptFacts<'a> {
    pub(crate) order: Vec<&'a str>,
    pub(crate) kept: HashMap<&'a str, Box<RawValue>>,
}

/// A unit of work that missed: what it owns of the jobs' output, and its key.
pub(crate) struct Unit {
    pub(crate) key: String,
    pub(crate) owner: Owner,
}

pub(crate) enum Owner {
    /// Findings and tests on these paths.
    Paths(Vec<String>),
    /// Findings of this rule, wherever Pylint put them.
    Rule(&'static str),
}

/// What the plan did with a unit that has a key: the record that
/// `--explain-cache` explains and the ledger keeps for the next run.
pub(crate) struct Visit {
    pub(crate) unit: UnitName,
    pub(crate) key: String,
    pub(crate) seen: Seen,
}

#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) enum UnitName {
    File(String),
    /// A folder of tests ("" is the root).
    Folder(String),
    /// One of Pylint's cross-file checks, over every file.
    Rule(&'static str),
}

pub(crate) enum Seen {
    Served,
    Missed,
    /// In the cache, but checked again with every file, for this reason.
    Rechecked(&'static str),
}

/// Stored in the cache for one unit.
#[derive(serde::Serialize, serde::Deserialize, Default)]
pub(crate) struct Stored {
    pub(crate) findings: Vec<Finding>,
    #[serde(default)]
    pub(crate) tests: Vec<TestResult>,
    /// What a folder's tests executed, when coverage was measured.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) coverage: Vec<FileCoverage>,
}

pub(crate) struct ToolPlan<'a> {
    pub(crate) jobs: Vec<Job<'a>>,
    pub(crate) hits: Interpreted,
    /// How many units came from the cache.
    pub(crate) cached: usize,
    pub(crate) units: Vec<Unit>,
    /// Every unit with a key, as served or not.
    pub(crate) visits: Vec<Visit>,
    /// Pylint's cross-file checks, concluded once its parts gathered.
    pub(crate) conclude: Option<Conclusion<'a>>,
    /// Where to keep what each file's cross-file checks gathered.
    pub(crate) fact_keys: HashMap<&'a str, String>,
    /// Where to keep duplicate-code's comparisons of pairs of files, and
    /// the file that holds those kept from an earlier run.
    pub(crate) pairs_key: Option<String>,
    pub(crate) pairs_in: Option<std::path::PathBuf>,
    /// A job of several folders of tests may be cut between folders (each
    /// folder is a process of its own in it: see `pytest.rs`).
    pub(crate) folder_batches: bool,
}

/// Pylint's cross-file checks concluded over what its parts gathered.
pub(crate) struct Conclusion<'a> {
    pub(crate) python: &'a Path,
    /// Every file, in the order one Pylint run would check them.
    pub(crate) order: Vec<&'a str>,
}

/// Per-tool seconds per byte of source and per process started; the cache
/// records measured ones (`costs`), these are measured defaults.
pub(crate) fn default_rate(kind: ToolKind) -> (f64, f64) {
    super::spec(kind).cost
}

pub(crate) struct Planner<'a> {
    pub(crate) repo: &'a Repo,
    pub(crate) toolbox: &'a Toolbox,
    pub(crate) cache: &'a ResultCache,
    pub(crate) keys: Option<&'a KeyInputs>,
    pub(crate) sizes: &'a HashMap<&'a str, u64>,
    /// Seconds per byte and per process, per tool.
    pub(crate) rates: &'a HashMap<ToolKind, (f64, f64)>,
}

impl<'a> Planner<'a> {
    pub(crate) fn cost(&self, kind: ToolKind, files: &[&str]) -> f64 {
        let (per_byte, per_process) = self.rates[&kind];
        let bytes: u64 = files
            .iter()
            .map(|f| self.sizes.get(f).copied().unwrap_or(0))
            .sum();
        per_process + per_byte * bytes as f64
    }

    /// `groups`: the files per interpreter (see `super::groups`).
    pub(crate) fn plan(
        &self,
        tool: &ToolSettings,
        groups: Vec<(&'a Path, Vec<&'a str>)>,
    ) -> ToolPlan<'a> {
        let base = self
            .keys
            .filter(|_| self.cache.enabled())
            .map(|keys| keys.tool_base(tool, self.toolbox, self.repo));
        match super::spec(tool.kind).planning {
            Planning::PerFile => self.per_file(tool.kind, base.as_deref(), groups),
            Planning::CrossFile => self.pylint(tool, base.as_deref(), groups),
            Planning::Closure => self.closure(tool.kind, base.as_deref(), groups),
            Planning::TestFolders => self.pytest(base.as_deref(), groups, tool.coverage),
        }
    }

    /// A file's unit under `key`: served from the cache when kept there
    /// (true), else recorded as a unit to store once it ran. Without a key
    /// (no cache) the file runs and nothing is stored.
    fn serve_file(&self, key: Option<String>, file: &str, plan: &mut ToolPlan) -> bool {
        let Some(key) = key else {
            return false;
        };
        let hit = self.lookup(&key, plan);
        plan.note(UnitName::File(file.to_owned()), &key, hit, None);
        if !hit {
            plan.units.push(Unit {
                key,
                owner: Owner::Paths(vec![file.to_owned()]),
            });
        }
        hit
    }

    /// Adds the stored result of a file's or folder's unit to the plan.
    fn lookup(&self, key: &str, plan: &mut ToolPlan) -> bool {
        match self.cache.get::<Stored>(key) {
            Some(stored) => {
                serve(plan, stored, true);
                true
            }
            None => false,
        }
    }

    fn per_file(
        &self,
        kind: ToolKind,
        base: Option<&str>,
        groups: Vec<(&'a Path, Vec<&'a str>)>,
    ) -> ToolPlan<'a> {
        let mut plan = empty_plan();
        let runner = super::runner(kind);
        for (python, files) in groups {
            let mut missed = Vec::new();
            for file in files {
                let key = base.and_then(|base| {
                    let inputs = runner.file_inputs(self.repo, file);
                    self.keys?.file_key(base, file, &inputs)
                });
                if self.serve_file(key, file, &mut plan) {
                    continue;
                }
                missed.push(file);
            }
            if !missed.is_empty() {
                plan.jobs.push(Job {
                    cost: self.cost(kind, &missed),
                    python,
                    files: missed,
                    pass: Pass::All,
                    facts: None,
                    owns: None,
                });
            }
        }
        plan
    }
}

impl ToolPlan<'_> {
    /// Records what became of a unit: served when `cached`, unless it is
    /// checked again with every file (`rechecked`, why).
    fn note(&mut self, unit: UnitName, key: &str, cached: bool, rechecked: Option<&'static str>) {
        let seen = match (cached, rechecked) {
            (false, _) => Seen::Missed,
            (true, None) => Seen::Served,
            (true, Some(why)) => Seen::Rechecked(why),
        };
        self.visits.push(Visit {
            unit,
            key: key.to_owned(),
            seen,
        });
    }

    /// `note` for Pylint's files and its cross-file checks (rule, key, cached).
    fn note_all(
        &mut self,
        per_file: &[(&str, String, Option<Stored>)],
        cross: [(&'static str, &Option<String>, bool); 2],
        rechecked: Option<&'static str>,
    ) {
        for (file, key, stored) in per_file {
            let unit = UnitName::File((*file).to_owned());
            self.note(unit, key, stored.is_some(), rechecked);
        }
        for (rule, key, cached) in cross {
            if let Some(key) = key {
                self.note(UnitName::Rule(rule), key, cached, rechecked);
            }
        }
    }
}

/// Adds a stored result to the plan; `file` counts it as a file's (or a
/// folder's), not one of the cross-file checks'.
fn serve(plan: &mut ToolPlan, stored: Stored, file: bool) {
    plan.hits.findings.extend(stored.findings);
    plan.hits.tests.extend(stored.tests);
    if !stored.coverage.is_empty() {
        plan.hits.coverage.push(Measured {
            tests: Vec::new(),
            files: stored.coverage,
        });
    }
    plan.cached += usize::from(file);
}

fn empty_plan<'a>() -> ToolPlan<'a> {
    ToolPlan {
        jobs: Vec::new(),
        hits: Interpreted::default(),
        cached: 0,
        units: Vec::new(),
        visits: Vec::new(),
        conclude: None,
        fact_keys: HashMap::new(),
        pairs_key: None,
        pairs_in: None,
        folder_batches: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Severity, Span};

    fn finding_on(path: &str) -> Finding {
        Finding::new(
            ToolKind::Pylint,
            "E0603",
            Severity::Error,
            path,
            Span::default(),
            "m",
        )
    }

    #[test]
    fn output_that_belongs_to_no_unit_stores_nothing_and_says_why() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ResultCache::open(Some(dir.path()), u64::MAX);
        let units = [Unit {
            key: "k1".to_owned(),
            owner: Owner::Paths(vec!["a.py".to_owned()]),
        }];
        let placed = Interpreted::from(vec![finding_on("a.py")]);
        assert_eq!(store(&cache, ToolKind::Pylint, &units, &placed), Ok(vec![]));
        assert!(cache.get::<Stored>("k1").is_some());

        let units = [Unit {
            key: "k2".to_owned(),
            owner: Owner::Paths(vec!["a.py".to_owned()]),
        }];
        let stray = Interpreted::from(vec![finding_on("a.py"), finding_on("configuration")]);
        let reason = store(&cache, ToolKind::Pylint, &units, &stray).unwrap_err();
        assert_eq!(
            reason,
            "pylint E0603 at `configuration` belongs to no file it checked"
        );
        assert!(cache.get::<Stored>("k2").is_none());
    }
}
