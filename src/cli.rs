//! The command line as clap sees it. Nothing past `config` reads these types:
//! they are resolved once into `Settings`.

use std::num::NonZeroUsize;
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::finding::Severity;

#[derive(Debug, Parser)]
#[command(
    name = "opsgate",
    version,
    about = "Quality gate for repositories of Python operations scripts",
    long_about = "Quality gate for repositories of Python operations scripts.\n\n\
        Runs Black, Flake8, Pylint and pytest with pinned versions and reports\n\
        every finding in one verdict.\n\n\
        Exit codes: 0 the gate passed (every enabled check ran), 1 the gate failed,\n\
        2 the gate could not judge (bad usage or configuration, a tool missing,\n\
        crashed, timed out or printed what cannot be parsed)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a repository and exit 0 (passed), 1 (failed) or 2 (could not judge)
    Check(CheckArgs),
    /// Write an opsgate.toml holding the embedded defaults, commented
    Init(InitArgs),
    /// List every built-in rule: id, name, default severity, one line
    Rules,
    /// Print a built-in rule's documentation: why, example, configuration
    Explain {
        /// Rule id (e.g. OG203) or name (e.g. tool-owners)
        rule: String,
    },
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Repository to check
    #[arg(default_value = ".")]
    pub path: PathBuf,

    /// Configuration file (else opsgate.toml, else [tool.opsgate] in pyproject.toml, else defaults)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Use the tools installed for this interpreter instead of the managed environment
    #[arg(long, value_name = "PATH")]
    pub python: Option<PathBuf>,

    /// Report written to stdout
    #[arg(long, value_name = "FMT", default_value = "terminal")]
    pub format: ReportFormat,

    /// Lowest severity that fails the gate [default: from configuration, else warning]
    #[arg(long, value_name = "SEVERITY")]
    pub fail_on: Option<Severity>,

    /// Processes for Black and Flake8, and walk threads [default: all cores]
    #[arg(long, value_name = "N")]
    pub jobs: Option<NonZeroUsize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Grouped by file, for people; colour on a terminal
    Terminal,
    /// `{"version":1,"verdict":…,"findings":[…],"tools":[…]}`
    Json,
}

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// Repository to write opsgate.toml into
    #[arg(default_value = ".")]
    pub path: PathBuf,

    /// Replace an existing opsgate.toml
    #[arg(long)]
    pub force: bool,
}
