//! git, started the one way opsgate starts it: through the process module
//! (own group, timeout, output cap), no terminal prompt, no pager, and
//! nothing from the checked repository's configuration executed. Reading a
//! repository must never run it: a `.git/config` that came with a
//! downloaded tree can name programs for `core.fsmonitor`, `core.pager`,
//! hooks, external diff and textconv drivers, and clean/smudge filters.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use anyhow::{Result, anyhow};

use super::{ProcessError, ProcessOutput};

/// git reads a local repository; a minute is far beyond any of them, and
/// ends a git waiting on a lock or a prompt.
const DEFAULT_TIMEOUT: Duration = Duration::from_mins(1);
/// Overrides the timeout (`30s`, `5m`): a very large repository on a slow
/// disk, or a test that needs a git that hangs to end quickly.
pub(crate) const TIMEOUT_VARIABLE: &str = "OPSGATE_GIT_TIMEOUT";

/// Options that switch off every setting a read command would execute.
/// (External diff and textconv drivers are switched off by the diff
/// commands' own `--no-ext-diff --no-textconv`, filters by
/// [`read_overrides`].)
const SAFE_OPTIONS: [&str; 4] = ["-c", "core.fsmonitor=false", "-c", "core.pager=cat"];

/// No read command runs a hook; this makes sure of it. Not for
/// `install-hook`, which asks git where `core.hooksPath` points.
pub(crate) const NO_HOOKS: [&str; 2] = ["-c", "core.hooksPath=/dev/null"];

/// `git -C dir [overrides] args` with the safe options and environment.
/// `overrides` are more `-c` options (see [`read_overrides`]).
pub(crate) fn command(dir: &Path, overrides: &[String], args: &[&str]) -> Command {
    let mut command = Command::new("git");
    command
        .arg("--no-pager")
        .arg("-C")
        .arg(dir)
        .args(SAFE_OPTIONS)
        .args(overrides)
        .args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_PAGER", "cat")
        .env("PAGER", "cat")
        // Reads take no lock a concurrent `git commit` would trip over.
        .env("GIT_OPTIONAL_LOCKS", "0")
        // An askpass program would be a prompt by other means.
        .env_remove("GIT_ASKPASS")
        .env_remove("SSH_ASKPASS");
    command
}

/// Runs `git -C dir args` to the end, whatever its exit status.
///
/// # Errors
/// git cannot be started, printed more than the output cap, or did not
/// finish within the timeout; the message names the command and the fix.
pub(crate) fn output(dir: &Path, overrides: &[String], args: &[&str]) -> Result<ProcessOutput> {
    super::run(command(dir, overrides, args), timeout()?).map_err(|err| explain(&err, dir, args))
}

/// What went wrong, with the command and the fix.
fn explain(err: &ProcessError, dir: &Path, args: &[&str]) -> anyhow::Error {
    let shown = format!("git -C {} {}", dir.display(), args.join(" "));
    match err {
        ProcessError::Spawn(err) => {
            anyhow!("cannot run `{shown}`: {err}; is git installed and on PATH?")
        }
        ProcessError::TimedOut { after, .. } => anyhow!(
            "`{shown}` did not finish within {} and was stopped: is another git holding a \
             lock, or is it waiting for a credential? Fix the repository (`git status` shows \
             what it waits for), or allow longer with {TIMEOUT_VARIABLE}=5m",
            humantime::format_duration(*after)
        ),
        ProcessError::OutputTooLarge(_) | ProcessError::HeldOpen(_) => anyhow!(
            "`{shown}` {}; opsgate stopped reading it",
            err.output_problem().unwrap_or_default()
        ),
    }
}

/// The first line git prints, for facts that may be missing (the commit of
/// a folder outside any repository): `None` when git is not installed or
/// fails.
///
/// # Errors
/// git hung until the timeout: a run must not wait forever, nor go on as
/// if the repository had no commit.
pub(crate) fn first_line(dir: &Path, args: &[&str]) -> Result<Option<String>> {
    let no_hooks = NO_HOOKS.map(str::to_owned);
    let output = match super::run(command(dir, &no_hooks, args), timeout()?) {
        Ok(output) => output,
        Err(ProcessError::Spawn(_)) => return Ok(None),
        Err(err) => return Err(explain(&err, dir, args)),
    };
    let text = output.stdout_text();
    let line = text.lines().next().unwrap_or("").trim();
    Ok((output.code == Some(0) && !line.is_empty()).then(|| line.to_owned()))
}

/// `-c` options for reading a repository: [`NO_HOOKS`], and the ones that
/// empty every clean, smudge and process filter the
/// repository's configuration defines: comparing with the working tree
/// runs a file's clean filter, and filters have arbitrary names, so they
/// are listed first (`git config` runs nothing).
///
/// # Errors
/// As [`output`].
pub(crate) fn read_overrides(dir: &Path) -> Result<Vec<String>> {
    let listed = output(
        dir,
        &[],
        &[
            "config",
            "--null",
            "--name-only",
            "--get-regexp",
            r"^filter\..*\.(clean|smudge|process)$",
        ],
    )?;
    let mut overrides = NO_HOOKS.map(str::to_owned).to_vec();
    for key in listed.stdout.split(|&b| b == 0).filter(|k| !k.is_empty()) {
        let key = String::from_utf8_lossy(key);
        let Some(driver) = key
            .strip_prefix("filter.")
            .and_then(|rest| rest.rsplit_once('.'))
            .map(|(driver, _)| driver)
        else {
            continue;
        };
        for setting in ["clean", "smudge", "process"] {
            overrides.extend(["-c".to_owned(), format!("filter.{driver}.{setting}=")]);
        }
        overrides.extend(["-c".to_owned(), format!("filter.{driver}.required=false")]);
    }
    Ok(overrides)
}

fn timeout() -> Result<Duration> {
    crate::environment::snapshot().git_timeout(DEFAULT_TIMEOUT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_of_any_name_are_emptied() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let init = command(root, &[], &["init", "--quiet"]).output().unwrap();
        assert!(init.status.success());
        for (key, value) in [
            ("filter.lfs.clean", "x"),
            ("filter.my.odd.name.process", "y"),
        ] {
            let set = command(root, &[], &["config", key, value])
                .output()
                .unwrap();
            assert!(set.status.success());
        }
        let overrides = read_overrides(root).unwrap();
        for expected in [
            "filter.lfs.clean=",
            "filter.lfs.process=",
            "filter.my.odd.name.smudge=",
            "filter.my.odd.name.required=false",
        ] {
            assert!(overrides.iter().any(|o| o == expected), "{overrides:?}");
        }
    }

    #[test]
    fn outside_a_repository_there_is_no_commit() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            first_line(dir.path(), &["rev-parse", "HEAD"]).unwrap(),
            None
        );
    }
}
