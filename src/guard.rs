//! The read-only promise, checked at run time. opsgate writes nothing into
//! the repository, but pytest runs the repository's own tests, which may
//! delete, edit or create files. The tree is stamped (size, modification
//! time) before the tools run and compared after: a change means the run did
//! not see the tree it reports on, so the tool that ran the repository's code
//! is marked failed and the gate exits 2, naming the files.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::SystemTime;

use rayon::prelude::*;

use crate::discover::repo::Repo;
use crate::discover::walk;
use crate::runners::{ToolRun, ToolStatus, runner};

/// How many changed paths an error names before counting the rest.
const SHOWN: usize = 10;

#[derive(Debug, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
}

pub(crate) struct TreeGuard {
    stamps: BTreeMap<String, Option<Stamp>>,
}

impl TreeGuard {
    pub(crate) fn new(repo: &Repo) -> TreeGuard {
        // In parallel: one `stat` per file, 15,000 of them in a large repository.
        let stamps: Vec<(String, Option<Stamp>)> = repo
            .files
            .par_iter()
            .map(|file| (file.path.clone(), stamp(&repo.root.join(&file.path))))
            .collect();
        TreeGuard {
            stamps: stamps.into_iter().collect(),
        }
    }

    /// Each file's size in bytes when `new` stamped it (a file that could
    /// not be stamped is absent).
    pub(crate) fn sizes(&self) -> HashMap<&str, u64> {
        self.stamps
            .iter()
            .filter_map(|(path, stamp)| Some((path.as_str(), stamp.as_ref()?.len)))
            .collect()
    }

    /// What changed since `new`: deleted, modified and created files.
    pub(crate) fn changes(&self, root: &Path, threads: usize) -> Vec<String> {
        let stamps: Vec<(&String, &Option<Stamp>)> = self.stamps.iter().collect();
        let mut changes: Vec<String> = stamps
            .par_iter()
            .filter_map(|(path, before)| match (before, stamp(&root.join(path))) {
                (Some(_), None) => Some(format!("deleted `{path}`")),
                (before, now) if **before != now => Some(format!("modified `{path}`")),
                _ => None,
            })
            .collect();
        for file in walk::walk(root, threads).files {
            if !self.stamps.contains_key(&file.path) {
                changes.push(format!("created `{}`", file.path));
            }
        }
        changes
    }
}

fn stamp(path: &Path) -> Option<Stamp> {
    let meta = std::fs::symlink_metadata(path).ok()?;
    Some(Stamp {
        len: meta.len(),
        modified: meta.modified().ok(),
    })
}

/// Marks the tools that ran the repository's code (pytest), or every tool
/// that ran when none did, as failed because the tree changed under them.
pub(crate) fn blame(tools: &mut [ToolRun], changes: &[String]) {
    if changes.is_empty() {
        return;
    }
    let ran = |t: &ToolRun| t.status == ToolStatus::Ok;
    let runs = |t: &ToolRun| runner(t.name).runs_repository_code();
    let runs_code = tools.iter().any(|t| ran(t) && runs(t));
    let shown = changes[..changes.len().min(SHOWN)].join(", ");
    let listed = match changes.len().checked_sub(SHOWN) {
        Some(more) if more > 0 => format!("{shown} and {more} more"),
        _ => shown,
    };
    for tool in tools.iter_mut() {
        if ran(tool) && (!runs_code || runs(tool)) {
            tool.status = ToolStatus::Failed;
            tool.error = Some(format!(
                "the repository changed while {} ran ({listed}); the results do not describe \
                 the checked tree. Tests must not write into the repository: use pytest's \
                 `tmp_path`",
                tool.name
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Layout;

    fn layout() -> Layout {
        Layout {
            libraries: vec!["lib".into()],
            not_domains: vec!["tests".into()],
        }
    }

    #[test]
    fn deleted_modified_and_created_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["keep.py", "gone.py", "edit.py"] {
            std::fs::write(dir.path().join(name), "x = 1\n").unwrap();
        }
        let repo = Repo::discover(dir.path(), &layout(), 1);
        let guard = TreeGuard::new(&repo);
        assert!(guard.changes(dir.path(), 1).is_empty());
        std::fs::remove_file(dir.path().join("gone.py")).unwrap();
        std::fs::write(dir.path().join("edit.py"), "x = 22\n").unwrap();
        std::fs::write(dir.path().join("new.py"), "").unwrap();
        assert_eq!(
            guard.changes(dir.path(), 1),
            [
                "modified `edit.py`",
                "deleted `gone.py`",
                "created `new.py`"
            ]
        );
    }

    #[test]
    fn pytest_is_blamed_when_it_ran() {
        let mut tools = vec![
            crate::report::fixtures::tool("black", 0),
            crate::report::fixtures::tool("pytest", 0),
        ];
        blame(&mut tools, &["deleted `a.py`".to_owned()]);
        assert_eq!(tools[0].status, ToolStatus::Ok);
        assert_eq!(tools[1].status, ToolStatus::Failed);
        let error = tools[1].error.as_deref().unwrap();
        assert!(error.contains("deleted `a.py`"), "{error}");
    }
}
