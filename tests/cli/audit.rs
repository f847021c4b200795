//! The audit trail (`check --audit`, `--incident`) and `opsgate roi`:
//! records checked against the JSON report of the same run, figures against
//! audit files whose answers are worked out by hand.

use std::collections::BTreeMap;
use std::process::Command;

use serde_json::Value;

use crate::{CliTest, all_output, exit_code, stderr, tools_python};

/// Every tool off: the audit tests that are not about tools run in a blink.
pub(crate) const RULES_ONLY: &str = "[tools.black]\nenabled = false\n[tools.flake8]\nenabled = false\n\
    [tools.pylint]\nenabled = false\n[tools.pytest]\nenabled = false\n";

fn lines(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

const GITHUB: [(&str, &str); 9] = [
    ("GITHUB_ACTIONS", "true"),
    ("GITHUB_SERVER_URL", "https://github.example"),
    ("GITHUB_REPOSITORY", "ops/scripts"),
    ("GITHUB_RUN_ID", "4242"),
    ("GITHUB_RUN_ATTEMPT", "1"),
    ("GITHUB_ACTOR", "alice"),
    ("GITHUB_JOB", "gate"),
    ("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567"),
    ("GITHUB_REF_NAME", "main"),
];

#[test]
fn each_run_appends_a_record_that_matches_its_report() {
    if tools_python().is_none() {
        return;
    }
    let test = CliTest::with_fixture("problems");
    let audit = test.outside().join("audit.jsonl");
    let mut reports = Vec::new();
    for incident in [
        &[][..],
        &[
            "--incident",
            "id=INC-9",
            "--incident",
            "title=VLAN <outage>",
        ][..],
    ] {
        let output = test
            .command()
            .envs(GITHUB)
            .env_remove("GITHUB_STEP_SUMMARY")
            .env_remove("GITHUB_OUTPUT")
            .args(["check", "--format", "json", "--audit"])
            .arg(&audit)
            .args(incident)
            .arg(test.root())
            .output()
            .unwrap();
        assert_eq!(exit_code(&output), 1, "{}", all_output(&output));
        reports.push(serde_json::from_slice::<Value>(&output.stdout).unwrap());
    }
    let records = lines(&audit);
    assert_eq!(records.len(), 2);
    let (record, report) = (&records[0], &reports[0]);
    assert_eq!(record["verdict"], report["verdict"]);
    assert_eq!(record["who"], "alice");
    assert_eq!(record["commit"], GITHUB[7].1);
    assert_eq!(record["branch"], "main");
    assert_eq!(record["ci"]["platform"], "github");
    assert_eq!(
        record["ci"]["pipeline_url"],
        "https://github.example/ops/scripts/actions/runs/4242/attempts/1"
    );
    for tool in report["tools"].as_array().unwrap() {
        assert_eq!(
            record["versions"][tool["name"].as_str().unwrap()],
            tool["version"]
        );
    }
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(record["findings"]["total"], findings.len());
    let mut rules: BTreeMap<String, usize> = BTreeMap::new();
    let mut vlan = 0;
    for finding in findings {
        *rules
            .entry(format!(
                "{}/{}",
                finding["tool"].as_str().unwrap(),
                finding["rule"].as_str().unwrap()
            ))
            .or_default() += 1;
        vlan += usize::from(
            finding["path"]
                .as_str()
                .unwrap()
                .starts_with("networking/vlan-audit/"),
        );
    }
    assert_eq!(serde_json::to_value(&rules).unwrap(), record["rules"]);
    let folder = &record["folders"]["networking/vlan-audit"];
    assert_eq!(folder["findings"], vlan);
    let tests: Vec<&Value> = report["tests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| {
            t["file"]
                .as_str()
                .is_some_and(|f| f.starts_with("networking/vlan-audit/"))
        })
        .collect();
    assert_eq!(folder["tests"], tests.len());
    assert!(folder["failed_tests"].as_u64().unwrap() >= 1, "{folder}");
    assert_eq!(record["standards"]["tools"], 2);
    assert!(records[0].get("incident").is_none());
    assert_eq!(records[1]["incident"]["id"], "INC-9");
    assert_eq!(records[1]["incident"]["title"], "VLAN <outage>");
}

#[test]
fn a_local_run_records_the_git_author_commit_and_branch() {
    let test = CliTest::with_fixture("clean");
    test.write("opsgate.toml", RULES_ONLY);
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .arg("-C")
            .arg(test.root())
            .args(args)
            .env("GIT_AUTHOR_NAME", "Ada Lovelace")
            .env("GIT_AUTHOR_EMAIL", "ada@example.com")
            .env("GIT_COMMITTER_NAME", "Ada Lovelace")
            .env("GIT_COMMITTER_EMAIL", "ada@example.com")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", all_output(&out));
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    };
    git(&["init", "-q", "-b", "trunk"]);
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "first"]);
    let audit = test.outside().join("trail.jsonl");
    let output = test
        .command()
        .env("GIT_AUTHOR_NAME", "Ada Lovelace")
        .env_remove("CI")
        .arg("check")
        .arg(test.root())
        .arg("--audit")
        .arg(&audit)
        .output()
        .unwrap();
    assert_eq!(exit_code(&output), 0, "{}", all_output(&output));
    let record = &lines(&audit)[0];
    assert_eq!(record["who"], "Ada Lovelace");
    assert_eq!(record["commit"], git(&["rev-parse", "HEAD"]));
    assert_eq!(record["branch"], "trunk");
    assert_eq!(record["ci"], Value::Null);
    assert_eq!(record["verdict"], "passed");
    assert_eq!(record["standards"]["readme"], 1);
    assert_eq!(record["folders"]["networking/ping-sweep"]["owners"], 2);
}

#[test]
fn bad_audit_arguments_exit_2_before_any_check_runs() {
    let test = CliTest::with_fixture("clean");
    test.write("opsgate.toml", RULES_ONLY);
    let audit = test.outside().join("audit.jsonl");
    let audit = audit.to_str().unwrap();
    let missing = test.outside().join("no/such/folder/audit.jsonl");
    for (args, expected) in [
        (
            vec!["--audit", audit, "--incident", "title=x"],
            "needs id=ID",
        ),
        (
            vec![
                "--audit",
                audit,
                "--incident",
                "id=1",
                "--incident",
                "opened_at=monday",
            ],
            "not an RFC 3339 time",
        ),
        (vec!["--incident", "id=1"], "--audit"),
        (vec!["--audit", missing.to_str().unwrap()], "does not exist"),
    ] {
        let output = test.check(&args);
        assert_eq!(exit_code(&output), 2, "{args:?}: {}", all_output(&output));
        assert!(
            stderr(&output).contains(expected),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(!std::path::Path::new(audit).exists());
    }
}

/// Three tools and two audit files whose figures are worked out by hand.
pub(crate) fn known_roi() -> CliTest {
    let test = CliTest::empty();
    let sections = "# tool\n\n## Purpose\n\nx\n\n## Usage\n\nx\n\n## Output\n\nx\n";
    // 20 runs × (30 min − 60 s) = 580 min = 9.67 h a month.
    test.write(
        "net/dns-check/README.md",
        &format!(
            "+++\nmanual_minutes = 30\nruns_per_month = 20\nruntime_seconds = 60\n+++\n{sections}"
        ),
    );
    test.write("net/dns-check/dns_check.py", "X = 1\n");
    test.write(
        "net/dns-check/test_dns_check.py",
        "def test_x():\n    pass\n",
    );
    // 8 runs × (15 min − 30 s of tests) = 116 min = 1.93 h a month.
    test.write(
        "db/backup/README.md",
        &format!("+++\nmanual_minutes = 15\nruns_per_month = 8\n+++\n{sections}"),
    );
    test.write("db/backup/backup.py", "X = 1\n");
    test.write("db/backup/test_backup.py", "def test_x():\n    pass\n");
    test.write("db/vacuum/vacuum.py", "X = 1\n");
    test.write("CODEOWNERS", "/net/dns-check/ @a @b\n/db/backup/ @c\n");
    test.write("requirements.txt", "# standard library only\n");
    let standards = r#""standards":{"tools":3,"readme":1,"owners":1,"tests":1,"pinned":3}"#;
    let backup = |findings: u32| {
        format!(
            r#""folders":{{"db/backup":{{"tests":2,"test_seconds":30.0,"findings":{findings}}}}}"#
        )
    };
    std::fs::write(
        test.outside().join("main.jsonl"),
        format!(
            "{{\"version\":1,\"time\":\"2026-11-02T10:00:00Z\",\"verdict\":\"failed\",\"findings\":{{\"total\":10,\"blocking\":6}},{},{standards},\"incident\":{{\"id\":\"INC-1\",\"opened_at\":\"2026-11-02T09:00:00Z\"}}}}\n\
             {{\"version\":1,\"time\":\"2026-11-10T08:00:00Z\",\"verdict\":\"failed\",\"findings\":{{\"total\":3}},\"standards\":{{\"tools\":3,\"readme\":2,\"owners\":1,\"tests\":2,\"pinned\":3}},\"incident\":{{\"id\":\"INC-2\",\"opened_at\":\"2026-11-10T07:00:00Z\",\"resolved_at\":\"2026-11-10T08:30:00Z\"}}}}\n",
            backup(4)
        ),
    )
    .unwrap();
    // The first passing run of INC-1, 51 hours after it opened.
    std::fs::write(
        test.outside().join("merge-requests.jsonl"),
        format!(
            "\n{{\"version\":1,\"time\":\"2026-11-04T12:00:00Z\",\"verdict\":\"passed\",\"findings\":{{\"total\":4}},{},{standards},\"incident\":{{\"id\":\"INC-1\"}},\"from_a_later_opsgate\":true}}\n",
            backup(1)
        ),
    )
    .unwrap();
    test
}

/// `opsgate roi` on `known_roi` with both audit files and extra arguments.
pub(crate) fn roi(test: &CliTest, extra: &[&str]) -> std::process::Output {
    test.command()
        .arg("roi")
        .arg(test.root())
        .arg("--audit")
        .arg(test.outside().join("main.jsonl"))
        .arg(test.outside().join("merge-requests.jsonl"))
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn roi_figures_match_the_hand_worked_answers() {
    let test = known_roi();
    let output = roi(&test, &[]);
    assert_eq!(exit_code(&output), 0, "{}", all_output(&output));
    let markdown = String::from_utf8(output.stdout).unwrap();
    for expected in [
        "3 audited gate runs from 2026-11-02 to 2026-11-10.",
        // 9.67 h + 1.93 h.
        "| Engineering hours saved per month | **11.6 h** (≈ 1.4 working days), 2 of 3 tools declare their inputs |",
        "| `net/dns-check` | 30 | 20 | 60 s | 9.7 h |",
        "| `db/backup` | 15 | 8 | ≥ 30 s (tests) | 1.9 h | 4 → 1 (−75%) |",
        "| `db/vacuum` | – | – | – | not declared |",
        // The last run of each week: 4 (Wednesday), then 3.
        "| Findings, first → latest week | 4 → 3 (−25%) |",
        "| Failed gates, first → latest week | 1 of 2 → 1 of 1 runs |",
        // (51 h + 1 h 30 min) / 2 = 26 h 15 min.
        "| Mean time to resolve incidents (MTTR) | 1 d 2 h over 2 resolved, 0 open |",
        "| 67% · 33% · 67% · 100% of 3 tools |",
        "| 2026-11-02 | 2 | 1 | 1 | 0 | 4 | 33% | 33% | 33% | 100% |",
        "| INC-1 |  | 2026-11-02T09:00:00Z | 2026-11-04T12:00:00Z | 2 d 3 h |",
        "| INC-2 |  | 2026-11-10T07:00:00Z | 2026-11-10T08:30:00Z | 1 h 30 min |",
    ] {
        assert!(
            markdown.contains(expected),
            "missing `{expected}` in\n{markdown}"
        );
    }
    // --output writes the same text to a file and nothing to stdout.
    let file = test.outside().join("roi.md");
    let output = roi(&test, &["--output", file.to_str().unwrap()]);
    assert_eq!(exit_code(&output), 0, "{}", all_output(&output));
    assert!(output.stdout.is_empty());
    assert_eq!(std::fs::read_to_string(file).unwrap(), markdown);
}

#[test]
fn roi_names_the_line_of_a_damaged_audit_file() {
    let test = known_roi();
    let bad = test.outside().join("bad.jsonl");
    std::fs::write(
        &bad,
        "{\"version\":1,\"time\":\"2026-11-02T10:00:00Z\",\"verdict\":\"passed\"}\nnot json\n",
    )
    .unwrap();
    let output = roi(&test, &["--audit", bad.to_str().unwrap()]);
    assert_eq!(exit_code(&output), 2);
    assert!(
        stderr(&output).contains("bad.jsonl` line 2 is not an audit record"),
        "{}",
        stderr(&output)
    );
    let output = roi(&test, &["--audit", "/nonexistent/audit.jsonl"]);
    assert_eq!(exit_code(&output), 2);
    assert!(
        stderr(&output).contains("opening the audit file `/nonexistent/audit.jsonl`"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn jobs_appending_at_once_each_leave_one_whole_line() {
    let test = CliTest::with_fixture("clean");
    test.write("opsgate.toml", RULES_ONLY);
    let audit = test.outside().join("shared.jsonl");
    let children: Vec<_> = (0..6)
        .map(|job| {
            // A process of its own, started before the others finish.
            Command::new(assert_cmd::cargo::cargo_bin("opsgate"))
                .env("OPSGATE_CACHE_DIR", crate::cache_dir())
                .env_remove("GITLAB_CI")
                .env_remove("GITHUB_EVENT_PATH")
                .envs(GITHUB)
                .env("GITHUB_JOB", format!("shard-{job}"))
                .env_remove("GITHUB_STEP_SUMMARY")
                .env_remove("GITHUB_OUTPUT")
                .args(["check", "--format", "json", "--audit"])
                .arg(&audit)
                .arg(test.root())
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    let mut jobs: Vec<String> = lines(&audit)
        .iter()
        .map(|r| r["ci"]["job"].as_str().unwrap().to_owned())
        .collect();
    jobs.sort();
    assert_eq!(
        jobs,
        (0..6).map(|j| format!("shard-{j}")).collect::<Vec<_>>()
    );
}
