//! What a command asked for, read from its arguments once: where the
//! settings come from (`Sources`), and for `check` the switches of the run
//! (`CheckOptions`). No stage after configuration reads the arguments.

use std::num::NonZeroUsize;
use std::path::PathBuf;

use anyhow::Result;

use crate::cli::{BaselineArgs, CheckArgs};
use crate::discover::shard::{self, Shard};
use crate::model::Severity;
use crate::report::{OutputArg, ReportFormat};

/// The repository named on the command line, its configuration file, and
/// what the command line sets over the configuration.
#[derive(Debug, Default)]
pub(crate) struct Sources {
    pub(crate) path: PathBuf,
    pub(crate) config: Option<PathBuf>,
    pub(crate) python: Option<PathBuf>,
    pub(crate) jobs: Option<NonZeroUsize>,
    pub(crate) fail_on: Option<Severity>,
    pub(crate) format: Option<ReportFormat>,
    pub(crate) outputs: Vec<OutputArg>,
}

impl Sources {
    /// A repository and its configuration file, with nothing set over it.
    pub(crate) fn repository(path: PathBuf, config: Option<PathBuf>) -> Sources {
        Sources {
            path,
            config,
            ..Sources::default()
        }
    }

    pub(crate) fn of_check(args: &CheckArgs) -> Sources {
        Sources {
            path: args.path.clone(),
            config: args.config.clone(),
            python: args.python.clone(),
            jobs: args.jobs,
            fail_on: args.fail_on,
            format: args.format,
            outputs: args.output.clone(),
        }
    }

    pub(crate) fn of_baseline(args: &BaselineArgs) -> Sources {
        Sources {
            python: args.python.clone(),
            jobs: args.jobs,
            ..Sources::repository(args.path.clone(), args.config.clone())
        }
    }
}

/// Which baseline file a check compares with.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) enum BaselineChoice {
    /// `.opsgate-baseline.json` at the root, when it exists.
    #[default]
    Default,
    /// `--baseline FILE`.
    File(PathBuf),
    /// `--no-baseline`.
    Off,
}

/// The switches of one `check` run besides the settings.
// Each flag is one independent switch of the command line.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Default)]
pub(crate) struct CheckOptions {
    /// `--no-cache`.
    pub(crate) no_cache: bool,
    /// `--explain-cache`.
    pub(crate) explain_cache: bool,
    /// `--changed`.
    pub(crate) changed: bool,
    /// `--new-only`.
    pub(crate) new_only: bool,
    /// `--base`, for `--changed` and `--new-only`.
    pub(crate) base: Option<String>,
    pub(crate) baseline: BaselineChoice,
    /// `--shard`, or the CI engine's parallel job.
    pub(crate) shard: Option<Shard>,
    /// `--audit`.
    pub(crate) audit: Option<PathBuf>,
    /// `--incident`, as written.
    pub(crate) incident: Vec<String>,
}

impl CheckOptions {
    /// # Errors
    /// A shard the CI engine's variables give but cannot be parsed.
    pub(crate) fn of_check(args: &CheckArgs) -> Result<CheckOptions> {
        let shard = shard::resolve(args.shard, |name| {
            std::env::var(name).ok().filter(|v| !v.is_empty())
        })?;
        let baseline = match (&args.baseline, args.no_baseline) {
            (_, true) => BaselineChoice::Off,
            (Some(file), false) => BaselineChoice::File(file.clone()),
            (None, false) => BaselineChoice::Default,
        };
        Ok(CheckOptions {
            no_cache: args.no_cache,
            explain_cache: args.explain_cache,
            changed: args.changed,
            new_only: args.new_only,
            base: args.base.clone(),
            baseline,
            shard,
            audit: args.audit.clone(),
            incident: args.incident.clone(),
        })
    }
}
