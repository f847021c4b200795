//! `--shard I/N`: one of N CI jobs checks a deterministic part of the
//! repository. The work is cut into units — each tool folder, each other
//! top-level folder (shared libraries, top-level tests, files directly in a
//! domain), and the files at the root — and the units are dealt out largest
//! first to the lightest shard. Every job computes the same plan from the
//! same tree, so every file is checked by exactly one shard; the plan's
//! digest goes into each shard's report, and `opsgate merge` refuses shards
//! whose plans differ.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::str::FromStr;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use crate::discover::repo::Repo;
use crate::hash::short_digest;

/// This job's part: shard `index` (1-based) of `total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub total: usize,
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(value: &str) -> Result<Shard, String> {
        let (index, total) = value
            .split_once('/')
            .ok_or_else(|| format!("expected I/N (e.g. 2/3), got `{value}`"))?;
        let number = |text: &str, what: &str| {
            text.trim()
                .parse::<usize>()
                .map_err(|_| format!("the {what} in `{value}` is not a whole number"))
        };
        Shard::new(number(index, "shard index")?, number(total, "shard count")?)
    }
}

impl Shard {
    pub(crate) fn new(index: usize, total: usize) -> Result<Shard, String> {
        if total == 0 {
            return Err("the shard count must be at least 1".to_owned());
        }
        if !(1..=total).contains(&index) {
            return Err(format!(
                "shard {index}/{total}: the index must be between 1 and {total}"
            ));
        }
        Ok(Shard { index, total })
    }

    /// Whether cross-file work (Pylint's duplicate-code and cyclic-import
    /// over all files, repository-level findings) is done by this shard.
    pub(crate) fn is_designated(self) -> bool {
        self.index == 1
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.total)
    }
}

/// The shard to run: `--shard` wins; else, under GitLab CI, the job's
/// `parallel:` position (`CI_NODE_INDEX` of `CI_NODE_TOTAL`).
pub(crate) fn resolve(
    flag: Option<Shard>,
    var: impl Fn(&str) -> Option<String>,
) -> Result<Option<Shard>> {
    if flag.is_some() {
        return Ok(flag);
    }
    if var("GITLAB_CI").as_deref() != Some("true") {
        return Ok(None);
    }
    match (var("CI_NODE_INDEX"), var("CI_NODE_TOTAL")) {
        (None, None) => Ok(None),
        (Some(index), Some(total)) => {
            let parse = |name: &str, text: &str| {
                text.trim().parse::<usize>().map_err(|_| {
                    anyhow::anyhow!(
                        "{name}=`{text}` is not a whole number; pass --shard I/N instead"
                    )
                })
            };
            let shard = Shard::new(
                parse("CI_NODE_INDEX", &index)?,
                parse("CI_NODE_TOTAL", &total)?,
            )
            .map_err(|err| anyhow::anyhow!("from CI_NODE_INDEX/CI_NODE_TOTAL: {err}"))?;
            Ok(Some(shard))
        }
        (Some(_), None) => bail!("CI_NODE_INDEX is set but CI_NODE_TOTAL is not; pass --shard I/N"),
        (None, Some(_)) => bail!("CI_NODE_TOTAL is set but CI_NODE_INDEX is not; pass --shard I/N"),
    }
}

/// A part of the work that is never split: a tool folder, another top-level
/// folder, or (key `""`) the files at the root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unit {
    pub(crate) key: String,
    pub(crate) files: Vec<String>,
    /// The size of its files in bytes.
    pub(crate) bytes: u64,
}

/// The default cost of a unit: its size. The result cache's recorded
/// durations can replace it, as long as every shard sees the same costs
/// (the plan digest in the reports catches shards that did not).
pub(crate) fn size_cost(unit: &Unit) -> u64 {
    unit.bytes
}

/// Which shard checks each unit.
#[derive(Debug)]
pub(crate) struct Plan {
    /// Tool folder paths, to find the unit of a path.
    tools: Vec<String>,
    owners: BTreeMap<String, usize>,
    /// Identifies the plan: the same files dealt out the same way.
    pub(crate) digest: String,
}

impl Plan {
    pub(crate) fn new(repo: &Repo, total: usize, cost: &dyn Fn(&Unit) -> u64) -> Plan {
        let tools: Vec<String> = repo.tools.iter().map(|t| t.path.clone()).collect();
        let mut units: BTreeMap<String, Unit> = BTreeMap::new();
        for file in &repo.files {
            let key = unit_key(&tools, &file.path, |_| false);
            let bytes =
                std::fs::symlink_metadata(repo.root.join(&file.path)).map_or(0, |m| m.len());
            let unit = units.entry(key.clone()).or_insert_with(|| Unit {
                key,
                files: Vec::new(),
                bytes: 0,
            });
            unit.files.push(file.path.clone());
            unit.bytes += bytes;
        }
        let units: Vec<Unit> = units.into_values().collect();
        let head_start = if total > 1 {
            units.iter().map(cost).sum::<u64>() / DESIGNATED_EXTRA
        } else {
            0
        };
        let owners = deal(&units, total, cost, head_start);
        let digest = short_digest(
            units.iter().flat_map(|unit| {
                let shard = owners[&unit.key].to_string();
                unit.files.iter().map(move |f| format!("{f}\t{shard}"))
            }),
            16,
        );
        Plan {
            tools,
            owners,
            digest,
        }
    }

    /// The shard that checks `path` (a file or folder, or `""` for the
    /// repository itself, which goes with the files at the root): the owner
    /// of its unit, else the designated shard.
    pub(crate) fn shard_of(&self, path: &str) -> usize {
        let key = unit_key(&self.tools, path, |top| self.owners.contains_key(top));
        self.owners.get(&key).copied().unwrap_or(1)
    }
}

/// The unit a path belongs to. `is_folder_unit` says whether a path without
/// a `/` names a folder unit rather than a file at the root.
fn unit_key(tools: &[String], path: &str, is_folder_unit: impl Fn(&str) -> bool) -> String {
    if let Some(tool) = tools
        .iter()
        .find(|tool| crate::discover::repo::within(path, tool))
    {
        return tool.clone();
    }
    match path.split_once('/') {
        Some((top, _)) => top.to_owned(),
        None if is_folder_unit(path) => path.to_owned(),
        None => String::new(),
    }
}

/// The designated shard's extra work, Pylint's cross-file pass over every
/// file, as a fraction (1/5) of the whole: measured on an ops repository of
/// 300 files, the pass alone costs half the CPU of a whole Pylint run (it
/// still parses every file), and Pylint nearly half of all the tools'.
const DESIGNATED_EXTRA: u64 = 5;

/// Greedy balancing: the costliest unit first (ties by key) into the shard
/// with the least cost so far (ties by index); shard 1 starts at `head_start`.
fn deal(
    units: &[Unit],
    total: usize,
    cost: &dyn Fn(&Unit) -> u64,
    head_start: u64,
) -> BTreeMap<String, usize> {
    let mut order: Vec<(u64, &Unit)> = units.iter().map(|u| (cost(u), u)).collect();
    order.sort_by(|(a_cost, a), (b_cost, b)| b_cost.cmp(a_cost).then_with(|| a.key.cmp(&b.key)));
    let mut loads = vec![0u64; total];
    loads[0] = head_start;
    let mut owners = BTreeMap::new();
    for (unit_cost, unit) in order {
        let (lightest, _) = loads
            .iter()
            .enumerate()
            .min_by_key(|&(index, load)| (*load, index))
            .expect("at least one shard");
        loads[lightest] += unit_cost;
        owners.insert(unit.key.clone(), lightest + 1);
    }
    owners
}

/// What a shard's JSON report says about the shard, for `opsgate merge`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ShardInfo {
    pub(crate) index: usize,
    pub(crate) total: usize,
    /// The digest of the plan: every shard of one run has the same.
    pub(crate) plan: String,
    /// The commit checked, when the CI platform or git says.
    pub(crate) commit: Option<String>,
    /// The digest of the configuration file's content (`defaults` without one).
    pub(crate) config: String,
}

impl ShardInfo {
    pub(crate) fn new(
        shard: Shard,
        plan: &Plan,
        root: &Path,
        config_file: Option<&Path>,
    ) -> Result<ShardInfo> {
        let config = match config_file {
            Some(path) => {
                let bytes = std::fs::read(path)
                    .with_context(|| format!("reading the configuration `{}`", path.display()))?;
                short_digest([bytes], 16)
            }
            None => "defaults".to_owned(),
        };
        Ok(ShardInfo {
            index: shard.index,
            total: shard.total,
            plan: plan.digest.clone(),
            commit: commit(root)?,
            config,
        })
    }
}

/// The commit from the CI platform, else from git; `None` outside a repository.
fn commit(root: &Path) -> Result<Option<String>> {
    let from_ci = ["GITHUB_SHA", "CI_COMMIT_SHA"]
        .iter()
        .find_map(|name| crate::environment::snapshot().owned(name));
    match from_ci {
        Some(sha) => Ok(Some(sha)),
        None => {
            crate::process::git::first_line(root, &["rev-parse", "--verify", "--quiet", "HEAD"])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(key: &str, bytes: u64) -> Unit {
        Unit {
            key: key.to_owned(),
            files: vec![format!("{key}/a.py")],
            bytes,
        }
    }

    #[test]
    fn parses_index_and_count() {
        assert_eq!("2/3".parse(), Ok(Shard { index: 2, total: 3 }));
        assert_eq!("1/1".parse(), Ok(Shard { index: 1, total: 1 }));
        for bad in ["0/3", "4/3", "1/0", "3", "a/3", "1/b", "-1/3", ""] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
        assert!(
            "4/3"
                .parse::<Shard>()
                .unwrap_err()
                .contains("between 1 and 3")
        );
    }

    #[test]
    fn the_flag_wins_over_gitlab_and_gitlab_counts_only_under_gitlab() {
        let gitlab = |name: &str| match name {
            "GITLAB_CI" => Some("true".to_owned()),
            "CI_NODE_INDEX" => Some("2".to_owned()),
            "CI_NODE_TOTAL" => Some("3".to_owned()),
            _ => None,
        };
        let flag = Some(Shard { index: 1, total: 2 });
        assert_eq!(resolve(flag, gitlab).unwrap(), flag);
        assert_eq!(
            resolve(None, gitlab).unwrap(),
            Some(Shard { index: 2, total: 3 })
        );
        let elsewhere = |name: &str| gitlab(name).filter(|_| name != "GITLAB_CI");
        assert_eq!(resolve(None, elsewhere).unwrap(), None);
        let half = |name: &str| gitlab(name).filter(|_| name != "CI_NODE_TOTAL");
        assert!(
            resolve(None, half)
                .unwrap_err()
                .to_string()
                .contains("CI_NODE_TOTAL is not")
        );
        let wrong = |name: &str| match name {
            "CI_NODE_INDEX" => Some("4".to_owned()),
            other => gitlab(other),
        };
        assert!(
            resolve(None, wrong)
                .unwrap_err()
                .to_string()
                .contains("between 1 and 3")
        );
    }

    #[test]
    fn deals_the_largest_first_to_the_lightest_shard() {
        let units = [
            unit("a", 10),
            unit("b", 7),
            unit("c", 5),
            unit("d", 4),
            unit("e", 1),
        ];
        let owners = deal(&units, 2, &size_cost, 0);
        // a→1 (10); b→2 (7); c→2 (12); d→1 (14); e→2 (13).
        let expected: BTreeMap<String, usize> = [("a", 1), ("b", 2), ("c", 2), ("d", 1), ("e", 2)]
            .into_iter()
            .map(|(k, s)| (k.to_owned(), s))
            .collect();
        assert_eq!(owners, expected);
        // Ties go by key, then to the lowest shard, whatever the input order.
        let tied = [unit("y", 3), unit("x", 3)];
        let owners = deal(&tied, 2, &size_cost, 0);
        assert_eq!((owners["x"], owners["y"]), (1, 2));
        // The cost function decides, not the size.
        let owners = deal(&units, 2, &|u: &Unit| u64::from(u.key == "e") * 100, 0);
        assert_eq!(owners["e"], 1);
        assert!(
            units
                .iter()
                .filter(|u| u.key != "e")
                .all(|u| owners[&u.key] == 2)
        );
        // The designated shard's head start sends the largest unit elsewhere.
        let owners = deal(&units, 2, &size_cost, 3);
        assert_eq!((owners["a"], owners["b"]), (2, 1));
    }

    #[test]
    fn every_file_goes_to_one_shard_and_the_plan_is_the_same_each_time() {
        let dir = tempfile::tempdir().unwrap();
        let files = [
            ("CODEOWNERS", 10),
            ("lib/opslib/__init__.py", 300),
            ("net/dns/dns.py", 900),
            ("net/dns/README.md", 100),
            ("net/vlan/vlan.py", 700),
            ("net/loose.py", 50),
            ("db/backup/backup.py", 800),
            ("tests/test_all.py", 200),
        ];
        for (path, size) in files {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "x".repeat(size)).unwrap();
        }
        let layout = crate::model::Layout {
            libraries: vec!["lib".into()],
            not_domains: vec!["tests".into()],
        };
        let repo = Repo::discover(dir.path(), &layout, 1);
        for total in 1..=5 {
            let plan = Plan::new(&repo, total, &size_cost);
            let again = Plan::new(&repo, total, &size_cost);
            assert_eq!(plan.owners, again.owners);
            assert_eq!(plan.digest, again.digest);
            for file in &repo.files {
                assert!((1..=total).contains(&plan.shard_of(&file.path)));
            }
            // A tool folder's files and the folder itself go together.
            assert_eq!(plan.shard_of("net/dns/dns.py"), plan.shard_of("net/dns"));
            assert_eq!(plan.shard_of("net/dns/README.md"), plan.shard_of("net/dns"));
            // The repository itself goes with the files at the root, and
            // paths in no unit to shard 1.
            assert_eq!(plan.shard_of(""), plan.shard_of("CODEOWNERS"));
            assert_eq!(plan.shard_of("elsewhere/gone.py"), 1);
        }
        let three = Plan::new(&repo, 3, &size_cost);
        let used: std::collections::BTreeSet<usize> = three.owners.values().copied().collect();
        assert_eq!(used.len(), 3, "{:?}", three.owners);
        assert_ne!(three.digest, Plan::new(&repo, 2, &size_cost).digest);
    }

    #[test]
    fn every_path_has_one_unit() {
        let tools = vec!["net/dns".to_owned(), "net/dns-check".to_owned()];
        let key = |path| unit_key(&tools, path, |top| top == "lib");
        assert_eq!(key("net/dns/a.py"), "net/dns");
        assert_eq!(key("net/dns-check/a.py"), "net/dns-check");
        assert_eq!(key("net/dns-check"), "net/dns-check");
        assert_eq!(key("net/loose.py"), "net");
        assert_eq!(key("lib/opslib/auth.py"), "lib");
        assert_eq!(key("lib"), "lib");
        assert_eq!(key("setup.py"), "");
        assert_eq!(key(""), "");
    }
}
