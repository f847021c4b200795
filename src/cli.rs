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
    /// Install a git pre-push hook that runs the gate on the commits being pushed
    InstallHook(HookArgs),
    /// List every built-in rule: id, name, default severity, one line
    Rules,
    /// Print a built-in rule's documentation: why, example, configuration
    Explain {
        /// Rule id (e.g. OG203) or name (e.g. tool-owners)
        rule: String,
    },
    /// Report what the automation is worth: hours saved, findings and failed
    /// gates over time, the standards of the repository, MTTR
    Roi(RoiArgs),
}

#[derive(Debug, Default, clap::Args)]
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

    /// Report written to stdout [default: terminal]
    #[arg(long, value_name = "FMT")]
    pub format: Option<ReportFormat>,

    /// Also write a report to a file, atomically; repeatable (e.g. --output sarif=opsgate.sarif)
    #[arg(long, value_name = "FMT=FILE", value_parser = parse_output)]
    pub output: Vec<OutputArg>,

    /// Lowest severity that fails the gate [default: from configuration, else warning]
    #[arg(long, value_name = "SEVERITY")]
    pub fail_on: Option<Severity>,

    /// Processes for Black and Flake8, and walk threads [default: all cores]
    #[arg(long, value_name = "N")]
    pub jobs: Option<NonZeroUsize>,

    /// Append one JSON line describing this run to FILE (the audit trail
    /// `opsgate roi` reads); safe when several jobs append at once
    #[arg(long, value_name = "FILE")]
    pub audit: Option<PathBuf>,

    /// Incident the run belongs to, recorded in the audit line; repeatable:
    /// `id=ID` (required), `opened_at=TIME`, `resolved_at=TIME` (RFC 3339, UTC),
    /// `title=TEXT`
    #[arg(long, value_name = "KEY=VALUE", requires = "audit")]
    pub incident: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Grouped by file, for people; colour on a terminal
    Terminal,
    /// `{"version":1,"verdict":…,"findings":[…],"tools":[…],"tests":[…]}`
    Json,
    /// `JUnit` XML: every pytest test and every finding a testcase
    Junit,
    /// SARIF 2.1.0, one run per tool, for code scanning
    Sarif,
    /// GitLab Code Quality JSON
    Gitlab,
    /// GitHub Actions workflow commands (annotations)
    Github,
    /// One self-contained HTML page with filters, to browse the findings
    Html,
}

/// One `--output FMT=FILE`.
#[derive(Debug, Clone)]
pub struct OutputArg {
    pub format: ReportFormat,
    pub path: PathBuf,
}

fn parse_output(value: &str) -> Result<OutputArg, String> {
    let (format, path) = value
        .split_once('=')
        .ok_or_else(|| format!("expected FMT=FILE (e.g. sarif=opsgate.sarif), got `{value}`"))?;
    let format = ReportFormat::from_str(format, true).map_err(|_| {
        let names: Vec<String> = ReportFormat::value_variants()
            .iter()
            .filter_map(|v| v.to_possible_value().map(|p| p.get_name().to_owned()))
            .collect();
        format!(
            "unknown format `{format}`; expected one of {}",
            names.join(", ")
        )
    })?;
    if path.is_empty() {
        return Err(format!("no file named after `{format:?}=`").to_lowercase());
    }
    Ok(OutputArg {
        format,
        path: PathBuf::from(path),
    })
}

#[derive(Debug, clap::Args)]
pub struct RoiArgs {
    /// Repository whose tools (README front matter, standards) to report on
    #[arg(default_value = ".")]
    pub path: PathBuf,

    /// Audit files written by `opsgate check --audit`; several may follow
    /// (give PATH before them), or repeat --audit
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub audit: Vec<PathBuf>,

    /// Configuration file (for the layout and `min_owners`), as for `check`
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// markdown (a job summary, a wiki page) or html (one page with charts)
    #[arg(long, value_name = "FMT", default_value = "markdown")]
    pub format: RoiFormat,

    /// Write the report to FILE, atomically, instead of stdout
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Heading of the report [default: Automation ROI: FOLDER, the repository folder]
    #[arg(long, value_name = "TEXT")]
    pub title: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RoiFormat {
    Markdown,
    Html,
}

#[derive(Debug, clap::Args)]
pub struct HookArgs {
    /// A folder of the repository to install the hook into
    #[arg(default_value = ".")]
    pub path: PathBuf,

    /// Replace a pre-push hook opsgate did not write (it is kept as pre-push.opsgate-backup)
    #[arg(long, conflicts_with = "uninstall")]
    pub force: bool,

    /// Remove opsgate's hook (a hook opsgate did not write is left alone)
    #[arg(long)]
    pub uninstall: bool,
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
