//! Adopting the gate in a legacy repository, end to end on real git
//! repositories built in the test and the real tools: `--new-only`, the
//! baseline (`opsgate baseline`, `--prune`), suppressions with an expiry.

use std::path::PathBuf;
use std::process::Output;

use serde_json::Value;

use crate::{CliTest, all_output, exit_code, stderr, tools_python};

/// Black-clean, with many old findings: three unused imports, a bare
/// except, an unused variable.
const LEGACY: &str = r#""""Rotate VLAN configurations."""

import json
import os
import sys


def rotate(path):
    """Rotate one file."""
    try:
        size = len(path)
    except:
        pass
    unused = 1
    return size
"#;

/// A block of comment lines inserted above every old finding.
const HEADER: &str = "# Maintained by the network team.\n# Runbook: NET-12.\n# Owner: netops.\n\
                      # Reviewed: 2026.\n# Do not run on Fridays.\n";

/// One new violation: an unused import (F401) on the line of `import shutil`.
const ADDED: &str = r#"

def cleanup(path):
    """Remove one file."""
    import shutil

    return path
"#;

fn git(test: &CliTest, args: &[&str]) -> String {
    crate::git(&test.root(), args)
}

fn commit(test: &CliTest, message: &str) {
    git(test, &["add", "--all"]);
    git(test, &["commit", "--quiet", "-m", message]);
}

/// A repository whose `main` holds the legacy tool, on a `feature` branch.
fn legacy_repo() -> CliTest {
    let test = CliTest::empty();
    git(&test, &["init", "--quiet"]);
    test.write("networking/vlan/rotate.py", LEGACY);
    test.write("networking/vlan/README.md", "# vlan\n");
    commit(&test, "legacy");
    git(&test, &["switch", "--quiet", "--create", "feature"]);
    test
}

/// A configuration beside the repository that runs only Flake8 (quicker
/// where Pylint adds nothing to what is tested).
fn flake8_only(test: &CliTest) -> PathBuf {
    let path = test.outside().join("flake8-only.toml");
    std::fs::write(
        &path,
        "[tools.black]\nenabled = false\n[tools.pylint]\nenabled = false\n\
         [tools.pytest]\nenabled = false\n",
    )
    .unwrap();
    path
}

/// `opsgate check repo --format json ARGS`, with no CI base in the environment.
fn check_json(test: &CliTest, args: &[&str], env: &[(&str, &str)]) -> (Output, Value) {
    let mut command = test.command();
    command
        .env_remove("GITHUB_BASE_REF")
        .env_remove("CI_MERGE_REQUEST_DIFF_BASE_SHA")
        .args(["check", "--format", "json"])
        .arg(test.root())
        .args(args);
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().unwrap();
    let report = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
    (output, report)
}

fn baseline(test: &CliTest, args: &[&str]) -> Output {
    test.command()
        .arg("baseline")
        .arg(test.root())
        .args(args)
        .output()
        .unwrap()
}

fn findings(report: &Value) -> &Vec<Value> {
    report["findings"].as_array().expect("a JSON report")
}

/// The findings that fail the gate at its threshold (warning by default).
fn failing(report: &Value) -> Vec<&Value> {
    findings(report)
        .iter()
        .filter(|f| f["baseline_state"] != "unchanged" && f["baseline_state"] != "updated")
        .filter(|f| f["severity"] == "error" || f["severity"] == "warning")
        .collect()
}

fn line_of(source: &str, needle: &str) -> u64 {
    source
        .lines()
        .position(|l| l.contains(needle))
        .map(|i| i as u64 + 1)
        .unwrap()
}

#[test]
fn new_only_fails_only_on_the_violation_a_change_adds() {
    if tools_python().is_none() {
        return;
    }
    let test = legacy_repo();
    // Lines inserted above the old findings, and one new violation below.
    let changed = LEGACY.replacen("\n\nimport json", &format!("\n\n{HEADER}import json"), 1);
    let changed = format!("{changed}{ADDED}");
    test.write("networking/vlan/rotate.py", &changed);
    commit(&test, "feature");
    let sarif = test.outside().join("out.sarif");
    let (output, report) = check_json(
        &test,
        &[
            "--new-only",
            "--base",
            "main",
            "--output",
            &format!("sarif={}", sarif.display()),
        ],
        &[],
    );
    assert_eq!(exit_code(&output), 1, "{}", all_output(&output));

    let new_line = line_of(&changed, "import shutil");
    let failing = failing(&report);
    assert!(!failing.is_empty());
    for finding in &failing {
        assert_eq!(finding["line"], new_line, "{finding}");
        assert_eq!(finding["baseline_state"], "new", "{finding}");
    }
    assert!(
        failing
            .iter()
            .any(|f| f["tool"] == "flake8" && f["rule"] == "F401"),
        "{failing:?}"
    );
    // The old findings are still reported, lowered to note with their severity kept.
    let existing: Vec<&Value> = findings(&report)
        .iter()
        .filter(|f| f["baseline_state"] == "unchanged")
        .collect();
    let old_f401 = existing
        .iter()
        .filter(|f| f["tool"] == "flake8" && f["rule"] == "F401")
        .count();
    assert_eq!(old_f401, 3, "{existing:?}");
    for finding in &existing {
        assert_eq!(finding["severity"], "note", "{finding}");
    }
    assert!(existing.iter().any(|f| f["original_severity"] == "error"));
    assert!(existing.iter().any(|f| f["rule"] == "E722"));
    assert_eq!(report["existing"].as_u64(), Some(existing.len() as u64));
    assert_eq!(report["new_only"]["base"], "main");
    let merge_base = git(&test, &["rev-parse", "main"]);
    assert_eq!(report["new_only"]["merge_base"], merge_base.as_str());

    // SARIF says the same with baselineState.
    let sarif_path = sarif;
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif_path).unwrap()).unwrap();
    let states: Vec<&str> = sarif["runs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|run| run["results"].as_array().unwrap())
        .map(|r| r["baselineState"].as_str().unwrap())
        .collect();
    assert!(
        states.contains(&"new") && states.contains(&"unchanged"),
        "{states:?}"
    );
    for schema in [
        "sarif-schema-2.1.0.json",
        "codeql-action-sarif-schema-2.1.0.json",
    ] {
        crate::reports::validate("sarif-schema", &sarif_path, Some(schema));
    }

    // Without the new violation the same change passes, though the old remain.
    test.write(
        "networking/vlan/rotate.py",
        &changed.replace("    import shutil\n\n", ""),
    );
    let (output, report) = check_json(&test, &["--new-only", "--base", "main"], &[]);
    assert_eq!(exit_code(&output), 0, "{}", all_output(&output));
    assert!(report["existing"].as_u64().unwrap() >= 5, "{report}");
    // Without --new-only the old findings fail it.
    let (output, _) = check_json(&test, &[], &[]);
    assert_eq!(exit_code(&output), 1, "{}", all_output(&output));
}

#[test]
fn the_base_comes_from_the_merge_request_pipeline() {
    if tools_python().is_none() {
        return;
    }
    let test = legacy_repo();
    let config = flake8_only(&test);
    let config = config.to_str().unwrap();
    // A new tool folder: its whole-file findings (no README) are new too.
    test.write("networking/trunk/trunk.py", "import os\n");
    commit(&test, "new tool");
    let base = git(&test, &["rev-parse", "main"]);
    let (output, report) = check_json(
        &test,
        &["--new-only", "--config", config],
        &[("CI_MERGE_REQUEST_DIFF_BASE_SHA", &base)],
    );
    assert_eq!(exit_code(&output), 1, "{}", all_output(&output));
    let failing: Vec<(String, String)> = failing(&report)
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["path"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        failing.contains(&("F401".into(), "networking/trunk/trunk.py".into())),
        "{failing:?}"
    );
    assert!(
        failing.contains(&("OG101".into(), "networking/trunk".into())),
        "{failing:?}"
    );
    assert!(
        failing
            .iter()
            .all(|(_, path)| path.starts_with("networking/trunk")),
        "{failing:?}"
    );
    assert_eq!(report["new_only"]["base"], base.as_str());
}

#[test]
fn on_a_github_pull_request_the_base_is_the_target_branch_of_origin() {
    // The built-in rules only: no tool, no Python needed.
    let origin = legacy_repo();
    git(&origin, &["switch", "--quiet", "main"]);
    let test = CliTest::empty();
    std::fs::remove_dir(test.root()).unwrap();
    let status = std::process::Command::new("git")
        .args(["clone", "--quiet"])
        .arg(origin.root())
        .arg(test.root())
        .status()
        .unwrap();
    assert!(status.success());
    git(&test, &["switch", "--quiet", "--detach"]);
    test.write("networking/trunk/trunk.py", "x = 1\n");
    let config = test.outside().join("no-tools.toml");
    std::fs::write(
        &config,
        "[tools.black]\nenabled = false\n[tools.flake8]\nenabled = false\n\
         [tools.pylint]\nenabled = false\n[tools.pytest]\nenabled = false\n",
    )
    .unwrap();
    let (output, report) = check_json(
        &test,
        &["--new-only", "--config", config.to_str().unwrap()],
        &[("GITHUB_BASE_REF", "main")],
    );
    assert_eq!(exit_code(&output), 1, "{}", all_output(&output));
    assert_eq!(report["new_only"]["base"], "origin/main");
    let state = |rule: &str, path: &str| {
        findings(&report)
            .iter()
            .find(|f| f["rule"] == rule && f["path"] == path)
            .map(|f| f["baseline_state"].as_str().unwrap().to_owned())
    };
    assert_eq!(state("OG101", "networking/trunk").as_deref(), Some("new"));
    assert_eq!(
        state("OG401", "networking/vlan").as_deref(),
        Some("unchanged")
    );
    assert_eq!(state("OG201", "CODEOWNERS").as_deref(), Some("unchanged"));
}

#[test]
fn new_only_without_the_history_it_needs_exits_2_naming_the_fix() {
    let test = legacy_repo();
    let (output, _) = check_json(&test, &["--new-only", "--base", "origin/nope"], &[]);
    assert_eq!(exit_code(&output), 2);
    assert!(
        stderr(&output).contains("`origin/nope`"),
        "{}",
        stderr(&output)
    );

    // No base at all: a branch without upstream, outside a pipeline.
    let (output, _) = check_json(&test, &["--new-only"], &[]);
    assert_eq!(exit_code(&output), 2);
    assert!(stderr(&output).contains("--base"), "{}", stderr(&output));

    // A shallow clone of the feature branch lacks the merge base.
    git(&test, &["switch", "--quiet", "main"]);
    test.write("networking/vlan/README.md", "# vlan\n\nmore\n");
    commit(&test, "main moves on");
    git(&test, &["switch", "--quiet", "feature"]);
    test.write("networking/vlan/new.py", "x = 1\n");
    commit(&test, "feature moves on");
    let shallow = CliTest::empty();
    std::fs::remove_dir(shallow.root()).unwrap();
    let status = std::process::Command::new("git")
        .args([
            "clone",
            "--quiet",
            "--depth=1",
            "--no-single-branch",
            "--branch=feature",
        ])
        .arg(format!("file://{}", test.root().display()))
        .arg(shallow.root())
        .status()
        .unwrap();
    assert!(status.success());
    let (output, _) = check_json(&shallow, &["--new-only", "--base", "origin/main"], &[]);
    assert_eq!(exit_code(&output), 2);
    let said = stderr(&output);
    assert!(said.contains("shallow"), "{said}");
    assert!(said.contains("fetch-depth: 0"), "{said}");

    // Not a git repository.
    let plain = CliTest::empty();
    plain.write("a.py", "x = 1\n");
    let (output, _) = check_json(&plain, &["--new-only", "--base", "main"], &[]);
    assert_eq!(exit_code(&output), 2);
    assert!(
        stderr(&output).contains("not inside a git work tree"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_baseline_survives_a_block_inserted_above_and_fails_only_on_what_is_added() {
    if tools_python().is_none() {
        return;
    }
    let test = legacy_repo();
    let output = baseline(&test, &[]);
    assert_eq!(exit_code(&output), 0, "{}", all_output(&output));
    let file = test.root().join(".opsgate-baseline.json");
    let said = std::fs::read_to_string(&file).unwrap();
    // One entry per line, sorted, no line numbers.
    let entries: Vec<&str> = said
        .lines()
        .filter(|l| l.starts_with("{\"path\""))
        .collect();
    assert!(entries.len() >= 8, "{said}");
    let mut sorted = entries.clone();
    sorted.sort_unstable();
    assert_eq!(entries, sorted);
    assert!(!said.contains("\"line\""), "{said}");
    commit(&test, "baseline");

    // The baseline at the root is used without asking.
    let (output, report) = check_json(&test, &[], &[]);
    assert_eq!(exit_code(&output), 0, "{}", all_output(&output));
    assert_eq!(
        report["baseline"]["matched"].as_u64(),
        Some(entries.len() as u64)
    );

    // A block inserted above every finding, and an edit further down.
    let moved = format!("{HEADER}{LEGACY}").replace("return size", "return size  # bytes");
    test.write("networking/vlan/rotate.py", &moved);
    let (output, report) = check_json(&test, &[], &[]);
    assert_eq!(exit_code(&output), 0, "{}", all_output(&output));
    assert_eq!(
        report["baseline"]["gone"],
        Value::Array(Vec::new()),
        "{report}"
    );
    assert!(
        findings(&report)
            .iter()
            .all(|f| f["baseline_state"] == "unchanged"),
        "{report}"
    );

    // One violation added: that one fails the gate, nothing else.
    test.write("networking/vlan/rotate.py", &format!("{moved}{ADDED}"));
    let (output, report) = check_json(&test, &[], &[]);
    assert_eq!(exit_code(&output), 1, "{}", all_output(&output));
    let new_line = line_of(&format!("{moved}{ADDED}"), "import shutil");
    let failing = failing(&report);
    assert!(!failing.is_empty());
    assert!(failing.iter().all(|f| f["line"] == new_line), "{failing:?}");

    // --no-baseline: everything counts again.
    let (output, report) = check_json(&test, &["--no-baseline"], &[]);
    assert_eq!(exit_code(&output), 1);
    assert!(report.get("baseline").is_none());
    assert!(self::failing(&report).len() > failing.len());
}

#[test]
fn a_pruned_baseline_shrinks_by_what_was_fixed_and_never_grows() {
    if tools_python().is_none() {
        return;
    }
    let test = legacy_repo();
    let config = flake8_only(&test);
    let config = config.to_str().unwrap();
    let file = test.outside().join("known.json");
    let file_arg = file.to_str().unwrap();
    let output = baseline(&test, &["--config", config, "--output", file_arg]);
    assert_eq!(exit_code(&output), 0, "{}", all_output(&output));
    let before = std::fs::read_to_string(&file).unwrap();

    // `json` is used now (one F401 fixed), and a new violation is added.
    let fixed = LEGACY.replace("return size", "return json.dumps(size)");
    test.write("networking/vlan/rotate.py", &format!("{fixed}{ADDED}"));
    let mut command = test.command();
    let output = command
        .args(["check", "--config", config, "--baseline", file_arg])
        .arg(test.root())
        .output()
        .unwrap();
    assert_eq!(exit_code(&output), 1, "{}", all_output(&output));
    let said = all_output(&output);
    assert!(said.contains("1 baseline findings are gone"), "{said}");
    assert!(said.contains("opsgate baseline --prune"), "{said}");
    let (_, report) = check_json(&test, &["--config", config, "--baseline", file_arg], &[]);
    let gone = report["baseline"]["gone"].as_array().unwrap();
    assert_eq!(gone.len(), 1, "{report}");
    assert_eq!(gone[0]["message"], "'json' imported but unused");

    let output = baseline(
        &test,
        &["--config", config, "--output", file_arg, "--prune"],
    );
    assert_eq!(exit_code(&output), 0, "{}", all_output(&output));
    let after = std::fs::read_to_string(&file).unwrap();
    assert_eq!(after.lines().count(), before.lines().count() - 1, "{after}");
    let entries = |said: &str| -> Vec<Value> {
        serde_json::from_str::<Value>(said).unwrap()["findings"]
            .as_array()
            .unwrap()
            .clone()
    };
    let mut expected = entries(&before);
    expected.retain(|entry| entry["message"] != "'json' imported but unused");
    assert_eq!(entries(&after), expected);
    assert!(!after.contains("shutil"), "{after}");
}

#[test]
fn a_missing_or_damaged_baseline_exits_2_naming_the_file() {
    let test = legacy_repo();
    let missing = test.outside().join("nope.json");
    let (output, _) = check_json(&test, &["--baseline", missing.to_str().unwrap()], &[]);
    assert_eq!(exit_code(&output), 2);
    let said = stderr(&output);
    assert!(
        said.contains("nope.json") && said.contains("opsgate baseline"),
        "{said}"
    );

    test.write(
        ".opsgate-baseline.json",
        "{\"version\": 1, \"findings\": [\n{oops}\n]}\n",
    );
    let (output, _) = check_json(&test, &[], &[]);
    assert_eq!(exit_code(&output), 2);
    let said = stderr(&output);
    assert!(
        said.contains(".opsgate-baseline.json") && said.contains("line 2"),
        "{said}"
    );

    let output = baseline(&test, &["--prune", "--output", missing.to_str().unwrap()]);
    assert_eq!(exit_code(&output), 2);
    assert!(stderr(&output).contains("nope.json"), "{}", stderr(&output));
}

#[test]
fn suppressions_cover_tool_codes_until_they_expire_and_unused_ones_are_reported() {
    if tools_python().is_none() {
        return;
    }
    let test = CliTest::empty();
    test.write(
        "networking/vlan/rotate.py",
        "\"\"\"Rotate.\"\"\"\n\n\
         import json  # opsgate: ignore[F401] until=2999-12-31 loaded by the plugin system\n\
         import os  # opsgate: ignore[F401] until=2020-01-01 was needed by the old CLI\n\
         import re  # opsgate: ignore[F401] until=2027-02-30 a date that does not exist\n\
         import sys  # noqa: F401\n\n\
         # opsgate: ignore[E722] nothing here any more\n\
         VALUE = 1\n",
    );
    let config = flake8_only(&test);
    let (output, report) = check_json(&test, &["--config", config.to_str().unwrap()], &[]);
    assert_eq!(exit_code(&output), 1, "{}", all_output(&output));
    let seen: Vec<(String, u64)> = findings(&report)
        .iter()
        .filter(|f| f["path"] == "networking/vlan/rotate.py")
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    // json: suppressed until 2999. os: expired, so F401 fires with OG003
    // beside it. re: a malformed date suppresses nothing (OG002). sys: the
    // tool's own noqa. E722: an unused suppression (OG004).
    assert!(!seen.contains(&("F401".into(), 3)), "{seen:?}");
    assert!(seen.contains(&("F401".into(), 4)), "{seen:?}");
    assert!(seen.contains(&("OG003".into(), 4)), "{seen:?}");
    assert!(seen.contains(&("F401".into(), 5)), "{seen:?}");
    assert!(seen.contains(&("OG002".into(), 5)), "{seen:?}");
    assert!(!seen.iter().any(|(_, line)| *line == 6), "{seen:?}");
    assert!(seen.contains(&("OG004".into(), 8)), "{seen:?}");
    let expired = findings(&report)
        .iter()
        .find(|f| f["rule"] == "OG003")
        .unwrap();
    assert!(
        expired["message"]
            .as_str()
            .unwrap()
            .contains("expired on 2020-01-01; the finding it hid is reported again"),
        "{expired}"
    );
    let explain = test.command().args(["explain", "OG003"]).output().unwrap();
    assert_eq!(exit_code(&explain), 0);
    assert!(String::from_utf8_lossy(&explain.stdout).contains("until="));
}
