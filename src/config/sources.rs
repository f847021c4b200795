//! What a command asked for, read from its arguments once: where the
//! settings come from (`Sources`), and for `check` the switches of the run
//! (`CheckOptions`). The command line fills them in; no stage after
//! configuration reads the arguments.

use std::num::NonZeroUsize;
use std::path::PathBuf;

use crate::discover::shard::Shard;
use crate::model::Severity;

/// The repository named on the command line, its configuration file, and
/// what the command line sets over the configuration.
#[derive(Debug, Default)]
pub(crate) struct Sources {
    pub(crate) path: PathBuf,
    pub(crate) config: Option<PathBuf>,
    pub(crate) python: Option<PathBuf>,
    pub(crate) jobs: Option<NonZeroUsize>,
    pub(crate) fail_on: Option<Severity>,
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
