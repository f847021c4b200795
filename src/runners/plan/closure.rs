//! How a tool whose results for a file depend on everything the file
//! imports, and that must see the files it checks together, is planned
//! (mypy): a unit per file keyed on the file and everything it imports from
//! the repository. The files that missed go to one process per program —
//! each tool folder, and the files outside any (the shared libraries) —
//! given with everything they import (so that the tool loads the same
//! modules, as the same sources, as a run over every file: a configuration
//! that skips imported modules otherwise sees less). One process per tool
//! folder is how the scripts of an operations repository are separate
//! programs: two folders' `main.py` are two modules named `main`, which one
//! mypy process refuses ("Duplicate module named"). A tool also reports
//! what it finds in the modules it follows; those belong to the files' own
//! units, so each job reports only on the files it owns, and a finding is
//! kept once, on its own file, whichever files ran with it.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::Path;
use std::sync::Arc;

use super::{Job, Pass, Planner, ToolPlan, empty_plan};
use crate::model::ToolKind;

impl<'a> Planner<'a> {
    pub(super) fn closure(
        &self,
        kind: ToolKind,
        base: Option<&str>,
        groups: Vec<(&'a Path, Vec<&'a str>)>,
    ) -> ToolPlan<'a> {
        let mut plan = empty_plan();
        for (python, files) in groups {
            // Per program (a tool folder's path; "" outside any), the files
            // that missed, in path order.
            let mut missed: BTreeMap<&'a str, Vec<&'a str>> = BTreeMap::new();
            // Without the import graph (no cache), a program's job gets the
            // files outside every tool folder instead: the shared libraries
            // it may import (mypy counts an error in a module it follows
            // from its search path but does not print it).
            let shared: Vec<&'a str> = files
                .iter()
                .copied()
                .filter(|file| self.repo.tool_of(file).is_none())
                .collect();
            for file in files {
                let key = base.and_then(|base| self.keys?.closure_key(base, file));
                if self.serve_file(key, file, &mut plan) {
                    continue;
                }
                let program = self
                    .repo
                    .tool_of(file)
                    .map_or("", |tool| tool.path.as_str());
                missed.entry(program).or_default().push(file);
            }
            for owned in missed.into_values() {
                let owns: HashSet<String> = owned.iter().map(|file| (*file).to_owned()).collect();
                let files = match self.keys {
                    Some(_) => self.with_imports(owned),
                    None => owned
                        .iter()
                        .chain(&shared)
                        .copied()
                        .collect::<BTreeSet<_>>()
                        .into_iter()
                        .collect(),
                };
                plan.jobs.push(Job {
                    cost: self.cost(kind, &files),
                    python,
                    files,
                    pass: Pass::All,
                    facts: None,
                    owns: Some(Arc::new(owns)),
                });
            }
        }
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
