//! Bandit through the gate: its findings equal a direct run of the pinned
//! Bandit on the same files with the repository's `[tool.bandit]`, levelled
//! by severity × confidence; nothing written into the tree; the cache serves
//! what a fresh run finds after an edit; failures fail closed.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::cache::private_cache;
use crate::tools::python_files;
use crate::{CliTest, exit_code, findings_of, in_ci, stderr, tool_status};

/// `opsgate check --format json` of the `security` fixture (Bandit and
/// `ShellCheck` on, the default tools off) and the interpreter of the managed
/// environment it provisioned; `None` (skip) when it cannot be provisioned,
/// only outside CI.
pub(crate) fn security_check(test: &CliTest) -> Option<(std::process::Output, Value, PathBuf)> {
    let (output, report) = test.check_json(&[]);
    let python = report["python"].as_str().map(PathBuf::from);
    let ran = exit_code(&output) != 2 && tool_status(&report, "bandit") == "ok";
    match python {
        Some(python) if ran => Some((output, report, python)),
        _ if in_ci() => panic!(
            "CI=true and Bandit/ShellCheck did not run:\n{}",
            stderr(&output)
        ),
        _ => None,
    }
}

/// `path:line:column:code` of each finding of `tool` in the gate's report.
pub(crate) fn gate_set(report: &Value, tool: &str) -> BTreeSet<String> {
    findings_of(report, tool)
        .iter()
        .map(|f| {
            format!(
                "{}:{}:{}:{}",
                f["path"].as_str().unwrap(),
                f["line"],
                f["column"],
                f["rule"].as_str().unwrap()
            )
        })
        .collect()
}

/// The pinned Bandit run directly as a team runs it with its configuration.
fn direct_bandit(python: &Path, root: &Path) -> (Option<i32>, Value) {
    let files = python_files(root, "");
    let output = Command::new(python)
        .args([
            "-m",
            "bandit",
            "-c",
            "pyproject.toml",
            "-f",
            "json",
            "-q",
            "--",
        ])
        .args(&files)
        .current_dir(root)
        .output()
        .unwrap();
    (
        output.status.code(),
        serde_json::from_slice(&output.stdout).unwrap(),
    )
}

fn direct_set(report: &Value) -> BTreeSet<String> {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{}:{}:{}:{}",
                r["filename"].as_str().unwrap().trim_start_matches("./"),
                r["line_number"],
                r["col_offset"].as_u64().unwrap() + 1,
                r["test_id"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn bandit_findings_equal_a_direct_run_with_the_repositorys_configuration() {
    let test = CliTest::with_fixture("security");
    let Some((output, report, python)) = security_check(&test) else {
        return;
    };
    assert_eq!(exit_code(&output), 1, "{}", stderr(&output));
    let (code, direct) = direct_bandit(&python, &test.root());
    assert_eq!(code, Some(1));
    let expected = direct_set(&direct);
    assert_eq!(gate_set(&report, "bandit"), expected);
    // The planted problems, and `skips = ["B404"]` from [tool.bandit] holds.
    let codes: BTreeSet<&str> = expected
        .iter()
        .map(|f| f.rsplit(':').next().unwrap())
        .collect();
    assert_eq!(
        codes,
        BTreeSet::from(["B105", "B106", "B113", "B501", "B602"])
    );
    let tool = report["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "bandit")
        .unwrap();
    assert_eq!(tool["version"], "1.9.4");
}

#[test]
fn bandit_findings_are_levelled_by_severity_and_confidence_with_rule_pages() {
    let test = CliTest::with_fixture("security");
    let Some((_, report, _)) = security_check(&test) else {
        return;
    };
    let level = |rule: &str| {
        let findings = findings_of(&report, "bandit");
        let finding = findings.iter().find(|f| f["rule"] == rule).unwrap();
        let url = finding["help_url"].as_str().unwrap();
        assert!(
            url.starts_with("https://bandit.readthedocs.io/en/1.9.4/"),
            "{url}"
        );
        finding["severity"].as_str().unwrap().to_owned()
    };
    assert_eq!(level("B501"), "error"); // HIGH x HIGH
    assert_eq!(level("B602"), "error"); // HIGH x HIGH
    assert_eq!(level("B113"), "warning"); // MEDIUM x LOW
    assert_eq!(level("B105"), "note"); // LOW x MEDIUM

    // The severity map re-levels one code; the others keep their own level.
    test.write(
        "opsgate.toml",
        &(std::fs::read_to_string(test.root().join("opsgate.toml")).unwrap()
            + "[tools.bandit.severity]\n\"B113\" = \"error\"\n"),
    );
    let (_, report) = test.check_json(&[]);
    let findings = findings_of(&report, "bandit");
    let of = |rule: &str| {
        findings.iter().find(|f| f["rule"] == rule).unwrap()["severity"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(of("B113"), "error");
    assert_eq!(of("B105"), "note");
}

/// Every file below `root` with its bytes.
pub(crate) fn tree(root: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                out.push((path, bytes));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn a_clean_repository_gives_no_finding_and_nothing_is_written_into_the_tree() {
    let test = CliTest::empty();
    test.write(
        "opsgate.toml",
        &std::fs::read_to_string(crate::fixture_path("security").join("opsgate.toml")).unwrap(),
    );
    test.write(
        "netops/fetch/fetch.py",
        "\"\"\"Fetches a page.\"\"\"\n\nimport requests\n\n\ndef fetch(url):\n    \
         \"\"\"With a timeout.\"\"\"\n    return requests.get(url, timeout=10)\n",
    );
    test.write(
        "netops/fetch/run.sh",
        "#!/bin/sh\nset -eu\nurl=\"$1\"\npython3 fetch.py \"$url\"\n",
    );
    let before = tree(&test.root());
    let Some((output, report, _)) = security_check(&test) else {
        return;
    };
    for tool in ["bandit", "shellcheck"] {
        assert_eq!(tool_status(&report, tool), "ok", "{}", stderr(&output));
        assert_eq!(findings_of(&report, tool), Vec::<Value>::new());
    }
    assert_eq!(tree(&test.root()), before);

    // The fixture with findings writes nothing either.
    let test = CliTest::with_fixture("security");
    let before = tree(&test.root());
    security_check(&test);
    assert_eq!(tree(&test.root()), before);
}

#[test]
fn cached_bandit_findings_equal_a_fresh_run_after_an_edit() {
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
        gate_set(&report, "bandit")
    };
    let cold = run(true);
    assert_eq!(run(true), cold);
    let path = test.root().join("netops/fetch-config/fetch_config.py");
    let source = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        source.replace("requests.get(url)", "requests.get(url, timeout=10)")
            + "\n\ndef evaluate(text):\n    \"\"\"Planted: eval (B307).\"\"\"\n    return eval(text)\n",
    )
    .unwrap();
    let warm = run(true);
    assert_eq!(warm, run(false));
    assert_ne!(warm, cold);
    assert!(warm.iter().any(|f| f.ends_with(":B307")), "{warm:?}");
    assert!(!warm.iter().any(|f| f.ends_with(":B113")), "{warm:?}");
}

#[test]
fn a_file_bandit_cannot_parse_is_a_finding_and_a_broken_configuration_fails_closed() {
    let test = CliTest::with_fixture("security");
    test.write("netops/fetch-config/broken.py", "def broken(:\n    pass\n");
    let Some((output, report, _)) = security_check(&test) else {
        return;
    };
    assert_eq!(exit_code(&output), 1, "{}", stderr(&output));
    assert!(
        findings_of(&report, "bandit")
            .iter()
            .any(|f| f["rule"] == "unparsed-file" && f["path"] == "netops/fetch-config/broken.py")
    );

    test.write("pyproject.toml", "[tool.bandit]\ntests = [\"B999\"]\n");
    let output = test.check(&[]);
    assert_eq!(exit_code(&output), 2, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("bandit failed"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn explain_names_bandits_check_and_its_page() {
    let test = CliTest::empty();
    let output = test.command().args(["explain", "B113"]).output().unwrap();
    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(
        printed.contains("B113 request_without_timeout (Bandit)"),
        "{printed}"
    );
    assert!(
        printed.contains(
            "https://bandit.readthedocs.io/en/1.9.4/plugins/b113_request_without_timeout.html"
        ),
        "{printed}"
    );
    assert!(printed.contains("# nosec B113"), "{printed}");
}
