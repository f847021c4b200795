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
//! - pytest: a unit per folder of tests (the tool folder, else the test
//!   file's folder) keyed on every file in it and what its Python files
//!   import; only units whose tests all passed are stored, so a failure is
//!   always run again.

// Estimates: a rounded byte count is as good as an exact one.
#![allow(clippy::cast_precision_loss)]

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde_json::value::RawValue;

use super::keys::KeyInputs;
use super::{Interpreted, Toolbox};
use crate::cache::ResultCache;
use crate::config::ToolSettings;
use crate::discover::repo::Repo;
use crate::model::Finding;
use crate::model::ToolKind;
use crate::model::{TestOutcome, TestResult};

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
}

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
    const MB: f64 = 1_048_576.0;
    match kind {
        ToolKind::Black => (11.0 / MB, 0.25),
        ToolKind::Flake8 => (2.6 / MB, 0.3),
        ToolKind::Pylint => (21.0 / MB, 0.8),
        ToolKind::Pytest => (8.0 / MB, 0.6),
    }
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
        match tool.kind {
            ToolKind::Black | ToolKind::Flake8 => self.per_file(tool.kind, base.as_deref(), groups),
            ToolKind::Pylint => self.pylint(tool, base.as_deref(), groups),
            ToolKind::Pytest => self.pytest(base.as_deref(), groups),
        }
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
        for (python, files) in groups {
            let mut missed = Vec::new();
            for file in files {
                let key = base.and_then(|base| self.keys?.file_key(base, file));
                if let Some(key) = key {
                    let hit = self.lookup(&key, &mut plan);
                    plan.note(UnitName::File(file.to_owned()), &key, hit, None);
                    if hit {
                        continue;
                    }
                    plan.units.push(Unit {
                        key,
                        owner: Owner::Paths(vec![file.to_owned()]),
                    });
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
                });
            }
        }
        plan
    }

    fn pylint(
        &self,
        tool: &ToolSettings,
        base: Option<&str>,
        groups: Vec<(&'a Path, Vec<&'a str>)>,
    ) -> ToolPlan<'a> {
        let mut plan = empty_plan();
        plan.pairs_key = base.map(|base| crate::hash::short_digest([base, "similarity-pairs"], 20));
        for (python, files) in groups {
            let (Some(base), Some(keys)) = (base, self.keys) else {
                plan.jobs.push(self.pylint_job(python, files, Pass::All));
                continue;
            };
            // Each entry is read once, here, and served from what was read.
            let mut per_file = Vec::new();
            let mut missed = HashSet::new();
            for file in &files {
                match keys.closure_key(base, file) {
                    Some(key) => {
                        let stored = self.cache.get::<Stored>(&key);
                        if stored.is_none() {
                            missed.insert(*file);
                        }
                        per_file.push((*file, key, stored));
                    }
                    None => {
                        missed.insert(*file);
                    }
                }
            }
            if self.repo.partial {
                // A shard: the per-file checks only; the designated shard
                // runs the cross-file ones over every file, apart.
                self.serve_or_check(python, &files, per_file, &missed, Pass::PerFile, &mut plan);
                continue;
            }
            let duplicates = keys.set_key(base, DUPLICATE_CODE, &files);
            let cycles = keys.skeleton_key(base, &files);
            let read =
                |key: &Option<String>| key.as_ref().and_then(|key| self.cache.get::<Stored>(key));
            let (cycles_stored, duplicates_stored) = (read(&cycles), read(&duplicates));
            let (cycles_cached, duplicates_cached) =
                (cycles_stored.is_some(), duplicates_stored.is_some());
            let cross = [
                (DUPLICATE_CODE, &duplicates, duplicates_cached),
                (CYCLIC_IMPORT, &cycles, cycles_cached),
            ];
            if missed.is_empty() && cycles_cached && duplicates_cached {
                plan.note_all(&per_file, cross, None);
                for stored in per_file.into_iter().filter_map(|(_, _, stored)| stored) {
                    serve(&mut plan, stored, true);
                }
                for stored in [duplicates_stored, cycles_stored].into_iter().flatten() {
                    serve(&mut plan, stored, false);
                }
                continue;
            }
            // Whether duplicate-code must be concluded again, and can be alone.
            let duplicates_enabled = if duplicates_cached {
                Some(false)
            } else {
                self.duplicate_code_enabled(tool, base)
            };
            let partial = cycles_cached && missed.len() * 2 <= files.len();
            let fact_key = |file: &str| keys.facts_key(base, file);
            let (Some(conclude_duplicates), true) = (duplicates_enabled, partial) else {
                // As when run directly: every check over every file (the
                // scheduler may cut it into parts).
                let why = whole_run_reason(cycles_cached, duplicates_enabled);
                plan.note_all(&per_file, cross, Some(why));
                plan.units
                    .extend(per_file.into_iter().map(|(file, key, _)| Unit {
                        key,
                        owner: Owner::Paths(vec![file.to_owned()]),
                    }));
                plan.units.extend(cross_units(duplicates, cycles));
                for file in &files {
                    if let Some(key) = fact_key(file) {
                        plan.fact_keys.insert(file, key);
                    }
                }
                plan.jobs.push(self.pylint_job(python, files, Pass::All));
                continue;
            };
            for file in &missed {
                if let Some(key) = fact_key(file) {
                    plan.fact_keys.insert(file, key);
                }
            }
            self.serve_or_check(python, &files, per_file, &missed, Pass::PerFile, &mut plan);
            plan.note_all(&[], cross, None);
            if let Some(stored) = cycles_stored {
                serve(&mut plan, stored, false);
            }
            if let Some(stored) = duplicates_stored {
                serve(&mut plan, stored, false);
                continue;
            }
            // Stored empty when the configuration turns it off.
            plan.units.extend(cross_units(duplicates, None));
            if !conclude_duplicates {
                continue;
            }
            let job =
                self.duplicates_over_kept_facts(python, files, &missed, base, keys, &mut plan);
            plan.jobs.push(job);
        }
        plan
    }

    /// duplicate-code concluded again over every file, in a process of its
    /// own beside the checks of the misses: it reads the misses (and any
    /// file whose facts are not kept) itself, and every other file's facts
    /// kept from an earlier run. It also reads the last file, where Pylint
    /// puts the conclusions, so that they land where one run puts them.
    fn duplicates_over_kept_facts(
        &self,
        python: &'a Path,
        files: Vec<&'a str>,
        missed: &HashSet<&'a str>,
        base: &str,
        keys: &KeyInputs,
        plan: &mut ToolPlan<'a>,
    ) -> Job<'a> {
        let mut kept = HashMap::new();
        let mut read = Vec::new();
        let last = files.last().copied();
        for file in files.iter().copied() {
            let key = keys.facts_key(base, file);
            let facts = (!missed.contains(file) && Some(file) != last)
                .then(|| {
                    key.as_ref()
                        .and_then(|key| self.cache.get::<Box<RawValue>>(key))
                })
                .flatten();
            if let Some(facts) = facts {
                kept.insert(file, facts);
                continue;
            }
            if let Some(key) = key {
                plan.fact_keys.insert(file, key);
            }
            read.push(file);
        }
        let pass = Pass::Conclude {
            similar: true,
            cyclic: false,
        };
        let mut job = self.pylint_job(python, read, pass);
        // It reads what was kept of every file and compares the changed
        // ones with all: measured at a twentieth of checking every file, and
        // usually the longest job after a change, so it starts first.
        let (per_byte, per_process) = self.rates[&ToolKind::Pylint];
        let bytes: u64 = files
            .iter()
            .map(|f| self.sizes.get(f).copied().unwrap_or(0))
            .sum();
        job.cost = per_process + per_byte * bytes as f64 / 20.0;
        job.facts = Some(KeptFacts { order: files, kept });
        job
    }

    /// The per-file results that hit, and one `pass` over the misses.
    fn serve_or_check(
        &self,
        python: &'a Path,
        files: &[&'a str],
        per_file: Vec<(&'a str, String, Option<Stored>)>,
        missed: &HashSet<&'a str>,
        pass: Pass,
        plan: &mut ToolPlan<'a>,
    ) {
        for (file, key, stored) in per_file {
            plan.note(
                UnitName::File(file.to_owned()),
                &key,
                stored.is_some(),
                None,
            );
            match stored {
                Some(stored) => serve(plan, stored, true),
                None => plan.units.push(Unit {
                    key,
                    owner: Owner::Paths(vec![file.to_owned()]),
                }),
            }
        }
        let checked: Vec<&str> = files
            .iter()
            .copied()
            .filter(|f| missed.contains(f))
            .collect();
        if !checked.is_empty() {
            plan.jobs.push(self.pylint_job(python, checked, pass));
        }
    }

    /// Whether the repository's Pylint configuration enables
    /// `duplicate-code`, asked once per configuration (the key holds it) and
    /// kept beside the results, like the measured costs: a fact about the
    /// setup, not a result. `None` when Pylint cannot say.
    fn duplicate_code_enabled(&self, tool: &ToolSettings, base: &str) -> Option<bool> {
        let key = crate::hash::short_digest([base, "enabled-cross-file"], 20);
        let name = format!("facts/{key}.json");
        if let Some(enabled) = self
            .cache
            .read_beside(&name)
            .and_then(|bytes| serde_json::from_slice::<bool>(&bytes).ok())
        {
            return Some(enabled);
        }
        let enabled = super::enabled_cross_file(tool, self.toolbox, &self.repo.root)
            .ok()?
            .contains(&"duplicate-code");
        // Only a speed-up: a fact that cannot be kept is asked again.
        let fact: &[u8] = if enabled { b"true" } else { b"false" };
        self.cache.write_beside(&name, fact);
        Some(enabled)
    }

    fn pylint_job(&self, python: &'a Path, files: Vec<&'a str>, pass: Pass) -> Job<'a> {
        let mut cost = self.cost(ToolKind::Pylint, &files);
        if matches!(pass, Pass::Conclude { .. }) {
            // Parsing without inference: measured at a fifth of a full pass.
            cost /= 5.0;
        }
        Job {
            python,
            files,
            pass,
            cost,
            facts: None,
        }
    }

    fn pytest(&self, base: Option<&str>, groups: Vec<(&'a Path, Vec<&'a str>)>) -> ToolPlan<'a> {
        let mut plan = empty_plan();
        for (python, files) in groups {
            // In the order the folders first come, found by name.
            let mut folders: Vec<(String, Vec<&'a str>)> = Vec::new();
            let mut index: HashMap<String, usize> = HashMap::new();
            for file in files {
                let folder = crate::discover::changed::test_folder(self.repo, file);
                if let Some(&at) = index.get(&folder) {
                    folders[at].1.push(file);
                } else {
                    index.insert(folder.clone(), folders.len());
                    folders.push((folder, vec![file]));
                }
            }
            let mut missed = Vec::new();
            for (folder, members) in folders {
                let key = base.and_then(|base| self.keys?.folder_key(base, &folder, self.repo));
                if let Some(key) = key {
                    let hit = self.lookup(&key, &mut plan);
                    plan.note(UnitName::Folder(folder.clone()), &key, hit, None);
                    if hit {
                        continue;
                    }
                    plan.units.push(Unit {
                        key,
                        owner: Owner::Paths(members.iter().map(|m| (*m).to_owned()).collect()),
                    });
                }
                missed.extend(members);
            }
            if !missed.is_empty() {
                missed.sort_unstable();
                plan.jobs.push(Job {
                    cost: self.cost(ToolKind::Pytest, &missed),
                    python,
                    files: missed,
                    pass: Pass::All,
                    facts: None,
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

/// Why Pylint checks every file again, the cached ones too.
fn whole_run_reason(cycles_cached: bool, duplicates_enabled: Option<bool>) -> &'static str {
    if !cycles_cached {
        "the imports between files changed: cyclic-import checks every file"
    } else if duplicates_enabled.is_none() {
        "Pylint could not say whether duplicate-code is on"
    } else {
        "more than half of the files missed: one pass over every file is faster"
    }
}

/// Adds a stored result to the plan; `file` counts it as a file's (or a
/// folder's), not one of the cross-file checks'.
fn serve(plan: &mut ToolPlan, stored: Stored, file: bool) {
    plan.hits.findings.extend(stored.findings);
    plan.hits.tests.extend(stored.tests);
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
    }
}

fn cross_units(duplicates: Option<String>, cycles: Option<String>) -> Vec<Unit> {
    let mut units = Vec::new();
    if let Some(key) = duplicates {
        units.push(Unit {
            key,
            owner: Owner::Rule(DUPLICATE_CODE),
        });
    }
    if let Some(key) = cycles {
        units.push(Unit {
            key,
            owner: Owner::Rule(CYCLIC_IMPORT),
        });
    }
    units
}

/// Splits the jobs' output among the units that missed and stores each.
/// Nothing is stored when some output belongs to no unit (it could not be
/// served again): then the reason is returned, for the run to say why the
/// tool will run again. Nor is a pytest unit with a test that did not pass:
/// their keys are returned.
pub(crate) fn store(
    cache: &ResultCache,
    kind: ToolKind,
    units: &[Unit],
    output: &Interpreted,
) -> Result<Vec<String>, String> {
    let mut failed_units = Vec::new();
    if units.is_empty() {
        return Ok(failed_units);
    }
    let mut by_path: HashMap<&str, usize> = HashMap::new();
    let mut by_rule: HashMap<&str, usize> = HashMap::new();
    for (index, unit) in units.iter().enumerate() {
        match &unit.owner {
            Owner::Paths(paths) => {
                for path in paths {
                    by_path.insert(path, index);
                }
            }
            Owner::Rule(rule) => {
                by_rule.insert(rule, index);
            }
        }
    }
    let mut stored: Vec<Stored> = units.iter().map(|_| Stored::default()).collect();
    for finding in &output.findings {
        let owner = if kind == ToolKind::Pylint
            && matches!(finding.rule.as_str(), DUPLICATE_CODE | CYCLIC_IMPORT)
        {
            by_rule.get(finding.rule.as_str())
        } else {
            by_path.get(finding.path.as_str())
        };
        match owner {
            Some(&index) => stored[index].findings.push(finding.clone()),
            None => {
                return Err(format!(
                    "{} {} at `{}` belongs to no file it checked",
                    kind.name(),
                    finding.rule,
                    finding.path
                ));
            }
        }
    }
    for test in &output.tests {
        match test.file.as_deref().and_then(|file| by_path.get(file)) {
            Some(&index) => stored[index].tests.push(test.clone()),
            None => {
                return Err(format!(
                    "{} test `{}` belongs to no file it checked",
                    kind.name(),
                    test.name
                ));
            }
        }
    }
    for (unit, value) in units.iter().zip(stored) {
        let failed = kind == ToolKind::Pytest
            && (!value.findings.is_empty()
                || value
                    .tests
                    .iter()
                    .any(|t| matches!(t.outcome, TestOutcome::Failed | TestOutcome::Error)));
        if failed {
            failed_units.push(unit.key.clone());
        } else {
            cache.put(&unit.key, &value);
        }
    }
    Ok(failed_units)
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
