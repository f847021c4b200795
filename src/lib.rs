//! opsgate: a quality gate for repositories of Python operations scripts.
//! `run` is the whole program; `main.rs` only maps its result to an exit code.

mod audit;
mod baseline_command;
mod cache;
mod check;
mod ci;
pub mod cli;
mod config;
mod discover;
mod environment;
mod fmt;
#[cfg(test)]
mod fuzz;
mod git;
mod globs;
mod guard;
mod hash;
mod hook;
mod init;
mod interrupt;
mod judge;
mod merge;
mod model;
mod process;
mod progress;
mod report;
mod roi;
mod rules;
mod runners;
mod show_config;
mod timings;
mod tool_config;
mod tool_rule;
mod toolenv;

use std::process::ExitCode;

use anyhow::Result;

pub use discover::shard::Shard;
pub use interrupt::Interrupted;
pub use model::Severity;

use cli::{Cli, Command};
use judge::verdict::Verdict;

/// The process outcome, in the order that wins: an error over a failure
/// over a pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// The gate passed: every enabled check ran, nothing at the threshold.
    Passed,
    /// The gate failed: findings at or above the threshold.
    Failed,
    /// The gate could not judge: usage, configuration or a tool failed.
    Error,
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> ExitCode {
        match status {
            ExitStatus::Passed => ExitCode::from(0),
            ExitStatus::Failed => ExitCode::from(1),
            ExitStatus::Error => ExitCode::from(2),
        }
    }
}

/// Runs one command.
///
/// # Errors
/// Usage, configuration and I/O problems that stop the run; they exit 2.
/// `Interrupted` when a signal stopped it, whatever else went wrong.
pub fn run(cli: &Cli) -> Result<ExitStatus> {
    interrupt::install();
    let status = run_command(cli);
    match interrupt::interrupted() {
        Some(interrupted) => Err(interrupted.into()),
        None => status,
    }
}

fn run_command(cli: &Cli) -> Result<ExitStatus> {
    match &cli.command {
        Command::Check(args) => Ok(match check::run(args)? {
            Verdict::Passed => ExitStatus::Passed,
            Verdict::Failed => ExitStatus::Failed,
            Verdict::Error => ExitStatus::Error,
        }),
        Command::Baseline(args) => baseline_command::run(args),
        Command::Fmt(args) => fmt::run(args),
        Command::Merge(args) => Ok(match merge::run(args)? {
            Verdict::Passed => ExitStatus::Passed,
            Verdict::Failed => ExitStatus::Failed,
            Verdict::Error => ExitStatus::Error,
        }),
        Command::Init(args) => {
            init::run(args)?;
            Ok(ExitStatus::Passed)
        }
        Command::InstallHook(args) => {
            hook::run(args)?;
            Ok(ExitStatus::Passed)
        }
        Command::Config(args) => {
            show_config::run(args, &mut anstream::stdout().lock())?;
            Ok(ExitStatus::Passed)
        }
        Command::Rules => {
            rules::list(&mut anstream::stdout().lock())?;
            Ok(ExitStatus::Passed)
        }
        Command::Explain { rule } => {
            let mut out = anstream::stdout().lock();
            if rules::find(rule).is_none() && tool_rule::explain(&mut out, rule)? {
                return Ok(ExitStatus::Passed);
            }
            rules::explain(&mut out, rule)?;
            Ok(ExitStatus::Passed)
        }
        Command::Roi(args) => {
            roi::run(args)?;
            Ok(ExitStatus::Passed)
        }
    }
}
