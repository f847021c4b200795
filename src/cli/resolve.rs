//! The command line turned into what configuration resolves: the sources of
//! the settings, and the switches of a run (with the shard the CI engine's
//! variables give).

use super::{BaselineArgs, CheckArgs};
use crate::config::{BaselineChoice, CheckOptions, Sources};

impl CheckArgs {
    /// The repository and what the command line sets over its configuration.
    pub(crate) fn sources(&self) -> Sources {
        Sources {
            path: self.path.clone(),
            config: self.settings.config.clone(),
            python: self.settings.python.clone(),
            jobs: self.settings.jobs,
            fail_on: self.fail_on,
        }
    }

    /// The switches of the run.
    ///
    /// # Errors
    /// A shard the CI engine's variables give but cannot be parsed.
    pub(crate) fn options(&self) -> anyhow::Result<CheckOptions> {
        let shard = crate::discover::shard::resolve(self.shard, |name| {
            crate::environment::snapshot().owned(name)
        })?;
        let baseline = match (&self.baseline, self.no_baseline) {
            (_, true) => BaselineChoice::Off,
            (Some(file), false) => BaselineChoice::File(file.clone()),
            (None, false) => BaselineChoice::Default,
        };
        Ok(CheckOptions {
            no_cache: self.no_cache,
            explain_cache: self.explain_cache,
            changed: self.changed,
            new_only: self.new_only,
            base: self.base.clone(),
            baseline,
            shard,
            audit: self.audit.clone(),
            incident: self.incident.clone(),
        })
    }
}

impl BaselineArgs {
    pub(crate) fn sources(&self) -> Sources {
        Sources {
            python: self.settings.python.clone(),
            jobs: self.settings.jobs,
            ..Sources::repository(self.path.clone(), self.settings.config.clone())
        }
    }
}
