//! The keys a part of the repository may set, as written: `[gate]` (also
//! the root's), `[[overrides]]` tables and nested `opsgate.toml` files. The
//! keys that set up the whole run are root-only and rejected at their line;
//! `layer` resolves these tables into patches over the root's settings.

use std::collections::BTreeMap;

use globset::GlobSet;
use serde::{Deserialize, Deserializer, de};

use super::rules::ScopedRulesTable;
use crate::globs::build_globs;
use crate::model::{MinCoverage, Severity, ToolKind};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct GateTable {
    pub(crate) fail_on: Option<Severity>,
    /// No finding is reported above this severity (e.g. a legacy folder at "note").
    pub(crate) max_severity: Option<Severity>,
    /// What each tool's tests must cover of its code.
    pub(crate) min_coverage: Option<MinCoverage>,
}

/// Deserializers for root-only keys: reading one is an error at its line.
macro_rules! root_only {
    ($($name:ident => $key:literal),* $(,)?) => {$(
        fn $name<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<()>, D::Error> {
            de::IgnoredAny::deserialize(deserializer)?;
            Err(de::Error::custom(concat!(
                "`", $key, "` can only be set in the root configuration (opsgate.toml at the ",
                "repository root, or [tool.opsgate] in its pyproject.toml); an override or a ",
                "nested opsgate.toml may set fail_on, max_severity, min_coverage, tool ",
                "`enabled`/`severity` ",
                "and rule tables"
            )))
        }
    )*};
}

root_only! {
    python => "python",
    layout => "layout",
    overrides => "overrides",
    version => "version",
    timeout => "timeout",
    pass_env => "pass_env",
    coverage => "coverage",
}

/// One `[[overrides]]` table of the root configuration.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OverrideTable {
    /// Repository-relative globs; a glob matching a folder covers what is below.
    #[serde(deserialize_with = "override_paths")]
    pub(crate) paths: Globs,
    pub(crate) fail_on: Option<Severity>,
    pub(crate) max_severity: Option<Severity>,
    pub(crate) min_coverage: Option<MinCoverage>,
    #[serde(default)]
    pub(crate) tools: ScopedTools,
    #[serde(default)]
    pub(crate) rules: ScopedRulesTable,
    #[serde(default, deserialize_with = "python")]
    #[allow(dead_code)] // only ever an error
    python: Option<()>,
    #[serde(default, deserialize_with = "layout")]
    #[allow(dead_code)] // only ever an error
    layout: Option<()>,
}

/// An `opsgate.toml` below the root: the root file's shape, minus root-only keys.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NestedFile {
    #[serde(default)]
    pub(crate) gate: GateTable,
    #[serde(default)]
    pub(crate) tools: ScopedTools,
    #[serde(default)]
    pub(crate) rules: ScopedRulesTable,
    #[serde(default, deserialize_with = "python")]
    #[allow(dead_code)] // only ever an error
    python: Option<()>,
    #[serde(default, deserialize_with = "layout")]
    #[allow(dead_code)] // only ever an error
    layout: Option<()>,
    #[serde(default, deserialize_with = "overrides")]
    #[allow(dead_code)] // only ever an error
    overrides: Option<()>,
}

/// `[tools.NAME]` per tool, as a folder may set them.
pub(crate) type ScopedTools = BTreeMap<ToolKind, ScopedToolTable>;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ScopedToolTable {
    pub(crate) enabled: Option<bool>,
    #[serde(default)]
    pub(crate) severity: BTreeMap<String, Severity>,
    #[serde(default, deserialize_with = "version")]
    #[allow(dead_code)] // only ever an error
    version: Option<()>,
    #[serde(default, deserialize_with = "timeout")]
    #[allow(dead_code)] // only ever an error
    timeout: Option<()>,
    #[serde(default, deserialize_with = "pass_env")]
    #[allow(dead_code)] // only ever an error
    pass_env: Option<()>,
    #[serde(default, deserialize_with = "coverage")]
    #[allow(dead_code)] // only ever an error
    coverage: Option<()>,
}

/// Globs as written and compiled.
#[derive(Debug, Clone)]
pub(crate) struct Globs {
    pub(crate) written: Vec<String>,
    pub(crate) set: GlobSet,
}

/// A non-empty list of valid globs; the error lands on the key's line.
fn override_paths<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Globs, D::Error> {
    let written = Vec::<String>::deserialize(deserializer)?;
    if written.is_empty() {
        return Err(de::Error::custom(
            "`paths` is empty: name the folders or files this override applies to, e.g. [\"legacy/**\"]",
        ));
    }
    if let Some(absolute) = written.iter().find(|g| g.starts_with('/')) {
        return Err(de::Error::custom(format!(
            "`{absolute}`: paths are relative to the repository root; drop the leading `/`"
        )));
    }
    let set = build_globs(&written).map_err(|err| de::Error::custom(format!("{err:#}")))?;
    Ok(Globs { written, set })
}
