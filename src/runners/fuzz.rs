//! Property tests of the tool-output parsers: whatever a tool prints, with
//! whatever exit code, `interpret` returns findings or a reason, never panics,
//! and never calls output that claims findings a clean pass.

use std::time::Duration;

use proptest::prelude::*;

use super::{ProcessOutput, RunContext};
use crate::config::SeverityMap;
use crate::discover::repo::Repo;
use crate::model::Layout;
use crate::model::Severity;
use crate::model::ToolKind;

/// Fragments of real output, recombined into plausible but broken outputs.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,40}",
        Just("--- net/a.py\t2026-01-01 00:00:00\n+++ net/a.py\t2026-01-01 00:00:01\n".to_owned()),
        "@@ -[0-9]{1,6},[0-9]{1,3} \\+[0-9]{1,6},[0-9]{1,3} @@\n",
        "[-+ ][a-z =]{0,10}\n",
        "error: cannot (parse|format) [a-z/.]{0,12}(:[0-9]{0,4}){0,3}: .{0,20}\n",
        "\u{1e}opsgate\u{1f}[a-z/.\u{1f}]{0,10}\u{1f}[0-9x]{0,3}\u{1f}[0-9]{0,3}\u{1f}[A-Z][0-9]{0,4}\u{1f}.{0,10}\n",
        Just("\n".to_owned()),
        Just("{\"messages\": [".to_owned()),
        "\\{\"type\": \"[a-z]{0,8}\", \"path\": \"[a-z/.]{0,10}\", \"line\": -?[0-9]{0,12}, \"column\": [0-9]{0,3}, \"endLine\": (null|[0-9]{1,3}), \"messageId\": \"[A-Z][0-9]{0,4}\", \"symbol\": \"x\", \"message\": \".{0,10}\"\\}",
        Just("], \"statistics\": {}}".to_owned()),
        "\\{\"code\": (null|\"[A-Z]{1,3}[0-9]{0,4}\"), \"filename\": \"[a-z/.]{0,10}\", \"location\": \\{\"row\": -?[0-9]{0,12}, \"column\": [0-9]{0,3}\\}, \"end_location\": null, \"message\": \".{0,10}\", \"url\": null, \"fix\": null\\}",
        "error: Failed to parse [a-z/.:]{0,12}(:[0-9]{0,4}){0,3}: .{0,20}\n",
        Just("[".to_owned()),
        Just("]".to_owned()),
        Just("{\"errors\": [], \"results\": [".to_owned()),
        "\\{\"filename\": \"[a-z/.]{0,8}\", \"test_id\": \"B[0-9]{0,3}\", \"test_name\": \"x\", \"issue_severity\": \"(LOW|HIGH|x)\", \"issue_confidence\": \"(MEDIUM|UNDEFINED)\", \"issue_text\": \".{0,10}\", \"line_number\": -?[0-9]{0,12}, \"col_offset\": [0-9]{0,3}\\}",
        Just("{\"comments\": [".to_owned()),
        "\\{\"file\": \"[a-z/.]{0,8}\", \"line\": -?[0-9]{0,12}, \"column\": [0-9]{0,3}, \"endLine\": (null|[0-9]{1,3}), \"level\": \"(error|style|x)\", \"code\": [0-9]{0,5}, \"message\": \".{0,10}\"\\}",
        Just("]}".to_owned()),
        Just(",".to_owned()),
        "\\{\"file\": \"[a-z/.]{0,10}\", \"line\": -?[0-9]{0,12}, \"column\": -?[0-9]{0,3}, \"end_line\": (null|[0-9]{1,3}), \"end_column\": -?[0-9]{0,3}, \"message\": \".{0,10}\", \"hint\": (null|\"[a-z]{0,5}\"), \"code\": (null|\"[a-z-]{0,8}\"), \"severity\": \"(error|note|fatal)\"\\}\n",
    ]
}

fn output() -> impl Strategy<Value = String> {
    prop::collection::vec(fragment(), 0..12).prop_map(|parts| parts.concat())
}

fn exit_code() -> impl Strategy<Value = Option<i32>> {
    prop_oneof![
        Just(None),
        (0..6i32).prop_map(Some),
        Just(Some(32)),
        Just(Some(123)),
        any::<i32>().prop_map(Some)
    ]
}

/// pytest's `JUnit` report, as broken as it comes.
fn junit() -> impl Strategy<Value = String> {
    let case = (
        "[a-z._]{0,12}",
        "[a-z_\\[\\]<>&\"]{0,12}",
        prop::option::of("-?[0-9]{0,12}|x"),
        prop_oneof![
            Just(String::new()),
            "<failure message=\"[^\"<&]{0,10}\">[^<&]{0,20}</failure>",
            "<error message=\"[^\"<&]{0,10}\"/>",
            Just("<skipped/>".to_owned()),
            ".{0,10}",
        ],
    )
        .prop_map(|(class, name, line, body)| {
            let line = line.map(|l| format!(" line=\"{l}\"")).unwrap_or_default();
            format!(
                "<testcase classname=\"{class}\" name=\"{name}\" file=\"t/test_a.py\"{line}>{body}</testcase>"
            )
        });
    (prop::collection::vec(case, 0..6), any::<bool>(), ".{0,8}").prop_map(|(cases, wrap, tail)| {
        let suite = format!("<testsuite>{}</testsuite>", cases.concat());
        if wrap {
            format!("<testsuites>{suite}</testsuites>{tail}")
        } else {
            format!("{suite}{tail}")
        }
    })
}

fn repo() -> (tempfile::TempDir, Repo) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    std::fs::create_dir_all(dir.path().join("t")).expect("a folder");
    std::fs::write(dir.path().join("t/test_a.py"), "def test_a():\n    pass\n").expect("a file");
    let layout = Layout {
        libraries: vec!["lib".into()],
        not_domains: vec!["tests".into()],
    };
    let repo = Repo::discover(dir.path(), &layout, 1);
    (dir, repo)
}

fn interpret(
    kind: ToolKind,
    code: Option<i32>,
    stdout: &str,
    stderr: &str,
    scratch: &std::path::Path,
) {
    let (_dir, repo) = repo();
    let severity = SeverityMap::uniform(Severity::Error);
    let ctx = RunContext {
        repo: &repo,
        whole: &repo,
        jobs: 1,
        forks: 1,
        pass: super::Pass::All,
        severity: &severity,
        scratch,
        pairs_in: None,
        keeps: false,
        coverage: false,
        sysmon: false,
    };
    let output = ProcessOutput {
        code,
        signal: code.is_none().then_some(9),
        stdout: stdout.as_bytes().to_vec(),
        stderr: stderr.as_bytes().to_vec(),
        duration: Duration::ZERO,
    };
    let result = super::runner(kind).interpret(&ctx, &output);
    if let Ok(interpreted) = result {
        // A signal, or an exit code the tool does not use for a completed run, is never a pass.
        let completed = match (kind, code) {
            (_, None) => false,
            (ToolKind::Black, Some(code)) => matches!(code, 0 | 1 | 123),
            (ToolKind::Flake8, Some(code)) => matches!(code, 0 | 1),
            (ToolKind::Pylint, Some(code)) => (0..32).contains(&code) && code & 1 == 0,
            (ToolKind::Pytest, Some(code)) => matches!(code, 0 | 1 | 2 | 5),
            (ToolKind::Ruff, Some(code)) => matches!(code, 0 | 1),
            (ToolKind::RuffFormat, Some(code)) => matches!(code, 0..=2),
            (ToolKind::Bandit | ToolKind::Shellcheck, Some(code)) => matches!(code, 0 | 1),
            (ToolKind::Mypy, Some(code)) => matches!(code, 0 | 1),
        };
        assert!(completed, "{} accepted {code:?}", kind.name());
        // Regression: Black's exit 0 with output that is not a diff was a pass.
        if kind == ToolKind::Black && interpreted.findings.is_empty() {
            assert!(stdout.trim().is_empty(), "black accepted {stdout:?}");
        }
        for finding in &interpreted.findings {
            assert!(!finding.rule.is_empty());
        }
    }
}

proptest! {
    #![proptest_config(crate::fuzz::config())]

    #[test]
    fn black_output_never_panics(code in exit_code(), stdout in output(), stderr in output()) {
        interpret(ToolKind::Black, code, &stdout, &stderr, std::path::Path::new("/nonexistent"));
    }

    #[test]
    fn flake8_output_never_panics(code in exit_code(), stdout in output()) {
        interpret(ToolKind::Flake8, code, &stdout, "", std::path::Path::new("/nonexistent"));
    }

    #[test]
    fn pylint_output_never_panics(code in exit_code(), stdout in output()) {
        interpret(ToolKind::Pylint, code, &stdout, "", std::path::Path::new("/nonexistent"));
    }

    #[test]
    fn ruff_output_never_panics(code in exit_code(), stdout in output(), stderr in output()) {
        interpret(ToolKind::Ruff, code, &stdout, &stderr, std::path::Path::new("/nonexistent"));
        interpret(ToolKind::RuffFormat, code, &stdout, &stderr, std::path::Path::new("/nonexistent"));
    }

    #[test]
    fn bandit_output_never_panics(code in exit_code(), stdout in output()) {
        interpret(ToolKind::Bandit, code, &stdout, "", std::path::Path::new("/nonexistent"));
    }

    #[test]
    fn shellcheck_output_never_panics(code in exit_code(), stdout in output()) {
        interpret(ToolKind::Shellcheck, code, &stdout, "", std::path::Path::new("/nonexistent"));
    }

    #[test]
    fn mypy_output_never_panics(code in exit_code(), stdout in output()) {
        interpret(ToolKind::Mypy, code, &stdout, "", std::path::Path::new("/nonexistent"));
    }

    #[test]
    fn pytest_report_never_panics(code in exit_code(), xml in junit()) {
        let scratch = tempfile::tempdir().expect("a temporary folder");
        std::fs::write(scratch.path().join("junit.xml"), xml).expect("the report");
        interpret(ToolKind::Pytest, code, "", "", scratch.path());
    }

    #[test]
    fn bytes_that_are_not_utf8_never_panic(code in exit_code(), stdout in prop::collection::vec(any::<u8>(), 0..200)) {
        let stdout = String::from_utf8_lossy(&stdout).into_owned();
        for kind in [
            ToolKind::Black,
            ToolKind::Flake8,
            ToolKind::Pylint,
            ToolKind::Bandit,
            ToolKind::Shellcheck,
            ToolKind::Mypy,
        ] {
            interpret(kind, code, &stdout, &stdout, std::path::Path::new("/nonexistent"));
        }
    }
}
