//! How Pylint is planned: a unit per file keyed on the file and what it
//! imports, the two cross-file checks as units of their own, and whether the
//! missed files run as one whole invocation or as parts beside a conclusion.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde_json::value::RawValue;

use super::{
    CYCLIC_IMPORT, DUPLICATE_CODE, Job, KeptFacts, Owner, Pass, Planner, Stored, ToolPlan, Unit,
    UnitName, empty_plan, serve,
};
use crate::config::ToolSettings;
use crate::model::ToolKind;
use crate::runners::KeyInputs;

impl<'a> Planner<'a> {
    pub(super) fn pylint(
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
        let enabled = crate::runners::enabled_cross_file(tool, self.toolbox, &self.repo.root)
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
            owns: None,
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
