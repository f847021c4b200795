//! How pytest is planned: a unit per folder of tests, keyed on every file
//! in it and what its Python files import.

use std::collections::HashMap;
use std::path::Path;

use super::{Job, Owner, Pass, Planner, ToolPlan, Unit, UnitName, empty_plan};
use crate::model::ToolKind;

impl<'a> Planner<'a> {
    pub(super) fn pytest(
        &self,
        base: Option<&str>,
        groups: Vec<(&'a Path, Vec<&'a str>)>,
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
                    owns: None,
                });
            }
        }
        plan
    }
}
