//! `--explain-cache`: per tool, what the cache served, what ran and why
//! each unit that ran missed; and the ledger it explains from, a record per
//! repository of what the last runs looked up, kept beside the results.
//!
//! A miss is explained by comparing the unit's inputs now with the ledger's:
//! the tool's setup (its version, the interpreter, the configuration files
//! …), then the unit's own files, then what they import; a unit whose key is
//! the one looked up last time was not kept (a test did not pass, the tool's
//! output could not be placed) or was trimmed from the cache since.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::keys::{KeyInputs, is_config_file};
use super::plan;
use super::plan::{Seen, UnitName, Visit};
use crate::cache::ResultCache;
use crate::discover::repo::Repo;
use crate::model::ToolKind;

/// What the last runs of one repository looked up.
#[derive(Serialize, Deserialize, Default)]
pub(crate) struct Ledger {
    /// Each file's content digest, as the last run read it.
    content: HashMap<String, String>,
    /// By tool name.
    tools: HashMap<String, ToolLedger>,
}

#[derive(Serialize, Deserialize, Default)]
struct ToolLedger {
    /// The named parts of the tool's setup, as keyed.
    setup: Vec<(String, String)>,
    /// Each unit (as `ledger_name` names it) and the key it was looked up under.
    units: HashMap<String, String>,
    /// Units whose result was not kept: a test did not pass.
    failed: HashSet<String>,
    /// Why nothing of the tool's last run was kept, if nothing was.
    unstored: Option<String>,
}

/// What this run looked up, for the ledger: kept only once the run's
/// results are.
pub(crate) struct Observed {
    /// The ledger's name beside the results.
    name: String,
    content: HashMap<String, String>,
    tools: Vec<ObservedTool>,
}

pub(crate) struct ObservedTool {
    pub(crate) kind: ToolKind,
    pub(crate) setup: Vec<(&'static str, String)>,
    pub(crate) units: Vec<(String, String)>,
}

impl ObservedTool {
    pub(crate) fn new(
        kind: ToolKind,
        setup: Vec<(&'static str, String)>,
        visits: &[Visit],
    ) -> Self {
        let units = visits
            .iter()
            .map(|visit| (ledger_name(&visit.unit), visit.key.clone()))
            .collect();
        ObservedTool { kind, setup, units }
    }
}

impl Observed {
    pub(crate) fn new(root: &Path, keys: &KeyInputs, tools: Vec<ObservedTool>) -> Observed {
        Observed {
            name: record_name(root),
            content: keys.content.clone(),
            tools,
        }
    }

    /// Folds this run into the repository's ledger: `outcomes` per tool, the
    /// keys not kept because a test did not pass, or why nothing was kept.
    pub(crate) fn record(
        self,
        cache: &ResultCache,
        outcomes: &HashMap<ToolKind, Result<Vec<String>, String>>,
    ) {
        if !cache.enabled() {
            return;
        }
        let mut ledger = Ledger::read(cache, &self.name).unwrap_or_default();
        ledger.content = self.content;
        for tool in self.tools {
            let kept = ledger.tools.entry(tool.kind.name().to_owned()).or_default();
            kept.setup = tool
                .setup
                .into_iter()
                .map(|(label, value)| (label.to_owned(), value))
                .collect();
            kept.unstored = None;
            let failed: HashSet<&str> = match outcomes.get(&tool.kind) {
                Some(Ok(failed)) => failed.iter().map(String::as_str).collect(),
                Some(Err(reason)) => {
                    kept.unstored = Some(reason.clone());
                    HashSet::new()
                }
                // Its jobs failed: nothing of it was kept.
                None => {
                    kept.unstored = Some("it did not run to the end".to_owned());
                    HashSet::new()
                }
            };
            for (name, key) in tool.units {
                kept.failed.remove(&name);
                if failed.contains(key.as_str()) {
                    kept.failed.insert(name.clone());
                }
                kept.units.insert(name, key);
            }
            // Files gone from the repository are forgotten.
            let content = &ledger.content;
            kept.units
                .retain(|name, _| !is_file_name(name) || content.contains_key(name));
        }
        // Only an explanation is lost if it cannot be written.
        if let Ok(bytes) = serde_json::to_vec(&ledger) {
            cache.write_beside(&self.name, &bytes);
        }
    }
}

impl Ledger {
    fn read(cache: &ResultCache, name: &str) -> Option<Ledger> {
        serde_json::from_slice(&cache.read_beside(name)?).ok()
    }

    pub(crate) fn load(cache: &ResultCache, root: &Path) -> Option<Ledger> {
        Ledger::read(cache, &record_name(root))
    }

    pub(crate) fn exists(cache: &ResultCache, root: &Path) -> bool {
        cache
            .beside(&record_name(root))
            .is_some_and(|path| path.is_file())
    }
}

/// The ledger of the repository at `root`, beside the results.
fn record_name(root: &Path) -> String {
    crate::cache::repository_record("ledger", root)
}

fn ledger_name(unit: &UnitName) -> String {
    match unit {
        UnitName::File(path) => path.clone(),
        UnitName::Folder(folder) => format!("folder:{folder}"),
        UnitName::Rule(rule) => format!("rule:{rule}"),
    }
}

fn is_file_name(name: &str) -> bool {
    !name.starts_with("folder:") && !name.starts_with("rule:")
}

fn display_name(unit: &UnitName) -> String {
    match unit {
        UnitName::File(path) => path.clone(),
        UnitName::Folder(folder) if folder.is_empty() => "tests at the root".to_owned(),
        UnitName::Folder(folder) => format!("tests in {folder}/"),
        UnitName::Rule(rule) => format!(
            "{} over every file",
            if *rule == plan::DUPLICATE_CODE {
                "duplicate-code"
            } else {
                "cyclic-import"
            }
        ),
    }
}

/// What one run explains from.
pub(crate) struct Explainer<'a> {
    pub(crate) ledger: Option<&'a Ledger>,
    pub(crate) keys: &'a KeyInputs,
    pub(crate) repo: &'a Repo,
}

impl Explainer<'_> {
    /// The lines `--explain-cache` prints for one tool.
    pub(crate) fn tool(&self, tool: &ObservedTool, visits: &[Visit], out: &mut String) {
        let served = visits
            .iter()
            .filter(|v| matches!(v.seen, Seen::Served))
            .count();
        let _ = writeln!(
            out,
            "  {}: {served} served from the cache, {} ran",
            tool.kind.name(),
            visits.len() - served
        );
        let Some((ledger, previous)) = self
            .ledger
            .and_then(|ledger| Some((ledger, ledger.tools.get(tool.kind.name())?)))
        else {
            if served < visits.len() {
                let _ = writeln!(out, "    no earlier run of it recorded for this repository");
            }
            return;
        };
        let changed_setup = self.changed_setup(ledger, previous, tool);
        if !changed_setup.is_empty() {
            let _ = writeln!(out, "    the setup changed: {}", changed_setup.join("; "));
            return;
        }
        let files: Vec<&str> = visits
            .iter()
            .filter_map(|v| match &v.unit {
                UnitName::File(path) => Some(path.as_str()),
                _ => None,
            })
            .collect();
        for visit in visits {
            let why = match visit.seen {
                Seen::Served => continue,
                Seen::Rechecked(why) => format!("in the cache, but checked again: {why}"),
                Seen::Missed => self.why_missed(ledger, previous, visit, &files),
            };
            let _ = writeln!(out, "    {}: {why}", display_name(&visit.unit));
        }
    }

    fn why_missed(
        &self,
        ledger: &Ledger,
        previous: &ToolLedger,
        visit: &Visit,
        tool_files: &[&str],
    ) -> String {
        let name = ledger_name(&visit.unit);
        let Some(old_key) = previous.units.get(&name) else {
            return "not checked before".to_owned();
        };
        let members: Vec<&str> = match &visit.unit {
            UnitName::File(path) => vec![path.as_str()],
            UnitName::Folder(folder) => self
                .repo
                .files_below(folder)
                .iter()
                .map(|f| f.path.as_str())
                .collect(),
            UnitName::Rule(_) => tool_files.to_vec(),
        };
        let changed = changed_files(ledger, self.keys, members.iter().copied());
        if !changed.is_empty() {
            return match visit.unit {
                UnitName::File(_) => "its content changed".to_owned(),
                _ => format!("changed: {}", listing(&changed)),
            };
        }
        let imported = self.imported(&members);
        let changed = changed_files(ledger, self.keys, imported.iter().copied());
        if !changed.is_empty() {
            return format!("an import changed: {}", listing(&changed));
        }
        if *old_key != visit.key {
            return "where the packages are changed (an `__init__.py` came or went)".to_owned();
        }
        if previous.failed.contains(&name) {
            "not kept last time: a test did not pass (failures always run again)".to_owned()
        } else if let Some(reason) = &previous.unstored {
            format!("not kept last time: {reason}")
        } else {
            "not in the cache any more: trimmed to its size limit, or removed".to_owned()
        }
    }

    /// The named parts of the tool's setup that differ from the ledger's.
    fn changed_setup(
        &self,
        ledger: &Ledger,
        previous: &ToolLedger,
        tool: &ObservedTool,
    ) -> Vec<String> {
        let before: HashMap<&str, &str> = previous
            .setup
            .iter()
            .map(|(label, value)| (label.as_str(), value.as_str()))
            .collect();
        let mut changed = Vec::new();
        for (label, value) in &tool.setup {
            if before.get(label) == Some(&value.as_str()) {
                continue;
            }
            let config: Vec<&str> = if *label == "the configuration files" {
                let all = ledger.content.keys().chain(self.keys.content.keys());
                let names: BTreeSet<&str> = all
                    .map(String::as_str)
                    .filter(|path| is_config_file(path))
                    .collect();
                changed_files(ledger, self.keys, names.into_iter())
            } else {
                Vec::new()
            };
            changed.push(if config.is_empty() {
                (*label).to_owned()
            } else {
                format!("{label} ({})", listing(&config))
            });
        }
        changed
    }

    /// Every repository file `members` import, directly or not.
    fn imported<'k>(&'k self, members: &[&'k str]) -> BTreeSet<&'k str> {
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        let mut next: Vec<&str> = members.to_vec();
        while let Some(file) = next.pop() {
            for dep in self.keys.graph.edges.get(file).into_iter().flatten() {
                if seen.insert(dep.as_str()) {
                    next.push(dep);
                }
            }
        }
        for member in members {
            seen.remove(member);
        }
        seen
    }
}

/// Of `paths`, those whose content differs from the ledger's (or that came
/// or went since).
fn changed_files<'p>(
    ledger: &Ledger,
    keys: &KeyInputs,
    paths: impl Iterator<Item = &'p str>,
) -> Vec<&'p str> {
    paths
        .filter(|path| ledger.content.get(*path) != keys.content.get(*path))
        .collect()
}

/// Up to three paths, and how many more.
fn listing(paths: &[&str]) -> String {
    let shown = paths.iter().take(3).copied().collect::<Vec<_>>().join(", ");
    match paths.len() {
        0..=3 => shown,
        more => format!("{shown} and {} more", more - 3),
    }
}
