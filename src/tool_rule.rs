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

/// The tool a code belongs to: one that knows it exactly, else one whose
/// codes have its shape.
fn owner(id: &str) -> Option<ToolKind> {
    ToolKind::ALL
        .into_iter()
        .map(|kind| (runners::runner(kind).owns_code(id), kind))
        .filter(|(found, _)| *found != CodeMatch::No)
        .max_by_key(|(found, _)| *found)
        .map(|(_, kind)| kind)
}

/// Explains a tool's code; `Ok(false)` when no tool owns it, for the caller
/// to say the rule is unknown.
pub(crate) fn explain(out: &mut dyn Write, id: &str) -> Result<bool> {
    let Some(kind) = owner(id) else {
        return Ok(false);
    };
    // The configuration of the current folder: pins, `python =`, severities.
    let settings = Settings::resolve(&Sources::repository(".".into(), None))?;
    let tool = settings
        .tools
        .iter()
        .find(|t| t.kind == kind)
        .expect("every tool has settings");
    let pinned = Pinned {
        settings: &settings,
        tool,
    };
    let Some(explained) = runners::runner(kind).explain_code(id, &pinned)? else {
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
    format!(
        "## Severity and suppressing\n\n\
         Here it is reported at {} (the longest matching prefix under \
         `[tools.{name}.severity]`); re-level it there, per folder too:\n\n\
         ```toml\n[tools.{name}.severity]\n\"{id}\" = \"note\"\n```\n\n\
         Suppress one occurrence with the reason it is fine, on the line or the line above: \
         `# opsgate: ignore[{id}] why this is fine` (without a reason it does not suppress), \
         or {own}.",
        tool.severity.severity_of(id).as_str()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_told_apart_by_shape() {
        assert_eq!(owner("W0702"), Some(ToolKind::Pylint));
        assert_eq!(owner("bare-except"), Some(ToolKind::Pylint));
        assert_eq!(owner("E501"), Some(ToolKind::Flake8));
        assert_eq!(owner("F401"), Some(ToolKind::Flake8));
        assert_eq!(owner("C901"), Some(ToolKind::Flake8));
        assert_eq!(owner("would-reformat"), Some(ToolKind::Black));
        assert_eq!(owner("test-error"), Some(ToolKind::Pytest));
        // mypy's codes have Pylint's shape; its known list wins.
        assert_eq!(owner("arg-type"), Some(ToolKind::Mypy));
        assert_eq!(owner("misc"), Some(ToolKind::Mypy));
        assert_eq!(owner("OG5O1"), None);
        assert_eq!(owner("X123"), None);
        assert_eq!(owner("Bare-Except"), None);
    }
}
