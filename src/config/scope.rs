//! The effective configuration of a path, and how it settles each finding.
//!
//! Precedence, lowest first: the embedded defaults, the root configuration,
//! then every override that covers the path — the root's `[[overrides]]` in
//! the order written, then nested `opsgate.toml` files from the shallowest
//! folder to the deepest. A later layer replaces each key it sets
//! (`fail_on`, `max_severity`, a tool's `enabled`, a rule's `severity` and
//! options) and adds its severity prefixes to a tool's map, where the longest
//! matching prefix still wins. `--fail-on` on the command line replaces
//! `fail_on` everywhere.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use super::layer::{Layer, Patch};
use super::{Settings, SeverityMap, ToolSettings};
use crate::discover::repo::Repo;
use crate::model::ToolKind;
use crate::model::{Finding, MinCoverage, RuleLevel, Severity, ToolId};
use crate::rules::RuleTable;

#[derive(Debug, Clone)]
pub(crate) struct ToolScope {
    pub(crate) enabled: bool,
    pub(crate) severity: SeverityMap,
}

#[derive(Debug, Clone)]
pub(crate) struct RuleScope {
    pub(crate) level: RuleLevel,
    pub(crate) options: RuleTable,
}

/// The settings that hold for one path.
#[derive(Debug, Clone)]
pub(crate) struct Effective {
    pub(crate) fail_on: Severity,
    pub(crate) max_severity: Option<Severity>,
    pub(crate) min_coverage: MinCoverage,
    pub(crate) tools: BTreeMap<ToolKind, ToolScope>,
    pub(crate) rules: BTreeMap<&'static str, RuleScope>,
    /// The layers applied, in order (indexes into `Scopes::layers`).
    pub(crate) applied: Vec<usize>,
}

impl Effective {
    fn apply(&mut self, patch: &Patch, fail_on_fixed: bool) {
        if !fail_on_fixed && let Some(fail_on) = patch.fail_on {
            self.fail_on = fail_on;
        }
        if patch.max_severity.is_some() {
            self.max_severity = patch.max_severity;
        }
        if let Some(min_coverage) = &patch.min_coverage {
            self.min_coverage = min_coverage.clone();
        }
        for (kind, tool_patch) in &patch.tools {
            let tool = self.tools.get_mut(kind).expect("every tool has settings");
            if let Some(enabled) = tool_patch.enabled {
                tool.enabled = enabled;
            }
            tool.severity
                .0
                .extend(tool_patch.severity.iter().map(|(k, v)| (k.clone(), *v)));
        }
        for (id, table) in &patch.rules {
            let rule = self
                .rules
                .get_mut(id.as_str())
                .expect("rule ids were validated while parsing");
            if let Some(level) = table.severity {
                rule.level = level;
            }
            let options = &mut rule.options;
            options.min_owners = table.min_owners.or(options.min_owners);
            options.required = table.required.clone().or(options.required.take());
            options.synonyms = table.synonyms.clone().or(options.synonyms.take());
        }
    }

    /// `max_severity` applied.
    fn capped(&self, severity: Severity) -> Severity {
        self.max_severity.map_or(severity, |cap| severity.min(cap))
    }

    pub(crate) fn tool(&self, kind: ToolKind) -> &ToolScope {
        &self.tools[&kind]
    }

    pub(crate) fn rule(&self, id: &str) -> Option<&RuleScope> {
        self.rules.get(id)
    }
}

/// Every layer, and the effective settings of the paths asked about so far.
#[derive(Debug)]
pub(crate) struct Scopes {
    base: Arc<Effective>,
    layers: Vec<Layer>,
    fail_on_fixed: bool,
    /// Keyed by the layers that cover a path: few distinct sets in a repository.
    memo: Mutex<HashMap<Vec<usize>, Arc<Effective>>>,
}

impl Scopes {
    pub(crate) fn new(settings: &Settings) -> Scopes {
        let base = Effective {
            fail_on: settings.fail_on,
            max_severity: settings.max_severity,
            min_coverage: settings.min_coverage.clone(),
            tools: settings
                .tools
                .iter()
                .map(|tool| {
                    let scope = ToolScope {
                        enabled: tool.enabled,
                        severity: tool.severity.clone(),
                    };
                    (tool.kind, scope)
                })
                .collect(),
            rules: crate::rules::RULES
                .iter()
                .filter_map(|rule| {
                    let config = settings.rules.get(rule.id())?;
                    let scope = RuleScope {
                        level: config.level,
                        options: config.options.clone(),
                    };
                    Some((rule.id(), scope))
                })
                .collect(),
            applied: Vec::new(),
        };
        Scopes {
            base: Arc::new(base),
            layers: settings.overrides.clone(),
            fail_on_fixed: settings.fail_on_given,
            memo: Mutex::default(),
        }
    }

    pub(crate) fn layers(&self) -> &[Layer] {
        &self.layers
    }

    /// The effective settings of a repository-relative path ("" is the root).
    pub(crate) fn at(&self, path: &str) -> Arc<Effective> {
        let covering: Vec<usize> = self
            .layers
            .iter()
            .enumerate()
            .filter(|(_, layer)| layer.scope.covers(path))
            .map(|(index, _)| index)
            .collect();
        if covering.is_empty() {
            return Arc::clone(&self.base);
        }
        let mut memo = self.memo.lock().expect("no thread panics holding the memo");
        let effective = memo.entry(covering).or_insert_with_key(|covering| {
            let mut effective = (*self.base).clone();
            for &index in covering {
                effective.apply(&self.layers[index].patch, self.fail_on_fixed);
            }
            effective.applied.clone_from(covering);
            Arc::new(effective)
        });
        Arc::clone(effective)
    }

    /// Whether some path has the tool on: then it runs, on those paths.
    pub(crate) fn tool_runs_somewhere(&self, kind: ToolKind) -> bool {
        self.base.tool(kind).enabled
            || self.layers.iter().any(|layer| {
                layer
                    .patch
                    .tools
                    .get(&kind)
                    .is_some_and(|t| t.enabled == Some(true))
            })
    }

    /// Whether some path has the rule on: then it runs, and is settled per path.
    pub(crate) fn rule_runs_somewhere(&self, id: &str) -> bool {
        self.base
            .rule(id)
            .is_some_and(|rule| rule.level != RuleLevel::Off)
            || self.layers.iter().any(|layer| {
                layer.patch.rules.get(id).is_some_and(|table| {
                    table.severity.is_some_and(|level| level != RuleLevel::Off)
                })
            })
    }

    /// Runs each tool that is on for some path, and only on the files of
    /// the paths where it is on: those where it is off go to `excluded`.
    pub(crate) fn restrict_tools(&self, tools: &mut [ToolSettings], repo: &Repo) {
        // Only tools some override switches on or off differ by path.
        let switched: Vec<&mut ToolSettings> = tools
            .iter_mut()
            .filter(|tool| {
                self.layers.iter().any(|layer| {
                    layer
                        .patch
                        .tools
                        .get(&tool.kind)
                        .is_some_and(|t| t.enabled.is_some())
                })
            })
            .collect();
        if switched.is_empty() {
            return;
        }
        let mut switched = switched;
        for tool in &mut switched {
            tool.enabled = self.tool_runs_somewhere(tool.kind);
        }
        for file in &repo.files {
            let here = self.at(&file.path);
            for tool in &mut switched {
                if !here.tool(tool.kind).enabled {
                    tool.excluded.insert(file.path.clone());
                }
            }
        }
    }

    /// Gives a finding the severity and threshold of the configuration of
    /// `governing` (its path, or the folder it is about); `false` when that
    /// configuration turns its tool or rule off there.
    ///
    /// This is where every finding's severity is decided: a tool's code
    /// through the tool's severity map, a rule through its level, both capped
    /// by `max_severity`.
    pub(crate) fn settle(&self, finding: &mut Finding, governing: &str) -> bool {
        let here = self.at(governing);
        let severity = match finding.tool {
            ToolId::Builtin => match here.rule(&finding.rule) {
                Some(rule) => rule.level.severity(),
                None => Some(finding.severity),
            },
            ToolId::Tool(kind) => {
                let tool = here.tool(kind);
                tool.enabled
                    .then(|| tool.severity.severity_or(&finding.rule, finding.severity))
            }
        };
        let Some(severity) = severity else {
            return false;
        };
        finding.severity = here.capped(severity);
        // Only a threshold other than the run's is the finding's own.
        finding.fail_on = (here.fail_on != self.base.fail_on).then_some(here.fail_on);
        true
    }

    /// Settles the findings of the external tools, each by its own path.
    pub(crate) fn settle_tool_findings(&self, findings: &mut Vec<Finding>) {
        findings.retain_mut(|finding| {
            let path = finding.path.clone();
            finding.tool == ToolId::Builtin || self.settle(finding, &path)
        });
    }
}

impl crate::rules::Folders for Scopes {
    fn options(&self, id: &str, path: &str) -> RuleTable {
        self.at(path)
            .rule(id)
            .map(|rule| rule.options.clone())
            .unwrap_or_default()
    }

    fn runs_somewhere(&self, id: &str) -> bool {
        self.rule_runs_somewhere(id)
    }

    fn min_coverage(&self, path: &str) -> MinCoverage {
        self.at(path).min_coverage.clone()
    }

    fn settle(&self, finding: &mut Finding, governing: &str) -> bool {
        Scopes::settle(self, finding, governing)
    }
}

#[cfg(test)]
mod tests {
    use super::super::layer::{Origin, Scope, ToolPatch};
    use super::*;
    use crate::model::Span;

    fn settings() -> Settings {
        Settings::for_tests()
    }

    fn folder(dir: &str, patch: Patch) -> Layer {
        Layer {
            origin: Origin::Nested(format!("{dir}/opsgate.toml")),
            scope: Scope::Folder(dir.to_owned()),
            patch,
        }
    }

    fn rule(id: &str, table: RuleTable) -> BTreeMap<String, RuleTable> {
        BTreeMap::from([(id.to_owned(), table)])
    }

    fn flake8(code: &str, path: &str) -> Finding {
        Finding::new(
            ToolKind::Flake8,
            code,
            Severity::Error,
            path,
            Span::at(1, None),
            "m",
        )
    }

    #[test]
    fn deeper_layers_win_and_only_below_their_folder() {
        let mut settings = settings();
        settings.overrides = vec![
            folder(
                "legacy",
                Patch {
                    fail_on: Some(Severity::Error),
                    max_severity: Some(Severity::Note),
                    ..Patch::default()
                },
            ),
            folder(
                "legacy/keep",
                Patch {
                    max_severity: Some(Severity::Error),
                    ..Patch::default()
                },
            ),
        ];
        let scopes = Scopes::new(&settings);
        assert_eq!(scopes.at("new/x.py").fail_on, Severity::Warning);
        assert_eq!(scopes.at("new/x.py").max_severity, None);
        let legacy = scopes.at("legacy/old/x.py");
        assert_eq!(
            (legacy.fail_on, legacy.max_severity),
            (Severity::Error, Some(Severity::Note))
        );
        assert_eq!(legacy.applied, [0]);
        let keep = scopes.at("legacy/keep/x.py");
        assert_eq!(
            (keep.fail_on, keep.max_severity),
            (Severity::Error, Some(Severity::Error))
        );
        assert_eq!(keep.applied, [0, 1]);

        let mut finding = flake8("F401", "legacy/old/x.py");
        assert!(scopes.settle(&mut finding, "legacy/old/x.py"));
        assert_eq!(finding.severity, Severity::Note);
        assert_eq!(finding.fail_on, Some(Severity::Error));
        let mut finding = flake8("F401", "new/x.py");
        assert!(scopes.settle(&mut finding, "new/x.py"));
        assert_eq!(finding.severity, Severity::Error);
    }

    #[test]
    fn command_line_fail_on_holds_everywhere() {
        let mut settings = settings();
        settings.fail_on_given = true;
        settings.overrides = vec![folder(
            "legacy",
            Patch {
                fail_on: Some(Severity::Error),
                ..Patch::default()
            },
        )];
        let scopes = Scopes::new(&settings);
        assert_eq!(scopes.at("legacy/x.py").fail_on, Severity::Warning);
    }

    #[test]
    fn severity_prefixes_merge_and_a_disabled_tool_drops_its_findings() {
        let mut settings = settings();
        let tools = BTreeMap::from([(
            ToolKind::Flake8,
            ToolPatch {
                enabled: None,
                severity: BTreeMap::from([("F4".to_owned(), Severity::Note)]),
            },
        )]);
        let off = BTreeMap::from([(
            ToolKind::Flake8,
            ToolPatch {
                enabled: Some(false),
                severity: BTreeMap::new(),
            },
        )]);
        settings.overrides = vec![
            folder(
                "a",
                Patch {
                    tools,
                    ..Patch::default()
                },
            ),
            folder(
                "b",
                Patch {
                    tools: off,
                    ..Patch::default()
                },
            ),
        ];
        let scopes = Scopes::new(&settings);
        let mut findings = vec![
            flake8("F401", "a/x.py"),
            flake8("F811", "a/x.py"),
            flake8("E501", "a/x.py"),
            flake8("F401", "b/x.py"),
        ];
        scopes.settle_tool_findings(&mut findings);
        let settled: Vec<(&str, &str, Severity)> = findings
            .iter()
            .map(|f| (f.path.as_str(), f.rule.as_str(), f.severity))
            .collect();
        // The defaults' "F" = error and "*" = warning still hold beside "F4".
        assert_eq!(
            settled,
            [
                ("a/x.py", "F401", Severity::Note),
                ("a/x.py", "F811", Severity::Error),
                ("a/x.py", "E501", Severity::Warning),
            ]
        );
        assert!(scopes.tool_runs_somewhere(ToolKind::Flake8));
    }

    #[test]
    fn rule_levels_and_options_follow_the_path() {
        let mut settings = settings();
        settings.overrides = vec![
            folder(
                "lab",
                Patch {
                    rules: rule(
                        "OG203",
                        RuleTable {
                            min_owners: Some(1),
                            ..RuleTable::default()
                        },
                    ),
                    ..Patch::default()
                },
            ),
            folder(
                "new",
                Patch {
                    rules: rule(
                        "OG501",
                        RuleTable {
                            severity: Some(RuleLevel::Error),
                            ..RuleTable::default()
                        },
                    ),
                    ..Patch::default()
                },
            ),
        ];
        let scopes = Scopes::new(&settings);
        assert_eq!(
            scopes.at("lab/x").rule("OG203").unwrap().options.min_owners,
            Some(1)
        );
        assert_eq!(
            scopes
                .at("other/x")
                .rule("OG203")
                .unwrap()
                .options
                .min_owners,
            None
        );
        assert_eq!(
            scopes.at("new/x.py").rule("OG501").unwrap().level,
            RuleLevel::Error
        );
        let mut finding = Finding::new(
            ToolId::Builtin,
            "OG501",
            Severity::Note,
            "new/x.py",
            Span::default(),
            "m",
        );
        assert!(scopes.settle(&mut finding, "new/x.py"));
        assert_eq!(finding.severity, Severity::Error);
    }

    #[test]
    fn a_rule_off_at_the_root_runs_when_an_override_turns_it_on() {
        let mut settings = settings();
        let root_off = RuleTable {
            severity: Some(RuleLevel::Off),
            ..RuleTable::default()
        };
        settings.rules = crate::rules::RuleSettings::resolve(&rule("OG301", root_off)).unwrap();
        assert!(!Scopes::new(&settings).rule_runs_somewhere("OG301"));
        settings.overrides = vec![folder(
            "new",
            Patch {
                rules: rule(
                    "OG301",
                    RuleTable {
                        severity: Some(RuleLevel::Error),
                        ..RuleTable::default()
                    },
                ),
                ..Patch::default()
            },
        )];
        let scopes = Scopes::new(&settings);
        assert!(scopes.rule_runs_somewhere("OG301"));
        let mut finding = Finding::new(
            ToolId::Builtin,
            "OG301",
            Severity::Note,
            "old/x.py",
            Span::default(),
            "m",
        );
        assert!(!scopes.settle(&mut finding, "old/x.py"));
    }
}
