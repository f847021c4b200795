//! git in one folder, started through the process module with the options
//! and environment that keep its output what opsgate parses.

use std::path::Path;

use anyhow::{Context, Result, bail};

use super::parse::split_nul;
use super::{BaseOrigin, BaseRef};
use crate::process;

/// git in one folder, with the environment and options that keep its output
/// what opsgate parses; started through the process module, which bounds it
/// and keeps the repository's configuration from running anything.
pub(super) struct Git<'a> {
    root: &'a Path,
    /// `-c` options emptying the repository's filters, listed on first use.
    filters: std::cell::OnceCell<Vec<String>>,
}

/// What a finished git said.
pub(super) struct Output {
    pub(super) status: Status,
    pub(super) stdout: Vec<u8>,
    pub(super) stderr: Vec<u8>,
}

/// Its exit: `success()`, `code()`, and shown as `exit code N`.
pub(super) struct Status {
    pub(super) code: Option<i32>,
    pub(super) described: String,
}

impl Status {
    pub(super) fn success(&self) -> bool {
        self.code == Some(0)
    }

    pub(super) fn code(&self) -> Option<i32> {
        self.code
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.described)
    }
}

impl<'a> Git<'a> {
    pub(super) fn new(root: &'a Path) -> Self {
        Git {
            root,
            filters: std::cell::OnceCell::new(),
        }
    }

    pub(super) fn command_line(&self, args: &[&str]) -> String {
        format!("git -C {} {}", self.root.display(), args.join(" "))
    }

    /// Runs git and returns its output whatever the exit status.
    pub(super) fn output(&self, args: &[&str]) -> Result<Output> {
        if self.filters.get().is_none() {
            let listed = process::git::read_overrides(self.root)
                .context("--new-only and --changed need git")?;
            let _ = self.filters.set(listed);
        }
        let filters = self.filters.get().map_or(&[][..], Vec::as_slice);
        let mut args_with_paths = vec!["-c", "core.quotePath=false"];
        args_with_paths.extend_from_slice(args);
        let output = process::git::output(self.root, filters, &args_with_paths)
            .context("--new-only and --changed need git")?;
        Ok(Output {
            status: Status {
                code: output.code,
                described: output.describe_exit(),
            },
            stdout: output.stdout,
            stderr: output.stderr,
        })
    }

    /// Runs git and returns its stdout; a non-zero exit is an error holding
    /// git's own message.
    pub(super) fn run(&self, args: &[&str]) -> Result<Vec<u8>> {
        let output = self.output(args)?;
        if !output.status.success() {
            bail!(
                "`{}` failed ({}): {}",
                self.command_line(args),
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        Ok(output.stdout)
    }

    /// The checked root's path inside the work tree (`sub/dir/` or empty).
    pub(super) fn ensure_work_tree(&self) -> Result<String> {
        let output = self.output(&["rev-parse", "--show-prefix"])?;
        if !output.status.success() {
            bail!(
                "`{}` is not inside a git work tree ({}): comparing with a base needs the \
                 repository's history; run opsgate in a clone, or leave out --new-only/--changed",
                self.root.display(),
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        let prefix = String::from_utf8(output.stdout)
            .context("git printed a path prefix that is not UTF-8")?;
        Ok(prefix.trim_end_matches('\n').to_owned())
    }

    pub(super) fn has_commit(&self, rev: &str) -> Result<bool> {
        let spec = format!("{rev}^{{commit}}");
        Ok(self
            .output(&["rev-parse", "--verify", "--quiet", &spec])?
            .status
            .success())
    }

    pub(super) fn is_shallow(&self) -> Result<bool> {
        let out = self.run(&["rev-parse", "--is-shallow-repository"])?;
        Ok(String::from_utf8_lossy(&out).trim() == "true")
    }

    /// The merge base of `HEAD` and the base, with errors that say what to
    /// fetch when the history is not there.
    pub(super) fn merge_base(&self, base: &BaseRef) -> Result<String> {
        let name = &base.name;
        let shallow_fix = "fetch the history (`git fetch --deepen=200`, or the whole of it: \
             `git fetch --unshallow`; on GitHub `actions/checkout` with `fetch-depth: 0`, \
             on GitLab `GIT_DEPTH: 0`)";
        if !self.has_commit(name)? {
            let from = match base.origin {
                BaseOrigin::Flag => "--base",
                BaseOrigin::GitHub => "GITHUB_BASE_REF",
                BaseOrigin::GitLab => "CI_MERGE_REQUEST_DIFF_BASE_SHA",
                BaseOrigin::Upstream => "the upstream branch",
            };
            let hint = if self.is_shallow()? {
                format!("this is a shallow clone: {shallow_fix}")
            } else if base.origin == BaseOrigin::GitHub {
                format!(
                    "fetch it (`git fetch origin {}`, or `actions/checkout` with `fetch-depth: 0`)",
                    name.trim_start_matches("origin/")
                )
            } else {
                "fetch it, or name another with --base".to_owned()
            };
            bail!(
                "the base `{name}` (from {from}) is not a commit known in `{}`: {hint}",
                self.root.display()
            );
        }
        let output = self.output(&["merge-base", "HEAD", name])?;
        if output.status.success() {
            return Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned());
        }
        if output.status.code() == Some(1) && output.stderr.is_empty() {
            if self.is_shallow()? {
                bail!(
                    "HEAD and `{name}` have no common commit in this shallow clone of `{}`: \
                     {shallow_fix}",
                    self.root.display()
                );
            }
            bail!(
                "HEAD and `{name}` share no history in `{}`: name a base HEAD descends from \
                 with --base",
                self.root.display()
            );
        }
        bail!(
            "`{}` failed ({}): {}",
            self.command_line(&["merge-base", "HEAD", name]),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )
    }

    /// Untracked, not ignored files, relative to the root (git lists only
    /// those below the current folder, and relative to it).
    pub(super) fn untracked(&self) -> Result<Vec<String>> {
        let listed = self.run(&["ls-files", "-z", "--others", "--exclude-standard"])?;
        Ok(split_nul(&listed).map(str::to_owned).collect())
    }
}
