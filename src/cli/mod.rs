//! The command line as clap sees it. Nothing past `config` reads these types:
//! they are resolved once into `Settings` (`resolve`).

mod resolve;

use std::num::NonZeroUsize;
use std::path::PathBuf;

use clap::builder::TypedValueParser;
use clap::{Parser, Subcommand, ValueEnum};

use crate::discover::shard::Shard;
use crate::model::Severity;
pub use crate::report::{OutputArg, ReportFormat};

#[derive(Debug, Parser)]
#[command(
    name = "opsgate",
    // The commit comes from build.rs: "unknown" in a build from a source archive.
    version = concat!(env!("CARGO_PKG_VERSION"), " (commit ", env!("OPSGATE_COMMIT"), ")"),
    about = "Quality gate for repositories of Python operations scripts",
    long_about = "Quality gate for repositories of Python operations scripts.\n\n\
        Runs Black, Flake8, Pylint and pytest (and, when enabled, more tools) with\n\
        pinned versions and reports every finding in one verdict.\n\n\
        Exit codes: 0 the gate passed (every enabled check ran), 1 the gate failed,\n\
        2 the gate could not judge (bad usage or configuration, a tool missing,\n\
        crashed, timed out, printed what cannot be parsed or more than 64 MiB), 128 +\n\
        the signal when interrupted (130 Ctrl-C, 143 SIGTERM): every tool process is\n\
        stopped first."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a repository and exit 0 (passed), 1 (failed) or 2 (could not judge)
    #[command(after_long_help = crate::environment::help())]
    Check(CheckArgs),
    /// Format the Python files with the pinned Black of the tool environment, in place
    #[command(
        long_about = "Format the repository's Python files with the pinned Black of the tool\n\
            environment `check` uses (provisioned as `check` provisions it), in place: the one\n\
            opsgate command that writes to the tree. With Black off and Ruff's formatter on\n\
            ([tools.ruff-format] enabled = true), with the pinned `ruff format` instead.\n\
            Without PATH, every Python file `check` gives the formatter (the same walk,\n\
            ignores and per-folder `enabled`); with PATHs, those among them in the given files\n\
            and folders.\n\n\
            Exit codes: 0 formatted (or nothing to change), 1 the formatter could not parse a\n\
            file (the others are formatted), 2 it could not run (bad usage or configuration, a\n\
            PATH holding no such file, the formatter missing, crashed or timed out)."
    )]
    Fmt(FmtArgs),
    /// Record the current findings in a baseline file, so that they no longer fail the gate
    Baseline(BaselineArgs),
    /// Write an opsgate.toml holding the embedded defaults, commented
    Init(InitArgs),
    /// Merge the JSON reports of `check --shard` jobs into one report and one verdict
    ///
    /// Exits 0, 1 or 2 as the unsharded run would. Exits 2, writing nothing, when a shard is
    /// missing or given twice, or when the shards did not check the same commit with the same
    /// configuration, files, threshold and tool versions.
    Merge(MergeArgs),
    /// Install a git pre-push hook that runs the gate on the commits being pushed
    InstallHook(HookArgs),
    /// Print the effective configuration of a file or folder, and where each part came from
    #[command(
        long_about = "Print the effective configuration of a file or folder of the repository as TOML:\n\
            the root configuration with every [[overrides]] table and nested opsgate.toml\n\
            that covers it applied (later and deeper ones winning), each key an override\n\
            set commented with where it came from. The output is itself a valid root\n\
            opsgate.toml."
    )]
    Config(ConfigArgs),
    /// List every built-in rule: id, name, default severity, one line
    Rules,
    /// Print a rule's documentation: a built-in rule's why, example and configuration, or
    /// what a tool's code means
    #[command(
        long_about = "Print a rule's documentation. A built-in rule (OG203, tool-owners): why it\n\
            exists, a violation and its fix, how to configure and suppress it. A tool's code:\n\
            a Pylint message (W0702, bare-except) as the pinned Pylint explains it\n\
            (`pylint --help-msg`, provisioning an environment holding it the first time),\n\
            a Flake8 code (E501, F401, C901) with a link to its checker's documentation,\n\
            Black's and pytest's findings; each with its severity here and how to suppress it.\n\
            Exit 2 for a code nobody knows."
    )]
    Explain {
        /// Rule id (e.g. OG203), name (e.g. tool-owners) or a tool's code (W0702, E501)
        rule: String,
    },
    /// Report what the automation is worth: hours saved, findings and failed
    /// gates over time, the standards of the repository, MTTR
    Roi(RoiArgs),
}

// Each flag is one independent switch of the command line.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Default, clap::Args)]
#[command(group(
    clap::ArgGroup::new("base_user")
        .args(["new_only", "changed"])
        .multiple(true)
))]
pub struct CheckArgs {
    /// Repository to check, or a folder or file inside one: then only it is checked, with
    /// the configuration, CODEOWNERS and layout of the repository's root (the topmost folder
    /// up to the git work tree's top holding opsgate.toml or [tool.opsgate], else that top;
    /// outside git the nearest such folder, else PATH)
    #[arg(default_value = ".")]
    pub path: PathBuf,

    #[command(flatten)]
    pub settings: SettingsArgs,

    /// Report written to stdout [default: terminal]
    #[arg(long, value_name = "FMT")]
    pub format: Option<ReportFormat>,

    /// Also write a report to a file, atomically; repeatable (e.g. --output sarif=opsgate.sarif)
    #[arg(long, value_name = "FMT=FILE", value_parser = parse_output)]
    pub output: Vec<OutputArg>,

    /// Lowest severity that fails the gate, everywhere, over any per-folder threshold [default: from configuration, else warning]
    #[arg(long, value_name = "SEVERITY", value_parser = severity_parser())]
    pub fail_on: Option<Severity>,

    /// Neither read nor write the result cache: every tool checks every file
    #[arg(long)]
    pub no_cache: bool,

    /// Say on stderr, per tool, what the cache served and why each file (or folder of tests)
    /// that ran missed: not checked before, its content changed, an import changed, the setup
    /// changed, or not kept last time and why
    #[arg(long)]
    pub explain_cache: bool,

    /// Check only the files changed since the merge base with the base, uncommitted and
    /// untracked ones included, and what depends on them (the pre-push case)
    #[arg(long)]
    pub changed: bool,

    /// Only findings on lines added or changed since the merge base with the base can fail the
    /// gate; the others are reported at note, marked existing
    #[arg(long)]
    pub new_only: bool,

    #[allow(clippy::doc_markdown)] // --help shows it as written
    /// The base for --new-only and --changed [default: origin/$GITHUB_BASE_REF on GitHub,
    /// $CI_MERGE_REQUEST_DIFF_BASE_SHA on GitLab, else the upstream branch]
    #[arg(long, value_name = "REF", requires = "base_user")]
    pub base: Option<String>,

    /// Findings recorded in this baseline file do not fail the gate
    /// [default: .opsgate-baseline.json at the root, when it exists]
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Do not use .opsgate-baseline.json even though it exists
    #[arg(long, conflicts_with = "baseline")]
    pub no_baseline: bool,

    /// Check only shard I of N (e.g. 2/3), a deterministic part of the tool folders; merge the
    /// shards' JSON reports with `opsgate merge` [default: under GitLab CI, `CI_NODE_INDEX`/`CI_NODE_TOTAL`]
    #[arg(long, value_name = "I/N")]
    pub shard: Option<Shard>,

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

/// Where the settings come from, shared by the commands that run the tools.
#[derive(Debug, Default, clap::Args)]
pub struct SettingsArgs {
    /// Configuration file (else opsgate.toml, else [tool.opsgate] in pyproject.toml, else defaults)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    #[allow(clippy::doc_markdown)] // --help shows it as written
    /// Use the tools installed for this interpreter instead of the managed environment
    ///
    /// Else `python =` in the configuration; else opsgate provisions the managed environment
    /// from $OPSGATE_BASE_PYTHON, else from the interpreter beside the opsgate executable when
    /// it lives in a virtual environment's bin/ (pip, pipx, uvx), else from `python3` on PATH.
    /// `opsgate config --show` names the one in use.
    #[arg(long, value_name = "PATH")]
    pub python: Option<PathBuf>,

    /// Tool processes at once, and walk threads [default: all cores]; Pylint checks its files
    /// in as many forked copies of itself (`OPSGATE_PYLINT_PARTS=1`: one process, no copies;
    /// `N`: N separate processes)
    #[arg(long, value_name = "N")]
    pub jobs: Option<NonZeroUsize>,
}

#[derive(Debug, clap::Args)]
pub struct BaselineArgs {
    /// Repository to record (its root, found as for check; a folder inside it is refused)
    #[arg(default_value = ".")]
    pub path: PathBuf,

    #[command(flatten)]
    pub settings: SettingsArgs,

    /// The baseline file to write [default: .opsgate-baseline.json at the root]
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Only drop the entries whose findings are gone; add none
    #[arg(long)]
    pub prune: bool,
}

#[derive(Debug, clap::Args)]
pub struct FmtArgs {
    /// Files or folders to format, inside the repository [default: all of it]
    pub paths: Vec<PathBuf>,

    /// The repository
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub repo: PathBuf,

    /// Configuration file (else opsgate.toml, else [tool.opsgate] in pyproject.toml, else defaults)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Use the Black installed for this interpreter instead of the managed environment
    #[arg(long, value_name = "PATH")]
    pub python: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// The shards' JSON reports (`opsgate check --shard I/N --format json`), every shard once
    #[arg(required = true, value_name = "SHARD.json")]
    pub reports: Vec<PathBuf>,

    /// Report written to stdout [default: terminal]
    #[arg(long, value_name = "FMT")]
    pub format: Option<ReportFormat>,

    /// Also write a report to a file, atomically; repeatable (e.g. --output sarif=opsgate.sarif)
    #[arg(long, value_name = "FMT=FILE", value_parser = parse_output)]
    pub output: Vec<OutputArg>,

    /// The checked repository, for paths as the CI platform names them
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub root: PathBuf,
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
pub struct ConfigArgs {
    /// Show the configuration of PATH, relative to the repository root [default: the root]
    #[arg(long, value_name = "PATH", num_args = 0..=1, default_missing_value = ".", required = true)]
    pub show: Option<PathBuf>,

    /// The repository
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub repo: PathBuf,

    /// Configuration file (else opsgate.toml, else [tool.opsgate] in pyproject.toml, else defaults)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
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

/// `note`, `warning` or `error`, listed in `--help` as clap lists an enum's
/// values (the model's `Severity` knows nothing of the command line).
fn severity_parser() -> impl TypedValueParser<Value = Severity> {
    clap::builder::PossibleValuesParser::new(Severity::ALL.map(Severity::as_str))
        .map(|name| name.parse::<Severity>().expect("a listed severity"))
}
