//! git as opsgate runs it: reading a repository never executes what its
//! `.git/config` names, and a git that hangs ends at the timeout with exit 2.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::{CliTest, all_output, exit_code, git};

const NO_TOOLS: &str = "[tools.black]\nenabled = false\n[tools.flake8]\nenabled = false\n\
    [tools.pylint]\nenabled = false\n[tools.pytest]\nenabled = false\n";

fn executable(path: &Path, script: &str) {
    std::fs::write(path, script).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A committed repository on `main` with its tools off, then on a branch.
fn repository() -> CliTest {
    let test = CliTest::empty();
    test.write("opsgate.toml", NO_TOOLS);
    test.write("net/tool.py", "\"\"\"Tool.\"\"\"\n\nX = 1\n");
    test.write(".gitattributes", "*.py filter=evil diff=evil\n");
    let root = test.root();
    git(&root, &["init", "-q"]);
    git(&root, &["add", "-A"]);
    git(&root, &["commit", "-q", "-m", "base"]);
    git(&root, &["checkout", "-q", "-b", "work"]);
    test
}

#[test]
fn the_repository_configuration_runs_nothing() {
    let test = repository();
    let root = test.root();
    let marker = test.outside().join("executed");
    let script = test.outside().join("evil.sh");
    // Logs its call, then passes its input through (a working filter).
    executable(
        &script,
        &format!("#!/bin/sh\necho \"$0 $*\" >> '{}'\ncat\n", marker.display()),
    );
    let script = script.to_str().unwrap();
    for key in [
        "core.fsmonitor",
        "core.pager",
        "core.hooksPath",
        "filter.evil.clean",
        "diff.evil.textconv",
        "diff.evil.command",
        "diff.external",
    ] {
        git(&root, &["config", key, script]);
    }
    git(&root, &["config", "filter.evil.required", "true"]);
    // A file whose content differs from the index: git must hash it, which
    // is where a clean filter would run.
    test.write("net/tool.py", "\"\"\"Tool.\"\"\"\n\nX = 2\n");
    for extra in [&["--changed"][..], &["--new-only"][..]] {
        let output = test
            .command()
            .args(["check", "--base", "main"])
            .args(extra)
            .arg(&root)
            .output()
            .unwrap();
        assert_eq!(exit_code(&output), 0, "{}", all_output(&output));
    }
    assert!(
        !marker.exists(),
        "git ran the repository's programs:\n{}",
        std::fs::read_to_string(&marker).unwrap_or_default()
    );
    // The same configuration does run them for a plain git (the test
    // would catch a regression).
    let plain = std::process::Command::new("git")
        .arg("-C")
        .arg(&root)
        .args(["diff", "main", "--"])
        .output()
        .unwrap();
    assert!(
        marker.exists(),
        "the hostile configuration is not active: {}",
        String::from_utf8_lossy(&plain.stderr)
    );
}

#[test]
fn a_git_that_hangs_is_stopped_at_its_timeout() {
    let test = repository();
    let bin = test.outside().join("bin");
    std::fs::create_dir(&bin).unwrap();
    executable(&bin.join("git"), "#!/bin/sh\nexec sleep 60\n");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let started = Instant::now();
    let output = test
        .command()
        .env("PATH", path)
        .env("OPSGATE_GIT_TIMEOUT", "1s")
        .args(["check", "--changed", "--base", "main"])
        .arg(test.root())
        .output()
        .unwrap();
    let said = all_output(&output);
    assert_eq!(exit_code(&output), 2, "{said}");
    assert!(said.contains("did not finish within 1s"), "{said}");
    assert!(said.contains("OPSGATE_GIT_TIMEOUT"), "{said}");
    assert!(started.elapsed() < Duration::from_secs(20), "{said}");
}

#[test]
fn a_git_timeout_that_is_not_a_duration_is_refused() {
    let test = repository();
    let output = test
        .command()
        .env("OPSGATE_GIT_TIMEOUT", "soon")
        .args(["check", "--changed", "--base", "main"])
        .arg(test.root())
        .output()
        .unwrap();
    let said = all_output(&output);
    assert_eq!(exit_code(&output), 2, "{said}");
    assert!(said.contains("OPSGATE_GIT_TIMEOUT=`soon`"), "{said}");
}
