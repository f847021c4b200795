//! Configuration: where it is found, what it changes, and how bad input is
//! reported (file, line, key; exit 2 before any tool runs).

use crate::{CliTest, exit_code, stderr, tool_status, tools_python};

fn check_stderr(test: &CliTest) -> (i32, String) {
    let output = test.check(&[]);
    (exit_code(&output), stderr(&output))
}

#[test]
fn an_unknown_key_names_file_line_and_key() {
    let test = CliTest::with_fixture("clean");
    test.write(
        "opsgate.toml",
        "[gate]\nfail_on = \"error\"\n\n[tools.pylnt]\nenabled = false\n",
    );
    let (code, err) = check_stderr(&test);
    assert_eq!(code, 2);
    assert!(err.contains("opsgate.toml"), "{err}");
    assert!(err.contains("line 4"), "{err}");
    assert!(err.contains("unknown field `pylnt`"), "{err}");
}

#[test]
fn a_wrong_type_in_pyproject_names_file_and_line() {
    let test = CliTest::with_fixture("clean");
    test.write(
        "pyproject.toml",
        "[tool.black]\nline-length = 88\n\n[tool.opsgate.gate]\nfail_on = \"sometimes\"\n",
    );
    let (code, err) = check_stderr(&test);
    assert_eq!(code, 2);
    assert!(err.contains("pyproject.toml"), "{err}");
    assert!(err.contains("line 5"), "{err}");
    assert!(err.contains("sometimes"), "{err}");
}

#[test]
fn malformed_toml_exits_2() {
    let test = CliTest::with_fixture("clean");
    test.write("opsgate.toml", "[gate\nfail_on = \n");
    let (code, err) = check_stderr(&test);
    assert_eq!(code, 2);
    assert!(err.contains("invalid configuration"), "{err}");
    assert!(err.contains("line 1"), "{err}");
}

#[test]
fn a_missing_config_file_exits_2() {
    let test = CliTest::with_fixture("clean");
    let output = test.check(&["--config", "nowhere.toml"]);
    assert_eq!(exit_code(&output), 2);
    assert!(stderr(&output).contains("reading configuration `nowhere.toml`"));
}

#[test]
fn pyproject_table_configures_the_gate() {
    let Some(_) = tools_python() else { return };
    let test = CliTest::with_fixture("example");
    test.write(
        "pyproject.toml",
        "[tool.black]\nline-length = 88\n\n[tool.opsgate.gate]\nfail_on = \"note\"\n\n\
         [tool.opsgate.tools.pytest]\nenabled = false\n",
    );
    let (output, report) = test.check_json(&[]);
    assert_eq!(exit_code(&output), 1, "{}", stderr(&output));
    assert_eq!(report["fail_on"], "note");
    assert_eq!(tool_status(&report, "pytest"), "disabled");
}

#[test]
fn opsgate_toml_wins_over_pyproject_and_maps_severities() {
    let Some(_) = tools_python() else { return };
    let test = CliTest::with_fixture("problems");
    test.write(
        "pyproject.toml",
        "[tool.opsgate.gate]\nfail_on = \"note\"\n",
    );
    // Everything the linters say becomes a note; pytest and black stay errors.
    test.write(
        "opsgate.toml",
        "[gate]\nfail_on = \"warning\"\n[tools.flake8.severity]\n\"*\" = \"note\"\n\"F\" = \"note\"\n\"E9\" = \"note\"\n\
         [tools.pylint.severity]\n\"E\" = \"note\"\n\"W\" = \"note\"\n[tools.black]\nenabled = false\n\
         [tools.pytest]\nenabled = false\n",
    );
    let (output, report) = test.check_json(&[]);
    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    assert_eq!(report["fail_on"], "warning");
    let findings = report["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    assert!(findings.iter().all(|f| f["severity"] == "note"));
}

#[test]
fn init_writes_the_defaults_and_refuses_to_overwrite() {
    let test = CliTest::empty();
    let init = |extra: &[&str]| {
        test.command()
            .arg("init")
            .arg(test.root())
            .args(extra)
            .output()
            .unwrap()
    };
    assert_eq!(exit_code(&init(&[])), 0);
    let written = std::fs::read_to_string(test.root().join("opsgate.toml")).unwrap();
    assert!(written.contains("version = \"4.1.4\""));
    assert!(written.contains("fail_on = \"warning\""));
    let again = init(&[]);
    assert_eq!(exit_code(&again), 2);
    assert!(stderr(&again).contains("already exists; pass --force"));
    assert_eq!(exit_code(&init(&["--force"])), 0);
}

#[test]
fn the_file_init_writes_is_accepted_by_check() {
    let Some(_) = tools_python() else { return };
    let test = CliTest::with_fixture("clean");
    let init = test
        .command()
        .arg("init")
        .arg(test.root())
        .output()
        .unwrap();
    assert_eq!(exit_code(&init), 0);
    let (output, report) = test.check_json(&[]);
    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    assert_eq!(report["verdict"], "passed");
}
