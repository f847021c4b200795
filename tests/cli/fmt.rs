//! `opsgate fmt`: the pinned Black of the tool environment formats the files
//! `check` gives Black, exactly as that Black formats them, and nothing else.

use std::path::Path;

use crate::tools::direct;
use crate::{CliTest, exit_code, findings_of, stderr, tool_status, tools_python};

const BAD: &str = "networking/vlan-audit/vlan_audit.py";

fn fmt(test: &CliTest, paths: &[&str]) -> std::process::Output {
    test.command()
        .arg("fmt")
        .arg("--repo")
        .arg(test.root())
        .args(paths)
        .output()
        .unwrap()
}

/// What the real Black makes of `file`, formatting a copy outside the repository.
fn black_of(python: &Path, test: &CliTest, file: &str) -> String {
    let copy = test.outside().join("expected.py");
    std::fs::copy(test.root().join(file), &copy).unwrap();
    let output = direct(
        python,
        &test.outside(),
        &["black", "--quiet", "expected.py"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    std::fs::read_to_string(copy).unwrap()
}

#[test]
fn fmt_formats_as_black_does_and_check_then_passes_black() {
    let Some(python) = tools_python() else { return };
    let test = CliTest::with_fixture("problems");
    let before = std::fs::read_to_string(test.root().join(BAD)).unwrap();
    let expected = black_of(&python, &test, BAD);
    assert_ne!(before, expected, "the fixture file needs formatting");
    let ignored = std::fs::read(test.root().join("ignored_dir/bad.py")).unwrap();

    let output = fmt(&test, &[]);
    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    assert!(
        stderr(&output).contains(&format!("reformatted {BAD}")),
        "{}",
        stderr(&output)
    );
    assert_eq!(
        std::fs::read_to_string(test.root().join(BAD)).unwrap(),
        expected
    );
    // What `check` does not give Black, `fmt` leaves alone.
    assert_eq!(
        std::fs::read(test.root().join("ignored_dir/bad.py")).unwrap(),
        ignored
    );

    let (_, report) = test.check_json(&[]);
    assert_eq!(tool_status(&report, "black"), "ok");
    assert_eq!(
        findings_of(&report, "black"),
        Vec::<serde_json::Value>::new()
    );
}

#[test]
fn fmt_of_one_path_formats_only_it_and_a_path_with_nothing_to_format_exits_2() {
    let Some(_) = tools_python() else { return };
    let test = CliTest::with_fixture("problems");
    let other = "networking/vlan-audit/spacing.py";
    test.write(other, "x=[1,2]\n");
    let output = fmt(&test, &[BAD]);
    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    assert_eq!(
        std::fs::read_to_string(test.root().join(other)).unwrap(),
        "x=[1,2]\n"
    );
    // A folder formats what is in it.
    let output = fmt(&test, &["networking"]);
    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    assert_eq!(
        std::fs::read_to_string(test.root().join(other)).unwrap(),
        "x = [1, 2]\n"
    );
    for path in ["ignored_dir", "no/such/file.py"] {
        let output = fmt(&test, &[path]);
        assert_eq!(exit_code(&output), 2, "{path}: {}", stderr(&output));
    }
}

#[test]
fn a_file_black_cannot_parse_exits_1_and_the_others_are_formatted() {
    let Some(_) = tools_python() else { return };
    let test = CliTest::with_fixture("clean");
    let broken = "networking/ping-sweep/broken.py";
    let spaced = "networking/ping-sweep/spaced.py";
    test.write(broken, "def f(:\n    pass\n");
    test.write(spaced, "y=[ 1,2 ]\n");
    let output = fmt(&test, &[]);
    assert_eq!(exit_code(&output), 1, "{}", stderr(&output));
    let err = stderr(&output);
    assert!(err.contains(broken), "{err}");
    assert!(err.contains("1 file could not be formatted"), "{err}");
    assert_eq!(
        std::fs::read_to_string(test.root().join(spaced)).unwrap(),
        "y = [1, 2]\n"
    );
    assert_eq!(
        std::fs::read_to_string(test.root().join(broken)).unwrap(),
        "def f(:\n    pass\n"
    );
}

#[test]
fn fmt_with_an_interpreter_that_cannot_run_exits_2() {
    let test = CliTest::with_fixture("clean");
    let output = test
        .command()
        .arg("fmt")
        .arg("--repo")
        .arg(test.root())
        .args(["--python", "/nonexistent/python3"])
        .output()
        .unwrap();
    assert_eq!(exit_code(&output), 2, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("/nonexistent/python3"),
        "{}",
        stderr(&output)
    );
}
