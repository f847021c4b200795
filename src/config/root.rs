//! Which repository a PATH belongs to, as git and Ruff find theirs: a PATH
//! inside a repository is checked as part of it — with the root's
//! configuration, CODEOWNERS and layout — not as a repository of its own.
//!
//! The root is the topmost folder from PATH up to the top of its git work
//! tree that holds an opsgate configuration (`opsgate.toml`, or a
//! `pyproject.toml` with a `[tool.opsgate]` table), else the top of the
//! work tree. Topmost, so that a nested `opsgate.toml` (the configuration
//! of one folder) does not make its folder a root, while an ops repository
//! kept in a folder of a larger work tree is marked by its own. Outside a
//! work tree (or in a folder git ignores), the root is the nearest folder
//! at or above PATH holding a configuration, else PATH itself. With
//! `--config` no configuration marks a root: the work tree's top, else PATH.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::process::git;

/// The repository root and the part of it PATH names.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Located {
    /// Absolute, canonical.
    pub(crate) root: PathBuf,
    /// PATH relative to the root (forward slashes); `None` for the root.
    pub(crate) subpath: Option<String>,
}

/// Finds the root of the repository holding `path`.
///
/// # Errors
/// `path` does not exist or is not UTF-8 below the root, or git hung.
pub(crate) fn locate(path: &Path, explicit_config: bool) -> Result<Located> {
    let target = std::fs::canonicalize(path)
        .with_context(|| format!("repository `{}` does not exist", path.display()))?;
    let start = if target.is_dir() {
        target.clone()
    } else {
        target
            .parent()
            .map_or_else(|| target.clone(), Path::to_path_buf)
    };
    let root = match work_tree_top(&start)? {
        Some(top) if explicit_config => top,
        Some(top) => start
            .ancestors()
            .take_while(|dir| dir.starts_with(&top))
            .filter(|dir| has_configuration(dir))
            .last()
            .map_or(top.clone(), Path::to_path_buf),
        None if explicit_config => start,
        None => start
            .ancestors()
            .find(|dir| has_configuration(dir))
            .map_or(start.clone(), Path::to_path_buf),
    };
    let inside = target.strip_prefix(&root).with_context(|| {
        format!(
            "`{}` is not inside the repository root `{}` found for it",
            target.display(),
            root.display()
        )
    })?;
    let subpath = match inside.to_str() {
        Some("") => None,
        Some(relative) => Some(relative.replace('\\', "/")),
        None => bail!(
            "`{}` is not UTF-8 below the repository root `{}`: check the root instead",
            path.display(),
            root.display()
        ),
    };
    Ok(Located { root, subpath })
}

/// The top of the git work tree holding `dir`, unless git ignores `dir`
/// (a build folder is not part of the repository it sits in).
fn work_tree_top(dir: &Path) -> Result<Option<PathBuf>> {
    let Some(top) = git::first_line(dir, &["rev-parse", "--show-toplevel"])? else {
        return Ok(None);
    };
    let Ok(top) = std::fs::canonicalize(&top) else {
        return Ok(None);
    };
    // GIT_DIR/GIT_WORK_TREE in the environment can name a work tree that
    // does not hold `dir`: then `dir` is in none.
    if !dir.starts_with(&top) {
        return Ok(None);
    }
    if top != dir {
        let ignored = git::output(dir, &[], &["check-ignore", "--quiet", "."])?;
        if ignored.code == Some(0) {
            return Ok(None);
        }
    }
    Ok(Some(top))
}

/// Whether `dir` holds an opsgate configuration.
fn has_configuration(dir: &Path) -> bool {
    if dir.join("opsgate.toml").is_file() {
        return true;
    }
    std::fs::read_to_string(dir.join("pyproject.toml"))
        .ok()
        .and_then(|text| text.parse::<toml::Table>().ok())
        .is_some_and(|doc| {
            doc.get("tool")
                .and_then(|tool| tool.get("opsgate"))
                .is_some()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn git_init(dir: &Path) {
        let done = git::command(dir, &[], &["init", "--quiet"])
            .output()
            .unwrap();
        assert!(done.status.success());
    }

    fn make(root: &Path, dirs: &[&str]) {
        for dir in dirs {
            std::fs::create_dir_all(root.join(dir)).unwrap();
        }
    }

    #[test]
    fn a_folder_of_a_work_tree_belongs_to_its_top() {
        let dir = tempfile::tempdir().unwrap();
        let top = std::fs::canonicalize(dir.path()).unwrap();
        git_init(&top);
        make(&top, &["networking/dns"]);
        std::fs::write(top.join("networking/opsgate.toml"), "").unwrap();
        let located = locate(&top.join("networking/dns"), false).unwrap();
        // Alone, it marks an ops repository inside a larger work tree...
        assert_eq!(located.root, top.join("networking"));
        // ...and below a configured top it is a nested configuration.
        std::fs::write(top.join("opsgate.toml"), "").unwrap();
        let located = locate(&top.join("networking/dns"), false).unwrap();
        assert_eq!(located.root, top);
        assert_eq!(located.subpath.as_deref(), Some("networking/dns"));
        assert_eq!(locate(&top, false).unwrap().subpath, None);
    }

    #[test]
    fn without_configuration_the_work_tree_top_is_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let top = std::fs::canonicalize(dir.path()).unwrap();
        git_init(&top);
        make(&top, &["ops/net", "build/out"]);
        std::fs::write(top.join(".gitignore"), "build/\n").unwrap();
        let located = locate(&top.join("ops/net"), false).unwrap();
        assert_eq!(located.root, top);
        assert_eq!(located.subpath.as_deref(), Some("ops/net"));
        // An ignored folder is not part of the repository.
        let located = locate(&top.join("build/out"), false).unwrap();
        assert_eq!(located.root, top.join("build/out"));
    }

    #[test]
    fn outside_git_the_nearest_configuration_marks_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let base = std::fs::canonicalize(dir.path()).unwrap();
        make(&base, &["repo/net/dns"]);
        let located = locate(&base.join("repo/net/dns"), false).unwrap();
        assert_eq!(located.root, base.join("repo/net/dns"));
        std::fs::write(
            base.join("repo/pyproject.toml"),
            "[tool.opsgate.gate]\nfail_on = \"error\"\n",
        )
        .unwrap();
        let located = locate(&base.join("repo/net/dns"), false).unwrap();
        assert_eq!(located.root, base.join("repo"));
        assert_eq!(located.subpath.as_deref(), Some("net/dns"));
        // --config names the configuration: no file marks a root.
        let located = locate(&base.join("repo/net/dns"), true).unwrap();
        assert_eq!(located.subpath, None);
    }
}
