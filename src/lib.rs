//! opsgate: a quality gate for repositories of Python operations scripts.
//! `run` is the whole program; `main.rs` only maps its result to an exit code.

mod adoption;
mod audit;
mod baseline;
mod baseline_command;
mod cache;
mod changed;
mod check;
mod ci;
pub mod cli;
mod config;
mod finding;
mod fingerprint;
mod fmt;
#[cfg(test)]
mod fuzz;
mod git;
mod guard;
mod hash;
mod hook;
mod imports;
mod init;
mod interrupt;
mod merge;
mod progress;
mod pytest_config;
mod repo;
mod report;
mod roi;
mod rules;
mod runners;
mod shard;
mod show_config;
mod test_result;
mod timings;
mod tool_rule;
mod toolenv;
mod verdict;
mod walk;

use std::process::ExitCode;

use anyhow::Result;

pub use finding::Severity;
pub use interrupt::Interrupted;
pub use shard::Shard;

use cli::{Cli, Command};
use verdict::Verdict;

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
