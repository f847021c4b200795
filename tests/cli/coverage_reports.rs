//! The coverage reports against real coverage.py: the `covered` fixture's
//! tool folders measured one by one (as shards of a run) with `coverage run
//! -m pytest`, their lines put into the shards' JSON reports, and `opsgate
//! merge`'s Cobertura file compared with `coverage xml` of one run over both
//! folders, through the DTD and pycobertura.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

use crate::reports::validate;
use crate::{CliTest, exit_code, stderr, tools_python, validator_python};

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

const FOLDERS: [&str; 2] = ["networking/vlan-audit", "networking/dns-check"];

/// coverage.py's measurement of `folders`' tests: its JSON report, and its
/// XML report when asked.
struct Measured {
    json: Value,
    xml: PathBuf,
    total: String,
}

/// `coverage run -m pytest FOLDERS`, test files left out as opsgate leaves
/// them out, its data file outside the tree.
fn measure(python: &Path, repo: &Path, folders: &[&str], out: &Path, name: &str) -> Measured {
    let data = out.join(format!("{name}.coverage"));
    let coverage = |args: &[&str]| {
        let output = Command::new(python)
            .args(["-m", "coverage"])
            .args(args)
            .current_dir(repo)
            .env("COVERAGE_FILE", &data)
            .env("PYTHONPATH", repo.join("lib"))
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "coverage {args:?}: {}",
            stderr(&output)
        );
        stdout(&output)
    };
    let mut run = vec![
        "run",
        "--omit=*/test_*.py",
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
    ];
    run.extend(folders);
    coverage(&run);
    let json_path = out.join(format!("{name}.json"));
    let xml = out.join(format!("{name}.xml"));
    coverage(&["json", "-q", "-o", json_path.to_str().unwrap()]);
    coverage(&["xml", "-q", "-o", xml.to_str().unwrap()]);
    let total = coverage(&["report", "--precision=1", "--format=total"]);
    Measured {
        json: serde_json::from_str(&std::fs::read_to_string(json_path).unwrap()).unwrap(),
        xml,
        total: total.trim().to_owned(),
    }
}

/// coverage.py's files as opsgate's JSON report carries them.
fn files(measured: &Measured) -> Vec<Value> {
    let files = measured.json["files"].as_object().unwrap();
    files
        .iter()
        .map(|(path, file)| {
            let (statements, executed) = crate::coverage::coverage_py_lines(file);
            json!({"path": path, "statements": statements, "executed": executed})
        })
        .collect()
}

/// A shard's JSON report as `opsgate check --shard I/N --format json` writes
/// it, with only the coverage in it.
fn shard_report(index: usize, total: usize, coverage: Option<Vec<Value>>) -> Value {
    let mut report = json!({
        "version": 1,
        "verdict": "passed",
        "fail_on": "warning",
        "duration_ms": 1000,
        "python": "/venv/bin/python",
        "python_version": "3.11.7",
        "config": null,
        "domains": ["networking"],
        "tool_folders": FOLDERS,
        "findings": [],
        "tools": [],
        "tests": [],
        "shard": {"index": index, "total": total, "plan": "plan", "commit": null, "config": "defaults"},
    });
    if let Some(files) = coverage {
        report["coverage"] = json!({"files": files});
    }
    report
}

fn write_json(path: &Path, value: &Value) -> PathBuf {
    std::fs::write(path, serde_json::to_string_pretty(value).unwrap()).unwrap();
    path.to_path_buf()
}

#[test]
fn merged_shards_give_the_cobertura_report_of_coverage_py_for_the_whole_run() {
    let Some(python) = validator_python() else {
        return;
    };
    let test = CliTest::with_fixture("covered");
    let repo = test.root();
    let out = test.outside().join("out");
    std::fs::create_dir(&out).unwrap();
    let shards: Vec<PathBuf> = FOLDERS
        .iter()
        .enumerate()
        .map(|(index, folder)| {
            let measured = measure(&python, &repo, &[folder], &out, &format!("shard{index}"));
            let report = shard_report(index + 1, FOLDERS.len(), Some(files(&measured)));
            write_json(&out.join(format!("shard-{index}.json")), &report)
        })
        .collect();
    let whole = measure(&python, &repo, &FOLDERS, &out, "whole");

    let cobertura = out.join("coverage.xml");
    let merge = |format: &str| {
        test.command()
            .arg("merge")
            .args(&shards)
            .args(["--root".as_ref(), repo.as_os_str()])
            .args(["--format", format, "--output"])
            .arg(format!("cobertura={}", cobertura.display()))
            .env_remove("CI_PROJECT_DIR")
            .env_remove("GITHUB_WORKSPACE")
            .output()
            .unwrap()
    };
    let output = merge("json");
    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();

    // The merged lines are those of the whole run, file by file.
    let mut merged = report["coverage"]["files"].as_array().unwrap().clone();
    let mut expected = files(&whole);
    let by_path = |f: &Value| f["path"].as_str().unwrap().to_owned();
    merged.sort_by_key(by_path);
    expected.sort_by_key(by_path);
    assert_eq!(merged, expected);
    // The shared library ran lines in both shards: the union counts.
    let library = &whole.json["files"]["lib/opslib/__init__.py"]["summary"];
    assert!(library["missing_lines"].as_u64().unwrap() > 0);
    let tools = report["coverage"]["tools"].as_array().unwrap();
    assert_eq!(tools.len(), 2, "{report:#}");
    assert_eq!(
        report["coverage"]["other"]["statements"],
        library["num_statements"]
    );

    // The DTD accepts both files; pycobertura reads the same from both.
    validate("cobertura-dtd", &whole.xml, Some("coverage-04.dtd"));
    validate("cobertura-dtd", &cobertura, Some("coverage-04.dtd"));
    let (Some(ours), Some(theirs)) = (
        validate("pycobertura", &cobertura, None),
        validate("pycobertura", &whole.xml, None),
    ) else {
        return;
    };
    assert_eq!(ours, theirs);
    assert!(ours["files"].as_object().unwrap().len() == 3, "{ours:#}");

    // The GitLab jobs' `coverage:` regex finds `coverage report`'s total in
    // the terminal report (GitLab takes the last match; RE2 syntax, which
    // the regex crate follows).
    let output = merge("terminal");
    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    let terminal = stdout(&output);
    for job in [".gitlab-ci.example.yml", ".gitlab-ci.sharded.example.yml"] {
        let pattern = gitlab_coverage_regex(job);
        let percent = pattern
            .captures_iter(&terminal)
            .last()
            .unwrap_or_else(|| panic!("{job}: `{pattern}` finds nothing in:\n{terminal}"))[1]
            .to_owned();
        assert_eq!(percent, whole.total, "{job}: {terminal}");
    }
}

/// The `coverage: '/REGEX/'` of a GitLab example job.
fn gitlab_coverage_regex(job: &str) -> regex::Regex {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(job)).unwrap();
    let pattern = text
        .lines()
        .find_map(|line| line.trim().strip_prefix("coverage: '/"))
        .and_then(|rest| rest.strip_suffix("/'"))
        .unwrap_or_else(|| panic!("{job} has no `coverage:` regex"));
    regex::Regex::new(pattern).unwrap()
}

#[test]
fn without_coverage_the_cobertura_file_is_not_written_and_stdout_cannot_have_it() {
    let test = CliTest::empty();
    let out = test.outside();
    let shards: Vec<PathBuf> = (1..=2)
        .map(|index| {
            write_json(
                &out.join(format!("shard-{index}.json")),
                &shard_report(index, 2, None),
            )
        })
        .collect();
    // A report left by an earlier run is not taken for this one's.
    let cobertura = out.join("coverage.xml");
    std::fs::write(&cobertura, "<coverage/>").unwrap();
    let output = test
        .command()
        .arg("merge")
        .args(&shards)
        .arg("--root")
        .arg(test.root())
        .arg("--output")
        .arg(format!("cobertura={}", cobertura.display()))
        .output()
        .unwrap();
    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("not written: coverage was not measured")
            && stderr(&output).contains("`coverage = true` under [tools.pytest]"),
        "{}",
        stderr(&output)
    );
    assert!(!cobertura.exists());

    let output = test
        .command()
        .arg("merge")
        .args(&shards)
        .arg("--root")
        .arg(test.root())
        .args(["--format", "cobertura"])
        .output()
        .unwrap();
    assert_eq!(exit_code(&output), 2, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("coverage = true"),
        "{}",
        stderr(&output)
    );
    assert!(output.stdout.is_empty());
}

#[test]
fn check_without_coverage_writes_no_cobertura_file_and_keeps_its_verdict() {
    let Some(_) = tools_python() else { return };
    let test = CliTest::with_fixture("clean");
    test.write("opsgate.toml", "[tools.pytest]\ncoverage = false\n");
    let cobertura = test.outside().join("coverage.xml");
    let output = test.check(&["--output", &format!("cobertura={}", cobertura.display())]);
    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("cobertura=") && stderr(&output).contains("not written"),
        "{}",
        stderr(&output)
    );
    assert!(!cobertura.exists());
    // The terminal report has no coverage to show.
    assert!(
        !stdout(&output).contains("Coverage:"),
        "{}",
        stdout(&output)
    );
}
