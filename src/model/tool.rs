//! Who reported a finding: one of the external tools opsgate runs, or
//! opsgate's own rules. Serialised as the tool's name, as reports show it.

use std::cmp::Ordering;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An external tool opsgate runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum ToolKind {
    Black,
    Flake8,
    Pylint,
    Pytest,
    Ruff,
    RuffFormat,
    Bandit,
    Shellcheck,
    Mypy,
}

impl ToolKind {
    pub(crate) const ALL: [ToolKind; 9] = [
        ToolKind::Black,
        ToolKind::Flake8,
        ToolKind::Pylint,
        ToolKind::Pytest,
        ToolKind::Ruff,
        ToolKind::RuffFormat,
        ToolKind::Bandit,
        ToolKind::Shellcheck,
        ToolKind::Mypy,
    ];

    /// Each tool's name, in the order of `ALL`.
    pub(crate) const NAMES: [&'static str; 9] = [
        "black",
        "flake8",
        "pylint",
        "pytest",
        "ruff",
        "ruff-format",
        "bandit",
        "shellcheck",
        "mypy",
    ];

    /// The tool's name: its `[tools.X]` table, and its `python -m` module
    /// unless its runner names another (`ruff-format` runs `ruff format`);
    /// `ToolSpec::package` names its `PyPI` package.
    pub(crate) fn name(self) -> &'static str {
        ToolKind::NAMES[self as usize]
    }

    pub(crate) fn from_name(name: &str) -> Option<ToolKind> {
        ToolKind::ALL.into_iter().find(|kind| kind.name() == name)
    }
}

impl fmt::Display for ToolKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

impl Serialize for ToolKind {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

/// As a key of a configuration's `[tools]` table: another name is an
/// unknown field there, with the known ones listed.
impl<'de> Deserialize<'de> for ToolKind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<ToolKind, D::Error> {
        let name = String::deserialize(deserializer)?;
        ToolKind::from_name(&name)
            .ok_or_else(|| serde::de::Error::unknown_field(&name, &ToolKind::NAMES))
    }
}

/// What a tool's findings are about, which decides how the later stages
/// read them (a formatter's finding is style; a test runner's is a failing
/// test, always new, reported per test).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Formatter,
    Linter,
    Tests,
}

/// How a tool's work is cut into units the cache keeps and `--changed`
/// narrows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Planning {
    /// Each file on its own, keyed on its content; batches may be split.
    PerFile,
    /// Each file keyed on everything it imports, with checks across files
    /// (Pylint's duplicate code and import cycles) concluded over all.
    CrossFile,
    /// Each file keyed on everything it imports; the files that missed are
    /// checked in one process (with what they import), and only their
    /// findings are kept (mypy).
    Closure,
    /// Each test folder, keyed on its tests and everything they import.
    TestFolders,
}

/// What every stage may ask about a tool. Each tool's file holds its own;
/// `runners::spec` finds it by kind.
#[derive(Debug)]
pub(crate) struct ToolSpec {
    /// The `PyPI` distribution the managed environment installs it from.
    pub(crate) package: &'static str,
    pub(crate) role: Role,
    pub(crate) planning: Planning,
    /// The project's home page, for SARIF's `informationUri`.
    pub(crate) homepage: &'static str,
    /// How the tool's own syntax silences one finding; `{id}` is the code.
    pub(crate) suppression: &'static str,
    /// Measured defaults until the cache has measured this repository:
    /// seconds per byte of source, and per process started.
    pub(crate) cost: (f64, f64),
}

impl ToolSpec {
    /// The tool's own way to silence `id`, in words.
    pub(crate) fn suppression_of(&self, id: &str) -> String {
        self.suppression.replace("{id}", id)
    }
}

/// The reporter of a finding or a test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum ToolId {
    /// opsgate's built-in rules.
    Builtin,
    Tool(ToolKind),
}

impl ToolId {
    /// The name the built-in rules report under.
    pub(crate) const BUILTIN_NAME: &'static str = "opsgate";

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ToolId::Builtin => ToolId::BUILTIN_NAME,
            ToolId::Tool(kind) => kind.name(),
        }
    }

    pub(crate) fn from_name(name: &str) -> Option<ToolId> {
        if name == ToolId::BUILTIN_NAME {
            return Some(ToolId::Builtin);
        }
        ToolKind::from_name(name).map(ToolId::Tool)
    }

    pub(crate) fn is_builtin(self) -> bool {
        self == ToolId::Builtin
    }
}

impl From<ToolKind> for ToolId {
    fn from(kind: ToolKind) -> ToolId {
        ToolId::Tool(kind)
    }
}

/// By name, as reports have always sorted findings of one place.
impl Ord for ToolId {
    fn cmp(&self, other: &ToolId) -> Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl PartialOrd for ToolId {
    fn partial_cmp(&self, other: &ToolId) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for ToolId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl Serialize for ToolId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ToolId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<ToolId, D::Error> {
        let name = String::deserialize(deserializer)?;
        ToolId::from_name(&name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown tool `{name}`")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_json() {
        let ids = [ToolId::Builtin]
            .into_iter()
            .chain(ToolKind::ALL.map(ToolId::Tool));
        for id in ids {
            let json = serde_json::to_string(&id).unwrap();
            assert_eq!(json, format!("\"{}\"", id.as_str()));
            assert_eq!(serde_json::from_str::<ToolId>(&json).unwrap(), id);
        }
        assert!(serde_json::from_str::<ToolId>("\"ruff-check\"").is_err());
    }

    #[test]
    fn every_kind_has_its_own_name() {
        for (index, kind) in ToolKind::ALL.into_iter().enumerate() {
            assert_eq!(kind as usize, index);
            assert_eq!(ToolKind::from_name(kind.name()), Some(kind));
        }
    }

    #[test]
    fn order_is_the_order_of_names() {
        let mut ids = [
            ToolId::Tool(ToolKind::Pytest),
            ToolId::Builtin,
            ToolId::Tool(ToolKind::Pylint),
            ToolId::Tool(ToolKind::Black),
            ToolId::Tool(ToolKind::Flake8),
        ];
        ids.sort();
        let names: Vec<&str> = ids.iter().map(|id| id.as_str()).collect();
        assert_eq!(names, ["black", "flake8", "opsgate", "pylint", "pytest"]);
    }
}
