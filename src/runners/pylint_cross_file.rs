//! Pylint's cross-file checks (duplicate-code, cyclic-import): whether the
//! repository's configuration enables them, and their run over every file
//! by the shard designated to run them.

use std::ffi::OsString;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use super::runner::Runner;
use super::{
    Interpretation, Interpreted, Invocation, Pass, ProcessError, ProcessOutput, RunContext,
    ToolRun, ToolStatus, Toolbox, failure_message, file_args, millis, process, pylint,
    python_paths,
};
use crate::config::ToolSettings;
use crate::discover::repo::Repo;
use crate::model::ToolKind;

/// Which of Pylint's cross-file checks the repository's configuration
/// enables, from `pylint --list-msgs-enabled` (a command-line `--enable`
/// would override the configuration's `disable`).
pub(crate) fn enabled_cross_file(
    tool: &ToolSettings,
    toolbox: &Toolbox,
    root: &Path,
) -> Result<Vec<&'static str>, (String, Duration)> {
    let mut command = Command::new(&toolbox.python);
    command
        .args(["-m", "pylint", "--list-msgs-enabled"])
        .current_dir(root)
        .envs(toolbox.env.iter().map(|(k, v)| (k, v)));
    match process::run(command, tool.timeout) {
        Ok(output) => match output.code {
            Some(0) => enabled_in(&output.stdout_text()),
            _ => Err("it could not list its enabled messages".to_owned()),
        }
        .map_err(|reason| (failure_message("pylint", &reason, &output), output.duration)),
        Err(err) => {
            let reason = match err {
                ProcessError::Spawn(err) => format!("cannot start it: {err}"),
                ProcessError::TimedOut { after, .. } => format!(
                    "it did not finish within {}",
                    humantime::format_duration(after)
                ),
                ProcessError::OutputTooLarge(_) | ProcessError::HeldOpen(_) => {
                    format!("it {}", err.output_problem().unwrap_or_default())
                }
            };
            Err((
                format!("pylint could not list its enabled messages: {reason}"),
                Duration::ZERO,
            ))
        }
    }
}

/// Pylint's cross-file checks (duplicate-code, cyclic-import) over every
/// file of `repo`, for the shard designated to run them. `None` when Pylint
/// does not run or its configuration turns both checks off.
pub(crate) fn run_pylint_cross_file(
    tools: &[ToolSettings],
    repo: &Repo,
    toolbox: &Toolbox,
    scratch: &Path,
) -> Option<(ToolRun, Interpreted)> {
    let tool = tools
        .iter()
        .find(|t| t.kind == ToolKind::Pylint && t.enabled)?;
    let name = tool.kind.name();
    let version = toolbox.versions.get(name).cloned().flatten()?;
    let files = python_paths(repo);
    if files.is_empty() {
        return None;
    }
    let mut record = ToolRun::starting(tool, Some(version), files.len());
    record.checked_files = files.iter().map(|f| (*f).to_owned()).collect();
    let enable = match enabled_cross_file(tool, toolbox, &repo.root) {
        Ok(enable) if enable.is_empty() => return None,
        Ok(enable) => enable,
        Err((error, duration)) => {
            record.status = ToolStatus::Failed;
            record.duration_ms = millis(duration);
            record.checked_files.clear();
            record.error = Some(error);
            return Some((record, Interpreted::default()));
        }
    };
    let runner = CrossFile { enable };
    let invocation = Invocation {
        name,
        runner: &runner,
        python: &toolbox.python,
        env: &toolbox.env,
        timeout: tool.timeout,
        pass_env: &tool.pass_env,
    };
    let ctx = RunContext {
        repo,
        whole: repo,
        jobs: 1,
        forks: 1,
        pass: Pass::All,
        severity: &tool.severity,
        scratch: &scratch.join("pylint-cross-file"),
        pairs_in: None,
        keeps: false,
        coverage: false,
        sysmon: false,
    };
    record.processes = 1;
    match invocation.run(&ctx, &files) {
        Ok(ran) => {
            record.duration_ms = millis(ran.duration);
            record.exit_code = ran.exit_code;
            record.findings = ran.interpreted.findings.len();
            Some((record, ran.interpreted))
        }
        Err((status, error, elapsed)) => {
            record.status = status;
            record.duration_ms = millis(elapsed);
            record.checked_files.clear();
            record.error = Some(error);
            Some((record, Interpreted::default()))
        }
    }
}

/// Pylint's cross-file checks alone, over every file: the designated
/// shard's extra run. `enable` holds the symbols the configuration enables.
pub(crate) struct CrossFile {
    pub(crate) enable: Vec<&'static str>,
}

impl Runner for CrossFile {
    fn files<'r>(&self, repo: &'r Repo) -> Vec<&'r str> {
        python_paths(repo)
    }

    fn interpreter_args(&self, ctx: &RunContext) -> Option<Vec<OsString>> {
        Some(pylint::driver_args(ctx))
    }

    fn env(&self, ctx: &RunContext) -> Vec<(OsString, OsString)> {
        pylint::driver_env(ctx)
    }

    fn args(&self, _ctx: &RunContext, files: &[&str]) -> Vec<OsString> {
        let mut args: Vec<OsString> = vec![
            "--output-format=json2".into(),
            "--disable=all".into(),
            format!("--enable={}", self.enable.join(",")).into(),
        ];
        args.extend(file_args(files));
        args
    }

    fn interpret(&self, ctx: &RunContext, output: &ProcessOutput) -> Interpretation {
        pylint::interpret(ctx, output)
    }
}

/// The cross-file checks the repository's Pylint configuration enables, from
/// the output of `pylint --list-msgs-enabled` (a command-line `--enable`
/// would otherwise override the configuration's `disable`).
fn enabled_in(listing: &str) -> Result<Vec<&'static str>, String> {
    let enabled = listing
        .split_once("Enabled messages:")
        .and_then(|(_, rest)| rest.split_once("Disabled messages:"))
        .map(|(enabled, _)| enabled)
        .ok_or_else(|| "its list of enabled messages cannot be parsed".to_owned())?;
    Ok(pylint::CROSS_FILE
        .iter()
        .filter(|(_, id)| enabled.contains(&format!("({id})")))
        .map(|(symbol, _)| *symbol)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cross_file_checks_are_those_the_configuration_enables() {
        let listing = "Enabled messages:\n  cyclic-import (R0401)\n  unused-import (W0611)\n\
                       Disabled messages:\n  duplicate-code (R0801)\n\
                       Non-emittable messages with current interpreter:\n";
        assert_eq!(enabled_in(listing), Ok(vec!["cyclic-import"]));
        let both = "Enabled messages:\n  duplicate-code (R0801)\n  cyclic-import (R0401)\n\
                    Disabled messages:\n";
        assert_eq!(
            enabled_in(both),
            Ok(vec!["duplicate-code", "cyclic-import"])
        );
        assert!(enabled_in("usage: pylint").is_err());
    }
}
