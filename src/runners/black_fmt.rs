//! Black of the tool environment, writing: `opsgate fmt`. The one place
//! opsgate changes the tree, and only on that explicit request. The same
//! interpreter, variables and `--config` as the check, without `--check`.

use std::ffi::OsString;
use std::path::Path;
use std::process::Command;

use anyhow::{Result, bail};

use super::black_shared::{parse_errors, project_config};
use super::runner::Formatted;
use super::{ProcessError, ProcessOutput, Toolbox, file_args, process};
use crate::config::ToolSettings;
use crate::discover::repo::Repo;

/// Runs Black on `files` (relative to the root), in place.
///
/// # Errors
/// When Black cannot start, times out, or fails other than on a file it
/// cannot parse.
pub(crate) fn format(
    toolbox: &Toolbox,
    repo: &Repo,
    black: &ToolSettings,
    jobs: usize,
    files: &[&str],
) -> Result<Formatted> {
    let mut command = Command::new(&toolbox.python);
    command.args(["-m", "black", "--no-color", "--workers"]);
    command.arg(jobs.to_string());
    if let Some(config) = project_config(repo) {
        command.arg("--config").arg(config);
    }
    command
        .args(file_args(files).collect::<Vec<OsString>>())
        .current_dir(&repo.root)
        .envs(toolbox.env.iter().map(|(k, v)| (k, v)));
    let output = run_formatter(command, black, &toolbox.python)?;
    let report = output.stderr_text();
    let unparsable = parse_errors(&report).len();
    match output.code {
        Some(0) => Ok(Formatted { unparsable, report }),
        // 123: some file could not be formatted; the others were.
        Some(123) if unparsable > 0 => Ok(Formatted { unparsable, report }),
        _ => bail!(
            "black failed ({}):\n{}",
            output.describe_exit(),
            output.stderr_tail(15)
        ),
    }
}

/// Runs a formatter writing in place, with the errors of every way it can
/// fail to finish said in its terms and its configuration table's.
pub(super) fn run_formatter(
    command: Command,
    settings: &ToolSettings,
    python: &Path,
) -> Result<ProcessOutput> {
    let name = settings.kind.name();
    match process::run(command, settings.timeout) {
        Ok(output) => Ok(output),
        Err(ProcessError::Spawn(err)) => bail!("cannot start `{}`: {err}", python.display()),
        Err(ProcessError::TimedOut { after, .. }) => bail!(
            "{name} did not finish within {}; it was killed. Raise `timeout` under \
             [tools.{name}] if it needs longer",
            humantime::format_duration(after)
        ),
        Err(err @ (ProcessError::OutputTooLarge(_) | ProcessError::HeldOpen(_))) => {
            bail!("{name} {}", err.output_problem().unwrap_or_default())
        }
    }
}
