//! `--changed`: check only what a change touched — the pre-push case. The
//! files changed since the merge base with the base ref, plus uncommitted and
//! untracked ones (`git::ChangeSet`), and what depends on them:
//!
//! - Black and Flake8 judge each file alone: the changed Python files.
//! - Pylint and mypy infer through imports: the changed Python files and
//!   every file that imports one of them, directly or not.
//! - pytest: the tests of every tool folder (else folder) that holds a
//!   changed file or a file that imports one.
//! - Built-in rules: findings on changed files, and on the folders that
//!   hold them (a tool folder's missing README).
//!
//! Pylint's duplicate-code and cyclic-import then see only those files;
//! the full run (without `--changed`) is the one that judges them.

use std::collections::{BTreeSet, HashMap, HashSet};

use anyhow::{Context, Result};

use crate::discover::imports::ImportGraph;
use crate::discover::repo::{Repo, within};
use crate::git::{BaseRef, ChangeSet};
use crate::model::Finding;
use crate::model::Planning;

pub(crate) struct Focus {
    /// Every changed file of the repository model (deleted ones are gone).
    changed: HashSet<String>,
    /// Changed Python files and the Python files that import them.
    dependents: HashSet<String>,
    /// Test files of the folders touched.
    tests: HashSet<String>,
    /// For the note on stderr.
    pub(crate) base: String,
    pub(crate) merge_base: Option<String>,
    /// `opsgate check SUBPATH`: nothing outside it is checked or reported.
    within: Option<String>,
}

impl Focus {
    /// `graph`: the repository's imports (`runners::KeyInputs`).
    ///
    /// # Errors
    /// No base can be found, or git cannot tell what changed (not a work
    /// tree, a shallow clone without the merge base); the message says how
    /// to fix it.
    pub(crate) fn compute(repo: &Repo, base: Option<&str>, graph: &ImportGraph) -> Result<Focus> {
        let base = BaseRef::resolve(base, &repo.root)?;
        let change_set = ChangeSet::since(&repo.root, &base)
            .with_context(|| format!("--changed: what changed since `{}`", base.name))?;
        let known: HashSet<&str> = repo.files.iter().map(|f| f.path.as_str()).collect();
        let changed: HashSet<String> = change_set
            .files()
            .map(|(path, _)| path)
            .filter(|path| known.contains(path))
            .map(str::to_owned)
            .collect();
        let dependents = importers_of(graph, &changed);
        let touched: BTreeSet<String> = dependents
            .iter()
            .chain(&changed)
            .map(|path| test_folder(repo, path))
            .collect();
        let tests = repo
            .test_files()
            .filter(|f| touched.contains(&test_folder(repo, &f.path)))
            .map(|f| f.path.clone())
            .collect();
        Ok(Focus {
            changed,
            dependents,
            tests,
            base: base.name,
            merge_base: change_set.merge_base,
            within: None,
        })
    }

    /// Every file below `folder` (a file or folder relative to the root),
    /// as if all of them had changed and none outside; pytest runs the
    /// tests below it.
    pub(crate) fn everything_in(repo: &Repo, folder: &str) -> Focus {
        let below = |path: &&str| within(path, folder);
        let files: HashSet<String> = repo
            .files
            .iter()
            .map(|f| f.path.as_str())
            .filter(below)
            .map(str::to_owned)
            .collect();
        Focus {
            dependents: files.clone(),
            changed: files,
            tests: repo
                .test_files()
                .map(|f| f.path.as_str())
                .filter(below)
                .map(str::to_owned)
                .collect(),
            base: String::new(),
            merge_base: None,
            within: Some(folder.to_owned()),
        }
    }

    /// Only what lies below `folder`: the changed files, their importers
    /// and the tests the change reaches there.
    pub(crate) fn narrowed(mut self, folder: &str) -> Focus {
        self.changed.retain(|path| within(path, folder));
        self.dependents.retain(|path| within(path, folder));
        self.tests.retain(|path| within(path, folder));
        self.within = Some(folder.to_owned());
        self
    }

    /// Whether a tool planned as `planning` checks `path` in this run: a
    /// tool of single files the changed ones, one that follows imports
    /// their importers too, a test runner the tests the change reaches.
    pub(crate) fn includes(&self, planning: Planning, path: &str) -> bool {
        match planning {
            Planning::PerFile => self.changed.contains(path),
            Planning::CrossFile | Planning::Closure => self.dependents.contains(path),
            Planning::TestFolders => self.tests.contains(path),
        }
    }

    /// Whether a built-in rule's finding concerns the change: it is on a
    /// changed file or on a folder holding one.
    pub(crate) fn concerns(&self, finding: &Finding) -> bool {
        let path = finding.path.trim_end_matches('/');
        if let Some(folder) = &self.within
            && !within(path, folder)
        {
            return false;
        }
        self.changed.contains(path)
            || self
                .changed
                .iter()
                .any(|changed| path.is_empty() || within(changed, path))
    }

    pub(crate) fn changed_files(&self) -> usize {
        self.changed.len()
    }

    pub(crate) fn importers(&self) -> usize {
        self.dependents
            .iter()
            .filter(|d| !self.changed.contains(*d))
            .count()
    }
}

/// The changed Python files and every file that imports one, transitively.
fn importers_of(graph: &ImportGraph, changed: &HashSet<String>) -> HashSet<String> {
    let mut importers: HashMap<&str, Vec<&str>> = HashMap::new();
    for (file, deps) in &graph.edges {
        for dep in deps {
            importers
                .entry(dep.as_str())
                .or_default()
                .push(file.as_str());
        }
    }
    let mut reached: HashSet<String> = HashSet::new();
    let mut queue: Vec<&str> = graph
        .edges
        .keys()
        .map(String::as_str)
        .filter(|path| changed.contains(*path))
        .collect();
    while let Some(path) = queue.pop() {
        if reached.insert(path.to_owned()) {
            queue.extend(importers.get(path).into_iter().flatten().copied());
        }
    }
    reached
}

/// The folder whose tests cover `path`: its tool folder, else its folder.
pub(crate) fn test_folder(repo: &Repo, path: &str) -> String {
    repo.tool_of(path).map_or_else(
        || {
            path.rsplit_once('/')
                .map_or(String::new(), |(dir, _)| dir.to_owned())
        },
        |tool| tool.path.clone(),
    )
}
