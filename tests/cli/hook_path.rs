//! Which `opsgate` the pre-push hook runs: the one on `PATH`, else the one
//! that installed it; with neither, the push is refused saying so.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::hook::{git, repository};
use crate::{CliTest, cache_dir, exit_code, stderr, tools_python};

/// A copy of the built binary in its own folder, as a pip or cargo install
/// would leave it; deleting it stands for an upgrade or a rebuilt venv.
fn installed_copy(test: &CliTest) -> PathBuf {
    let bin = test.outside().join("old-venv/bin");
    std::fs::create_dir_all(&bin).unwrap();
    let copy = bin.join("opsgate");
    std::fs::copy(assert_cmd::cargo::cargo_bin("opsgate"), &copy).unwrap();
    copy
}

/// `PATH` as it is, minus every folder holding an `opsgate`, with `first` in front.
fn path_with(first: Option<&Path>) -> OsString {
    let current = std::env::var_os("PATH").unwrap_or_default();
    let kept = std::env::split_paths(&current).filter(|dir| !dir.join("opsgate").exists());
    std::env::join_paths(first.map(Path::to_path_buf).into_iter().chain(kept)).unwrap()
}

fn push(repo: &Path, path: &OsString) -> Output {
    Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["push", "-q", "origin", "main"])
        .env("PATH", path)
        .env("OPSGATE_CACHE_DIR", cache_dir())
        .env_remove("PYTHONPATH")
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn install_with(copy: &Path, repo: &Path) {
    let output = Command::new(copy)
        .arg("install-hook")
        .arg(repo)
        .output()
        .unwrap();
    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
}

#[test]
fn the_hook_runs_the_opsgate_on_path_after_the_installing_one_is_gone() {
    let Some(_) = tools_python() else { return };
    let test = CliTest::with_fixture("clean");
    let repo = repository(&test);
    let copy = installed_copy(&test);
    install_with(&copy, &repo);
    std::fs::remove_file(&copy).unwrap();

    // The new install is on PATH: the hook finds it there and the gate runs.
    let bin = test.outside().join("new-venv/bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(assert_cmd::cargo::cargo_bin("opsgate"), bin.join("opsgate"))
        .unwrap();
    let output = push(&repo, &path_with(Some(&bin)));
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("opsgate: checking refs/heads/main"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn with_no_opsgate_anywhere_the_push_is_refused_saying_so() {
    let test = CliTest::with_fixture("clean");
    let repo = repository(&test);
    let copy = installed_copy(&test);
    install_with(&copy, &repo);
    std::fs::remove_file(&copy).unwrap();

    let output = push(&repo, &path_with(None));
    assert!(!output.status.success());
    let err = stderr(&output);
    assert!(
        err.contains("opsgate: push refused: no `opsgate` on PATH, and none at"),
        "{err}"
    );
    assert!(err.contains(copy.to_str().unwrap()), "{err}");
    let remote = git(&test.outside().join("remote.git"), &["rev-parse", "main"]);
    assert!(!remote.status.success(), "nothing may land on the remote");
}
