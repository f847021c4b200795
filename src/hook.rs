//! `opsgate install-hook`: a git pre-push hook that runs the gate on the
//! commits being pushed. The hook checks the pushed commit itself (exported
//! with `git archive` into a temporary folder), not the working tree, so
//! uncommitted edits neither hide nor cause findings. It goes where git looks
//! for hooks (`core.hooksPath`, shared by every worktree), never replaces a
//! hook opsgate did not write unless `--force` (which keeps a backup), and
//! `--uninstall` removes only opsgate's own. The hook runs the `opsgate` on
//! `PATH`, falling back to the one that installed it: an upgrade or a rebuilt
//! virtual environment does not break it.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::cli::HookArgs;

/// Marks a hook as opsgate's; uninstall and reinstall look for it.
const MARKER: &str = "# opsgate-managed-hook";
const HOOK: &str = "pre-push";
const BACKUP_SUFFIX: &str = ".opsgate-backup";

pub(crate) fn run(args: &HookArgs) -> Result<()> {
    let hooks = hooks_dir(&args.path)?;
    let hook = hooks.join(HOOK);
    let existing = match fs::read(&hook) {
        Ok(bytes) => Some(String::from_utf8_lossy(&bytes).into_owned()),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
        Err(err) => return Err(err).with_context(|| format!("reading `{}`", hook.display())),
    };
    let ours = existing
        .as_deref()
        .is_some_and(|text| text.contains(MARKER));
    if args.uninstall {
        return uninstall(&hook, existing.is_some(), ours);
    }
    if existing.is_some() && !ours {
        if !args.force {
            bail!(
                "`{}` exists and opsgate did not write it; pass --force to replace it \
                 (it is kept as `{HOOK}{BACKUP_SUFFIX}`), or call opsgate from it yourself",
                hook.display()
            );
        }
        let backup = hooks.join(format!("{HOOK}{BACKUP_SUFFIX}"));
        fs::rename(&hook, &backup)
            .with_context(|| format!("keeping the old hook as `{}`", backup.display()))?;
        anstream::eprintln!("opsgate: kept the previous hook as {}", backup.display());
    }
    fs::create_dir_all(&hooks).with_context(|| format!("creating `{}`", hooks.display()))?;
    let opsgate = std::env::current_exe().context("finding the opsgate executable")?;
    fs::write(&hook, script(&opsgate)).with_context(|| format!("writing `{}`", hook.display()))?;
    fs::set_permissions(&hook, fs::Permissions::from_mode(0o755))
        .with_context(|| format!("making `{}` executable", hook.display()))?;
    anstream::eprintln!(
        "opsgate: installed {}; `git push` now runs the gate (skip once with --no-verify)",
        hook.display()
    );
    Ok(())
}

fn uninstall(hook: &Path, exists: bool, ours: bool) -> Result<()> {
    if !exists {
        anstream::eprintln!("opsgate: no {HOOK} hook at {}", hook.display());
    } else if !ours {
        anstream::eprintln!(
            "opsgate: {} was not written by opsgate; left alone",
            hook.display()
        );
    } else {
        fs::remove_file(hook).with_context(|| format!("removing `{}`", hook.display()))?;
        let mut backup = hook.as_os_str().to_owned();
        backup.push(BACKUP_SUFFIX);
        let backup = PathBuf::from(backup);
        if backup.is_file() {
            fs::rename(&backup, hook)
                .with_context(|| format!("restoring `{}`", backup.display()))?;
            anstream::eprintln!("opsgate: removed its hook and restored the previous one");
        } else {
            anstream::eprintln!("opsgate: removed {}", hook.display());
        }
    }
    Ok(())
}

/// Where git runs hooks for the repository containing `path`.
fn hooks_dir(path: &Path) -> Result<PathBuf> {
    let top = git(path, &["rev-parse", "--show-toplevel"])?;
    let top = PathBuf::from(top);
    let hooks = git(&top, &["rev-parse", "--git-path", "hooks"])?;
    Ok(top.join(hooks))
}

fn git(dir: &Path, args: &[&str]) -> Result<String> {
    let output = crate::process::git::output(dir, &[], args)?;
    if output.code != Some(0) {
        bail!(
            "`{}` is not inside a git repository: {}",
            dir.display(),
            output.stderr_text().trim()
        );
    }
    Ok(output.stdout_text().trim().to_owned())
}

/// The hook: for every ref pushed (not deleted), export its commit and run
/// the gate on it; the first failing exit code refuses the push.
fn script(opsgate: &Path) -> String {
    let opsgate = opsgate.display().to_string().replace('\'', r"'\''");
    format!(
        r#"#!/bin/sh
{MARKER}
# Runs the opsgate quality gate on the commits being pushed.
# Installed by `opsgate install-hook`; remove with `opsgate install-hook --uninstall`.
# Skip once with `git push --no-verify`.
# The `opsgate` on PATH (it survives upgrades and rebuilt environments),
# else the one that installed this hook.
recorded='{opsgate}'
if command -v opsgate >/dev/null 2>&1; then
  opsgate=opsgate
elif [ -x "$recorded" ]; then
  opsgate=$recorded
else
  echo "opsgate: push refused: no \`opsgate\` on PATH, and none at $recorded (where it was when this hook was installed)." >&2
  echo "  Install it (\`pipx install opsgate\`) or put it on PATH, then push again; push with --no-verify to skip the gate once." >&2
  exit 2
fi
status=0
tree=
# Interrupted (Ctrl-C, a cancelled job): opsgate stops its tools; the export
# goes, and the push is refused with the signal's status.
for signal in INT:130 TERM:143 HUP:129; do
  trap '[ -n "$tree" ] && rm -rf "$tree" "$tree.tar"; echo "opsgate: interrupted: push refused" >&2; exit '"${{signal#*:}}" "${{signal%:*}}"
done
while read -r local_ref local_sha remote_ref remote_sha; do
  case "$local_sha" in *[!0]*) ;; *) continue ;; esac  # a deleted ref: nothing to check
  tree=$(mktemp -d "${{TMPDIR:-/tmp}}/opsgate-push.XXXXXX") || exit 2
  # Through a file, so that git's own failure is seen (sh has no pipefail).
  if ! git archive --format=tar -o "$tree.tar" "$local_sha" || ! tar -x -C "$tree" -f "$tree.tar"; then
    rm -f "$tree.tar"
    rm -rf "$tree"
    echo "opsgate: cannot export $local_sha to check it" >&2
    exit 2
  fi
  rm -f "$tree.tar"
  echo "opsgate: checking $local_ref ($local_sha) before pushing to $remote_ref" >&2
  "$opsgate" check "$tree" </dev/null
  code=$?
  rm -rf "$tree"
  [ "$code" -eq 0 ] || [ "$status" -ne 0 ] || status=$code
done
if [ "$status" -ne 0 ]; then
  echo "opsgate: push refused (exit $status): fix the findings above, or push with --no-verify to skip the gate" >&2
fi
exit "$status"
"#
    )
}
