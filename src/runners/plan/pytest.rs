//! How pytest is planned: a unit per folder of tests, keyed on every file
//! in it and what its Python files import. The folders that missed run in
//! one process, as pytest runs directly.
//!
//! When coverage is measured, each folder's tests run in a process of their
//! own, so that every line a process executed is its folder's (coverage.py
//! cannot tell which folder's tests ran a library's module-level lines).
//! Where processes fork, those are forks of one driver per job, and the
//! scheduler cuts the job at folder boundaries into as many as keep the
//! cores busy (`ToolPlan::folder_batches`); elsewhere each folder is a job.

use std::path::Path;

use super::{Job, Owner, Pass, Planner, ToolPlan, Unit, UnitName, empty_plan};
use crate::model::ToolKind;

impl<'a> Planner<'a> {
    pub(super) fn pytest(
        &self,
        base: Option<&str>,
        groups: Vec<(&'a Path, Vec<&'a str>)>,
        coverage: bool,
    ) -> ToolPlan<'a> {
        let mut plan = empty_plan();
        plan.folder_batches = coverage && cfg!(unix);
        let per_folder = coverage && !cfg!(unix);
        for (python, files) in groups {
            let folders = crate::runners::pytest_coverage::by_folder(self.repo, &files);
            let mut missed: Vec<Vec<&'a str>> = vec![Vec::new()];
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
                if per_folder {
                    missed.push(members);
                } else {
                    missed[0].extend(members);
                }
            }
            for mut files in missed.into_iter().filter(|files| !files.is_empty()) {
                files.sort_unstable();
                plan.jobs.push(Job {
                    cost: self.cost(ToolKind::Pytest, &files),
                    python,
                    files,
                    pass: Pass::All,
                    facts: None,
                    owns: None,
                });
            }
        }
        plan
    }
}
