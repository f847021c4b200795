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
}

impl ToolKind {
    pub(crate) const ALL: [ToolKind; 4] = [
        ToolKind::Black,
        ToolKind::Flake8,
        ToolKind::Pylint,
        ToolKind::Pytest,
    ];

    /// The tool's name, which is also its `PyPI` package and `python -m` module.
    pub(crate) fn name(self) -> &'static str {
        match self {
            ToolKind::Black => "black",
            ToolKind::Flake8 => "flake8",
            ToolKind::Pylint => "pylint",
            ToolKind::Pytest => "pytest",
        }
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

impl<'de> Deserialize<'de> for ToolKind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<ToolKind, D::Error> {
        let name = String::deserialize(deserializer)?;
        ToolKind::from_name(&name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown tool `{name}`")))
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
        assert!(serde_json::from_str::<ToolId>("\"ruff\"").is_err());
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
