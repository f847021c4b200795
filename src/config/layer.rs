//! Configuration that applies below the root: `[[overrides]]` tables of the
//! root file (scoped by path globs) and `opsgate.toml` files in subfolders
//! (scoped by their folder). Both may change the gate's thresholds, tool
//! severities and switches, and rule levels and options; the keys that set
//! up the whole run (interpreter, layout, tool versions, timeouts, `pass_env`)
//! are root-only and rejected at their line.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use anyhow::{Context, Result};

use super::rules::ScopedRulesTable;
pub(crate) use super::scoped::Globs;
use super::scoped::{GateTable, NestedFile, OverrideTable, ScopedTools};
use crate::model::ToolKind;
use crate::model::{MinCoverage, Severity};
use crate::rules::RuleTable;

/// What one override changes, resolved: only the keys it sets.
#[derive(Debug, Clone, Default)]
pub(crate) struct Patch {
    pub(crate) fail_on: Option<Severity>,
    pub(crate) max_severity: Option<Severity>,
    pub(crate) min_coverage: Option<MinCoverage>,
    pub(crate) tools: BTreeMap<ToolKind, ToolPatch>,
    /// Rule id -> the keys set (severity and options).
    pub(crate) rules: BTreeMap<String, RuleTable>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct ToolPatch {
    pub(crate) enabled: Option<bool>,
    /// Merged into the map below it, prefix by prefix.
    pub(crate) severity: BTreeMap<String, Severity>,
}

impl Patch {
    fn new(gate: &GateTable, tools: ScopedTools, rules: ScopedRulesTable) -> Patch {
        let tools = tools
            .into_iter()
            .filter(|(_, table)| table.enabled.is_some() || !table.severity.is_empty())
            .map(|(kind, table)| {
                let patch = ToolPatch {
                    enabled: table.enabled,
                    severity: table.severity,
                };
                (kind, patch)
            })
            .collect();
        Patch {
            fail_on: gate.fail_on,
            max_severity: gate.max_severity,
            min_coverage: gate.min_coverage.clone(),
            tools,
            rules: rules.0.0,
        }
    }
}

/// Where a layer applies.
#[derive(Debug, Clone)]
pub(crate) enum Scope {
    /// `[[overrides]]`: paths matching a glob, or below a folder matching one.
    Globs(Globs),
    /// A nested `opsgate.toml`: its folder and everything below it.
    Folder(String),
}

impl Scope {
    pub(crate) fn covers(&self, path: &str) -> bool {
        match self {
            Scope::Globs(globs) => crate::globs::ancestors(path).any(|p| globs.set.is_match(p)),
            Scope::Folder(folder) => crate::discover::repo::within(path, folder),
        }
    }
}

/// One override: where it came from, where it applies, what it changes.
#[derive(Debug, Clone)]
pub(crate) struct Layer {
    pub(crate) origin: Origin,
    pub(crate) scope: Scope,
    pub(crate) patch: Patch,
}

/// Where a layer was written, for `opsgate config --show`.
#[derive(Debug, Clone)]
pub(crate) enum Origin {
    /// The n-th (1-based) `[[overrides]]` table of the root configuration.
    Override { file: String, index: usize },
    /// A nested `opsgate.toml`, relative to the root.
    Nested(String),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Override { file, index } => write!(f, "{file}: [[overrides]] #{index}"),
            Origin::Nested(path) => f.write_str(path),
        }
    }
}

/// The root configuration's `[[overrides]]`, in the order written.
pub(crate) fn from_overrides(file: &str, tables: Vec<OverrideTable>) -> Vec<Layer> {
    tables
        .into_iter()
        .enumerate()
        .map(|(index, table)| {
            let gate = GateTable {
                fail_on: table.fail_on,
                max_severity: table.max_severity,
                min_coverage: table.min_coverage,
            };
            Layer {
                origin: Origin::Override {
                    file: file.to_owned(),
                    index: index + 1,
                },
                scope: Scope::Globs(table.paths),
                patch: Patch::new(&gate, table.tools, table.rules),
            }
        })
        .collect()
}

/// The `opsgate.toml` files below the root (repository-relative paths, as
/// the walk found them), shallowest first so that deeper ones win.
pub(crate) fn from_nested_files<'p>(
    root: &Path,
    paths: impl Iterator<Item = &'p str>,
) -> Result<Vec<Layer>> {
    let mut paths: Vec<&str> = paths
        .filter(|p| {
            p.rsplit_once('/')
                .is_some_and(|(_, name)| name == NESTED_NAME)
        })
        .collect();
    paths.sort_by_key(|p| (p.matches('/').count(), *p));
    paths
        .into_iter()
        .map(|rel| {
            let full = root.join(rel);
            let text = std::fs::read_to_string(&full)
                .with_context(|| format!("reading configuration `{}`", full.display()))?;
            let nested: NestedFile = toml::from_str(&text).with_context(|| {
                format!(
                    "invalid configuration in `{}` (a nested opsgate.toml takes [gate], \
                     [tools.*] enabled/severity and [rules.*]; see `opsgate init`)",
                    full.display()
                )
            })?;
            let folder = rel.rsplit_once('/').map_or("", |(dir, _)| dir).to_owned();
            Ok(Layer {
                origin: Origin::Nested(rel.to_owned()),
                scope: Scope::Folder(folder),
                patch: Patch::new(&nested.gate, nested.tools, nested.rules),
            })
        })
        .collect()
}

/// The name of a nested configuration file.
pub(crate) const NESTED_NAME: &str = "opsgate.toml";
/// What the path of a nested configuration file ends with.
pub(crate) const NESTED_SUFFIX: &str = "/opsgate.toml";

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(text: &str) -> Result<NestedFile, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    #[test]
    fn root_only_keys_in_a_nested_file_name_their_line() {
        for (text, line, key) in [
            (
                "# legacy\n\npython = \"x\"\n[gate]\nfail_on = \"error\"\n",
                3,
                "python",
            ),
            ("[layout]\nlibraries = []\n", 1, "layout"),
            (
                "[tools.pylint]\nenabled = true\nversion = \"1\"\n",
                3,
                "version",
            ),
            ("[tools.pytest]\ntimeout = \"1m\"\n", 2, "timeout"),
            ("[tools.pytest]\npass_env = []\n", 2, "pass_env"),
            ("[[overrides]]\npaths = [\"a\"]\n", 1, "overrides"),
        ] {
            let err = nested(text).unwrap_err();
            assert!(err.contains(&format!("line {line}")), "{text}: {err}");
            assert!(
                err.contains(&format!("`{key}` can only be set in the root")),
                "{text}: {err}"
            );
        }
    }

    #[test]
    fn rule_scope_keys_are_root_only_in_an_override() {
        let err = nested("[rules.OG301]\nseverity = \"note\"\nexclude = [\"x\"]\n").unwrap_err();
        assert!(
            err.contains("`paths` and `exclude` of [rules.OG301]"),
            "{err}"
        );
        // A rule may be named by its name too, and options are checked as at the root.
        let parsed = nested("[rules.tool-owners]\nmin_owners = 3\n").unwrap();
        assert_eq!(parsed.rules.0.0["OG203"].min_owners, Some(3));
        let err = nested("[rules.OG101]\nmin_owners = 3\n").unwrap_err();
        assert!(err.contains("not an option of OG101"), "{err}");
    }

    #[derive(Debug, serde::Deserialize)]
    struct Root {
        #[allow(dead_code)] // read through Debug in failures only
        overrides: Vec<OverrideTable>,
    }

    fn overrides(text: &str) -> Result<Root, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    #[test]
    fn override_paths_are_required_valid_and_relative() {
        for (text, line, says) in [
            (
                "[[overrides]]\nfail_on = \"error\"\n",
                1,
                "missing field `paths`",
            ),
            ("[[overrides]]\npaths = []\n", 2, "`paths` is empty"),
            ("[[overrides]]\npaths = [\"a/[\"]\n", 2, "invalid glob"),
            (
                "[[overrides]]\npaths = [\"/legacy\"]\n",
                2,
                "drop the leading `/`",
            ),
            (
                "[[overrides]]\npaths = [\"a\"]\n[overrides.tools.black]\ntimeout = \"1m\"\n",
                4,
                "`timeout` can only be set in the root",
            ),
            (
                "[[overrides]]\npaths = [\"a\"]\nfial_on = 1\n",
                3,
                "unknown field",
            ),
        ] {
            let err = overrides(text).unwrap_err();
            assert!(err.contains(&format!("line {line}")), "{text}: {err}");
            assert!(err.contains(says), "{text}: {err}");
        }
    }

    #[test]
    fn globs_cover_folders_and_below_and_folders_cover_their_tree() {
        let root = overrides("[[overrides]]\npaths = [\"legacy\", \"net/old_*/**\"]\n").unwrap();
        let layers = from_overrides("opsgate.toml", root.overrides);
        let scope = &layers[0].scope;
        assert!(scope.covers("legacy"));
        assert!(scope.covers("legacy/a/b.py"));
        assert!(!scope.covers("legacy2/b.py"));
        assert!(scope.covers("net/old_dns/x.py"));
        assert!(!scope.covers("net/new_dns/x.py"));
        assert!(!scope.covers("net/old_dns"));
        let folder = Scope::Folder("legacy/tool".to_owned());
        assert!(folder.covers("legacy/tool"));
        assert!(folder.covers("legacy/tool/x.py"));
        assert!(!folder.covers("legacy/tool2/x.py"));
        assert!(!folder.covers("legacy"));
    }

    /// The commented examples `opsgate init` writes, uncommented, are valid.
    #[test]
    fn the_documented_examples_parse() {
        let defaults = super::super::DEFAULTS_TOML;
        let block = |start: &str, prefix: &str| -> String {
            defaults
                .lines()
                .skip_while(|line| !line.contains(start))
                .take_while(|line| line.trim() != "#")
                .map(|line| line.strip_prefix(prefix).unwrap_or(line))
                .collect::<Vec<_>>()
                .join("\n")
        };
        let root = block("# [[overrides]]", "# ");
        let parsed = overrides(&root).unwrap();
        assert_eq!(parsed.overrides.len(), 1, "{root}");
        let file = block("# networking/opsgate.toml", "#    ");
        let parsed = nested(&file).unwrap();
        assert_eq!(parsed.gate.fail_on, Some(Severity::Note), "{file}");
    }

    #[test]
    fn nested_files_are_ordered_shallow_to_deep_and_root_is_not_nested() {
        let dir = tempfile::tempdir().unwrap();
        for rel in [
            "opsgate.toml",
            "a/b/opsgate.toml",
            "a/opsgate.toml",
            "z/opsgate.toml",
        ] {
            std::fs::create_dir_all(dir.path().join(rel).parent().unwrap()).unwrap();
            std::fs::write(dir.path().join(rel), "[gate]\nfail_on = \"error\"\n").unwrap();
        }
        let paths = [
            "a/b/opsgate.toml",
            "opsgate.toml",
            "z/opsgate.toml",
            "a/opsgate.toml",
        ];
        let layers = from_nested_files(dir.path(), paths.into_iter()).unwrap();
        let origins: Vec<String> = layers.iter().map(|l| l.origin.to_string()).collect();
        assert_eq!(
            origins,
            ["a/opsgate.toml", "z/opsgate.toml", "a/b/opsgate.toml"]
        );
    }
}
