//! `opsgate check FOLDER` inside a repository checks FOLDER as part of the
//! repository — its root's configuration, CODEOWNERS and layout — and finds
//! there what a check of the whole repository finds there.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::{CliTest, all_output, exit_code, git, tools_python};

type Key = (String, String, String, i64);

/// (tool, rule, path, line) of the findings below `folder` (all: "").
fn findings_below(report: &Value, folder: &str) -> BTreeSet<Key> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            let path = f["path"].as_str().unwrap();
            folder.is_empty() || path == folder || path.starts_with(&format!("{folder}/"))
        })
        .map(|f| {
            (
                f["tool"].as_str().unwrap().to_owned(),
                f["rule"].as_str().unwrap().to_owned(),
                f["path"].as_str().unwrap().to_owned(),
                f["line"].as_i64().unwrap_or(0),
            )
        })
        .collect()
}

fn check_json(test: &CliTest, path: &str, extra: &[&str]) -> (i32, Value, String) {
    let output = test
        .command()
        .args(["check", "--format", "json"])
        .args(extra)
        .arg(test.root().join(path))
        .output()
        .unwrap();
    let report = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
    (exit_code(&output), report, all_output(&output))
}

/// The same findings below the folder either way, and none elsewhere.
fn assert_same_below(test: &CliTest, folder: &str) -> Value {
    let (_, whole, said) = check_json(test, "", &[]);
    let expected = findings_below(&whole, folder);
    assert!(
        !expected.is_empty(),
        "the fixture has findings in {folder}: {said}"
    );
    let (_, part, said) = check_json(test, folder, &[]);
    assert_eq!(findings_below(&part, ""), expected, "{said}");
    assert!(
        said.contains(&format!("checking `{folder}`")),
        "the run says what it checks: {said}"
    );
    part
}

#[test]
fn a_folder_outside_git_is_checked_with_the_roots_configuration() {
    // The root's opsgate.toml turns the tools off: were it ignored, they
    // would run, and the rules would not see the root's CODEOWNERS.
    let test = CliTest::with_fixture("rules-planted");
    let part = assert_same_below(&test, "networking");
    let config = part["config"].as_str().unwrap();
    assert!(config.ends_with("/repo/opsgate.toml"), "{config}");
    assert!(
        part["tool_folders"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t == "networking/dns-check"),
        "the layout is the root's: {part}"
    );
}

#[test]
fn a_folder_of_a_work_tree_finds_what_the_whole_check_finds_there() {
    if tools_python().is_none() {
        return;
    }
    let test = CliTest::with_fixture("problems");
    let root = test.root();
    git(&root, &["init", "-q"]);
    git(&root, &["add", "-A"]);
    git(&root, &["commit", "-q", "-m", "problems"]);
    let part = assert_same_below(&test, "networking/vlan-audit");
    let tools: Vec<&str> = part["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["tool"].as_str().unwrap())
        .collect();
    assert!(
        tools.iter().any(|t| *t != "opsgate"),
        "the tools ran: {tools:?}"
    );
}

#[test]
fn a_folder_with_nothing_to_check_is_an_error() {
    let test = CliTest::with_fixture("rules-planted");
    test.write(".gitignore", "build/\n");
    test.write("build/generated.py", "X = 1\n");
    let (code, _, said) = check_json(&test, "build", &[]);
    assert_eq!(code, 2, "{said}");
    assert!(
        said.contains("`build` holds no file opsgate checks"),
        "{said}"
    );
}

#[test]
fn a_baseline_of_a_folder_is_refused() {
    let test = CliTest::with_fixture("rules-planted");
    let output = test
        .command()
        .arg("baseline")
        .arg(test.root().join("networking"))
        .output()
        .unwrap();
    let said = all_output(&output);
    assert_eq!(exit_code(&output), 2, "{said}");
    assert!(said.contains("would drop every other entry"), "{said}");
    assert!(!test.root().join(".opsgate-baseline.json").exists());
}

/// `GIT_DIR`/`GIT_WORK_TREE` naming another repository do not make it the
/// root of a folder outside it: the folder is checked as it is without them.
#[test]
fn a_work_tree_named_by_the_environment_that_does_not_hold_path_is_not_its_root() {
    let test = CliTest::with_fixture("rules-planted");
    let other = test.outside().join("other");
    std::fs::create_dir_all(&other).unwrap();
    git(&other, &["init", "--quiet"]);
    let (plain_code, plain, _) = check_json(&test, ".", &[]);
    let output = test
        .command()
        .env("GIT_DIR", other.join(".git"))
        .env("GIT_WORK_TREE", &other)
        .args(["check", "--format", "json"])
        .arg(test.root())
        .output()
        .unwrap();
    let said = all_output(&output);
    assert_eq!(exit_code(&output), plain_code, "{said}");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["findings"], plain["findings"], "{said}");
}
