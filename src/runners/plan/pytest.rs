//! How pytest is planned: a unit per folder of tests, keyed on every file
//! in it and what its Python files import. The folders that missed run in
//! one process, as pytest runs directly; when coverage is measured, in one
//! process each, so that every line a process executed is its folder's
//! (coverage.py cannot tell which folder's tests ran a library's
//! module-level lines).

use std::collections::HashMap;
use std::path::Path;

use super::{Job, Owner, Pass, Planner, ToolPlan, Unit, UnitName, empty_plan};
use crate::model::ToolKind;

impl<'a> Planner<'a> {
    pub(super) fn pytest(
        &self,
        base: Option<&str>,
        groups: Vec<(&'a Path, Vec<&'a str>)>,
        per_folder: bool,
    ) -> ToolPlan<'a> {
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
