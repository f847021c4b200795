//! `opsgate explain` for the tools' own codes: Pylint's messages in Pylint's
//! words, Flake8's codes linked to their checker's documentation; the
//! built-in rules as before.

use crate::tools::direct;
use crate::{CliTest, all_output, exit_code, stderr, tools_python};

fn explain(test: &CliTest, rule: &str) -> std::process::Output {
    test.command().args(["explain", rule]).output().unwrap()
}

#[test]
fn a_pylint_message_is_explained_by_the_pinned_pylint() {
    let Some(python) = tools_python() else { return };
    let test = CliTest::empty();
    let own = direct(&python, &test.root(), &["pylint", "--help-msg=W0702"]);
    let own = String::from_utf8_lossy(&own.stdout).into_owned();
    assert!(own.contains(":bare-except (W0702)"), "{own}");
    for rule in ["W0702", "bare-except"] {
        let output = explain(&test, rule);
        assert_eq!(exit_code(&output), 0, "{}", all_output(&output));
        let explained = String::from_utf8(output.stdout).unwrap();
        assert!(
            explained.starts_with("# W0702 bare-except (Pylint "),
            "{explained}"
        );
        // Pylint's explanation, line by line.
        for line in own.lines().skip(1).map(str::trim).filter(|l| !l.is_empty()) {
            assert!(
                explained.contains(line),
                "`{line}` missing from\n{explained}"
            );
        }
        assert!(
            explained.contains(
                "https://pylint.readthedocs.io/en/stable/user_guide/messages/warning/bare-except.html"
            ),
            "{explained}"
        );
        assert!(
            explained.contains("# opsgate: ignore[W0702]"),
            "{explained}"
        );
    }
    let output = explain(&test, "W9999");
    assert_eq!(exit_code(&output), 2, "{}", all_output(&output));
    assert!(
        stderr(&output).contains("unknown rule `W9999`"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_flake8_code_links_its_checkers_documentation() {
    let test = CliTest::empty();
    for (code, url) in [
        (
            "E501",
            "https://pycodestyle.pycqa.org/en/latest/intro.html#error-codes",
        ),
        (
            "W291",
            "https://pycodestyle.pycqa.org/en/latest/intro.html#error-codes",
        ),
        (
            "F401",
            "https://flake8.pycqa.org/en/latest/user/error-codes.html",
        ),
        ("C901", "https://github.com/PyCQA/mccabe#readme"),
    ] {
        let output = explain(&test, code);
        assert_eq!(exit_code(&output), 0, "{}", all_output(&output));
        let explained = String::from_utf8(output.stdout).unwrap();
        assert!(explained.starts_with(&format!("# {code} (")), "{explained}");
        assert!(explained.contains(url), "{code}: {explained}");
        assert!(
            explained.contains(&format!("`# noqa: {code}`")),
            "{explained}"
        );
    }
}

#[test]
fn built_in_rules_are_explained_as_before() {
    let test = CliTest::empty();
    let output = explain(&test, "OG203");
    assert_eq!(exit_code(&output), 0);
    assert!(
        String::from_utf8(output.stdout)
            .unwrap()
            .starts_with("# OG203 tool-owners")
    );
    let output = explain(&test, "OG5O1");
    assert_eq!(exit_code(&output), 2);
    assert!(
        stderr(&output).contains("unknown rule `OG5O1`; did you mean `OG501`?"),
        "{}",
        stderr(&output)
    );
}
