//! The built-in rules end to end: every planted problem found at its file
//! and line, compliant repositories silent, `rules` and `explain`, the
//! configuration, secrets never printed, bad input never a crash. The four
//! external tools are disabled, so these tests need no Python.

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde_json::Value;

use crate::{CliTest, exit_code, findings_of, fixture_path, stderr};

const NO_TOOLS: &str = "[tools.black]\nenabled = false\n[tools.flake8]\nenabled = false\n\
    [tools.pylint]\nenabled = false\n[tools.pytest]\nenabled = false\n";

/// A configuration beside the repository: no tools, plus `extra`.
fn config(test: &CliTest, extra: &str) -> PathBuf {
    let path = test.outside().join("rules-test.toml");
    std::fs::write(&path, format!("{NO_TOOLS}{extra}")).unwrap();
    path
}

fn check(test: &CliTest, extra: &str) -> (std::process::Output, Value) {
    let config = config(test, extra);
    test.check_json(&["--config", config.to_str().unwrap()])
}

/// (rule, path, line, column) of every opsgate finding.
fn positions(report: &Value) -> BTreeSet<(String, String, Option<u64>, Option<u64>)> {
    findings_of(report, "opsgate")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["path"].as_str().unwrap().to_owned(),
                f["line"].as_u64(),
                f["column"].as_u64(),
            )
        })
        .collect()
}

fn at(
    rule: &str,
    path: &str,
    line: Option<u64>,
    column: Option<u64>,
) -> (String, String, Option<u64>, Option<u64>) {
    (rule.to_owned(), path.to_owned(), line, column)
}

/// Where `rules-planted` has its problems (see its EXPECTED.md).
fn planted() -> BTreeSet<(String, String, Option<u64>, Option<u64>)> {
    [
        at(
            "OG002",
            "user-provisioning/offboard-user/offboard_user.py",
            Some(13),
            Some(3),
        ),
        at("OG101", "database-management/db-vacuum", None, None),
        at("OG102", "networking/port-scan/README.md", Some(15), None),
        at("OG103", "networking/port-scan/README.md", Some(7), None),
        at(
            "OG103",
            "networking/port-scan/README.md",
            Some(11),
            Some(27),
        ),
        at(
            "OG104",
            "user-provisioning/onboard-user/README.md",
            Some(2),
            None,
        ),
        at(
            "OG104",
            "user-provisioning/onboard-user/README.md",
            Some(4),
            None,
        ),
        at("OG202", "CODEOWNERS", Some(13), Some(8)),
        at("OG203", "CODEOWNERS", Some(7), None),
        at("OG203", "CODEOWNERS", None, None),
        at(
            "OG301",
            "database-management/backup-rotate/backup_rotate.py",
            Some(9),
            Some(15),
        ),
        at(
            "OG301",
            "user-provisioning/onboard-user/bootstrap.sh",
            Some(5),
            Some(4),
        ),
        at(
            "OG301",
            "user-provisioning/offboard-user/offboard_user.py",
            Some(14),
            Some(19),
        ),
        at(
            "OG302",
            "database-management/db-vacuum/db_vacuum.py",
            Some(8),
            Some(22),
        ),
        at(
            "OG302",
            "database-management/db-vacuum/db_vacuum.py",
            Some(9),
            Some(15),
        ),
        at(
            "OG402",
            "database-management/backup-rotate/requirements.txt",
            Some(2),
            None,
        ),
        at(
            "OG403",
            "database-management/backup-rotate/backup_rotate.py",
            Some(14),
            Some(16),
        ),
        at(
            "OG403",
            "user-provisioning/onboard-user/bootstrap.sh",
            Some(4),
            Some(6),
        ),
        at(
            "OG404",
            "database-management/backup-rotate/README.md",
            Some(2),
            None,
        ),
        at("OG501", "cleanup_tmp.py", None, None),
        at("OG501", "networking/loose_check.py", None, None),
    ]
    .into_iter()
    .collect()
}

#[test]
fn every_planted_problem_is_found_at_its_file_and_line() {
    let test = CliTest::with_fixture("rules-planted");
    let (output, report) = test.check_json(&[]);
    assert_eq!(exit_code(&output), 1, "{}", stderr(&output));
    assert_eq!(report["verdict"], "failed");
    assert_eq!(positions(&report), planted());

    let messages: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert!(
        messages.contains(
            &"user-provisioning/onboard-user has no owner in CODEOWNERS; at least 2 are required"
        ),
        "{messages:?}"
    );
    assert!(messages.iter().any(|m| m.contains("`--fast`")));
    assert!(messages.iter().any(|m| m.contains("`--show-closed`")));
    // Severities come from the registry: secrets and CODEOWNERS syntax are
    // errors, loose scripts notes.
    for finding in findings_of(&report, "opsgate") {
        let expected = match finding["rule"].as_str().unwrap() {
            "OG202" | "OG302" => "error",
            "OG501" => "note",
            _ => "warning",
        };
        assert_eq!(finding["severity"], expected, "{finding}");
    }
}

#[test]
fn compliant_repositories_have_no_rule_findings() {
    for fixture in ["clean", "example", "with-deps", "problems"] {
        let test = CliTest::with_fixture(fixture);
        let (output, report) = check(&test, "");
        assert_eq!(positions(&report), BTreeSet::new(), "{fixture}");
        assert_eq!(exit_code(&output), 0, "{fixture}: {}", stderr(&output));
    }
}

#[test]
fn rules_lists_every_rule_with_its_default_severity() {
    let test = CliTest::empty();
    let output = test.command().arg("rules").output().unwrap();
    assert_eq!(exit_code(&output), 0);
    let stdout = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 21, "{stdout}");
    let row = |id: &str| {
        lines
            .iter()
            .find(|l| l.starts_with(id))
            .copied()
            .unwrap_or("")
    };
    let words = |line: &str| {
        line.split_whitespace()
            .take(3)
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert_eq!(words(row("OG001")), ["OG001", "unreadable-path", "error"]);
    assert_eq!(words(row("OG203")), ["OG203", "tool-owners", "warning"]);
    assert_eq!(words(row("OG204")), ["OG204", "review-evidence", "note"]);
    assert_eq!(words(row("OG302")), ["OG302", "secret-literal", "error"]);
    assert!(
        lines.iter().all(|l| l.split_whitespace().count() > 3),
        "{stdout}"
    );
}

#[test]
fn explain_documents_every_rule() {
    let test = CliTest::empty();
    let list = test.command().arg("rules").output().unwrap();
    let list = String::from_utf8(list.stdout).unwrap();
    for id in list.lines().map(|l| l.split_whitespace().next().unwrap()) {
        let output = test.command().args(["explain", id]).output().unwrap();
        assert_eq!(exit_code(&output), 0, "{id}");
        let doc = String::from_utf8(output.stdout).unwrap();
        for section in [
            "## What it does",
            "## Why it matters",
            "## Example",
            "## Configuration",
            &format!("[rules.{id}]"),
            &format!("opsgate: ignore[{id}] why this is fine"),
        ] {
            assert!(doc.contains(section), "{id} lacks {section}:\n{doc}");
        }
    }
    // Names and lower case work too.
    let by_name = test
        .command()
        .args(["explain", "tool-owners"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8(by_name.stdout)
            .unwrap()
            .starts_with("# OG203 tool-owners")
    );
}

#[test]
fn explain_of_an_unknown_rule_exits_2_with_a_hint() {
    let test = CliTest::empty();
    let output = test.command().args(["explain", "OG10"]).output().unwrap();
    assert_eq!(exit_code(&output), 2);
    let err = stderr(&output);
    assert!(
        err.contains("unknown rule `OG10`; did you mean `OG101`?"),
        "{err}"
    );
    let output = test
        .command()
        .args(["explain", "zzz-nothing-like-it"])
        .output()
        .unwrap();
    assert_eq!(exit_code(&output), 2);
    assert!(stderr(&output).contains("`opsgate rules` lists them all"));
}

#[test]
fn a_secret_never_appears_in_any_output() {
    let secrets = [
        "AKIAZ7QXPLANTEDKEY42",
        "Vacuum-Planted-Secret-7",
        "PLANTEDKEY",
        "Planted-Secret",
    ];
    let test = CliTest::with_fixture("rules-planted");
    let (json, _) = test.check_json(&[]);
    let terminal = test.check(&[]);
    for output in [&json, &terminal] {
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = stderr(output);
        for secret in secrets {
            assert!(!stdout.contains(secret), "{secret} in stdout:\n{stdout}");
            assert!(!stderr.contains(secret), "{secret} in stderr:\n{stderr}");
        }
        assert!(stdout.contains("AKIA************"), "{stdout}");
        assert!(stdout.contains("Vacu************"), "{stdout}");
    }
}

#[test]
fn rules_are_turned_off_relevelled_and_scoped_in_the_configuration() {
    let test = CliTest::with_fixture("rules-planted");
    let (output, report) = check(
        &test,
        "[rules.OG501]\nseverity = \"off\"\n[rules.OG302]\nseverity = \"note\"\n\
         [rules.OG301]\nexclude = [\"user-provisioning\"]\n[rules.OG203]\nmin_owners = 1\n\
         [rules.OG103]\npaths = [\"database-management/**\"]\n",
    );
    assert_eq!(exit_code(&output), 1, "{}", stderr(&output));
    let found = findings_of(&report, "opsgate");
    let of = |rule: &str| {
        found
            .iter()
            .filter(|f| f["rule"] == rule)
            .collect::<Vec<_>>()
    };
    assert!(of("OG501").is_empty());
    assert!(of("OG103").is_empty());
    assert_eq!(of("OG302").len(), 2);
    assert!(of("OG302").iter().all(|f| f["severity"] == "note"));
    let paths: Vec<&str> = of("OG301")
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        ["database-management/backup-rotate/backup_rotate.py"]
    );
    // One owner is enough now; the unowned tool is still reported.
    assert_eq!(of("OG203").len(), 1);
    assert!(
        of("OG203")[0]["message"]
            .as_str()
            .unwrap()
            .contains("onboard-user has no owner")
    );
}

#[test]
fn a_rule_table_error_names_file_line_and_key() {
    let test = CliTest::with_fixture("clean");
    test.write(
        "opsgate.toml",
        "[gate]\nfail_on = \"error\"\n\n[rules.OG999]\nseverity = \"off\"\n",
    );
    let output = test.check(&[]);
    assert_eq!(exit_code(&output), 2);
    let err = stderr(&output);
    assert!(err.contains("opsgate.toml"), "{err}");
    assert!(err.contains("line 4"), "{err}");
    assert!(err.contains("unknown rule `OG999`"), "{err}");

    test.write("opsgate.toml", "[rules.OG101]\nmin_owners = 3\n");
    let output = test.check(&[]);
    assert_eq!(exit_code(&output), 2);
    let err = stderr(&output);
    assert!(err.contains("line 1"), "{err}");
    assert!(
        err.contains("`min_owners` is not an option of OG101"),
        "{err}"
    );
}

#[test]
fn a_repository_without_codeowners_gets_one_finding() {
    let test = CliTest::with_fixture("clean");
    std::fs::remove_file(test.root().join("CODEOWNERS")).unwrap();
    let (output, report) = check(&test, "");
    assert_eq!(exit_code(&output), 1);
    assert_eq!(
        positions(&report),
        [at("OG201", "CODEOWNERS", None, None)]
            .into_iter()
            .collect()
    );
}

#[test]
fn review_evidence_is_read_from_the_ci_environment() {
    let test = CliTest::with_fixture("clean");
    let config = config(&test, "");
    let events = fixture_path("../ci-events");
    let run = |vars: &[(&str, PathBuf)]| {
        let mut command = test.command();
        command
            .arg("check")
            .arg(test.root())
            .args(["--format", "json", "--config"])
            .arg(&config);
        for (name, value) in vars {
            command.env(name, value);
        }
        let output = command.output().unwrap();
        let report: Value = serde_json::from_slice(&output.stdout).unwrap();
        (exit_code(&output), positions(&report))
    };
    let github = |event: &str| {
        run(&[
            ("GITHUB_ACTIONS", "true".into()),
            ("GITHUB_EVENT_PATH", events.join(event)),
        ])
    };
    let note = [at("OG204", ".", None, None)]
        .into_iter()
        .collect::<BTreeSet<_>>();
    // A note: it does not fail the gate at the default threshold.
    assert_eq!(github("pull_request_unreviewed.json"), (0, note.clone()));
    assert_eq!(
        github("pull_request_with_reviewers.json"),
        (0, BTreeSet::new())
    );
    assert_eq!(
        github("pull_request_review_approved.json"),
        (0, BTreeSet::new())
    );
    let gitlab = run(&[
        ("GITLAB_CI", "true".into()),
        ("CI_MERGE_REQUEST_IID", "7".into()),
        ("CI_MERGE_REQUEST_APPROVED", "false".into()),
    ]);
    assert_eq!(gitlab, (0, note));
}

#[test]
fn malformed_input_gives_findings_never_a_crash() {
    let test = CliTest::with_fixture("clean");
    let root = test.root();
    let tool = root.join("networking/ping-sweep");
    std::fs::write(
        root.join("CODEOWNERS"),
        b"\xff\xfe[\x00\n/networking/ @\x80x\n[[[\n!\n",
    )
    .unwrap();
    std::fs::write(
        tool.join("README.md"),
        b"+++\nmaturity = [\n+++\n# ping \xc3\x28\n## Usage\n\xff\xff --timeout\n",
    )
    .unwrap();
    std::fs::write(tool.join("blob.py"), b"\x7fELF\x00\x00\x01binary").unwrap();
    let huge = format!("p = '/home/alice'\n{}", "x = 1\n".repeat(500_000));
    std::fs::write(tool.join("huge.py"), huge).unwrap();
    std::fs::write(root.join("requirements.txt"), b"\xff==\n[\n").unwrap();
    let (output, report) = check(&test, "");
    assert_eq!(exit_code(&output), 1, "{}", stderr(&output));
    let found = positions(&report);
    assert!(
        found.contains(&at(
            "OG104",
            "networking/ping-sweep/README.md",
            Some(2),
            None
        )),
        "{found:?}"
    );
    // The huge file is read up to the cap, and what was read is checked.
    assert!(
        found
            .iter()
            .any(|(rule, path, ..)| rule == "OG301" && path.ends_with("huge.py"))
    );
    // A CODEOWNERS that is not text is reported, and owns nothing.
    assert!(
        found.contains(&at("OG202", "CODEOWNERS", None, None)),
        "{found:?}"
    );
    assert!(found.iter().any(|(rule, ..)| rule == "OG203"));
}
