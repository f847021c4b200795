//! The action's install step (`action/install.sh`) against a local folder
//! laid out like a GitHub release (`GITHUB_SERVER_URL=file://…`): it installs
//! the archive of the action's own tag once its SHA-256 matches, and a
//! mismatch fails the step without ever running what was downloaded.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::all_output;
use crate::packaging::path_without_rust;

fn repo_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(name)
}

const TARGET: &str = "x86_64-unknown-linux-musl";

/// The release folder of `server` for this version, as GitHub serves it.
fn release_dir(server: &Path) -> PathBuf {
    server.join(format!(
        "your-org/opsgate/releases/download/v{}",
        env!("CARGO_PKG_VERSION")
    ))
}

/// Packs `binary` as the release archive for Linux X64, with the script the
/// release workflow uses.
fn publish(server: &Path, binary: &Path) -> PathBuf {
    let out = release_dir(server);
    let output = Command::new("bash")
        .arg(repo_file("scripts/release-archive"))
        .args([env!("CARGO_PKG_VERSION"), TARGET])
        .arg(binary)
        .arg(&out)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", all_output(&output));
    out.join(format!(
        "opsgate-{}-{TARGET}.tar.gz",
        env!("CARGO_PKG_VERSION")
    ))
}

/// Where the install step puts opsgate (`$RUNNER_TEMP/opsgate-bin`).
pub(crate) fn installed(scratch: &Path) -> PathBuf {
    scratch.join("runner-temp/opsgate-bin/opsgate")
}

/// Runs the install step as a Linux X64 runner runs it for `uses:
/// your-org/opsgate@vVERSION`, with releases served from `server`, no Rust
/// on PATH and `env` added.
pub(crate) fn install(scratch: &Path, server: &Path, env: &[(&str, &str)]) -> Output {
    let action = scratch.join(format!(
        "_actions/your-org/opsgate/v{}",
        env!("CARGO_PKG_VERSION")
    ));
    for dir in [&action, &scratch.join("home"), &scratch.join("runner-temp")] {
        std::fs::create_dir_all(dir).unwrap();
    }
    let mut command = Command::new("bash");
    command
        .arg(repo_file("action/install.sh"))
        .env("PATH", path_without_rust())
        .env("HOME", scratch.join("home"))
        .env("RUNNER_OS", "Linux")
        .env("RUNNER_ARCH", "X64")
        .env("RUNNER_TEMP", scratch.join("runner-temp"))
        .env("GITHUB_SERVER_URL", format!("file://{}", server.display()))
        .env("GITHUB_ACTION_PATH", &action)
        .env("GITHUB_PATH", scratch.join("github-path"))
        // Composite actions leave these empty: the action's path tells.
        .env_remove("OPSGATE_VERSION")
        .env_remove("OPSGATE_ACTION_REF")
        .env_remove("OPSGATE_ACTION_REPOSITORY");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().unwrap()
}

fn version_of(binary: &Path) -> String {
    let output = Command::new(binary).arg("--version").output().unwrap();
    assert!(output.status.success(), "{}", all_output(&output));
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn the_install_step_installs_the_archive_of_the_action_s_tag_after_checking_its_sum() {
    let scratch = tempfile::tempdir().unwrap();
    let server = scratch.path().join("server");
    let binary = assert_cmd::cargo::cargo_bin("opsgate");
    publish(&server, &binary);
    let output = install(scratch.path(), &server, &[]);
    let log = all_output(&output);
    assert!(output.status.success(), "{log}");
    assert!(log.contains("matches its SHA-256"), "{log}");
    let installed = installed(scratch.path());
    assert_eq!(version_of(&installed), version_of(&binary));
    assert!(log.contains(version_of(&binary).trim()), "{log}");
    // The next steps find it on PATH.
    assert_eq!(
        std::fs::read_to_string(scratch.path().join("github-path")).unwrap(),
        format!("{}\n", installed.parent().unwrap().display())
    );
}

#[test]
fn a_checksum_mismatch_fails_the_step_and_never_runs_the_download() {
    let scratch = tempfile::tempdir().unwrap();
    let server = scratch.path().join("server");
    // An "opsgate" that leaves a mark if anything ever runs it.
    let mark = scratch.path().join("it-ran");
    let impostor = scratch.path().join("opsgate");
    std::fs::write(
        &impostor,
        format!(
            "#!/bin/sh\ntouch '{}'\necho opsgate 9.9.9\n",
            mark.display()
        ),
    )
    .unwrap();
    let archive = publish(&server, &impostor);
    // The release's sum no longer matches the archive: one digit changed.
    let sums = archive.with_extension("gz.sha256");
    let text = std::fs::read_to_string(&sums).unwrap();
    let flipped = if text.starts_with('0') { "1" } else { "0" };
    std::fs::write(&sums, format!("{flipped}{}", &text[1..])).unwrap();

    let output = install(scratch.path(), &server, &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{}", all_output(&output));
    assert!(stderr.contains("::error"), "{stderr}");
    assert!(stderr.contains("checksum mismatch for file://"), "{stderr}");
    assert!(stderr.contains("nothing was installed"), "{stderr}");
    assert!(!mark.exists(), "the downloaded binary ran");
    assert!(!installed(scratch.path()).exists());
    assert!(!scratch.path().join("github-path").exists());
}

#[test]
fn a_ref_that_is_no_release_tag_without_cargo_says_to_pin_a_tag() {
    let scratch = tempfile::tempdir().unwrap();
    let server = scratch.path().join("server");
    let output = install(
        scratch.path(),
        &server,
        &[
            ("OPSGATE_ACTION_REF", "main"),
            ("GITHUB_ACTION_PATH", "/nonexistent"),
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{}", all_output(&output));
    assert!(
        stderr.contains("no release to install for ref 'main' and no cargo"),
        "{stderr}"
    );
    assert!(stderr.contains("vX.Y.Z"), "{stderr}");
}
