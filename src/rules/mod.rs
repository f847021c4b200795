//! opsgate's own repository rules: the standards of an ops repository that
//! no linter checks. Every rule is a unit struct behind the `Rule` trait,
//! registered once in `RULES` with its id, name, default severity and docs;
//! `run` applies them in parallel to the repository model of the one walk.

mod codeowners;
mod codeowners_missing;
mod codeowners_syntax;
mod commands;
mod coverage_below;
#[cfg(test)]
mod docs_page;
mod expired_suppression;
#[cfg(test)]
mod fuzz;
mod invalid_suppression;
mod loose_script;
mod machine_path;
mod manifest_missing;
mod metadata;
mod readme;
mod readme_missing;
mod readme_options;
mod readme_sections;
mod requirements;
mod review_evidence;
mod runtime_install;
mod secret_literal;
mod settings;
mod source;
mod standards;
mod suppress;
mod text;
mod tool_metadata;
mod tool_owners;
mod uncovered_new_lines;
mod unpinned_requirement;
mod unreadable_path;
mod untested_tool;
mod unused_suppression;
mod workspace;

use rayon::prelude::*;

use crate::discover::repo::Repo;
use crate::git::ChangeSet;
use crate::model::{Coverage, Finding, MinCoverage, RuleLevel, Severity, Span, ToolId};

pub(crate) use commands::{explain, list};
#[allow(unused_imports)] // the parsed metadata is for later features, e.g. reports
pub(crate) use metadata::{Maturity, ToolMetadata};
pub(crate) use settings::{RuleSettings, RuleTable};
pub(crate) use standards::{ToolStandards, assess as assess_standards};
pub(crate) use workspace::Workspace;

/// A built-in rule. `check` reads the shared workspace and never the disk.
pub(crate) trait Rule: Sync {
    /// `OG` and three digits, grouped by hundreds; never reused.
    fn id(&self) -> &'static str;
    /// kebab-case.
    fn name(&self) -> &'static str;
    fn default_severity(&self) -> RuleLevel;
    /// One line for `opsgate rules`.
    fn summary(&self) -> &'static str;
    /// Markdown with What it does / Why it matters / Example / Configuration.
    fn docs(&self) -> &'static str;
    /// Rule-specific keys its `[rules.ID]` table accepts.
    fn options(&self) -> &'static [&'static str] {
        &[]
    }
    /// `options.at(path)` are the options for the path being judged.
    fn check(&self, ws: &Workspace<'_>, options: &RuleOptions<'_>) -> Vec<Violation>;
}

/// What the rules ask of the per-folder configuration (which the
/// configuration's scopes answer): the rules themselves know only their own
/// tables.
pub(crate) trait Folders: Sync {
    /// The options of rule `id` for `path`: its table where it applies there.
    fn options(&self, id: &str, path: &str) -> RuleTable;
    /// Whether rule `id` is on for some path.
    fn runs_somewhere(&self, id: &str) -> bool;
    /// What the tests of the tool at `path` must cover (`[gate] min_coverage`).
    fn min_coverage(&self, path: &str) -> MinCoverage;
    /// Settles a finding's severity by the configuration of `governing`;
    /// `false` when its rule or tool is off there.
    fn settle(&self, finding: &mut Finding, governing: &str) -> bool;
}

/// A rule's options, which overrides may change per folder: a rule reads
/// them for the path it judges.
pub(crate) enum RuleOptions<'a> {
    Scoped {
        id: &'static str,
        folders: &'a dyn Folders,
    },
    /// The same options everywhere.
    #[cfg(test)]
    Fixed(RuleTable),
}

impl RuleOptions<'_> {
    pub(crate) fn at(&self, path: &str) -> RuleTable {
        match self {
            RuleOptions::Scoped { id, folders } => folders.options(id, path),
            #[cfg(test)]
            RuleOptions::Fixed(table) => table.clone(),
        }
    }

    /// `[gate] min_coverage` where `path` is (80 for production tools in
    /// tests, as the embedded default).
    pub(crate) fn min_coverage(&self, path: &str) -> MinCoverage {
        match self {
            RuleOptions::Scoped { folders, .. } => folders.min_coverage(path),
            #[cfg(test)]
            RuleOptions::Fixed(_) => MinCoverage::ByMaturity(std::collections::BTreeMap::from([(
                "production".to_owned(),
                80.0,
            )])),
        }
    }
}

#[cfg(test)]
impl Default for RuleOptions<'_> {
    fn default() -> Self {
        RuleOptions::Fixed(RuleTable::default())
    }
}

/// Every built-in rule, in id order.
pub(crate) const RULES: &[&dyn Rule] = &[
    &unreadable_path::UnreadablePath,
    &invalid_suppression::InvalidSuppression,
    &expired_suppression::ExpiredSuppression,
    &unused_suppression::UnusedSuppression,
    &readme_missing::ReadmeMissing,
    &readme_sections::ReadmeSections,
    &readme_options::ReadmeOptions,
    &tool_metadata::ToolMetadataInvalid,
    &codeowners_missing::CodeownersMissing,
    &codeowners_syntax::CodeownersSyntax,
    &tool_owners::ToolOwners,
    &review_evidence::ReviewEvidence,
    &machine_path::MachinePath,
    &secret_literal::SecretLiteral,
    &manifest_missing::ManifestMissing,
    &unpinned_requirement::UnpinnedRequirement,
    &runtime_install::RuntimeInstall,
    &untested_tool::UntestedTool,
    &coverage_below::CoverageBelow,
    &uncovered_new_lines::UncoveredNewLines,
    &loose_script::LooseScript,
];

/// The rule with this id (or name), case-insensitive.
pub(crate) fn find(id: &str) -> Option<&'static dyn Rule> {
    RULES
        .iter()
        .find(|rule| rule.id().eq_ignore_ascii_case(id) || rule.name() == id)
        .copied()
}

/// "unknown rule `X`", with the closest id or name when there is one.
pub(crate) fn unknown_rule_message(id: &str) -> String {
    let closest = RULES
        .iter()
        .flat_map(|rule| [rule.id(), rule.name()])
        .map(|candidate| {
            (
                text::edit_distance(&id.to_ascii_lowercase(), &candidate.to_ascii_lowercase()),
                candidate,
            )
        })
        .min_by_key(|(distance, _)| *distance)
        .filter(|(distance, candidate)| *distance <= candidate.len() / 3 + 1);
    match closest {
        Some((_, candidate)) => format!(
            "unknown rule `{id}`; did you mean `{candidate}`? (`opsgate rules` lists them all)"
        ),
        None => format!("unknown rule `{id}` (`opsgate rules` lists them all)"),
    }
}

/// What a rule found, before the runner adds its id and severity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Violation {
    pub(crate) path: String,
    pub(crate) line: Option<u32>,
    pub(crate) column: Option<u32>,
    pub(crate) message: String,
    /// What `paths`/`exclude` match when it is not `path`: the tool folder
    /// a CODEOWNERS finding is about, say.
    pub(crate) scope: Option<String>,
    /// The last line of a finding about several.
    pub(crate) end_line: Option<u32>,
}

impl Violation {
    pub(crate) fn at(
        path: impl Into<String>,
        line: u32,
        column: Option<u32>,
        message: impl Into<String>,
    ) -> Violation {
        Violation {
            path: path.into(),
            line: Some(line),
            column,
            message: message.into(),
            scope: None,
            end_line: None,
        }
    }

    /// A finding about a whole file or folder.
    pub(crate) fn whole(path: impl Into<String>, message: impl Into<String>) -> Violation {
        Violation {
            path: path.into(),
            line: None,
            column: None,
            message: message.into(),
            scope: None,
            end_line: None,
        }
    }

    pub(crate) fn scoped(mut self, scope: impl Into<String>) -> Violation {
        self.scope = Some(scope.into());
        self
    }

    /// A finding about the lines from its own through `end`.
    pub(crate) fn through(mut self, end: u32) -> Violation {
        self.end_line = (self.line != Some(end)).then_some(end);
        self
    }
}

/// Runs every rule that is on somewhere in parallel over the repository
/// model; each file is read once into the workspace, which all rules share
/// (`read`: the bytes the run already read, by index in `repo.files`; the
/// rest are read from the disk).
/// Each finding gets the level of the configuration of the path it is about
/// (its `scope`, else its path), and is dropped where the rule is off. The
/// tools' findings join them before the inline suppressions apply to both.
/// `changes`: under `--new-only`, what changed since the merge base.
pub(crate) fn run(
    repo: &Repo,
    settings: &RuleSettings,
    folders: &dyn Folders,
    tools: ToolFindings,
    read: Vec<Option<Vec<u8>>>,
    changes: Option<&ChangeSet>,
) -> Vec<Finding> {
    let mut ws = Workspace::load_from(repo, read);
    ws.coverage = tools.coverage.as_ref();
    ws.changes = changes;
    ws.partial_tests = tools.partial;
    let mut findings: Vec<Finding> = RULES
        .par_iter()
        .flat_map_iter(|rule| {
            let config = settings.get(rule.id());
            let options = RuleOptions::Scoped {
                id: rule.id(),
                folders,
            };
            let violations = match config {
                Some(_) if folders.runs_somewhere(rule.id()) => rule.check(&ws, &options),
                _ => Vec::new(),
            };
            violations.into_iter().filter_map(move |v| {
                let config = config?;
                let governing = v.scope.as_deref().unwrap_or(&v.path);
                if !config.in_scope(governing) {
                    return None;
                }
                let mut span = v
                    .line
                    .map_or_else(Span::default, |line| Span::at(line, v.column));
                span.end_line = v.end_line;
                let governing = governing.to_owned();
                // The severity is the level where it applies, settled below.
                let mut finding = Finding::new(
                    ToolId::Builtin,
                    rule.id(),
                    Severity::Note,
                    v.path,
                    span,
                    v.message,
                );
                folders.settle(&mut finding, &governing).then_some(finding)
            })
        })
        .collect();
    findings.extend(tools.findings);
    let checked = |path: &str| tools.checked.contains(path);
    let today = time::OffsetDateTime::now_utc().date();
    let about_suppressions = suppress::apply(&ws, settings, &mut findings, &checked, today);
    findings.extend(about_suppressions.into_iter().filter_map(|mut finding| {
        let path = finding.path.clone();
        folders.settle(&mut finding, &path).then_some(finding)
    }));
    findings
}

/// What the tools found, and the files they checked (a suppression of a
/// tool's code is unused only where a tool looked).
#[derive(Debug, Default)]
pub(crate) struct ToolFindings {
    pub(crate) findings: Vec<Finding>,
    pub(crate) checked: std::collections::HashSet<String>,
    /// What the tests executed, when coverage was measured.
    pub(crate) coverage: Option<Coverage>,
    /// The tools ran on a shard's part of the repository.
    pub(crate) partial: bool,
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn ids_and_names_are_unique_and_well_formed() {
        let ids: BTreeSet<&str> = RULES.iter().map(|r| r.id()).collect();
        let names: BTreeSet<&str> = RULES.iter().map(|r| r.name()).collect();
        assert_eq!(ids.len(), RULES.len());
        assert_eq!(names.len(), RULES.len());
        for rule in RULES {
            let id = rule.id();
            assert!(
                id.len() == 5
                    && id.starts_with("OG")
                    && id[2..].bytes().all(|b| b.is_ascii_digit()),
                "{id}"
            );
            assert!(
                rule.name()
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{}",
                rule.name()
            );
        }
        let mut sorted: Vec<&str> = RULES.iter().map(|r| r.id()).collect();
        sorted.sort_unstable();
        assert_eq!(sorted, RULES.iter().map(|r| r.id()).collect::<Vec<_>>());
    }

    #[test]
    fn every_rule_is_documented_with_every_section() {
        for rule in RULES {
            assert!(
                !rule.summary().is_empty() && !rule.summary().contains('\n'),
                "{}",
                rule.id()
            );
            for section in [
                "## What it does",
                "## Why it matters",
                "## Example",
                "## Configuration",
            ] {
                assert!(
                    rule.docs().contains(section),
                    "{} lacks {section}",
                    rule.id()
                );
            }
        }
    }

    #[test]
    fn rules_read_options_and_levels_for_the_folder_they_judge() {
        let (_dir, repo) = workspace::testing::repo(&[
            ("lab/tool/t.py", ""),
            ("net/tool/t.py", ""),
            (".github/CODEOWNERS", "/lab/ @a\n/net/ @b\n"),
            ("lab/opsgate.toml", "[rules.OG203]\nmin_owners = 1\n"),
            (
                "net/opsgate.toml",
                "[rules.tool-owners]\nseverity = \"error\"\n",
            ),
        ]);
        let mut settings = crate::config::Settings::for_tests();
        settings.root.clone_from(&repo.root);
        settings.add_nested(&repo).unwrap();
        let scopes = crate::config::Scopes::new(&settings);
        let owners: Vec<(String, Severity, String)> = run(
            &repo,
            &settings.rules,
            &scopes,
            ToolFindings::default(),
            Vec::new(),
            None,
        )
        .into_iter()
        .filter(|f| f.rule == "OG203")
        .map(|f| (f.path, f.severity, f.message))
        .collect();
        // lab/ needs one owner and has it; net/ needs two, and its finding,
        // though on CODEOWNERS, has net/'s severity.
        assert_eq!(owners.len(), 1, "{owners:?}");
        assert_eq!(owners[0].0, ".github/CODEOWNERS");
        assert_eq!(owners[0].1, Severity::Error);
        assert!(
            owners[0].2.starts_with("net/tool has 1 owner"),
            "{owners:?}"
        );
    }

    #[test]
    fn unknown_ids_suggest_the_closest() {
        assert!(unknown_rule_message("OG10").contains("did you mean `OG101`"));
        assert!(unknown_rule_message("readme-missin").contains("`readme-missing`"));
        assert!(!unknown_rule_message("something-else-entirely").contains("did you mean"));
    }

    #[test]
    fn find_accepts_id_in_any_case_or_name() {
        assert_eq!(find("og203").map(super::Rule::id), Some("OG203"));
        assert_eq!(find("tool-owners").map(super::Rule::id), Some("OG203"));
        assert!(find("OG999").is_none());
    }
}
