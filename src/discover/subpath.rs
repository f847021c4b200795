//! `opsgate check SUBPATH`: the repository is walked and configured from
//! its root (`root::locate`), and only what lies below SUBPATH is checked
//! and reported — the findings a check of the whole repository has there.
//! Like `--changed` (which it narrows when both are given), Pylint's
//! cross-file checks then see only those files.

use anyhow::{Result, bail};

use crate::discover::changed::Focus;
use crate::discover::repo::{Repo, within};

/// The focus of this run: `--changed`'s, narrowed to `subpath`, or every
/// file below `subpath`, or (neither) `None`.
///
/// # Errors
/// Nothing the walk found lies below `subpath` (a folder git ignores, or
/// one opsgate skips): checking nothing must not pass.
pub(crate) fn focus(
    changed: Option<Focus>,
    repo: &Repo,
    subpath: Option<&str>,
) -> Result<Option<Focus>> {
    let Some(subpath) = subpath else {
        return Ok(changed);
    };
    let files = repo
        .files
        .iter()
        .filter(|f| within(&f.path, subpath))
        .count();
    if files == 0 {
        bail!(
            "`{subpath}` holds no file opsgate checks in the repository at `{}` (ignored by \
             .gitignore, or a folder opsgate skips such as a virtualenv): name a folder with \
             files to check",
            repo.root.display()
        );
    }
    anstream::eprintln!(
        "opsgate: checking `{subpath}` ({files} files) of the repository at `{}`, with its \
         configuration, CODEOWNERS and layout",
        repo.root.display()
    );
    Ok(Some(match changed {
        Some(focus) => focus.narrowed(subpath),
        None => Focus::everything_in(repo, subpath),
    }))
}
