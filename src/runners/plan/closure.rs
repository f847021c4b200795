//! How a tool whose results for a file depend on everything the file
//! imports, and that must see the files it checks together, is planned
//! (mypy): a unit per file keyed on the file and everything it imports from
//! the repository. The files that missed go to one process, given with
//! everything they import (so that the tool loads the same modules, as the
//! same sources, as a run over every file: a configuration that skips
//! imported modules otherwise sees less), and only findings on the files
//! that missed are kept. A tool also reports what it finds in the modules it
//! follows; those belong to the files' own units, so a finding is kept once,
//! on its own file, whichever files ran with it.

use std::collections::{BTreeSet, HashSet};
use std::path::Path;

use super::{Job, Owner, Pass, Planner, ToolPlan, Unit, UnitName, empty_plan};
use crate::model::ToolKind;

impl<'a> Planner<'a> {
    pub(super) fn closure(
        &self,
        kind: ToolKind,
        base: Option<&str>,
        groups: Vec<(&'a Path, Vec<&'a str>)>,
    ) -> ToolPlan<'a> {
        let mut plan = empty_plan();
        let mut kept = HashSet::new();
        for (python, files) in groups {
            let mut missed = Vec::new();
            for file in files {
                let key = base.and_then(|base| self.keys?.closure_key(base, file));
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
            if missed.is_empty() {
                continue;
            }
            kept.extend(missed.iter().map(|file| (*file).to_owned()));
            let files = self.with_imports(missed);
            plan.jobs.push(Job {
                cost: self.cost(kind, &files),
                python,
                files,
                pass: Pass::All,
                facts: None,
            });
        }
        plan.kept = Some(kept);
        plan
    }

    /// `files` and every repository file they import, directly or not, in
    /// path order.
    fn with_imports(&self, files: Vec<&'a str>) -> Vec<&'a str> {
        let Some(keys) = self.keys else {
            return files;
        };
        let mut reached: BTreeSet<&'a str> = BTreeSet::new();
        let mut queue = files;
        while let Some(file) = queue.pop() {
            if !reached.insert(file) {
                continue;
            }
            // Borrowed from the repository's own list, which outlives the plan.
            let imported = keys.graph.edges.get(file).into_iter().flatten();
            queue.extend(imported.filter_map(|dep| self.repo_path(dep)));
        }
        reached.into_iter().collect()
    }

    /// `path` as the repository's file list holds it.
    fn repo_path(&self, path: &str) -> Option<&'a str> {
        self.repo
            .files
            .binary_search_by(|file| file.path.as_str().cmp(path))
            .ok()
            .map(|index| self.repo.files[index].path.as_str())
    }
}
