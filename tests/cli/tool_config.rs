//! A tool configuration that cannot be parsed stops the run with its file,
//! line and fix — where the tools themselves would skip it.

use crate::{CliTest, all_output, exit_code, tools_python};

const NOT_INI: &str = "# our settings\nmax-line-length = 100\n";

#[test]
fn a_flake8_file_that_is_not_ini_exits_2_naming_its_line() {
    let test = CliTest::with_fixture("clean");
    test.write(".flake8", NOT_INI);
    let output = test.check(&[]);
    let said = all_output(&output);
    assert_eq!(exit_code(&output), 2, "{said}");
    assert!(said.contains("`.flake8` line 2"), "{said}");
    assert!(said.contains("[flake8]"), "{said}");
}

#[test]
fn a_broken_ini_file_in_a_tool_folder_is_named_by_its_path() {
    let test = CliTest::with_fixture("clean");
    test.write("net/dns/setup.cfg", "[flake8]\nx = 1\n[flake8]\ny = 2\n");
    let output = test.check(&[]);
    let said = all_output(&output);
    assert_eq!(exit_code(&output), 2, "{said}");
    assert!(said.contains("`net/dns/setup.cfg` line 3"), "{said}");
    assert!(said.contains("appears a second time"), "{said}");
}

/// What opsgate guards against: Flake8 itself runs on as if the file were
/// not there (README, "Tool configurations").
#[test]
fn flake8_alone_skips_the_same_file_silently() {
    let Some(python) = tools_python() else { return };
    let test = CliTest::empty();
    test.write(".flake8", NOT_INI);
    test.write("long.py", &format!("X = \"{}\"\n", "a".repeat(90)));
    let output = std::process::Command::new(python)
        .args(["-m", "flake8", "long.py"])
        .current_dir(test.root())
        .output()
        .unwrap();
    // E501 at Flake8's default 79 columns: the 100 was never read.
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stdout).contains("E501"));
}
