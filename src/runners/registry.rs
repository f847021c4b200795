//! The tools opsgate runs, by kind: the one place a tool's kind meets its
//! code. Adding a tool is its file beside this one and a line here.

use super::runner::Tool;
use super::{bandit, black, flake8, mypy, pylint, pytest, ruff, ruff_format, shellcheck};
use crate::model::{Role, ToolId, ToolKind, ToolSpec};

/// The runner of each tool.
pub(crate) fn runner(kind: ToolKind) -> &'static dyn Tool {
    match kind {
        ToolKind::Black => &black::Black,
        ToolKind::Flake8 => &flake8::Flake8,
        ToolKind::Pylint => &pylint::Pylint,
        ToolKind::Pytest => &pytest::Pytest,
        ToolKind::Ruff => &ruff::Ruff,
        ToolKind::RuffFormat => &ruff_format::RuffFormat,
        ToolKind::Bandit => &bandit::Bandit,
        ToolKind::Shellcheck => &shellcheck::Shellcheck,
        ToolKind::Mypy => &mypy::Mypy,
    }
}

/// What every stage may ask about a tool.
pub(crate) fn spec(kind: ToolKind) -> &'static ToolSpec {
    runner(kind).spec()
}

/// Whether a finding's or test's reporter is a tool in `role` (the
/// built-in rules are in none).
pub(crate) fn has_role(reporter: ToolId, role: Role) -> bool {
    matches!(reporter, ToolId::Tool(kind) if spec(kind).role == role)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tool_describes_itself() {
        for kind in ToolKind::ALL {
            assert!(spec(kind).homepage.starts_with("https://"));
        }
    }
}
