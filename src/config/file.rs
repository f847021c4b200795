//! The configuration file as written: every key optional, unknown keys and
//! wrong types rejected with the file, line and key (the `toml` crate's
//! errors carry the span).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use serde::{Deserialize, Deserializer};

use super::rules::RulesTable;
use super::scoped::{GateTable, OverrideTable};
use crate::model::{Severity, ToolKind};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConfigFile {
    pub(crate) python: Option<PathBuf>,
    #[serde(default)]
    pub(crate) gate: GateTable,
    #[serde(default)]
    pub(crate) layout: LayoutTable,
    #[serde(default)]
    pub(crate) tools: ToolsTable,
    #[serde(default)]
    pub(crate) rules: RulesTable,
    /// Settings for paths matching globs; later tables win.
    #[serde(default)]
    pub(crate) overrides: Vec<OverrideTable>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LayoutTable {
    pub(crate) libraries: Option<Vec<String>>,
    pub(crate) not_domains: Option<Vec<String>>,
}

/// `[tools.NAME]` per tool; a name no tool has is an unknown field.
pub(crate) type ToolsTable = BTreeMap<ToolKind, ToolTable>;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ToolTable {
    pub(crate) enabled: Option<bool>,
    pub(crate) version: Option<String>,
    #[serde(default, deserialize_with = "timeout")]
    pub(crate) timeout: Option<Duration>,
    #[serde(default)]
    pub(crate) severity: BTreeMap<String, Severity>,
    #[serde(default, deserialize_with = "pass_env")]
    pub(crate) pass_env: Option<Vec<String>>,
    /// pytest only: measure what the tests execute.
    pub(crate) coverage: Option<bool>,
}

/// Variable names, or prefixes ending in `*`; the error lands on the key's line.
fn pass_env<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Vec<String>>, D::Error> {
    let names = Vec::<String>::deserialize(deserializer)?;
    for name in &names {
        let stem = name.strip_suffix('*').unwrap_or(name);
        let valid = !stem.is_empty() && stem.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err(serde::de::Error::custom(format!(
                "invalid pass_env entry `{name}`: write a variable name (\"AWS_REGION\") or a prefix ending in `*` (\"MY_APP_*\")"
            )));
        }
    }
    Ok(Some(names))
}

/// Parses `"90s"`, `"10m"`, `"1h 30m"`; the error lands on the key's line.
fn timeout<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Duration>, D::Error> {
    let text = String::deserialize(deserializer)?;
    let duration = humantime::parse_duration(&text).map_err(|err| {
        serde::de::Error::custom(format!(
            "invalid timeout `{text}`: {err} (write it like \"90s\" or \"10m\")"
        ))
    })?;
    if duration.is_zero() {
        return Err(serde::de::Error::custom("timeout must be longer than zero"));
    }
    Ok(Some(duration))
}

/// `pyproject.toml`, of which only `[tool.opsgate]` is ours.
#[derive(Deserialize)]
struct PyProject {
    #[serde(default)]
    tool: PyProjectTools,
}

#[derive(Default, Deserialize)]
struct PyProjectTools {
    opsgate: Option<ConfigFile>,
}

/// The embedded defaults, also what `opsgate init` writes.
pub(crate) const DEFAULTS_TOML: &str = include_str!("defaults.toml");

pub(crate) fn parse_defaults() -> ConfigFile {
    toml::from_str(DEFAULTS_TOML).expect("the embedded defaults are valid configuration")
}

/// Reads an `opsgate.toml`-shaped file.
pub(crate) fn read_opsgate_toml(path: &Path) -> Result<ConfigFile> {
    let text = read(path)?;
    toml::from_str(&text).with_context(|| invalid(path))
}

/// Reads `[tool.opsgate]` of a `pyproject.toml`; `None` when it has no such table.
pub(crate) fn read_pyproject(path: &Path) -> Result<Option<ConfigFile>> {
    let text = read(path)?;
    let pyproject: PyProject = toml::from_str(&text).with_context(|| invalid(path))?;
    Ok(pyproject.tool.opsgate)
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path)
        .with_context(|| format!("reading configuration `{}`", path.display()))
}

fn invalid(path: &Path) -> String {
    format!(
        "invalid configuration in `{}` (run `opsgate init` to see every key with its default)",
        path.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_defaults_parse_and_set_every_tool() {
        let defaults = parse_defaults();
        for kind in ToolKind::ALL {
            let tool = &defaults.tools[&kind];
            assert!(tool.enabled.is_some(), "{kind}: on or off by default");
            assert!(tool.version.is_some());
            assert!(tool.timeout.is_some());
            // Bandit and ShellCheck level their own findings (severity ×
            // confidence, the check's level); their maps only re-level.
            let levels_own = matches!(kind, ToolKind::Bandit | ToolKind::Shellcheck);
            assert_eq!(tool.severity.contains_key("*"), !levels_own, "{kind}");
        }
    }

    #[test]
    fn unknown_key_names_line_and_key() {
        let err = toml::from_str::<ConfigFile>("[gate]\nfail_on = \"error\"\nfial = 1\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 3"), "{err}");
        assert!(err.contains("fial"), "{err}");
    }

    #[test]
    fn bad_timeout_names_line() {
        let err = toml::from_str::<ConfigFile>("[tools.pylint]\ntimeout = \"soon\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2"), "{err}");
        assert!(err.contains("invalid timeout `soon`"), "{err}");
    }

    #[test]
    fn wrong_type_is_rejected() {
        let err = toml::from_str::<ConfigFile>("[tools.black]\nenabled = \"yes\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2"), "{err}");
    }

    #[test]
    fn bad_pass_env_names_line_and_fix() {
        let err = toml::from_str::<ConfigFile>("[tools.pytest]\npass_env = [\"A B\"]\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2"), "{err}");
        assert!(err.contains("invalid pass_env entry `A B`"), "{err}");
        let err = toml::from_str::<ConfigFile>("[tools.pytest]\npass_env = \"AWS_REGION\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2"), "{err}");
    }

    fn config_line() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        prop_oneof![
            ".{0,30}",
            "\\[(gate|layout|tools\\.[a-z0-9]{0,7}|rules\\.OG[0-9]{0,4}|tools\\.pytest\\.severity)\\]",
            "\\[\\[overrides\\]\\]|\\[overrides\\.(tools\\.(flake8|pylint|x)(\\.severity)?|rules\\.(OG203|OG1|tool-owners))\\]",
            "(python|fail_on|max_severity|enabled|version|timeout|severity|pass_env|paths|exclude|min_owners|required|libraries) = (\"[a-z0-9 *_.]{0,8}\"|-?[0-9]{1,12}|true|\\[(\"[A-Z_*a-z ]{0,6}\", ?){0,3}\\]|\\{)",
            Just(String::new()),
        ]
    }

    proptest::proptest! {
        #![proptest_config(crate::fuzz::config())]

        #[test]
        fn any_configuration_parses_or_names_its_line(lines in proptest::collection::vec(config_line(), 0..10)) {
            let text = lines.join("\n");
            // A nested opsgate.toml answers the same way.
            if let Err(err) = toml::from_str::<super::super::scoped::NestedFile>(&text) {
                proptest::prop_assert!(err.to_string().contains("line "), "{err}");
            }
            match toml::from_str::<ConfigFile>(&text) {
                Ok(config) => {
                    // Validation after parsing answers too, without panicking.
                    let _ = crate::rules::RuleSettings::resolve(&config.rules.0);
                }
                Err(err) => proptest::prop_assert!(err.to_string().contains("line "), "{err}"),
            }
        }
    }

    #[test]
    fn pyproject_without_our_table_is_none() {
        let parsed: PyProject = toml::from_str("[tool.black]\nline-length = 100\n").unwrap();
        assert!(parsed.tool.opsgate.is_none());
    }
}
