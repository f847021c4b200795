//! `opsgate roi` shows the repository's shell and Python tools over time,
//! from what each audited run counted: the measure of a move from Bash to
//! Python.

use serde_json::Value;

use crate::audit::RULES_ONLY;
use crate::{CliTest, all_output, exit_code};

/// `check --audit` once, its record dated `time` (the runs of a test are
/// seconds apart; the trend is by week).
fn audited_run(test: &CliTest, time: &str) -> Value {
    let audit = test.outside().join("audit.jsonl");
    let output = test
        .command()
        .arg("check")
        .arg(test.root())
        .arg("--audit")
        .arg(&audit)
        .output()
        .unwrap();
    assert_ne!(exit_code(&output), 2, "{}", all_output(&output));
    let trail = std::fs::read_to_string(&audit).unwrap();
    let mut lines: Vec<Value> = trail
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let last = lines.last_mut().unwrap();
    last["time"] = Value::from(time);
    let record = last.clone();
    let rewritten: Vec<String> = lines.iter().map(Value::to_string).collect();
    std::fs::write(&audit, rewritten.join("\n") + "\n").unwrap();
    record
}

#[test]
fn the_roi_page_shows_shell_tools_becoming_python_tools() {
    let test = CliTest::empty();
    test.write("opsgate.toml", RULES_ONLY);
    test.write("net/backup/backup.sh", "#!/bin/sh\necho backup\n");
    test.write("net/sync/sync.sh", "#!/bin/sh\necho sync\n");
    test.write("net/ping/ping.py", "print('ping')\n");
    test.write("net/ping/test_ping.py", "def test_ping():\n    pass\n");
    let first = audited_run(&test, "2026-11-02T10:00:00Z");
    assert_eq!(
        first["languages"],
        serde_json::json!({"shell_scripts": 2, "python_files": 1, "shell_tools": 2,
            "python_tools": 1, "mixed_tools": 0})
    );

    // sync moves to Python; backup gains a Python helper beside its script.
    std::fs::remove_file(test.root().join("net/sync/sync.sh")).unwrap();
    test.write("net/sync/sync.py", "print('sync')\n");
    test.write("net/backup/rotate.py", "print('rotate')\n");
    audited_run(&test, "2026-11-10T10:00:00Z");

    let roi = |extra: &[&str]| {
        let output = test
            .command()
            .arg("roi")
            .arg(test.root())
            .arg("--audit")
            .arg(test.outside().join("audit.jsonl"))
            .args(extra)
            .output()
            .unwrap();
        assert_eq!(exit_code(&output), 0, "{}", all_output(&output));
        String::from_utf8(output.stdout).unwrap()
    };
    let markdown = roi(&[]);
    for expected in [
        "| Tool folders in shell · Python · both, first → latest week | 2 · 1 · 0 → 0 · 2 · 1 |",
        "## Shell and Python",
        "| 2026-11-02 | 2 | 1 | 2 | 1 | 0 |",
        "| 2026-11-09 | 1 | 3 | 0 | 2 | 1 |",
    ] {
        assert!(
            markdown.contains(expected),
            "missing `{expected}` in\n{markdown}"
        );
    }
    let html = roi(&["--format", "html"]);
    assert!(html.contains("Tool folders in shell and in Python"));
    assert!(html.contains("shell and Python tools over time"));
}

#[test]
fn records_from_before_the_count_leave_the_section_out() {
    let test = CliTest::empty();
    test.write("net/ping/ping.py", "print('ping')\n");
    let audit = test.outside().join("old.jsonl");
    std::fs::write(
        &audit,
        "{\"version\":1,\"time\":\"2026-11-02T10:00:00Z\",\"verdict\":\"passed\"}\n",
    )
    .unwrap();
    let output = test
        .command()
        .arg("roi")
        .arg(test.root())
        .arg("--audit")
        .arg(&audit)
        .output()
        .unwrap();
    let markdown = String::from_utf8(output.stdout).unwrap();
    assert!(markdown.contains("| 2026-11-02 | 1 |"), "{markdown}");
    assert!(!markdown.contains("Shell and Python"), "{markdown}");
    assert!(!markdown.contains("shell · Python"), "{markdown}");
}
