//! OG401: every tool is covered by a dependency manifest in its folder, a
//! parent folder or the repository root.

use super::{Rule, RuleOptions, Violation, Workspace};
use crate::discover::file::FileKind;
use crate::model::RuleLevel;

pub(crate) struct ManifestMissing;

const DOCS: &str = r"
## What it does
Reports a tool folder with no dependency manifest in it, in a parent folder
or at the root: `requirements*.txt`, `pyproject.toml`, `Pipfile`,
`Pipfile.lock`, `poetry.lock`, `setup.py` or `setup.cfg`. A manifest that
declares nothing (a `requirements.txt` with only a comment) still counts: it
states that the standard library is enough.

## Why it matters
Undeclared dependencies are installed by hand, differently on every machine;
the script works where someone once ran `pip install` and fails in CI.

## Example
```text
networking/dns-check/dns_check.py     (imports dnspython; no manifest anywhere)
```
Fix: `networking/dns-check/requirements.txt` with `dnspython==2.7.0`, or a
root `requirements.txt` / `pyproject.toml` that declares it.

## Configuration
No options. Scope with `paths`/`exclude` on the tool folder.
";

/// The folders whose manifests cover `tool`: itself, its parents, the root.
pub(crate) fn covering_dirs(tool: &str) -> Vec<&str> {
    let mut dirs = vec![tool];
    let mut current = tool;
    while let Some((parent, _)) = current.rsplit_once('/') {
        dirs.push(parent);
        current = parent;
    }
    dirs.push("");
    dirs
}

/// The folder of a repository-relative path ("" for the root).
pub(crate) fn dir_of(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

impl Rule for ManifestMissing {
    fn id(&self) -> &'static str {
        "OG401"
    }
    fn name(&self) -> &'static str {
        "dependency-manifest-missing"
    }
    fn default_severity(&self) -> RuleLevel {
        RuleLevel::Warning
    }
    fn summary(&self) -> &'static str {
        "Every tool is covered by a dependency manifest (its folder, a parent or the root)"
    }
    fn docs(&self) -> &'static str {
        DOCS
    }
    fn check(&self, ws: &Workspace<'_>, _: &RuleOptions<'_>) -> Vec<Violation> {
        let manifest_dirs: Vec<&str> = ws
            .files_of(|k| k == FileKind::Manifest)
            .map(|f| dir_of(&f.path))
            .collect();
        ws.tools()
            .iter()
            .filter(|tool| !covering_dirs(tool.path()).iter().any(|d| manifest_dirs.contains(d)))
            .map(|tool| {
                Violation::whole(
                    tool.path(),
                    format!(
                        "{} has no dependency manifest (requirements.txt, pyproject.toml, Pipfile or poetry.lock) in its folder, a parent or the root",
                        tool.path()
                    ),
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::workspace::testing::repo;

    #[test]
    fn folder_parent_and_root_manifests_cover() {
        let (_dir, repo) = repo(&[
            ("net/a/a.py", ""),
            ("net/a/requirements-prod.txt", ""),
            ("db/b/b.py", ""),
            ("db/pyproject.toml", ""),
            ("web/c/c.py", ""),
            ("web/c/notes/Pipfile", ""),
        ]);
        let ws = Workspace::load(&repo);
        let found: Vec<String> = ManifestMissing
            .check(&ws, &RuleOptions::default())
            .into_iter()
            .map(|v| v.path)
            .collect();
        assert_eq!(found, ["web/c"]);
        let (_dir, repo) = super::super::workspace::testing::repo(&[
            ("web/c/c.py", ""),
            ("requirements.txt", "# stdlib only\n"),
        ]);
        let ws = Workspace::load(&repo);
        assert_eq!(ManifestMissing.check(&ws, &RuleOptions::default()), []);
    }
}
