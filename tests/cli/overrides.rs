//! Per-folder configuration: `[[overrides]]` with path globs and nested
//! `opsgate.toml` files change severities, thresholds and tools below them
//! only; `opsgate config --show` prints what holds for a path.

use std::process::Output;

use serde_json::Value;

use crate::{CliTest, exit_code, findings_of, stderr, tool_status, tools_python};

/// Old code as a legacy folder has it: a bare `except` (Flake8 E722, Pylint
/// W0702, both warnings by default) and no docstrings (Pylint notes).
const OLD_CODE: &str = "\"\"\"Rotates the logs.\"\"\"\n\n\ndef rotate():\n    \
    \"\"\"Rotate.\"\"\"\n    try:\n        return 1\n    except:\n        return 0\n";

/// The clean fixture (which passes) with a legacy domain holding `OLD_CODE`,
/// owned, documented and with a manifest, so that only the code is at fault.
fn with_legacy_domain() -> CliTest {
    let test = CliTest::with_fixture("clean");
    add_tool(&test, "legacy/log-rotate");
    test
}

fn add_tool(test: &CliTest, folder: &str) {
    test.write(&format!("{folder}/rotate.py"), OLD_CODE);
    test.write(
        &format!("{folder}/README.md"),
        "# log-rotate\n\n## Purpose\nRotates logs.\n\n## Usage\npython rotate.py\n\n\
         ## Output\nNothing.\n",
    );
    let owners = std::fs::read_to_string(test.root().join("CODEOWNERS")).unwrap();
    test.write("CODEOWNERS", &format!("{owners}/{folder}/ @alice @bob\n"));
}

/// (tool, rule, severity) of the findings on one file.
fn on_file(report: &Value, path: &str) -> Vec<(String, String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["path"] == path)
        .map(|f| {
            (
                f["tool"].as_str().unwrap().to_owned(),
                f["rule"].as_str().unwrap().to_owned(),
                f["severity"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn has(found: &[(String, String, String)], tool: &str, rule: &str, severity: &str) -> bool {
    found
        .iter()
        .any(|(t, r, s)| t == tool && r == rule && s == severity)
}

fn explain(output: &Output, report: &Value) -> String {
    format!(
        "stderr: {}\nfindings: {:#}",
        stderr(output),
        report["findings"]
    )
}

#[test]
fn an_override_applies_to_its_folder_only() {
    let Some(_) = tools_python() else { return };
    let test = with_legacy_domain();
    test.write(
        "opsgate.toml",
        "[[overrides]]\npaths = [\"legacy/**\"]\nmax_severity = \"note\"\n",
    );
    let (output, report) = test.check_json(&[]);
    assert_eq!(exit_code(&output), 0, "{}", explain(&output, &report));
    let legacy = on_file(&report, "legacy/log-rotate/rotate.py");
    assert!(has(&legacy, "flake8", "E722", "note"), "{legacy:?}");
    assert!(has(&legacy, "pylint", "W0702", "note"), "{legacy:?}");

    // The same code in a domain the override does not cover fails the gate,
    // and only there.
    add_tool(&test, "networking/log-rotate");
    let (output, report) = test.check_json(&[]);
    assert_eq!(exit_code(&output), 1, "{}", explain(&output, &report));
    let new = on_file(&report, "networking/log-rotate/rotate.py");
    assert!(has(&new, "flake8", "E722", "warning"), "{new:?}");
    assert!(has(&new, "pylint", "W0702", "warning"), "{new:?}");
    let legacy_again = on_file(&report, "legacy/log-rotate/rotate.py");
    assert_eq!(legacy_again, legacy);
    let above_note: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] != "note")
        .collect();
    assert!(
        above_note
            .iter()
            .all(|f| f["path"] == "networking/log-rotate/rotate.py"),
        "{above_note:#?}"
    );
}

#[test]
fn a_nested_opsgate_toml_sets_its_folders_threshold_and_tools() {
    let Some(_) = tools_python() else { return };
    let test = with_legacy_domain();
    add_tool(&test, "networking/log-rotate");
    // Under legacy/ warnings do not fail, and Pylint does not run.
    test.write(
        "legacy/opsgate.toml",
        "[gate]\nfail_on = \"error\"\n\n[tools.pylint]\nenabled = false\n",
    );
    let (output, report) = test.check_json(&[]);
    assert_eq!(exit_code(&output), 1, "{}", explain(&output, &report));
    let legacy = on_file(&report, "legacy/log-rotate/rotate.py");
    assert!(has(&legacy, "flake8", "E722", "warning"), "{legacy:?}");
    assert!(
        legacy.iter().all(|(tool, _, _)| tool != "pylint"),
        "{legacy:?}"
    );
    let pylint = report["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "pylint")
        .unwrap();
    let checked: Vec<&str> = pylint["checked_files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert!(
        checked.contains(&"networking/log-rotate/rotate.py"),
        "{checked:?}"
    );
    assert!(
        !checked.iter().any(|f| f.starts_with("legacy/")),
        "{checked:?}"
    );
    // The JSON report carries a threshold other than the run's on the finding.
    let e722 = |path: &str| {
        findings_of(&report, "flake8")
            .into_iter()
            .find(|f| f["path"] == path && f["rule"] == "E722")
            .unwrap()
    };
    assert_eq!(e722("legacy/log-rotate/rotate.py")["fail_on"], "error");
    assert!(
        e722("networking/log-rotate/rotate.py")
            .get("fail_on")
            .is_none()
    );
    // What fails is the new domain's code alone.
    assert!(
        findings_of(&report, "pylint")
            .iter()
            .any(|f| f["path"] == "networking/log-rotate/rotate.py" && f["rule"] == "W0702")
    );

    // Without the new domain's copy, the legacy warnings pass the gate.
    std::fs::remove_dir_all(test.root().join("networking/log-rotate")).unwrap();
    let (output, report) = test.check_json(&[]);
    assert_eq!(exit_code(&output), 0, "{}", explain(&output, &report));
    assert_eq!(tool_status(&report, "pylint"), "ok");
}

#[test]
fn a_tool_off_at_the_root_runs_where_a_folder_turns_it_on() {
    let Some(_) = tools_python() else { return };
    let test = with_legacy_domain();
    test.write("opsgate.toml", "[tools.flake8]\nenabled = false\n");
    test.write("legacy/opsgate.toml", "[tools.flake8]\nenabled = true\n");
    let (output, report) = test.check_json(&[]);
    assert_eq!(exit_code(&output), 1, "{}", explain(&output, &report));
    let flake8 = findings_of(&report, "flake8");
    assert!(!flake8.is_empty());
    assert!(
        flake8
            .iter()
            .all(|f| f["path"].as_str().unwrap().starts_with("legacy/")),
        "{flake8:#?}"
    );
    assert_eq!(tool_status(&report, "flake8"), "ok");
}

fn show(test: &CliTest, path: &str) -> Output {
    test.command()
        .args(["config", "--repo"])
        .arg(test.root())
        .args(["--show", path])
        .output()
        .unwrap()
}

#[test]
fn config_show_prints_the_configuration_of_a_path_and_where_it_came_from() {
    let test = with_legacy_domain();
    test.write(
        "opsgate.toml",
        "[gate]\nfail_on = \"note\"\n\n[[overrides]]\npaths = [\"legacy/**\"]\n\
         fail_on = \"warning\"\n[overrides.rules.tool-owners]\nmin_owners = 1\n",
    );
    test.write(
        "legacy/log-rotate/opsgate.toml",
        "[tools.flake8.severity]\n\"E7\" = \"note\"\n",
    );
    let output = show(&test, "legacy/log-rotate/rotate.py");
    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    let shown = String::from_utf8(output.stdout).unwrap();
    for expected in [
        "# The effective opsgate configuration of `legacy/log-rotate/rotate.py`.",
        "#   opsgate.toml: [[overrides]] #1 (paths = [\"legacy/**\"])",
        "#   legacy/log-rotate/opsgate.toml",
        "fail_on = \"warning\"  # opsgate.toml: [[overrides]] #1",
        "min_owners = 1  # opsgate.toml: [[overrides]] #1",
        "E7 = \"note\"  # legacy/log-rotate/opsgate.toml",
        "E9 = \"error\"\n",
    ] {
        assert!(shown.contains(expected), "{expected}\n---\n{shown}");
    }

    // Outside the override: the root's values, and no override listed.
    let output = show(&test, "networking");
    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    let shown = String::from_utf8(output.stdout).unwrap();
    assert!(shown.contains("fail_on = \"note\"\n"), "{shown}");
    assert!(shown.contains("min_owners = 2\n"), "{shown}");
    assert!(!shown.contains("[[overrides]]"), "{shown}");
    assert!(!shown.contains("E7 ="), "{shown}");

    // The root by default; a path that is not there is an error.
    let output = test
        .command()
        .args(["config", "--repo"])
        .arg(test.root())
        .arg("--show")
        .output()
        .unwrap();
    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    assert!(String::from_utf8_lossy(&output.stdout).contains("configuration of `.`"));
    let output = show(&test, "legacy/nothing-here");
    assert_eq!(exit_code(&output), 2);
    assert!(
        stderr(&output).contains("`legacy/nothing-here` does not exist in the repository"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_bad_nested_config_exits_2_naming_file_line_and_key() {
    let test = with_legacy_domain();
    for (text, line, says) in [
        (
            "[gate]\nfail_on = \"error\"\n\n[tools.pylint]\nversion = \"3.0\"\n",
            "line 5",
            "`version` can only be set in the root configuration",
        ),
        (
            "[gate]\nfial_on = \"error\"\n",
            "line 2",
            "unknown field `fial_on`",
        ),
        (
            "[rules.OG999]\nseverity = \"off\"\n",
            "line 1",
            "unknown rule `OG999`",
        ),
    ] {
        test.write("legacy/opsgate.toml", text);
        let output = test.check(&[]);
        let err = stderr(&output);
        assert_eq!(exit_code(&output), 2, "{err}");
        assert!(err.contains("legacy/opsgate.toml"), "{err}");
        assert!(err.contains(line), "{line}: {err}");
        assert!(err.contains(says), "{says}: {err}");
        // `config --show` reads the same files and fails the same way.
        let output = show(&test, "legacy");
        assert_eq!(exit_code(&output), 2);
        assert!(stderr(&output).contains(line), "{}", stderr(&output));
    }
}

#[test]
fn a_bad_override_in_the_root_config_names_its_line() {
    let test = with_legacy_domain();
    test.write(
        "opsgate.toml",
        "[gate]\nfail_on = \"error\"\n\n[[overrides]]\npaths = [\"legacy/**\"]\n\
         [overrides.tools.pytest]\ntimeout = \"1h\"\n",
    );
    let output = test.check(&[]);
    let err = stderr(&output);
    assert_eq!(exit_code(&output), 2, "{err}");
    assert!(err.contains("opsgate.toml"), "{err}");
    assert!(err.contains("line 7"), "{err}");
    assert!(
        err.contains("`timeout` can only be set in the root configuration"),
        "{err}"
    );
}
