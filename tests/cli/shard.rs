//! `check --shard I/N` and `merge`: the shards of a run, merged, give the
//! report and the verdict of the unsharded run; merge fails closed.

use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

use crate::{CliTest, all_output, exit_code, findings_of, stderr, tools_python};

/// The parts of a report a sharded run must reproduce: everything but how
/// the work was done — durations, processes started, results from the cache
/// (and the shard itself).
fn comparable(report: &Value) -> Value {
    let mut report = report.clone();
    let object = report.as_object_mut().unwrap();
    object.remove("duration_ms");
    object.remove("shard");
    for tool in object["tools"].as_array_mut().unwrap() {
        let tool = tool.as_object_mut().unwrap();
        for how in ["duration_ms", "processes", "cached"] {
            tool.remove(how);
        }
    }
    for test in object["tests"].as_array_mut().unwrap() {
        test.as_object_mut().unwrap().remove("time");
    }
    report
}

/// Runs shard `index` of `total`, its JSON report written beside the repo.
fn run_shard(test: &CliTest, index: usize, total: usize, extra: &[&str]) -> (Output, PathBuf) {
    let path = test
        .outside()
        .join(format!("shard-{index}-of-{total}.json"));
    let output = test.check(
        &[
            &["--shard", &format!("{index}/{total}")],
            &["--output", &format!("json={}", path.display())][..],
            extra,
        ]
        .concat(),
    );
    (output, path)
}

fn merge(test: &CliTest, reports: &[&Path], extra: &[&str]) -> Output {
    test.command()
        .arg("merge")
        .args(reports)
        .args(extra)
        .output()
        .unwrap()
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn merged_shards_equal_the_unsharded_run() {
    let Some(_) = tools_python() else { return };
    let test = CliTest::with_fixture("sharded");
    let whole_gitlab = test.outside().join("whole-gitlab.json");
    let (output, whole) =
        test.check_json(&["--output", &format!("gitlab={}", whole_gitlab.display())]);
    assert_eq!(exit_code(&output), 1, "{}", stderr(&output));
    assert!(whole.get("shard").is_none());
    // The fixture has findings from every tool and rule kind, Pylint's
    // cross-file ones included, so an equal merge says something.
    for tool in ["black", "flake8", "pylint", "pytest", "opsgate"] {
        assert!(!findings_of(&whole, tool).is_empty(), "no {tool} finding");
    }
    let pylint_rules: Vec<Value> = findings_of(&whole, "pylint")
        .iter()
        .map(|f| f["rule"].clone())
        .collect();
    assert!(pylint_rules.contains(&"R0801".into()), "{pylint_rules:?}");
    assert!(pylint_rules.contains(&"R0401".into()), "{pylint_rules:?}");
    // And coverage of a shared library that one tool folder's tests import.
    let covered: Vec<&str> = whole["coverage"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(covered.contains(&"lib/opslib/cycle_a.py"), "{covered:?}");

    for total in 1..=3 {
        let mut reports = Vec::new();
        for index in 1..=total {
            let (output, path) = run_shard(&test, index, total, &[]);
            assert!(
                [0, 1].contains(&exit_code(&output)),
                "shard {index}/{total}: {}",
                all_output(&output)
            );
            let report = read_json(&path);
            assert_eq!(report["shard"]["index"], index);
            assert_eq!(report["shard"]["total"], total);
            // Every shard has a part of the Python files to check.
            let black = report["tools"]
                .as_array()
                .unwrap()
                .iter()
                .find(|t| t["name"] == "black")
                .unwrap();
            assert!(
                black["files"].as_u64().unwrap() > 0,
                "shard {index}/{total}"
            );
            reports.push(path);
        }
        // In any order.
        reports.reverse();
        let paths: Vec<&Path> = reports.iter().map(PathBuf::as_path).collect();
        let merged_gitlab = test.outside().join(format!("merged-gitlab-{total}.json"));
        let output = merge(
            &test,
            &paths,
            &[
                "--format",
                "json",
                "--output",
                &format!("gitlab={}", merged_gitlab.display()),
            ],
        );
        assert_eq!(exit_code(&output), 1, "{}", all_output(&output));
        let merged: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(
            comparable(&merged),
            comparable(&whole),
            "{total} shards merged"
        );
        assert_eq!(
            std::fs::read_to_string(&merged_gitlab).unwrap(),
            std::fs::read_to_string(&whole_gitlab).unwrap(),
            "{total} shards merged, GitLab report"
        );
    }
}

#[test]
fn shards_respect_a_configuration_that_turns_a_cross_file_check_off() {
    let Some(_) = tools_python() else { return };
    let test = CliTest::with_fixture("sharded");
    test.write(".pylintrc", "[MESSAGES CONTROL]\ndisable=duplicate-code\n");
    let (_, whole) = test.check_json(&[]);
    let rules: Vec<Value> = findings_of(&whole, "pylint")
        .iter()
        .map(|f| f["rule"].clone())
        .collect();
    assert!(!rules.contains(&"R0801".into()), "{rules:?}");
    assert!(rules.contains(&"R0401".into()), "{rules:?}");
    let (_, one) = run_shard(&test, 1, 2, &[]);
    let (_, two) = run_shard(&test, 2, 2, &[]);
    let output = merge(&test, &[&one, &two], &["--format", "json"]);
    let merged: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(comparable(&merged), comparable(&whole));
}

/// A repository whose check needs no tool: every tool is turned off, so a
/// shard's report is quick to make.
fn rules_only() -> CliTest {
    let test = CliTest::empty();
    let mut config = String::new();
    for tool in ["black", "flake8", "pylint", "pytest"] {
        writeln!(config, "[tools.{tool}]\nenabled = false").unwrap();
    }
    test.write("opsgate.toml", &config);
    test.write("networking/dns-check/dns_check.py", "print('dns')\n");
    test.write("networking/vlan-audit/vlan_audit.py", "print('vlan')\n");
    test.write("database-management/backup/backup.py", "print('backup')\n");
    test
}

#[test]
fn merge_fails_closed_on_missing_duplicate_or_mismatched_shards() {
    let test = rules_only();
    let (output, whole) = test.check_json(&[]);
    assert_eq!(exit_code(&output), 1, "{}", all_output(&output));
    let (first, one) = run_shard(&test, 1, 2, &[]);
    assert!(
        [0, 1].contains(&exit_code(&first)),
        "{}",
        all_output(&first)
    );
    let (_, two) = run_shard(&test, 2, 2, &[]);

    let output = merge(&test, &[&one, &two], &["--format", "json"]);
    assert_eq!(exit_code(&output), 1, "{}", all_output(&output));
    let merged: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(comparable(&merged), comparable(&whole));

    let output = merge(&test, &[&one], &[]);
    assert_eq!(exit_code(&output), 2);
    assert!(
        stderr(&output).contains("shard 2/2 missing"),
        "{}",
        stderr(&output)
    );

    let output = merge(&test, &[&one, &two, &one], &[]);
    assert_eq!(exit_code(&output), 2);
    assert!(
        stderr(&output).contains("shard 1/2 is given twice"),
        "{}",
        stderr(&output)
    );

    let unsharded = test.outside().join("whole.json");
    std::fs::write(&unsharded, serde_json::to_vec(&whole).unwrap()).unwrap();
    let output = merge(&test, &[&one, &unsharded], &[]);
    assert_eq!(exit_code(&output), 2);
    assert!(
        stderr(&output).contains("not of a shard"),
        "{}",
        stderr(&output)
    );

    let (_, three) = run_shard(&test, 3, 3, &[]);
    let output = merge(&test, &[&one, &three], &[]);
    assert_eq!(exit_code(&output), 2);
    assert!(
        stderr(&output).contains("different numbers of shards"),
        "{}",
        stderr(&output)
    );

    // A shard of the same run after the configuration changed is not merged.
    let config = std::fs::read_to_string(test.root().join("opsgate.toml")).unwrap();
    test.write(
        "opsgate.toml",
        &format!("{config}[gate]\nfail_on = \"error\"\n"),
    );
    let (_, changed) = run_shard(&test, 2, 2, &[]);
    let output = merge(&test, &[&one, &changed], &[]);
    assert_eq!(exit_code(&output), 2);
    assert!(
        stderr(&output).contains("same configuration"),
        "{}",
        stderr(&output)
    );

    let garbage = test.outside().join("garbage.json");
    std::fs::write(&garbage, "{\"version\": 1}").unwrap();
    let output = merge(&test, &[&garbage], &[]);
    assert_eq!(exit_code(&output), 2);
    assert!(
        stderr(&output).contains("garbage.json"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn the_shard_comes_from_the_flag_else_from_gitlab_parallel() {
    let test = rules_only();
    for bad in ["0/2", "3/2", "1/0", "two"] {
        let output = test.check(&["--shard", bad]);
        assert_eq!(exit_code(&output), 2, "{bad}");
        assert!(
            stderr(&output).contains("--shard"),
            "{bad}: {}",
            stderr(&output)
        );
    }

    let shard_of = |envs: &[(&str, &str)], extra: &[&str]| {
        let mut command = test.command();
        command
            .args(["check", "--format", "json"])
            .arg(test.root())
            .args(extra);
        for (name, value) in envs {
            command.env(name, value);
        }
        let output = command.output().unwrap();
        let report: Value = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
        (output, report["shard"].clone())
    };
    let gitlab = [
        ("GITLAB_CI", "true"),
        ("CI_NODE_INDEX", "2"),
        ("CI_NODE_TOTAL", "3"),
    ];
    let (_, shard) = shard_of(&gitlab, &[]);
    assert_eq!(
        (shard["index"].clone(), shard["total"].clone()),
        (2.into(), 3.into())
    );
    let (_, shard) = shard_of(&gitlab, &["--shard", "1/2"]);
    assert_eq!(
        (shard["index"].clone(), shard["total"].clone()),
        (1.into(), 2.into())
    );
    // Outside GitLab CI the variables mean nothing to opsgate.
    let (_, shard) = shard_of(&gitlab[1..], &[]);
    assert_eq!(shard, Value::Null);
    let (output, _) = shard_of(
        &[
            ("GITLAB_CI", "true"),
            ("CI_NODE_INDEX", "4"),
            ("CI_NODE_TOTAL", "3"),
        ],
        &[],
    );
    assert_eq!(exit_code(&output), 2);
    assert!(
        stderr(&output).contains("CI_NODE_INDEX"),
        "{}",
        stderr(&output)
    );
}
