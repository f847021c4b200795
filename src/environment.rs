//! The environment, read once. Every variable opsgate honours is looked up
//! in one snapshot taken the first time any is asked for (at the start of a
//! run, before the settings are resolved); nothing else reads the process
//! environment. What a tool process inherits is its own business: the
//! process module passes the environment on as the platform does.
//!
//! The variables opsgate reads for itself are listed in `OWN`, which the
//! configuration page's table is checked against.

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::fmt::Write;
use std::sync::OnceLock;
use std::time::Duration;

use anyhow::{Context, Result, bail};

/// The variables opsgate reads for itself, with what each does.
pub(crate) const OWN: [(&str, &str); 9] = [
    (
        "OPSGATE_CACHE_DIR",
        "opsgate's cache folder (tool environments, result cache)",
    ),
    (
        "OPSGATE_BASE_PYTHON",
        "the interpreter the managed tool environment is built from",
    ),
    ("OPSGATE_NO_CACHE", "non-empty: as `--no-cache`"),
    (
        "OPSGATE_CACHE_MAX_MB",
        "the result cache's size limit, in MB",
    ),
    (
        "OPSGATE_PYLINT_PARTS",
        "`auto`, `1` (one Pylint process) or `N` separate processes",
    ),
    (
        "OPSGATE_GIT_TIMEOUT",
        "how long one git command may run (default `1m`)",
    ),
    (
        "OPSGATE_SARIF_CATEGORY",
        "prefix of each SARIF run's category (default `opsgate`)",
    ),
    (
        "OPSGATE_TIMINGS",
        "non-empty and not `0`: each phase says how long it took",
    ),
    ("CI", "set: no progress spinner"),
];

/// The variables, as `opsgate check --help` lists them.
pub(crate) fn help() -> String {
    let width = OWN.iter().map(|(name, _)| name.len()).max().unwrap_or(0);
    let mut text = String::from("Environment variables:\n");
    for (name, what) in OWN {
        let _ = writeln!(text, "  {name:<width$}  {what}");
    }
    text.push_str(
        "The CI platform's own (GitHub Actions', GitLab CI's) are read as docs/ci.md says.",
    );
    text
}

/// The process environment as it was when opsgate started.
pub(crate) struct Environment {
    vars: HashMap<OsString, OsString>,
}

static SNAPSHOT: OnceLock<Environment> = OnceLock::new();

/// The one snapshot.
pub(crate) fn snapshot() -> &'static Environment {
    SNAPSHOT.get_or_init(|| Environment {
        vars: std::env::vars_os().collect(),
    })
}

impl Environment {
    /// A variable that is set, even to nothing.
    pub(crate) fn os(&self, name: &str) -> Option<&OsStr> {
        self.vars.get(OsStr::new(name)).map(OsString::as_os_str)
    }

    /// A variable that is set to some text (empty counts as unset).
    pub(crate) fn text(&self, name: &str) -> Option<&str> {
        self.os(name)
            .and_then(OsStr::to_str)
            .filter(|value| !value.is_empty())
    }

    /// The same, owned: for the lookups that take any source of variables.
    pub(crate) fn owned(&self, name: &str) -> Option<String> {
        self.text(name).map(str::to_owned)
    }

    /// Every variable's name.
    pub(crate) fn names(&self) -> impl Iterator<Item = &OsStr> {
        self.vars.keys().map(OsString::as_os_str)
    }

    /// A switch: set, not empty and not `0`.
    pub(crate) fn switch(&self, name: &str) -> bool {
        self.os(name).is_some_and(|v| !v.is_empty() && v != "0")
    }

    /// `OPSGATE_NO_CACHE`: any non-empty value.
    pub(crate) fn no_cache(&self) -> bool {
        self.os("OPSGATE_NO_CACHE").is_some_and(|v| !v.is_empty())
    }

    /// `OPSGATE_CACHE_MAX_MB` in bytes; `None` when unset.
    ///
    /// # Errors
    /// Not a whole number of megabytes.
    pub(crate) fn cache_max_bytes(&self) -> Result<Option<u64>> {
        let Some(value) = self.os("OPSGATE_CACHE_MAX_MB") else {
            return Ok(None);
        };
        let value = value.to_string_lossy();
        let megabytes = value.trim().parse::<u64>().with_context(|| {
            format!("OPSGATE_CACHE_MAX_MB=`{value}` is not a whole number of megabytes")
        })?;
        Ok(Some(megabytes * 1024 * 1024))
    }

    /// `OPSGATE_PYLINT_PARTS`: how many processes Pylint's files are cut
    /// into; unset or `auto` lets opsgate decide.
    ///
    /// # Errors
    /// Neither `auto` nor a number of processes.
    pub(crate) fn pylint_parts(&self) -> Result<Option<usize>> {
        let Some(value) = self.os("OPSGATE_PYLINT_PARTS") else {
            return Ok(None);
        };
        let value = value.to_string_lossy();
        if value.trim() == "auto" || value.trim().is_empty() {
            return Ok(None);
        }
        let parts = value
            .trim()
            .parse::<std::num::NonZeroUsize>()
            .with_context(|| {
                format!(
                    "OPSGATE_PYLINT_PARTS=`{value}` is not a number of processes (1 or more) \
                     nor `auto`"
                )
            })?;
        Ok(Some(parts.get()))
    }

    /// `OPSGATE_GIT_TIMEOUT`, or `default`.
    ///
    /// # Errors
    /// Not a duration.
    pub(crate) fn git_timeout(&self, default: Duration) -> Result<Duration> {
        let Some(text) = self.os("OPSGATE_GIT_TIMEOUT") else {
            return Ok(default);
        };
        let text = text.to_string_lossy();
        match humantime::parse_duration(text.trim()) {
            Ok(timeout) if !timeout.is_zero() => Ok(timeout),
            _ => bail!("OPSGATE_GIT_TIMEOUT=`{text}` is not a duration: write it like 90s or 5m"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variable_is_in_the_configuration_page() {
        let page = include_str!("../docs/configuration.md");
        for (name, _) in OWN {
            assert!(page.contains(&format!("| `{name}` |")), "{name}");
        }
    }

    #[test]
    fn numbers_and_durations_are_read_or_refused() {
        let env = |pairs: &[(&str, &str)]| Environment {
            vars: pairs
                .iter()
                .map(|(k, v)| (OsString::from(k), OsString::from(v)))
                .collect(),
        };
        assert_eq!(env(&[]).cache_max_bytes().unwrap(), None);
        let two = env(&[("OPSGATE_CACHE_MAX_MB", "2")]);
        assert_eq!(two.cache_max_bytes().unwrap(), Some(2 * 1024 * 1024));
        let bad = env(&[("OPSGATE_CACHE_MAX_MB", "lots")]);
        assert!(format!("{:#}", bad.cache_max_bytes().unwrap_err()).contains("`lots`"));
        assert_eq!(
            env(&[("OPSGATE_PYLINT_PARTS", "auto")])
                .pylint_parts()
                .unwrap(),
            None
        );
        assert_eq!(
            env(&[("OPSGATE_PYLINT_PARTS", "3")])
                .pylint_parts()
                .unwrap(),
            Some(3)
        );
        assert!(
            env(&[("OPSGATE_PYLINT_PARTS", "0")])
                .pylint_parts()
                .is_err()
        );
        let default = Duration::from_mins(1);
        let git = env(&[("OPSGATE_GIT_TIMEOUT", "5m")]).git_timeout(default);
        assert_eq!(git.unwrap(), Duration::from_mins(5));
        assert!(
            env(&[("OPSGATE_GIT_TIMEOUT", "soon")])
                .git_timeout(default)
                .is_err()
        );
        assert!(!env(&[("OPSGATE_TIMINGS", "0")]).switch("OPSGATE_TIMINGS"));
        assert!(env(&[("OPSGATE_NO_CACHE", "1")]).no_cache());
    }
}
