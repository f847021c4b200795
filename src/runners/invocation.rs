//! One process of one tool: started through the process module with the
//! tool's interpreter, environment and timeout, its output interpreted, or
//! why it failed.

use std::ffi::OsString;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use super::runner::{Interpreted, RunContext, Runner};
use super::{ProcessError, ProcessOutput, ToolStatus, Toolbox, credentials, process, tail};

/// A process that ran and whose output was understood.
pub(crate) struct Ran {
    pub(crate) interpreted: Interpreted,
    pub(crate) duration: Duration,
    pub(crate) exit_code: Option<i32>,
}

/// The files per interpreter: tools that run the repository's code run the
/// files of an isolated tool folder with that folder's environment.
pub(super) fn groups<'f>(
    runner: &dyn Runner,
    toolbox: &'f Toolbox,
    files: &[&'f str],
) -> Vec<(&'f Path, Vec<&'f str>)> {
    let mut shared = Vec::new();
    let mut isolated: Vec<(&Path, Vec<&str>)> = Vec::new();
    for &file in files {
        let home = runner.runs_repository_code().then(|| {
            toolbox
                .isolated
                .iter()
                .find(|env| crate::discover::repo::within(file, &env.folder))
        });
        match home.flatten() {
            Some(env) => match isolated.iter_mut().find(|(p, _)| *p == env.python) {
                Some((_, group)) => group.push(file),
                None => isolated.push((&env.python, vec![file])),
            },
            None => shared.push(file),
        }
    }
    let mut all = Vec::new();
    if !shared.is_empty() {
        all.push((toolbox.python.as_path(), shared));
    }
    all.extend(isolated);
    all
}

/// One process of one tool.
pub(super) struct Invocation<'a> {
    pub(super) name: &'static str,
    pub(super) runner: &'a dyn Runner,
    pub(super) python: &'a Path,
    pub(super) env: &'a [(OsString, OsString)],
    pub(super) timeout: Duration,
    /// Credentials let through to a tool that runs repository code.
    pub(super) pass_env: &'a [String],
}

pub(crate) type Failure = (ToolStatus, String, Duration);

impl Invocation<'_> {
    pub(super) fn run(&self, ctx: &RunContext, files: &[&str]) -> Result<Ran, Failure> {
        let name = self.name;
        std::fs::create_dir_all(ctx.scratch).map_err(|err| {
            (
                ToolStatus::Failed,
                format!(
                    "cannot create scratch folder `{}`: {err}",
                    ctx.scratch.display()
                ),
                Duration::ZERO,
            )
        })?;
        let program = self.runner.program(self.python);
        let mut command = if let Some(program) = &program {
            Command::new(program)
        } else {
            let mut command = Command::new(self.python);
            match self.runner.interpreter_args(ctx) {
                Some(args) => command.args(args),
                None => command.arg("-m").arg(name),
            };
            command
        };
        command
            .args(self.runner.args(ctx, files))
            .current_dir(&ctx.repo.root)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .envs(self.runner.env(ctx));
        if self.runner.runs_repository_code() {
            credentials::scrub(&mut command, self.pass_env);
        }
        match process::run(command, self.timeout) {
            Ok(output) => match self.runner.interpret(ctx, &output) {
                Ok(interpreted) => Ok(Ran {
                    interpreted,
                    duration: output.duration,
                    exit_code: output.code,
                }),
                Err(reason) => Err((
                    ToolStatus::Failed,
                    failure_message(name, &reason, &output),
                    output.duration,
                )),
            },
            Err(ProcessError::TimedOut { after, stderr }) => {
                let stderr = tail(&String::from_utf8_lossy(&stderr), 10);
                Err((
                    ToolStatus::TimedOut,
                    format!(
                        "{name} did not finish within {}; it was killed. Raise `timeout` under \
                         [tools.{name}] if it needs longer.{}",
                        humantime::format_duration(after),
                        indent_stderr(&stderr)
                    ),
                    after,
                ))
            }
            Err(ProcessError::Spawn(err)) => Err((
                ToolStatus::Failed,
                format!(
                    "cannot start `{}`: {err}",
                    program.as_deref().unwrap_or(self.python).display()
                ),
                Duration::ZERO,
            )),
            Err(err @ (ProcessError::OutputTooLarge(_) | ProcessError::HeldOpen(_))) => Err((
                ToolStatus::Failed,
                format!(
                    "{name} {}; opsgate stopped reading it and cannot judge the run. Run \
                     {name} directly to see what it prints{}",
                    err.output_problem().unwrap_or_default(),
                    if name == "pytest" {
                        " (a test writing past pytest's capture)"
                    } else {
                        ""
                    }
                ),
                Duration::ZERO,
            )),
        }
    }
}

pub(super) fn failure_message(name: &str, reason: &str, output: &ProcessOutput) -> String {
    format!(
        "{name} failed ({}): {reason}{}",
        output.describe_exit(),
        indent_stderr(&output.stderr_tail(15))
    )
}

pub(super) fn indent_stderr(stderr: &str) -> String {
    if stderr.trim().is_empty() {
        return String::new();
    }
    let lines: Vec<String> = stderr.lines().map(|l| format!("    {l}")).collect();
    format!("\n  stderr (last lines):\n{}", lines.join("\n"))
}

pub(super) fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
