//! Where each tool stands against the repository's standards — README, two
//! owners, tests, pinned dependencies — and what its README declares, for the
//! audit trail and `opsgate roi`. The same facts the rules judge, as data: a
//! tool meets a standard here exactly when the rule would not fire for it
//! (whatever the rule's severity or whether it is enabled).

use super::RuleSettings;
use super::Workspace;
use super::codeowners::{Codeowners, LOCATIONS};
use super::manifest_missing::{covering_dirs, dir_of};
use super::metadata::ToolMetadata;
use super::requirements::{is_lock_file, unpinned};
use crate::discover::file::FileKind;
use crate::discover::repo::Repo;

/// One tool folder against the standards.
#[allow(clippy::struct_excessive_bools)] // one flag per standard, read as such
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ToolStandards {
    /// `networking/dns-check`.
    pub(crate) path: String,
    pub(crate) readme: bool,
    /// The fewest distinct CODEOWNERS owners of any file in the folder.
    pub(crate) owners: usize,
    /// At least `min_owners` (OG203, 2 by default).
    pub(crate) owned: bool,
    /// A test file pytest collects sits in the folder.
    pub(crate) tested: bool,
    /// A manifest covers it and pins every requirement, or a lock file does.
    pub(crate) pinned: bool,
    pub(crate) metadata: ToolMetadata,
}

/// Every tool of the repository, in path order.
pub(crate) fn assess(repo: &Repo, rules: &RuleSettings) -> Vec<ToolStandards> {
    let ws = Workspace::load(repo);
    let min_owners = rules
        .get("OG203")
        .and_then(|c| c.options.min_owners)
        .map_or(2, |n| n as usize);
    let codeowners = LOCATIONS
        .iter()
        .find(|p| repo.files.iter().any(|f| f.path == **p))
        .map(|p| Codeowners::parse(ws.text(p).unwrap_or("")));
    let manifests: Vec<&str> = ws
        .files_of(|k| k == FileKind::Manifest)
        .map(|f| f.path.as_str())
        .collect();
    let mut tools: Vec<ToolStandards> = ws
        .tools()
        .iter()
        .map(|tool| {
            let owners = codeowners.as_ref().map_or(0, |c| {
                tool.files
                    .iter()
                    .map(|f| c.owners_of(&f.path).owners.len())
                    .min()
                    .unwrap_or(0)
            });
            ToolStandards {
                path: tool.path().to_owned(),
                readme: tool.readme.is_some(),
                owners,
                owned: owners >= min_owners,
                tested: tool
                    .files
                    .iter()
                    .any(|f| f.kind == FileKind::Python { test: true }),
                pinned: is_pinned(&ws, &manifests, tool.path()),
                metadata: tool.metadata(),
            }
        })
        .collect();
    tools.sort_by(|a, b| a.path.cmp(&b.path));
    tools
}

fn is_pinned(ws: &Workspace<'_>, manifests: &[&str], tool: &str) -> bool {
    let dirs = covering_dirs(tool);
    let covering: Vec<&str> = manifests
        .iter()
        .copied()
        .filter(|m| dirs.contains(&dir_of(m)))
        .collect();
    let name = |m: &str| m.rsplit('/').next().unwrap_or(m).to_owned();
    if covering.iter().any(|m| is_lock_file(&name(m))) {
        return true;
    }
    !covering.is_empty()
        && covering.iter().all(|m| {
            ws.text(m)
                .is_some_and(|text| unpinned(&name(m), text).is_empty())
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::workspace::testing::repo;

    #[test]
    fn each_standard_is_assessed_per_tool() {
        let (_dir, repo) = repo(&[
            ("CODEOWNERS", "/net/good/ @a @b\n/net/thin/ @a\n"),
            (
                "net/good/README.md",
                "+++\nmanual_minutes = 20\nruns_per_month = 4\n+++\n# good\n",
            ),
            ("net/good/good.py", "x = 1\n"),
            ("net/good/test_good.py", "def test(): pass\n"),
            ("net/good/requirements.txt", "requests==2.32.3\n"),
            ("net/thin/thin.py", "x = 1\n"),
            ("net/thin/requirements.txt", "requests>=2\n"),
            ("db/bare/bare.py", "x = 1\n"),
        ]);
        let rules = RuleSettings::resolve(&std::collections::BTreeMap::new()).unwrap();
        let tools = assess(&repo, &rules);
        let summary: Vec<(&str, bool, usize, bool, bool, bool)> = tools
            .iter()
            .map(|t| {
                (
                    t.path.as_str(),
                    t.readme,
                    t.owners,
                    t.owned,
                    t.tested,
                    t.pinned,
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("db/bare", false, 0, false, false, false),
                ("net/good", true, 2, true, true, true),
                ("net/thin", false, 1, false, false, false),
            ]
        );
        assert_eq!(tools[1].metadata.manual_minutes, Some(20.0));
    }
}
