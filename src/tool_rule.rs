//! `opsgate explain` for the tools' own codes (`W0702`, `bare-except`,
//! `E501`, `F401`, `would-reformat`): the tool that owns the code explains
//! it (each tool's file knows its codes; Pylint asks the pinned Pylint), and
//! this adds how opsgate levels and suppresses it.

use std::io::Write;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use anyhow::{Result, bail};

use crate::config::{Settings, Sources, ToolSettings};
use crate::model::ToolKind;
use crate::runners::{self, AskTool, CodeMatch, ProcessOutput};
use crate::toolenv;

const HELP_TIMEOUT: Duration = Duration::from_mins(1);

/// The tools a code may belong to, the likeliest first: those that know it
/// exactly, else those whose codes have its shape (Flake8's and Ruff's
/// `E501`); of equals, those `enabled` in the configuration first, then in
/// the order of `ToolKind::ALL`.
fn owners(id: &str, enabled: impl Fn(ToolKind) -> bool) -> Vec<ToolKind> {
    let found: Vec<(CodeMatch, ToolKind)> = ToolKind::ALL
        .into_iter()
        .map(|kind| (runners::runner(kind).owns_code(id), kind))
        .filter(|(found, _)| *found != CodeMatch::No)
        .collect();
    let Some(best) = found.iter().map(|(found, _)| *found).max() else {
        return Vec::new();
    };
    let mut kinds: Vec<ToolKind> = found
        .into_iter()
        .filter(|(found, _)| *found == best)
        .map(|(_, kind)| kind)
        .collect();
    // Stable: the order of `ALL` among the enabled, and among the others.
    kinds.sort_by_key(|kind| !enabled(*kind));
    kinds
}

/// Explains a tool's code; `Ok(false)` when no tool owns it, for the caller
/// to say the rule is unknown.
pub(crate) fn explain(out: &mut dyn Write, id: &str) -> Result<bool> {
    if owners(id, |_| true).is_empty() {
        return Ok(false);
    }
    // The configuration of the current folder: pins, `python =`, severities.
    let settings = Settings::resolve(&Sources::repository(".".into(), None))?;
    let tool_of = |kind: ToolKind| {
        settings
            .tools
            .iter()
            .find(|t| t.kind == kind)
            .expect("every tool has settings")
    };
    // The first that knows it: Ruff does not know every code of Flake8's shape.
    let mut found = None;
    for kind in owners(id, |kind| tool_of(kind).enabled) {
        let tool = tool_of(kind);
        let pinned = Pinned {
            settings: &settings,
            tool,
        };
        if let Some(explained) = runners::runner(kind).explain_code(id, &pinned)? {
            found = Some((tool, explained));
            break;
        }
    }
    let Some((tool, explained)) = found else {
        return Ok(false);
    };
    // Severity maps and suppressions take the code the tool names.
    writeln!(
        out,
        "{}\n\n{}",
        explained.text.trim_end(),
        levelling(tool, &explained.code)
    )?;
    Ok(true)
}

/// The pinned tool of the current folder's configuration, started only when
/// a runner asks it.
struct Pinned<'a> {
    settings: &'a Settings,
    tool: &'a ToolSettings,
}

impl AskTool for Pinned<'_> {
    fn version(&self) -> &str {
        &self.tool.version
    }

    fn run(&self, args: &[&str]) -> Result<ProcessOutput> {
        let name = self.tool.kind.name();
        let (python, env): (PathBuf, _) = toolenv::for_tool(self.settings, self.tool)?;
        let mut command = Command::new(&python);
        command.args(["-m", name]).args(args).envs(env);
        match runners::run_process(command, HELP_TIMEOUT) {
            Ok(output) => Ok(output),
            Err(runners::ProcessError::Spawn(err)) => {
                bail!("cannot start `{}` to ask {name}: {err}", python.display())
            }
            Err(_) => bail!(
                "`{} -m {name} {}` did not answer",
                python.display(),
                args.join(" ")
            ),
        }
    }
}

/// How the code's severity is set and how it is suppressed.
fn levelling(tool: &ToolSettings, id: &str) -> String {
    let name = tool.kind.name();
    let own = runners::spec(tool.kind).suppression_of(id);
    let level = match tool.severity.stated(id) {
        Some(severity) => format!(
            "at {} (the longest matching prefix under `[tools.{name}.severity]`)",
            severity.as_str()
        ),
        // Bandit and ShellCheck level each finding themselves.
        None => "at the level each finding of the tool carries (docs/reports.md)".to_owned(),
    };
    format!(
        "## Severity and suppressing\n\n\
         Here it is reported {level}; re-level it under `[tools.{name}.severity]`, per \
         folder too:\n\n\
         ```toml\n[tools.{name}.severity]\n\"{id}\" = \"note\"\n```\n\n\
         Suppress one occurrence with the reason it is fine, on the line or the line above: \
         `# opsgate: ignore[{id}] why this is fine` (without a reason it does not suppress), \
         or {own}."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The owner with the default tools on.
    fn owner(id: &str) -> Option<ToolKind> {
        let defaults = [
            ToolKind::Black,
            ToolKind::Flake8,
            ToolKind::Pylint,
            ToolKind::Pytest,
        ];
        owners(id, |kind| defaults.contains(&kind)).first().copied()
    }

    #[test]
    fn codes_are_told_apart_by_shape() {
        assert_eq!(owner("W0702"), Some(ToolKind::Pylint));
        assert_eq!(owner("bare-except"), Some(ToolKind::Pylint));
        assert_eq!(owner("E501"), Some(ToolKind::Flake8));
        assert_eq!(owner("F401"), Some(ToolKind::Flake8));
        assert_eq!(owner("C901"), Some(ToolKind::Flake8));
        assert_eq!(owner("would-reformat"), Some(ToolKind::Black));
        assert_eq!(owner("test-error"), Some(ToolKind::Pytest));
        assert_eq!(owner("S113"), Some(ToolKind::Ruff));
        assert_eq!(owner("PLR0913"), Some(ToolKind::Ruff));
        assert_eq!(owner("invalid-syntax"), Some(ToolKind::Ruff));
        // mypy's codes have Pylint's shape; its known list wins.
        assert_eq!(owner("arg-type"), Some(ToolKind::Mypy));
        assert_eq!(owner("misc"), Some(ToolKind::Mypy));
        assert_eq!(owner("OG5O1"), None);
        assert_eq!(owner("X12"), None);
        assert_eq!(owner("Bare-Except"), None);
    }

    #[test]
    fn of_tools_that_match_a_code_equally_the_enabled_one_is_asked_first() {
        let ruff_only = |kind| matches!(kind, ToolKind::Ruff | ToolKind::RuffFormat);
        assert_eq!(
            owners("E501", ruff_only),
            [ToolKind::Ruff, ToolKind::Flake8]
        );
        assert_eq!(
            owners("would-reformat", ruff_only),
            [ToolKind::RuffFormat, ToolKind::Black]
        );
        assert_eq!(owners("E501", |_| true), [ToolKind::Flake8, ToolKind::Ruff]);
        assert_eq!(
            owners("E501", |_| false),
            [ToolKind::Flake8, ToolKind::Ruff]
        );
        assert_eq!(owners("W0702", ruff_only), [ToolKind::Pylint]);
    }
}
