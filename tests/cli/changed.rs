//! `--changed`: only what a change touched is checked, on real git
//! repositories — a branch, a detached HEAD, the first commit, a shallow clone.

use serde_json::Value;

use crate::{CliTest, all_output, exit_code, git, tools_python};

/// The example repository committed on `main`, then a branch `work`.
fn repository() -> CliTest {
    let test = CliTest::with_fixture("example");
    let root = test.root();
    git(&root, &["init", "-q", "-b", "main"]);
    git(&root, &["add", "-A"]);
    git(&root, &["commit", "-q", "-m", "tools"]);
    git(&root, &["checkout", "-q", "-b", "work"]);
    test
}

fn changed(test: &CliTest, extra: &[&str]) -> (i32, Value, String) {
    let output = test
        .command()
        .args(["check", "--format", "json", "--changed"])
        .args(extra)
        .arg(test.root())
        .output()
        .unwrap();
    let report = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
    (exit_code(&output), report, all_output(&output))
}

fn checked(report: &Value, tool: &str) -> Vec<String> {
    let tool = report["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == tool)
        .unwrap();
    tool["checked_files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn a_change_checks_the_changed_file_its_importers_and_its_tests() {
    if tools_python().is_none() {
        return;
    }
    let test = repository();
    let library = "lib/opslib/config.py";
    let source = std::fs::read_to_string(test.root().join(library)).unwrap();
    test.write(library, &format!("{source}\nLIMITS = [ 1 ]\n"));
    // An untracked file counts as changed too.
    test.write("networking/dns-check/notes.py", "\"\"\"Notes.\"\"\"\n");
    let (code, report, output) = changed(&test, &["--base", "main"]);
    assert_eq!(code, 1, "{output}");
    assert_eq!(
        checked(&report, "flake8"),
        [library, "networking/dns-check/notes.py"],
        "{output}"
    );
    let pylint = checked(&report, "pylint");
    assert!(pylint.contains(&library.to_owned()), "{pylint:?}");
    let importers: Vec<&String> = pylint.iter().filter(|p| !p.starts_with("lib/")).collect();
    assert!(
        !importers.is_empty(),
        "the scripts importing the library: {pylint:?}"
    );
    // It imports nothing that changed.
    assert!(
        !pylint.contains(&"lib/opslib/logging_setup.py".to_owned()),
        "{pylint:?}"
    );
    let flake8_rules: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["tool"] == "flake8")
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(flake8_rules.contains(&"E201"), "{flake8_rules:?}");
    assert!(output.contains("files changed since `main`"), "{output}");
}

#[test]
fn a_change_to_one_tool_runs_only_that_tools_tests() {
    if tools_python().is_none() {
        return;
    }
    let test = repository();
    let script = "networking/port-scan/port_scan.py";
    let source = std::fs::read_to_string(test.root().join(script)).unwrap();
    test.write(script, &format!("{source}\n\nLIMIT = 3\n"));
    git(&test.root(), &["commit", "-q", "-am", "limit"]);
    let (code, report, output) = changed(&test, &["--base", "main"]);
    assert_eq!(code, 0, "{output}");
    assert_eq!(checked(&report, "black"), [script]);
    assert_eq!(
        checked(&report, "pytest"),
        ["networking/port-scan/test_port_scan.py"]
    );
    let tests = report["tests"].as_array().unwrap();
    assert!(!tests.is_empty());
    assert!(
        tests
            .iter()
            .all(|t| t["file"] == "networking/port-scan/test_port_scan.py")
    );
}

#[test]
fn a_detached_head_with_a_base_works_and_without_one_is_a_clear_error() {
    if tools_python().is_none() {
        return;
    }
    let test = repository();
    let script = "networking/port-scan/port_scan.py";
    let source = std::fs::read_to_string(test.root().join(script)).unwrap();
    test.write(script, &format!("{source}\nLIMITS = [ 1 ]\n"));
    git(&test.root(), &["commit", "-q", "-am", "limit"]);
    git(&test.root(), &["checkout", "-q", "--detach"]);
    let (code, report, output) = changed(&test, &["--base", "main"]);
    assert_eq!(code, 1, "{output}");
    assert_eq!(checked(&report, "flake8"), [script]);
    let (code, _, output) = changed(&test, &[]);
    assert_eq!(code, 2, "{output}");
    assert!(
        output.contains("--base"),
        "the error says how to name a base: {output}"
    );
}

#[test]
fn the_first_commit_has_everything_new() {
    if tools_python().is_none() {
        return;
    }
    let test = CliTest::with_fixture("example");
    git(&test.root(), &["init", "-q", "-b", "main"]);
    let (code, report, output) = changed(&test, &["--base", "main"]);
    assert_eq!(code, 0, "{output}");
    assert_eq!(checked(&report, "black").len(), 12, "{output}");
}

#[test]
fn a_shallow_clone_without_the_merge_base_is_a_clear_error() {
    let test = repository();
    let origin = test.root();
    std::fs::write(origin.join("extra.txt"), "x").unwrap();
    git(&origin, &["add", "-A"]);
    git(&origin, &["commit", "-q", "-m", "more"]);
    let clone = test.outside().join("clone");
    let url = format!("file://{}", origin.display());
    git(
        &test.outside(),
        &[
            "clone",
            "-q",
            "--depth",
            "1",
            "--no-single-branch",
            "--branch",
            "work",
            &url,
            clone.to_str().unwrap(),
        ],
    );
    let output = test
        .command()
        .args(["check", "--changed", "--base", "origin/main"])
        .arg(&clone)
        .output()
        .unwrap();
    assert_eq!(exit_code(&output), 2, "{}", all_output(&output));
    let message = all_output(&output);
    assert!(
        message.contains("fetch"),
        "the error names the fix: {message}"
    );
}
