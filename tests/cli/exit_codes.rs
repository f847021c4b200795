//! Every exit path: 0 and 1 are covered with the real tools elsewhere; here
//! each kind of 2 — the gate could not judge, so it never passes.

use std::path::Path;
use std::process::Command;

use crate::{CliTest, exit_code, fixture_path, stderr, tool_status, tools_python};

fn fake_python() -> std::path::PathBuf {
    fixture_path("../bin/fake-python")
}

#[test]
fn a_missing_tool_exits_2_naming_the_tool_and_the_fix() {
    let Some(_) = tools_python() else { return };
    let test = CliTest::with_fixture("clean");
    let venv = test.outside().join("bare");
    let created = Command::new("python3")
        .args(["-m", "venv", "--without-pip"])
        .arg(&venv)
        .status()
        .unwrap();
    assert!(created.success());
    let bare = venv.join("bin/python");
    let (output, report) = test.check_json(&["--python", bare.to_str().unwrap()]);
    assert_eq!(exit_code(&output), 2);
    assert_eq!(report["verdict"], "error");
    assert_eq!(tool_status(&report, "pylint"), "not_installed");
    let err = stderr(&output);
    assert!(err.contains("pylint is not installed"), "{err}");
    assert!(err.contains("-m pip install pylint==4.1.4"), "{err}");
}

fn run_with_broken(
    tool: &str,
    code: &str,
    stdout: &str,
) -> (std::process::Output, serde_json::Value) {
    let python = tools_python().expect("checked by the caller");
    let test = CliTest::with_fixture("clean");
    let fake = fake_python();
    let mut command = test.command();
    command
        .arg("check")
        .arg(test.root())
        .args(["--format", "json", "--python"])
        .arg(&fake)
        .env("OPSGATE_REAL_PYTHON", &python)
        .env("OPSGATE_FAKE_TOOL", tool)
        .env("OPSGATE_FAKE_EXIT", code)
        .env("OPSGATE_FAKE_STDOUT", stdout);
    let output = command.output().unwrap();
    let report = serde_json::from_slice(&output.stdout).unwrap();
    (output, report)
}

#[test]
fn a_crashing_tool_exits_2_with_its_stderr() {
    let Some(_) = tools_python() else { return };
    let (output, report) = run_with_broken("pylint", "3", "");
    assert_eq!(exit_code(&output), 2);
    assert_eq!(tool_status(&report, "pylint"), "failed");
    assert_eq!(tool_status(&report, "black"), "ok");
    let err = stderr(&output);
    assert!(err.contains("pylint failed (exit code 3)"), "{err}");
    assert!(err.contains("RuntimeError: pylint blew up"), "{err}");
}

#[test]
fn unparsable_output_exits_2_even_with_a_clean_exit_code() {
    let Some(_) = tools_python() else { return };
    let (output, report) = run_with_broken("pylint", "0", "this is not json");
    assert_eq!(exit_code(&output), 2);
    assert_eq!(tool_status(&report, "pylint"), "failed");
    assert!(stderr(&output).contains("cannot be parsed"));
}

#[test]
fn findings_claimed_by_the_exit_code_but_missing_exit_2() {
    let Some(_) = tools_python() else { return };
    for tool in ["flake8", "black", "pytest"] {
        let (output, report) = run_with_broken(tool, "1", "");
        assert_eq!(exit_code(&output), 2, "{tool}: {}", stderr(&output));
        assert_eq!(tool_status(&report, tool), "failed", "{tool}");
    }
}

#[test]
fn a_tool_past_its_timeout_is_killed_and_exits_2() {
    let Some(_) = tools_python() else { return };
    let test = CliTest::with_fixture("hangs");
    let config = test.outside().join("opsgate.toml");
    std::fs::write(&config, "[tools.pytest]\ntimeout = \"3s\"\n").unwrap();
    let (output, report) = test.check_json(&["--config", config.to_str().unwrap()]);
    assert_eq!(exit_code(&output), 2);
    assert_eq!(tool_status(&report, "pytest"), "timed_out");
    let err = stderr(&output);
    assert!(err.contains("did not finish within 3s"), "{err}");
    assert!(err.contains("[tools.pytest]"), "{err}");
}

#[test]
fn an_unknown_format_exits_2_with_the_accepted_ones() {
    let test = CliTest::empty();
    let output = test.check(&["--format", "pdf"]);
    assert_eq!(exit_code(&output), 2);
    let err = stderr(&output);
    assert!(err.contains("invalid value 'pdf'"), "{err}");
    assert!(
        err.contains("terminal, json, junit, sarif, gitlab, github, html"),
        "{err}"
    );
}

#[test]
fn a_missing_repository_exits_2() {
    let test = CliTest::empty();
    let output = test
        .command()
        .args(["check", "no/such/repo"])
        .output()
        .unwrap();
    assert_eq!(exit_code(&output), 2);
    assert!(stderr(&output).contains("repository `no/such/repo` does not exist"));
}

#[test]
fn an_interpreter_that_does_not_exist_exits_2() {
    let test = CliTest::with_fixture("clean");
    let output = test.check(&["--python", "/no/such/python"]);
    assert_eq!(exit_code(&output), 2);
    let err = stderr(&output);
    assert!(
        err.contains("cannot run the interpreter `/no/such/python`"),
        "{err}"
    );
    assert!(!Path::new("/no/such/python").exists());
}

#[test]
fn fail_on_note_fails_on_notes() {
    let Some(_) = tools_python() else { return };
    let test = CliTest::with_fixture("example");
    let (output, report) = test.check_json(&["--fail-on", "note"]);
    assert_eq!(exit_code(&output), 1, "{}", stderr(&output));
    assert_eq!(report["verdict"], "failed");
    assert_eq!(report["fail_on"], "note");
}

#[test]
fn a_bad_setting_in_the_environment_exits_2_naming_it() {
    let test = CliTest::with_fixture("clean");
    for (variable, value, says) in [
        (
            "OPSGATE_PYLINT_PARTS",
            "two",
            "is not a number of processes",
        ),
        ("OPSGATE_PYLINT_PARTS", "0", "is not a number of processes"),
        (
            "OPSGATE_CACHE_MAX_MB",
            "lots",
            "is not a whole number of megabytes",
        ),
    ] {
        let output = test
            .command()
            .env_remove("OPSGATE_NO_CACHE")
            .env(variable, value)
            .arg("check")
            .arg(test.root())
            .output()
            .unwrap();
        assert_eq!(exit_code(&output), 2, "{variable}={value}");
        let err = stderr(&output);
        assert!(
            err.contains(&format!("{variable}=`{value}`")) && err.contains(says),
            "{variable}={value}: {err}"
        );
    }
}
