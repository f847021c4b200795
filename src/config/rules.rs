//! The `[rules.OG…]` tables: one per built-in rule, with the keys every rule
//! has (`severity`, `paths`, `exclude`) and the few options some rules take.
//! An unknown rule id, or an option the rule does not take, is rejected while
//! the file is parsed, so the error carries the file, line and key.

use std::collections::BTreeMap;
use std::fmt;

use anyhow::{Context, Result};
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use serde::de::{DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, de};

use crate::model::RuleLevel;
use crate::rules;

/// One `[rules.OG…]` table as written.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RuleTable {
    pub(crate) severity: Option<RuleLevel>,
    /// Globs: the rule reports only on paths matching one of them.
    pub(crate) paths: Option<Vec<String>>,
    /// Globs: the rule never reports on paths matching one of them.
    pub(crate) exclude: Option<Vec<String>>,
    /// OG203: distinct owners each tool needs.
    pub(crate) min_owners: Option<u32>,
    /// OG102: the README sections every tool needs, in the order they belong.
    pub(crate) required: Option<Vec<String>>,
    /// OG102: other headings that count as a section.
    pub(crate) synonyms: Option<BTreeMap<String, Vec<String>>>,
}

impl RuleTable {
    /// The rule-specific keys that are set, for validation.
    fn options_set(&self) -> Vec<&'static str> {
        let mut set = Vec::new();
        if self.min_owners.is_some() {
            set.push("min_owners");
        }
        if self.required.is_some() {
            set.push("required");
        }
        if self.synonyms.is_some() {
            set.push("synonyms");
        }
        set
    }
}

/// `[rules]`: rule id -> its table.
#[derive(Debug, Default)]
pub(crate) struct RulesTable(pub(crate) BTreeMap<String, RuleTable>);

impl<'de> Deserialize<'de> for RulesTable {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(RulesVisitor { scoped: false })
    }
}

/// The `[rules]` of an override or a nested `opsgate.toml`: the same tables,
/// without `paths`/`exclude` (the override's own scope says where it applies).
#[derive(Debug, Default)]
pub(crate) struct ScopedRulesTable(pub(crate) RulesTable);

impl<'de> Deserialize<'de> for ScopedRulesTable {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_map(RulesVisitor { scoped: true })
            .map(ScopedRulesTable)
    }
}

struct RulesVisitor {
    scoped: bool,
}

impl<'de> Visitor<'de> for RulesVisitor {
    type Value = RulesTable;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a table of rule ids, e.g. [rules.OG201]")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RulesTable, A::Error> {
        let mut tables = BTreeMap::new();
        // Errors raised inside the seeds carry the key's or the table's span.
        while let Some(id) = map.next_key_seed(RuleId)? {
            let table = map.next_value_seed(TableFor {
                id,
                scoped: self.scoped,
            })?;
            tables.insert(id.to_owned(), table);
        }
        Ok(RulesTable(tables))
    }
}

/// A key of `[rules]` that must name a built-in rule.
struct RuleId;

impl<'de> DeserializeSeed<'de> for RuleId {
    type Value = &'static str;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<&'static str, D::Error> {
        let id = String::deserialize(deserializer)?;
        rules::find(&id)
            .map(super::super::rules::Rule::id)
            .ok_or_else(|| de::Error::custom(rules::unknown_rule_message(&id)))
    }
}

/// The table of one rule, which may hold only the options that rule takes.
struct TableFor {
    id: &'static str,
    /// In an override, where `paths`/`exclude` are the override's business.
    scoped: bool,
}

impl<'de> DeserializeSeed<'de> for TableFor {
    type Value = RuleTable;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<RuleTable, D::Error> {
        let table = RuleTable::deserialize(deserializer)?;
        let rule = rules::find(self.id).expect("the key was validated");
        if self.scoped && (table.paths.is_some() || table.exclude.is_some()) {
            return Err(de::Error::custom(format!(
                "`paths` and `exclude` of [rules.{}] can only be set in the root configuration; \
                 an override applies where its own `paths` (or its folder) say",
                rule.id()
            )));
        }
        if let Some(key) = table
            .options_set()
            .into_iter()
            .find(|key| !rule.options().contains(key))
        {
            let accepted = if rule.options().is_empty() {
                "none".to_owned()
            } else {
                rule.options().join(", ")
            };
            return Err(de::Error::custom(format!(
                "`{key}` is not an option of {} ({}); its options: {accepted}",
                rule.id(),
                rule.name()
            )));
        }
        if table.min_owners == Some(0) {
            return Err(de::Error::custom("`min_owners` must be at least 1"));
        }
        Ok(table)
    }
}

/// A rule's resolved configuration: its level, scope and options.
#[derive(Debug, Clone)]
pub(crate) struct RuleConfig {
    pub(crate) level: RuleLevel,
    pub(crate) paths: Option<GlobSet>,
    pub(crate) exclude: Option<GlobSet>,
    pub(crate) options: RuleTable,
}

impl RuleConfig {
    /// Whether a finding about `path` (a file or folder) is in scope. A glob
    /// matching a parent folder matches everything below it.
    pub(crate) fn in_scope(&self, path: &str) -> bool {
        let matches = |set: &GlobSet| ancestors(path).any(|p| set.is_match(p));
        self.paths.as_ref().is_none_or(matches) && !self.exclude.as_ref().is_some_and(matches)
    }
}

/// `a/b/c`, `a/b`, `a`.
pub(super) fn ancestors(path: &str) -> impl Iterator<Item = &str> {
    std::iter::successors(Some(path), |p| p.rsplit_once('/').map(|(parent, _)| parent))
}

/// Every rule's configuration, keyed by id.
#[derive(Debug, Clone, Default)]
pub(crate) struct RuleSettings(BTreeMap<&'static str, RuleConfig>);

impl RuleSettings {
    pub(crate) fn resolve(user: &RulesTable) -> Result<RuleSettings> {
        let mut resolved = BTreeMap::new();
        for rule in rules::RULES {
            let table = user.0.get(rule.id()).cloned().unwrap_or_default();
            let globs = |key: &str, list: &Option<Vec<String>>| -> Result<Option<GlobSet>> {
                list.as_deref()
                    .map(|globs| {
                        build_globs(globs).with_context(|| format!("[rules.{}] {key}", rule.id()))
                    })
                    .transpose()
            };
            let config = RuleConfig {
                level: table.severity.unwrap_or(rule.default_severity()),
                paths: globs("paths", &table.paths)?,
                exclude: globs("exclude", &table.exclude)?,
                options: table,
            };
            resolved.insert(rule.id(), config);
        }
        Ok(RuleSettings(resolved))
    }

    pub(crate) fn get(&self, id: &str) -> Option<&RuleConfig> {
        self.0.get(id)
    }
}

pub(super) fn build_globs(globs: &[String]) -> Result<GlobSet> {
    let mut builder = GlobSetBuilder::new();
    for glob in globs {
        let glob = glob.trim_end_matches('/');
        builder.add(
            GlobBuilder::new(glob)
                .literal_separator(true)
                .build()
                .with_context(|| format!("invalid glob `{glob}`"))?,
        );
    }
    builder.build().context("building the globs")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Doc {
        #[allow(dead_code)] // read through Debug in failures only
        rules: RulesTable,
    }

    fn parse(text: &str) -> Result<RulesTable, String> {
        toml::from_str::<Doc>(text)
            .map(|doc| doc.rules)
            .map_err(|err| err.to_string())
    }

    #[test]
    fn an_unknown_rule_id_names_its_line() {
        let err =
            parse("[rules.OG101]\nseverity = \"note\"\n\n[rules.OG999]\nseverity = \"off\"\n")
                .unwrap_err();
        assert!(err.contains("line 4"), "{err}");
        assert!(err.contains("unknown rule `OG999`"), "{err}");
    }

    #[test]
    fn an_option_of_another_rule_is_rejected_at_its_table() {
        let err = parse("[rules.OG101]\nmin_owners = 3\n").unwrap_err();
        assert!(err.contains("line 1"), "{err}");
        assert!(
            err.contains("`min_owners` is not an option of OG101"),
            "{err}"
        );
    }

    #[test]
    fn a_bad_severity_names_its_line() {
        let err = parse("[rules.OG203]\nmin_owners = 2\nseverity = \"loud\"\n").unwrap_err();
        assert!(err.contains("line 3"), "{err}");
    }

    #[test]
    fn scope_globs_match_files_and_folders_below() {
        let table = parse(
            "[rules.OG301]\npaths = [\"networking\", \"db/*.py\"]\nexclude = [\"networking/legacy-*\"]\n",
        )
        .unwrap();
        let settings = RuleSettings::resolve(&table).unwrap();
        let config = settings.get("OG301").unwrap();
        assert!(config.in_scope("networking/dns/x.py"));
        assert!(config.in_scope("db/a.py"));
        assert!(!config.in_scope("db/sub/a.py"));
        assert!(!config.in_scope("networking/legacy-dns/x.py"));
        assert!(!config.in_scope("other/x.py"));
        assert_eq!(config.level, RuleLevel::Warning);
    }

    #[test]
    fn the_defaults_file_states_every_rule_default() {
        let defaults = super::super::file::parse_defaults().rules;
        for rule in rules::RULES {
            let table = defaults
                .0
                .get(rule.id())
                .unwrap_or_else(|| panic!("{} missing", rule.id()));
            assert_eq!(
                table.severity,
                Some(rule.default_severity()),
                "{}",
                rule.id()
            );
        }
        assert_eq!(defaults.0.len(), rules::RULES.len());
        let owners = &defaults.0["OG203"];
        assert_eq!(owners.min_owners, Some(2));
        let sections = &defaults.0["OG102"];
        assert_eq!(
            sections.required.as_deref(),
            Some(
                &[
                    "purpose".to_owned(),
                    "usage".to_owned(),
                    "output".to_owned()
                ][..]
            )
        );
        assert_eq!(
            sections.synonyms.as_ref().unwrap()["usage"],
            ["arguments", "options", "parameters"]
        );
    }

    #[test]
    fn an_invalid_glob_names_the_rule_and_key() {
        let table = parse("[rules.OG301]\npaths = [\"a/[\"]\n").unwrap();
        let err = format!("{:#}", RuleSettings::resolve(&table).unwrap_err());
        assert!(err.contains("[rules.OG301] paths"), "{err}");
    }
}
