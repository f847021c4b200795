//! Pylint's cross-file checks (duplicate-code, cyclic-import): whether the
//! repository's configuration enables them, and their run over every file
//! by the shard designated to run them.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use super::{
    Interpreted, Invocation, Pass, ProcessError, RunContext, ToolRun, ToolStatus, Toolbox,
    failure_message, millis, process, pylint, python_paths,
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
            Some(0) => pylint::enabled_cross_file(&output.stdout_text()),
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
    let runner = pylint::CrossFile { enable };
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
        jobs: 1,
        forks: 1,
        pass: Pass::All,
        severity: &tool.severity,
        scratch: &scratch.join("pylint-cross-file"),
        pairs_in: None,
        keeps: false,
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
