//! What the configuration says of each built-in rule: the `[rules.OG…]`
//! table as written, and every rule's resolved level, scope and options.

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use globset::GlobSet;
use serde::Deserialize;

use super::RULES;
use crate::globs::{ancestors, build_globs};
use crate::model::RuleLevel;

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
    pub(crate) fn options_set(&self) -> Vec<&'static str> {
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

/// Every rule's configuration, keyed by id.
#[derive(Debug, Clone, Default)]
pub(crate) struct RuleSettings(BTreeMap<&'static str, RuleConfig>);

impl RuleSettings {
    /// Each rule's table as written (`[rules]`, id -> table) over its defaults.
    pub(crate) fn resolve(user: &BTreeMap<String, RuleTable>) -> Result<RuleSettings> {
        let mut resolved = BTreeMap::new();
        for rule in RULES {
            let table = user.get(rule.id()).cloned().unwrap_or_default();
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
