//! For every runner, the gate's findings equal what the tool reports when run
//! directly on the same fixture, as an engineer would run it.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

use crate::{CliTest, exit_code, findings_of, stderr, tool_status, tools_python};

/// Runs `python -m <args>` in `root` as a user would, with the shared library
/// importable; bytecode and caches kept out of the tree.
/// `python -m ARGS` in `root` as a team would run the tool, with the library
/// path opsgate gives and Pylint's hash seed fixed as opsgate fixes it (its
/// cycle search follows set order).
pub(crate) fn direct(python: &Path, root: &Path, args: &[&str]) -> Output {
    let home = tempfile::tempdir().unwrap();
    Command::new(python)
        .arg("-m")
        .args(args)
        .current_dir(root)
        .env("PYTHONPATH", root.join("lib"))
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("PYTHONHASHSEED", "0")
        .env("PYLINTHOME", home.path())
        .env("BLACK_CACHE_DIR", home.path())
        .output()
        .unwrap()
}

/// Every `.py` file below `root` except under `skip`, relative, sorted.
pub(crate) fn python_files(root: &Path, skip: &str) -> Vec<String> {
    fn visit(root: &Path, dir: &Path, skip: &str, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned();
            if rel == skip {
                continue;
            }
            if path.is_dir() {
                visit(root, &path, skip, out);
            } else if rel.ends_with(".py") {
                out.push(rel);
            }
        }
    }
    let mut out = Vec::new();
    visit(root, root, skip, &mut out);
    out.sort();
    out
}

fn gate_set(report: &Value, tool: &str, with_column: bool) -> BTreeSet<String> {
    findings_of(report, tool)
        .iter()
        .map(|f| {
            let column = if with_column {
                format!(":{}", f["column"])
            } else {
                String::new()
            };
            format!(
                "{}:{}{column}:{}",
                f["path"].as_str().unwrap(),
                f["line"],
                f["rule"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn flake8_findings_equal_a_direct_run() {
    let Some(python) = tools_python() else { return };
    let test = CliTest::with_fixture("problems");
    let (output, report) = test.check_json(&[]);
    assert_eq!(exit_code(&output), 1, "{}", stderr(&output));

    // The gate honours .gitignore; flake8 does not, so exclude the same folder.
    // The fixture has no Flake8 configuration: the gate runs Flake8 with
    // Black's settings, and so does this run.
    let direct = direct(
        &python,
        &test.root(),
        &[
            "flake8",
            "--max-line-length=88",
            "--extend-ignore=E203,E701,E704",
            "--extend-exclude=ignored_dir",
            "--format=%(path)s:%(row)d:%(col)d:%(code)s",
            ".",
        ],
    );
    assert_eq!(direct.status.code(), Some(1));
    let expected: BTreeSet<String> = String::from_utf8_lossy(&direct.stdout)
        .lines()
        .map(|l| l.trim_start_matches("./").to_owned())
        .collect();
    assert!(expected.len() >= 5, "{expected:?}");
    assert_eq!(gate_set(&report, "flake8", true), expected);
}

#[test]
fn pylint_findings_equal_a_direct_run() {
    let Some(python) = tools_python() else { return };
    let test = CliTest::with_fixture("problems");
    let (_, report) = test.check_json(&[]);

    let mut args = vec!["pylint".to_owned(), "--output-format=json2".to_owned()];
    args.extend(python_files(&test.root(), "ignored_dir"));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let direct = direct(&python, &test.root(), &args);
    let direct: Value = serde_json::from_slice(&direct.stdout).unwrap();
    let expected: BTreeSet<String> = direct["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            format!(
                "{}:{}:{}",
                m["path"].as_str().unwrap(),
                m["line"],
                m["messageId"].as_str().unwrap()
            )
        })
        .collect();
    assert!(
        expected.iter().any(|e| e.ends_with(":W0702")),
        "{expected:?}"
    );
    assert_eq!(gate_set(&report, "pylint", false), expected);
}

#[test]
fn black_findings_equal_a_direct_run() {
    let Some(python) = tools_python() else { return };
    let test = CliTest::with_fixture("problems");
    let (_, report) = test.check_json(&[]);

    // Black reads .gitignore itself when given a folder.
    let direct = direct(&python, &test.root(), &["black", "--check", "."]);
    assert_eq!(direct.status.code(), Some(1));
    let root = test.root().canonicalize().unwrap();
    let expected: BTreeSet<String> = String::from_utf8_lossy(&direct.stderr)
        .lines()
        .filter_map(|l| l.strip_prefix("would reformat "))
        .map(|p| {
            let path = Path::new(p);
            path.strip_prefix(&root)
                .unwrap_or(path)
                .to_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let gate: BTreeSet<String> = findings_of(&report, "black")
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(gate, expected);
    assert!(!gate.is_empty());
    let fix = findings_of(&report, "black")[0]["fix"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(fix.contains("\n-") && fix.contains("\n+"), "{fix}");
}

#[test]
fn pytest_failures_equal_a_direct_run() {
    let Some(python) = tools_python() else { return };
    let test = CliTest::with_fixture("problems");
    let (_, report) = test.check_json(&[]);

    let direct = direct(
        &python,
        &test.root(),
        &[
            "pytest",
            "-p",
            "no:cacheprovider",
            "-rfE",
            "-q",
            "--ignore=ignored_dir",
        ],
    );
    assert_eq!(direct.status.code(), Some(1));
    // Short summary lines: `FAILED path::test - msg` / `ERROR path::test - msg`.
    let expected: BTreeSet<String> = String::from_utf8_lossy(&direct.stdout)
        .lines()
        .filter_map(|l| {
            l.strip_prefix("FAILED ")
                .or_else(|| l.strip_prefix("ERROR "))
        })
        .map(|l| l.split(" - ").next().unwrap().to_owned())
        .collect();
    assert_eq!(expected.len(), 2, "{expected:?}");
    let gate: BTreeSet<String> = findings_of(&report, "pytest")
        .iter()
        .map(|f| {
            let message = f["message"].as_str().unwrap();
            let name = message
                .strip_prefix("test ")
                .unwrap()
                .split(' ')
                .next()
                .unwrap();
            format!("{}::{name}", f["path"].as_str().unwrap())
        })
        .collect();
    assert_eq!(gate, expected);
}

#[test]
fn syntax_errors_are_findings_from_every_linter() {
    let Some(python) = tools_python() else { return };
    let test = CliTest::with_fixture("syntax-error");
    let (output, report) = test.check_json(&[]);
    assert_eq!(exit_code(&output), 1, "{}", stderr(&output));

    let direct = direct(&python, &test.root(), &["black", "--check", "."]);
    assert_eq!(direct.status.code(), Some(123));
    let direct_err = String::from_utf8_lossy(&direct.stderr);
    let black = findings_of(&report, "black");
    assert_eq!(black.len(), 1);
    assert_eq!(black[0]["rule"], "parse-error");
    let line = black[0]["line"].as_u64().unwrap();
    assert!(
        direct_err.contains(&format!("broken.py:{line}:")),
        "line {line} not in {direct_err}"
    );
    assert_eq!(gate_set(&report, "flake8", false).len(), 1);
    assert!(
        gate_set(&report, "flake8", false)
            .iter()
            .all(|f| f.ends_with("E999"))
    );
    assert!(
        gate_set(&report, "pylint", false)
            .iter()
            .any(|f| f.ends_with("E0001"))
    );
    // No test files: pytest has nothing to do, which is not an error.
    assert_eq!(tool_status(&report, "pytest"), "skipped");
}

#[test]
fn clean_repo_passes_with_every_tool_run() {
    let Some(_) = tools_python() else { return };
    let test = CliTest::with_fixture("clean");
    let (output, report) = test.check_json(&[]);
    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    assert_eq!(report["version"], 1);
    assert_eq!(report["verdict"], "passed");
    assert_eq!(report["findings"].as_array().unwrap().len(), 0);
    for tool in ["black", "flake8", "pylint", "pytest"] {
        assert_eq!(tool_status(&report, tool), "ok", "{tool}");
    }
    let pinned = [
        ("black", "26.10.1"),
        ("flake8", "7.5.0"),
        ("pylint", "4.1.4"),
        ("pytest", "9.2.0"),
    ];
    for (tool, version) in pinned {
        let record = report["tools"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == tool)
            .unwrap();
        assert_eq!(record["version"], version);
        assert!(record["duration_ms"].as_u64().unwrap() > 0);
    }
}

#[test]
fn example_repository_passes() {
    let Some(_) = tools_python() else { return };
    let test = CliTest::with_fixture("example");
    let (output, report) = test.check_json(&[]);
    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    // The shebang script without an extension is found and linted.
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["path"] == "database-management/backup-rotate/rotate-now")
    );
}

#[test]
fn findings_carry_the_json_contract_fields() {
    let Some(_) = tools_python() else { return };
    let test = CliTest::with_fixture("problems");
    let (_, report) = test.check_json(&[]);
    assert_eq!(report["verdict"], "failed");
    for finding in report["findings"].as_array().unwrap() {
        for key in ["tool", "rule", "severity", "message", "path", "fingerprint"] {
            assert!(finding[key].is_string(), "{key} in {finding}");
        }
        assert!(!finding["path"].as_str().unwrap().contains('\\'));
        assert!(
            finding["line"].as_u64().is_some_and(|l| l >= 1),
            "{finding}"
        );
    }
    let fingerprints: BTreeSet<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap())
        .collect();
    assert_eq!(
        fingerprints.len(),
        report["findings"].as_array().unwrap().len()
    );
    // Nothing from the gitignored folder.
    assert!(
        !report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["path"].as_str().unwrap().starts_with("ignored_dir"))
    );
}

#[test]
fn pytest_collects_what_the_repositorys_python_files_names() {
    let Some(python) = tools_python() else { return };
    let test = CliTest::with_fixture("clean");
    test.write(
        "setup.cfg",
        "[tool:pytest]\npython_files =\n    test_*.py\n    check_*.py\n",
    );
    test.write(
        "networking/ping-sweep/check_ping_sweep.py",
        "\"\"\"Checks named the team's way.\"\"\"\n\n\ndef test_named_the_teams_way():\n    \"\"\"Fails on purpose.\"\"\"\n    assert 1 + 1 == 3\n",
    );
    let (output, report) = test.check_json(&[]);
    assert_eq!(exit_code(&output), 1, "{}", stderr(&output));
    let direct = direct(
        &python,
        &test.root(),
        &["pytest", "-p", "no:cacheprovider", "-q", "-rf"],
    );
    let direct_out = String::from_utf8_lossy(&direct.stdout);
    assert!(
        direct_out
            .contains("FAILED networking/ping-sweep/check_ping_sweep.py::test_named_the_teams_way"),
        "{direct_out}"
    );
    let failed: Vec<String> = findings_of(&report, "pytest")
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(failed, ["networking/ping-sweep/check_ping_sweep.py"]);
    let passed = report["tests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["outcome"] == "passed")
        .count();
    assert!(passed >= 3, "the usual test_*.py files still run");
}
