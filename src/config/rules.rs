//! The `[rules.OG…]` tables: one per built-in rule, with the keys every rule
//! has (`severity`, `paths`, `exclude`) and the few options some rules take.
//! An unknown rule id, or an option the rule does not take, is rejected while
//! the file is parsed, so the error carries the file, line and key.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, de};

use crate::rules::{self, RuleTable};

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
            .map(rules::Rule::id)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RuleLevel;
    use crate::rules::RuleSettings;

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
        let settings = RuleSettings::resolve(&table.0).unwrap();
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
        let err = format!("{:#}", RuleSettings::resolve(&table.0).unwrap_err());
        assert!(err.contains("[rules.OG301] paths"), "{err}");
    }
}
