//! OG402: a production tool's dependencies are pinned to exact versions, or
//! locked by a lock file.

use std::collections::BTreeMap;

use super::manifest_missing::{covering_dirs, dir_of};
use super::requirements::{is_lock_file, unpinned};
use super::{Rule, RuleOptions, Violation, Workspace};
use crate::discover::file::FileKind;
use crate::model::RuleLevel;

pub(crate) struct UnpinnedRequirement;

const DOCS: &str = r#"
## What it does
For each tool whose README front matter says `maturity = "production"`,
reads the manifests that cover it (its folder, its parents, the root) and
reports each requirement that does not name one exact version, at its line:
`requirements*.txt` lines without `==` (direct references `name @ url` count
as pinned), `[project].dependencies` in `pyproject.toml`, Poetry's
`[tool.poetry.dependencies]` (a bare version is exact; `^`, `~`, `>=` are
not) and a Pipfile's `[packages]`. A `Pipfile.lock` or `poetry.lock` in one
of those folders locks everything: nothing is reported then.

## Why it matters
`requests>=2` installs a different version next month. For a tool that runs
against production, an upgrade must be a reviewed change, not a surprise
on the next run.

## Example
```text
+++
maturity = "production"
+++
```
with `requirements.txt`:
```text
requests>=2.31
```
Reported at line 1 of `requirements.txt`. Fix: `requests==2.32.3`, or
commit a lock file.

## Configuration
No options. Experimental tools are not checked; declare the maturity in the
README front matter (see OG104).
"#;

impl Rule for UnpinnedRequirement {
    fn id(&self) -> &'static str {
        "OG402"
    }
    fn name(&self) -> &'static str {
        "unpinned-requirement"
    }
    fn default_severity(&self) -> RuleLevel {
        RuleLevel::Warning
    }
    fn summary(&self) -> &'static str {
        "Production tools' requirements are pinned with == or locked"
    }
    fn docs(&self) -> &'static str {
        DOCS
    }
    fn check(&self, ws: &Workspace<'_>, _: &RuleOptions<'_>) -> Vec<Violation> {
        let manifests: Vec<&str> = ws
            .files_of(|k| k == FileKind::Manifest)
            .map(|f| f.path.as_str())
            .collect();
        // (manifest, line) -> (requirement, production tools depending on it)
        let mut unpinned_lines: BTreeMap<(&str, u32), (String, Vec<&str>)> = BTreeMap::new();
        for tool in ws.tools() {
            if !tool.metadata().is_production() {
                continue;
            }
            let dirs = covering_dirs(tool.path());
            let covering: Vec<&str> = manifests
                .iter()
                .copied()
                .filter(|m| dirs.contains(&dir_of(m)))
                .collect();
            if covering
                .iter()
                .any(|m| is_lock_file(m.rsplit('/').next().unwrap_or(m)))
            {
                continue;
            }
            for manifest in covering {
                let Some(text) = ws.text(manifest) else {
                    continue;
                };
                for (line, requirement) in
                    unpinned(manifest.rsplit('/').next().unwrap_or(manifest), text)
                {
                    unpinned_lines
                        .entry((manifest, line))
                        .or_insert_with(|| (requirement, Vec::new()))
                        .1
                        .push(tool.path());
                }
            }
        }
        unpinned_lines
            .into_iter()
            .map(|((manifest, line), (requirement, tools))| {
                Violation::at(
                    manifest,
                    line,
                    None,
                    format!(
                        "`{requirement}` is not pinned to one version (==) and there is no lock file; production tool{} {} depend{} on it",
                        if tools.len() == 1 { "" } else { "s" },
                        tools.join(", "),
                        if tools.len() == 1 { "s" } else { "" }
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

    const PRODUCTION: &str = "+++\nmaturity = \"production\"\n+++\n# t\n";

    #[test]
    fn only_production_tools_and_only_unpinned_lines() {
        let (_dir, repo) = repo(&[
            ("requirements.txt", "requests>=2\nidna==3.10\n"),
            ("net/prod/p.py", ""),
            ("net/prod/README.md", PRODUCTION),
            ("net/prod/requirements.txt", "boto3\n"),
            ("net/exp/e.py", ""),
            ("net/exp/requirements.txt", "click\n"),
        ]);
        let ws = Workspace::load(&repo);
        let found: Vec<(String, u32)> = UnpinnedRequirement
            .check(&ws, &RuleOptions::default())
            .into_iter()
            .map(|v| (v.path, v.line.unwrap()))
            .collect();
        assert_eq!(
            found,
            [
                ("net/prod/requirements.txt".to_owned(), 1),
                ("requirements.txt".to_owned(), 1)
            ]
        );
    }

    #[test]
    fn a_lock_file_locks() {
        let (_dir, repo) = repo(&[
            (
                "pyproject.toml",
                "[project]\nname = \"x\"\ndependencies = [\"requests>=2\"]\n",
            ),
            ("poetry.lock", ""),
            ("net/prod/p.py", ""),
            ("net/prod/README.md", PRODUCTION),
        ]);
        let ws = Workspace::load(&repo);
        assert_eq!(UnpinnedRequirement.check(&ws, &RuleOptions::default()), []);
    }
}
