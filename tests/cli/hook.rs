//! `opsgate install-hook`, in a real repository pushing to a local bare
//! remote: a bad change is refused with its findings, a good one goes
//! through, and hooks opsgate did not write are left alone.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::{CliTest, all_output, cache_dir, exit_code, stderr, tools_python};

pub(crate) fn git(dir: &Path, args: &[&str]) -> Output {
    Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "Ops Engineer")
        .env("GIT_AUTHOR_EMAIL", "ops@example.com")
        .env("GIT_COMMITTER_NAME", "Ops Engineer")
        .env("GIT_COMMITTER_EMAIL", "ops@example.com")
        .env("OPSGATE_CACHE_DIR", cache_dir())
        .env_remove("PYTHONPATH")
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

pub(crate) fn ok(output: &Output) {
    assert!(output.status.success(), "{}", stderr(output));
}

/// The clean fixture committed in a repository with a bare `origin`.
pub(crate) fn repository(test: &CliTest) -> PathBuf {
    let repo = test.root();
    let remote = test.outside().join("remote.git");
    ok(&git(
        &test.outside(),
        &["init", "-q", "--bare", remote.to_str().unwrap()],
    ));
    ok(&git(&repo, &["init", "-q", "-b", "main"]));
    ok(&git(&repo, &["add", "-A"]));
    ok(&git(&repo, &["commit", "-q", "-m", "clean tools"]));
    ok(&git(
        &repo,
        &["remote", "add", "origin", remote.to_str().unwrap()],
    ));
    repo
}

fn install(test: &CliTest, extra: &[&str]) -> Output {
    test.command()
        .arg("install-hook")
        .arg(test.root())
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn a_bad_push_is_refused_with_its_findings_and_a_good_one_goes_through() {
    let Some(_) = tools_python() else { return };
    let test = CliTest::with_fixture("clean");
    let repo = repository(&test);
    assert_eq!(exit_code(&install(&test, &[])), 0);

    let push = git(&repo, &["push", "-q", "origin", "main"]);
    assert!(push.status.success(), "{}", stderr(&push));
    assert!(stderr(&push).contains("opsgate: checking refs/heads/main"));

    test.write("networking/ping-sweep/helper.py", "import os\n");
    ok(&git(&repo, &["add", "-A"]));
    ok(&git(&repo, &["commit", "-q", "-m", "add a helper"]));
    let push = git(&repo, &["push", "-q", "origin", "main"]);
    assert!(!push.status.success());
    let err = stderr(&push);
    assert!(err.contains("push refused (exit 1)"), "{err}");
    let remote_head = git(&test.outside().join("remote.git"), &["rev-parse", "main"]);
    let local_parent = git(&repo, &["rev-parse", "main~1"]);
    assert_eq!(
        remote_head.stdout, local_parent.stdout,
        "the bad commit must not land"
    );
    // The findings themselves are on the push's output.
    let all = all_output(&push);
    assert!(all.contains("'os' imported but unused"), "{all}");

    // Uncommitted fixes do not count: the hook checks the pushed commit.
    test.write("networking/ping-sweep/helper.py", "\"\"\"Helper.\"\"\"\n");
    let push = git(&repo, &["push", "-q", "origin", "main"]);
    assert!(!push.status.success());
}

#[test]
fn a_hook_opsgate_did_not_write_is_left_alone_unless_forced() {
    let test = CliTest::with_fixture("clean");
    let repo = repository(&test);
    let hook = repo.join(".git/hooks/pre-push");
    std::fs::write(&hook, "#!/bin/sh\necho team hook\n").unwrap();

    let refused = install(&test, &[]);
    assert_eq!(exit_code(&refused), 2);
    assert!(stderr(&refused).contains("opsgate did not write it; pass --force"));
    let uninstall = install(&test, &["--uninstall"]);
    assert_eq!(exit_code(&uninstall), 0);
    assert!(stderr(&uninstall).contains("left alone"));
    assert_eq!(
        std::fs::read_to_string(&hook).unwrap(),
        "#!/bin/sh\necho team hook\n"
    );

    assert_eq!(exit_code(&install(&test, &["--force"])), 0);
    assert!(
        std::fs::read_to_string(&hook)
            .unwrap()
            .contains("# opsgate-managed-hook")
    );
    assert!(repo.join(".git/hooks/pre-push.opsgate-backup").is_file());
    // Installing again over its own hook needs no --force.
    assert_eq!(exit_code(&install(&test, &[])), 0);

    assert_eq!(exit_code(&install(&test, &["--uninstall"])), 0);
    assert_eq!(
        std::fs::read_to_string(&hook).unwrap(),
        "#!/bin/sh\necho team hook\n"
    );
}

#[test]
fn the_hook_goes_where_core_hooks_path_says_and_serves_worktrees() {
    let test = CliTest::with_fixture("clean");
    let repo = repository(&test);
    ok(&git(&repo, &["config", "core.hooksPath", ".githooks"]));
    let worktree = test.outside().join("feature");
    ok(&git(
        &repo,
        &[
            "worktree",
            "add",
            "-q",
            "-b",
            "feature",
            worktree.to_str().unwrap(),
        ],
    ));
    let output = test
        .command()
        .arg("install-hook")
        .arg(&worktree)
        .output()
        .unwrap();
    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    // Relative hooksPath is relative to the working tree the hook runs in.
    let hook = worktree.join(".githooks/pre-push");
    let mode = std::fs::metadata(&hook).map(|m| {
        use std::os::unix::fs::PermissionsExt;
        m.permissions().mode()
    });
    assert!(mode.is_ok_and(|m| m & 0o111 != 0), "{}", hook.display());
}

#[test]
fn outside_a_git_repository_install_hook_exits_2() {
    let test = CliTest::empty();
    let output = install(&test, &[]);
    assert_eq!(exit_code(&output), 2);
    assert!(stderr(&output).contains("is not inside a git repository"));
}
