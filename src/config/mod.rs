//! `Settings`: the embedded defaults, overlaid by the configuration file,
//! overlaid by the command line, validated once before any work starts.

mod file;
mod layer;
mod root;
mod rules;
mod scope;
mod scoped;
mod sources;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};

pub(crate) use file::DEFAULTS_TOML;
use file::{ConfigFile, ToolTable};
pub(crate) use layer::{Layer, Scope as LayerScope};

use crate::rules::{RuleSettings, RuleTable};
pub(crate) use scope::{Effective, Scopes};
pub(crate) use sources::{BaselineChoice, CheckOptions, Sources};

use crate::discover::repo::Repo;
use crate::model::{Layout, ToolKind};
use crate::model::{MinCoverage, Severity};

/// Where the configuration came from, reported so users know which file counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ConfigSource {
    Defaults,
    File(PathBuf),
}

#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// The repository root, absolute (`root::locate`).
    pub(crate) root: PathBuf,
    /// The part of it PATH names, when PATH is below the root: only it is
    /// checked (`subpath`).
    pub(crate) subpath: Option<String>,
    pub(crate) source: ConfigSource,
    /// An interpreter whose tools to use; `None` means the managed environment.
    pub(crate) python: Option<PathBuf>,
    pub(crate) fail_on: Severity,
    /// Whether `--fail-on` was given: then it holds below every override too.
    pub(crate) fail_on_given: bool,
    /// The root's `max_severity`: no finding is reported above it.
    pub(crate) max_severity: Option<Severity>,
    /// The root's `min_coverage` (folders may set their own).
    pub(crate) min_coverage: MinCoverage,
    pub(crate) jobs: usize,
    pub(crate) layout: Layout,
    pub(crate) tools: Vec<ToolSettings>,
    pub(crate) rules: RuleSettings,
    /// The root's `[[overrides]]`, then (after the walk) the nested
    /// `opsgate.toml` files: in the order they apply, later ones winning.
    pub(crate) overrides: Vec<Layer>,
}

#[derive(Debug, Clone)]
pub(crate) struct ToolSettings {
    pub(crate) kind: ToolKind,
    pub(crate) enabled: bool,
    pub(crate) version: String,
    pub(crate) timeout: Duration,
    pub(crate) severity: SeverityMap,
    /// Credential variables a tool that runs repository code still gets.
    pub(crate) pass_env: Vec<String>,
    /// Files an override turns this tool off for: it does not receive them.
    pub(crate) excluded: BTreeSet<String>,
    /// A test runner measures what its tests execute (coverage.py).
    pub(crate) coverage: bool,
}

/// Tool code prefix -> severity; the longest matching prefix wins.
#[derive(Debug, Clone)]
pub(crate) struct SeverityMap(BTreeMap<String, Severity>);

impl SeverityMap {
    /// One severity for every code.
    #[cfg(test)]
    pub(crate) fn uniform(severity: Severity) -> SeverityMap {
        SeverityMap(BTreeMap::from([("*".to_owned(), severity)]))
    }

    /// Prefix -> severity, `*` first.
    pub(crate) fn entries(&self) -> impl Iterator<Item = (&str, Severity)> {
        self.0
            .iter()
            .map(|(prefix, severity)| (prefix.as_str(), *severity))
    }

    pub(crate) fn severity_of(&self, code: &str) -> Severity {
        self.stated(code).unwrap_or(Severity::Error)
    }

    /// The severity of the longest matching prefix, else `*`'s, else the
    /// one the tool gave the finding itself (Bandit's severity × confidence,
    /// `ShellCheck`'s level: their maps have no `*`).
    pub(crate) fn severity_or(&self, code: &str, own: Severity) -> Severity {
        self.stated(code).unwrap_or(own)
    }

    /// What the map says of `code`; `None` when no entry covers it.
    pub(crate) fn stated(&self, code: &str) -> Option<Severity> {
        self.0
            .iter()
            .filter(|(prefix, _)| prefix.as_str() != "*" && code.starts_with(prefix.as_str()))
            .max_by_key(|(prefix, _)| prefix.len())
            .or_else(|| self.0.get_key_value("*"))
            .map(|(_, severity)| *severity)
    }
}

impl Settings {
    pub(crate) fn resolve(args: &Sources) -> Result<Settings> {
        let root::Located { root, subpath } = root::locate(&args.path, args.config.is_some())?;
        let (mut user, source) = load(&root, args.config.as_deref())?;
        let defaults = file::parse_defaults();
        let rules = RuleSettings::resolve(&user.rules.0).with_context(|| match &source {
            ConfigSource::File(path) => format!("invalid configuration in `{}`", path.display()),
            ConfigSource::Defaults => "invalid configuration".to_owned(),
        })?;

        let python = args
            .python
            .clone()
            .or_else(|| user.python.as_ref().map(|p| root.join(p)));
        let jobs = args.jobs.map_or_else(
            || std::thread::available_parallelism().map_or(1, usize::from),
            usize::from,
        );
        let unset = ToolTable::default();
        if let Some((kind, _)) = user
            .tools
            .iter()
            .find(|(kind, table)| table.coverage.is_some() && **kind != ToolKind::Pytest)
        {
            let file = match &source {
                ConfigSource::File(path) => path.display().to_string(),
                ConfigSource::Defaults => "the configuration".to_owned(),
            };
            anyhow::bail!(
                "`coverage` under [tools.{}] in `{file}`: only [tools.pytest] measures \
                 coverage; move the key there",
                kind.name()
            );
        }
        let tools = ToolKind::ALL
            .into_iter()
            .map(|kind| {
                let default = defaults.tools.get(&kind).unwrap_or(&unset);
                merge_tool(kind, default, user.tools.get(&kind).unwrap_or(&unset))
            })
            .collect();
        let overrides = match &source {
            ConfigSource::File(path) => layer::from_overrides(
                &path
                    .strip_prefix(&root)
                    .unwrap_or(path)
                    .display()
                    .to_string(),
                std::mem::take(&mut user.overrides),
            ),
            ConfigSource::Defaults => Vec::new(),
        };

        Ok(Settings {
            root,
            subpath,
            source,
            python,
            fail_on: args
                .fail_on
                .or(user.gate.fail_on)
                .or(defaults.gate.fail_on)
                .expect("defaults set fail_on"),
            fail_on_given: args.fail_on.is_some(),
            max_severity: user.gate.max_severity.or(defaults.gate.max_severity),
            min_coverage: user
                .gate
                .min_coverage
                .clone()
                .or_else(|| defaults.gate.min_coverage.clone())
                .expect("defaults set min_coverage"),
            jobs,
            layout: Layout {
                libraries: user
                    .layout
                    .libraries
                    .or(defaults.layout.libraries)
                    .expect("defaults set libraries"),
                not_domains: user
                    .layout
                    .not_domains
                    .or(defaults.layout.not_domains)
                    .expect("defaults set not_domains"),
            },
            tools,
            rules,
            overrides,
        })
    }

    /// Adds the `opsgate.toml` files the walk found below the root as
    /// overrides of their folders (after the root's `[[overrides]]`).
    pub(crate) fn add_nested(&mut self, repo: &Repo) -> Result<()> {
        let explicit = match &self.source {
            ConfigSource::File(path) => std::fs::canonicalize(path).ok(),
            ConfigSource::Defaults => None,
        };
        let nested = repo
            .files
            .iter()
            .map(|f| f.path.as_str())
            .filter(|rel| rel.ends_with(layer::NESTED_SUFFIX))
            // A nested file named by --config is the root configuration already.
            .filter(|rel| {
                explicit.is_none() || std::fs::canonicalize(self.root.join(rel)).ok() != explicit
            });
        self.overrides
            .extend(layer::from_nested_files(&self.root, nested)?);
        Ok(())
    }

    /// The defaults, for a repository with no configuration.
    #[cfg(test)]
    pub(crate) fn for_tests() -> Settings {
        let dir = tempfile::tempdir().expect("a temporary folder");
        Settings::resolve(&Sources::repository(dir.path().to_path_buf(), None))
            .expect("the defaults are valid")
    }

    pub(crate) fn enabled_tools(&self) -> impl Iterator<Item = &ToolSettings> {
        self.tools.iter().filter(|tool| tool.enabled)
    }
}

fn merge_tool(kind: ToolKind, defaults: &ToolTable, user: &ToolTable) -> ToolSettings {
    let mut severity = defaults.severity.clone();
    severity.extend(user.severity.iter().map(|(k, v)| (k.clone(), *v)));
    ToolSettings {
        kind,
        enabled: user.enabled.or(defaults.enabled).unwrap_or(true),
        version: user
            .version
            .clone()
            .or_else(|| defaults.version.clone())
            .expect("defaults pin every tool"),
        timeout: user
            .timeout
            .or(defaults.timeout)
            .expect("defaults set every timeout"),
        severity: SeverityMap(severity),
        pass_env: user
            .pass_env
            .clone()
            .or_else(|| defaults.pass_env.clone())
            .unwrap_or_default(),
        excluded: BTreeSet::new(),
        coverage: user.coverage.or(defaults.coverage).unwrap_or(false),
    }
}

/// Each `--output` must name a file in an existing folder, once.
/// Every rule's table in the embedded defaults (its default options).
pub(crate) fn default_rule_tables() -> BTreeMap<String, RuleTable> {
    file::parse_defaults().rules.0
}

/// Whether `text` is a valid root configuration.
#[cfg(test)]
pub(crate) fn parse_root_text(text: &str) -> Result<(), String> {
    let config: ConfigFile = toml::from_str(text).map_err(|err| err.to_string())?;
    RuleSettings::resolve(&config.rules.0).map_err(|err| format!("{err:#}"))?;
    Ok(())
}

/// Finds and reads the configuration: `--config`, else `opsgate.toml`, else
/// `[tool.opsgate]` in `pyproject.toml`, else nothing (the defaults).
fn load(root: &Path, explicit: Option<&Path>) -> Result<(ConfigFile, ConfigSource)> {
    if let Some(path) = explicit {
        let config = if path
            .file_name()
            .is_some_and(|name| name == "pyproject.toml")
        {
            file::read_pyproject(path)?
                .with_context(|| format!("`{}` has no [tool.opsgate] table", path.display()))?
        } else {
            file::read_opsgate_toml(path)?
        };
        return Ok((config, ConfigSource::File(path.to_path_buf())));
    }
    let opsgate_toml = root.join("opsgate.toml");
    if opsgate_toml.is_file() {
        let config = file::read_opsgate_toml(&opsgate_toml)?;
        return Ok((config, ConfigSource::File(opsgate_toml)));
    }
    let pyproject = root.join("pyproject.toml");
    if pyproject.is_file()
        && let Some(config) = file::read_pyproject(&pyproject)?
    {
        return Ok((config, ConfigSource::File(pyproject)));
    }
    Ok((ConfigFile::default(), ConfigSource::Defaults))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(entries: &[(&str, Severity)]) -> SeverityMap {
        SeverityMap(entries.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect())
    }

    #[test]
    fn longest_prefix_wins_and_star_is_fallback() {
        let severities = map(&[
            ("*", Severity::Warning),
            ("E", Severity::Note),
            ("E9", Severity::Error),
        ]);
        assert_eq!(severities.severity_of("E902"), Severity::Error);
        assert_eq!(severities.severity_of("E501"), Severity::Note);
        assert_eq!(severities.severity_of("W605"), Severity::Warning);
    }

    #[test]
    fn unmapped_code_without_star_is_an_error() {
        assert_eq!(map(&[]).severity_of("X1"), Severity::Error);
    }
}
