//! Ruff's linter and formatter through the gate equal the pinned Ruff run
//! directly on the same fixture (`ruff-planted`: its own `ruff.toml`
//! selects Bandit's `S` checks, ignores `S101` in tests and excludes a
//! vendored folder), read the repository's configuration, never write into
//! the tree, and cache soundly.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::cache::{private_cache, run};
use crate::tools::direct;
use crate::{CliTest, all_output, exit_code, findings_of, stderr, tool_status, tools_python};

const FETCH: &str = "networking/fetch-config/fetch_config.py";

/// The planted fixture checked with Ruff alone, and the interpreter of the
/// environment the gate provisioned for it (the pinned Ruff). `None` (skip)
/// only outside CI, as `tools_python`.
fn checked() -> Option<(CliTest, Value, PathBuf)> {
    tools_python()?;
    let test = CliTest::with_fixture("ruff-planted");
    let (output, report) = test.check_json(&[]);
    assert_eq!(exit_code(&output), 1, "{}", all_output(&output));
    let python = PathBuf::from(report["python"].as_str().unwrap());
    Some((test, report, python))
}

/// `python -m ruff ARGS` in the repository, as a team would run it; the
/// JSON it prints, with paths relative to the root.
fn ruff_json(python: &Path, root: &Path, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["ruff"];
    all.extend_from_slice(args);
    all.extend(["--no-cache", "--output-format=json", "."]);
    let output = direct(python, root, &all);
    let mut diagnostics: Vec<Value> = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|err| panic!("{err}: {}", all_output(&output)));
    let root = root.canonicalize().unwrap();
    for d in &mut diagnostics {
        let path = PathBuf::from(d["filename"].as_str().unwrap());
        let relative = path
            .strip_prefix(&root)
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        d["filename"] = relative.into();
    }
    diagnostics
}

fn gate_set(report: &Value, tool: &str) -> BTreeSet<String> {
    findings_of(report, tool)
        .iter()
        .map(|f| {
            format!(
                "{}:{}:{}:{}",
                f["path"].as_str().unwrap(),
                f["line"],
                f["column"],
                f["rule"].as_str().unwrap()
            )
        })
        .collect()
}

/// Every file and folder below `root` named `name`.
fn named(root: &Path, name: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.file_name().is_some_and(|n| n == name) {
                found.push(path.clone());
            }
            if path.is_dir() {
                stack.push(path);
            }
        }
    }
    found
}

#[test]
fn ruff_findings_equal_a_direct_ruff_check() {
    let Some((test, report, python)) = checked() else {
        return;
    };
    assert_eq!(tool_status(&report, "ruff"), "ok");
    let direct = ruff_json(&python, &test.root(), &["check"]);
    let expected: BTreeSet<String> = direct
        .iter()
        .map(|d| {
            format!(
                "{}:{}:{}:{}",
                d["filename"].as_str().unwrap(),
                d["location"]["row"],
                d["location"]["column"],
                d["code"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(gate_set(&report, "ruff"), expected);
    // The planted problems, as the repository's ruff.toml selects them.
    for planted in [
        format!("{FETCH}:3:8:F401"),
        format!("{FETCH}:13:20:S113"),
        format!("{FETCH}:13:51:S501"),
        format!("{FETCH}:14:5:E722"),
    ] {
        assert!(expected.contains(&planted), "{planted}: {expected:?}");
    }
    assert!(
        expected
            .iter()
            .any(|e| e.starts_with("networking/fetch-config/broken.py:")
                && e.ends_with(":invalid-syntax"))
    );
    // per-file-ignores and extend-exclude hold.
    assert!(
        !expected
            .iter()
            .any(|e| e.contains("S101") || e.contains("vendored"))
    );
    let findings = findings_of(&report, "ruff");
    let unused = findings.iter().find(|f| f["rule"] == "F401").unwrap();
    assert_eq!(unused["severity"], "error");
    assert_eq!(unused["rule_name"], "unused-import");
    assert_eq!(
        unused["help_url"],
        "https://docs.astral.sh/ruff/rules/unused-import"
    );
    let timeout = findings.iter().find(|f| f["rule"] == "S113").unwrap();
    assert_eq!(timeout["severity"], "warning");
}

#[test]
fn ruff_format_findings_equal_a_direct_ruff_format_check() {
    let Some((test, report, python)) = checked() else {
        return;
    };
    assert_eq!(tool_status(&report, "ruff-format"), "ok");
    // `ruff format --check` names the files it would reformat (at the first
    // change) and those it cannot parse (where).
    let direct = ruff_json(&python, &test.root(), &["format", "--check"]);
    let expected: BTreeSet<String> = direct
        .iter()
        .map(|d| {
            let rule = match d["code"].as_str().unwrap() {
                "unformatted" => "would-reformat",
                "invalid-syntax" => "parse-error",
                other => panic!("{other}"),
            };
            let line = d["location"]["row"].as_u64().unwrap();
            format!("{}:{line}:{rule}", d["filename"].as_str().unwrap())
        })
        .collect();
    let gate: BTreeSet<String> = findings_of(&report, "ruff-format")
        .iter()
        .map(|f| {
            format!(
                "{}:{}:{}",
                f["path"].as_str().unwrap(),
                f["line"],
                f["rule"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(gate, expected);
    assert_eq!(expected.len(), 3, "{expected:?}");
    let spacing = findings_of(&report, "ruff-format")
        .into_iter()
        .find(|f| f["path"] == "networking/fetch-config/spacing.py")
        .unwrap();
    assert_eq!(
        spacing["fix"],
        "--- networking/fetch-config/spacing.py\n+++ networking/fetch-config/spacing.py\n\
         @@ -1,3 +1,3 @@\n \"\"\"Only its layout is wrong.\"\"\"\n \n-VLANS=[ 10,20 ]\n\
         +VLANS = [10, 20]\n"
    );
}

#[test]
fn the_documented_ruff_in_place_of_black_and_flake8_passes_a_clean_repository() {
    let Some(_) = tools_python() else { return };
    let test = CliTest::with_fixture("clean");
    test.write("opsgate.toml", &crate::docs::doc_block("ruff-instead"));
    // Ruff's import sorting knows the tool folders' own modules from `src`.
    test.write("ruff.toml", "src = [\"lib\", \"networking/*\"]\n");
    let (output, report) = test.check_json(&[]);
    assert_eq!(exit_code(&output), 0, "{}", all_output(&output));
    for tool in ["ruff", "ruff-format", "pylint", "pytest"] {
        assert_eq!(tool_status(&report, tool), "ok", "{tool}");
    }
    for tool in ["black", "flake8"] {
        assert_eq!(tool_status(&report, tool), "disabled", "{tool}");
    }
    for tool in ["ruff", "ruff-format"] {
        assert_eq!(findings_of(&report, tool), Vec::<Value>::new());
    }
}

#[test]
fn ruff_never_writes_into_the_tree_whatever_its_configuration_asks() {
    let Some(_) = tools_python() else { return };
    let test = CliTest::with_fixture("ruff-planted");
    let config = std::fs::read_to_string(test.root().join("ruff.toml")).unwrap();
    test.write(
        "ruff.toml",
        &format!("fix = true\ncache-dir = \".ruff_cache\"\n{config}"),
    );
    let before = std::fs::read_to_string(test.root().join(FETCH)).unwrap();
    let (output, report) = test.check_json(&[]);
    assert_eq!(exit_code(&output), 1, "{}", all_output(&output));
    assert!(
        findings_of(&report, "ruff")
            .iter()
            .any(|f| f["rule"] == "F401")
    );
    assert_eq!(
        std::fs::read_to_string(test.root().join(FETCH)).unwrap(),
        before
    );
    assert_eq!(named(&test.root(), ".ruff_cache"), Vec::<PathBuf>::new());
}

#[test]
fn a_configuration_ruff_rejects_fails_the_run_naming_ruff() {
    let Some(_) = tools_python() else { return };
    let test = CliTest::with_fixture("ruff-planted");
    test.write("ruff.toml", "[lint]\nselect = [\"NOT-A-RULE\"]\n");
    let (output, report) = test.check_json(&[]);
    assert_eq!(exit_code(&output), 2, "{}", all_output(&output));
    assert_eq!(tool_status(&report, "ruff"), "failed");
    assert!(
        stderr(&output).contains("ruff failed"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn cached_equals_uncached_after_an_edit_of_a_file_and_of_ruff_toml() {
    let Some(_) = tools_python() else { return };
    let test = CliTest::with_fixture("ruff-planted");
    let cache = private_cache(&test);
    let cold = run(&test, &cache, &[]);
    let warm = run(&test, &cache, &[]);
    assert_eq!(warm["findings"], cold["findings"]);
    assert_eq!(crate::cache::tool(&warm, "ruff")["processes"], 0);

    let fixed = std::fs::read_to_string(test.root().join(FETCH))
        .unwrap()
        .replace("import os\n", "");
    test.write(FETCH, &fixed);
    let cached = run(&test, &cache, &[]);
    let (_, uncached) = test.check_json(&[]);
    assert_eq!(cached["findings"], uncached["findings"]);
    assert!(
        !findings_of(&cached, "ruff")
            .iter()
            .any(|f| f["rule"] == "F401")
    );

    // Ruff's configuration is part of every key: deselecting S drops S113.
    let config = std::fs::read_to_string(test.root().join("ruff.toml"))
        .unwrap()
        .replace("extend-select = [\"S\"]", "extend-select = []");
    test.write("ruff.toml", &config);
    let cached = run(&test, &cache, &[]);
    let (_, uncached) = test.check_json(&[]);
    assert_eq!(cached["findings"], uncached["findings"]);
    assert!(
        !findings_of(&cached, "ruff")
            .iter()
            .any(|f| f["rule"] == "S113")
    );
}

fn explain(test: &CliTest, code: &str) -> String {
    let output = test
        .command()
        .current_dir(test.root())
        .args(["explain", code])
        .output()
        .unwrap();
    assert_eq!(exit_code(&output), 0, "{}", all_output(&output));
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn explain_asks_the_pinned_ruff_and_prefers_the_enabled_tool_of_a_shared_code() {
    let Some(_) = tools_python() else { return };
    let test = CliTest::with_fixture("ruff-planted");
    let said = explain(&test, "S113");
    assert!(
        said.starts_with("# S113 request-without-timeout (Ruff "),
        "{said}"
    );
    assert!(
        said.contains("https://docs.astral.sh/ruff/rules/request-without-timeout/"),
        "{said}"
    );
    assert!(said.contains("reported at warning"), "{said}");
    assert!(said.contains("`# noqa: S113`"), "{said}");
    // E501 is Flake8's and Ruff's: the one this configuration runs explains it.
    let said = explain(&test, "E501");
    assert!(said.starts_with("# E501 line-too-long (Ruff "), "{said}");
    assert!(explain(&test, "would-reformat").starts_with("# would-reformat (Ruff's formatter)"));
    std::fs::remove_file(test.root().join("opsgate.toml")).unwrap();
    let said = explain(&test, "E501");
    assert!(
        said.starts_with("# E501 (pycodestyle, through Flake8)"),
        "{said}"
    );
    assert!(explain(&test, "would-reformat").starts_with("# would-reformat (Black)"));
}

#[test]
fn fmt_with_black_off_formats_as_ruff_format_does() {
    let Some((test, _, python)) = checked() else {
        return;
    };
    let spacing = "networking/fetch-config/spacing.py";
    let copy = test.outside().join("expected.py");
    std::fs::copy(test.root().join(spacing), &copy).unwrap();
    let output = direct(
        &python,
        &test.outside(),
        &["ruff", "format", "--no-cache", "--isolated", "expected.py"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", all_output(&output));
    let output = test
        .command()
        .arg("fmt")
        .arg("--repo")
        .arg(test.root())
        .output()
        .unwrap();
    // broken.py cannot be parsed; the others are formatted.
    assert_eq!(exit_code(&output), 1, "{}", all_output(&output));
    assert!(
        stderr(&output).contains("ruff-format cannot parse it"),
        "{}",
        stderr(&output)
    );
    assert_eq!(
        std::fs::read_to_string(test.root().join(spacing)).unwrap(),
        std::fs::read_to_string(&copy).unwrap()
    );
    std::fs::remove_file(test.root().join("networking/fetch-config/broken.py")).unwrap();
    let (_, report) = test.check_json(&[]);
    assert_eq!(findings_of(&report, "ruff-format"), Vec::<Value>::new());
    // The vendored folder Ruff's configuration excludes is left alone.
    assert!(
        std::fs::read_to_string(test.root().join("networking/vendored/vendored.py"))
            .unwrap()
            .contains("try: pass")
    );
}

#[test]
fn two_versions_of_the_one_ruff_package_are_an_error_naming_both_tables() {
    let test = CliTest::with_fixture("ruff-planted");
    let config = std::fs::read_to_string(test.root().join("opsgate.toml")).unwrap();
    test.write(
        "opsgate.toml",
        &config
            .replace("[tools.ruff]\n", "[tools.ruff]\nversion = \"0.17.5\"\n")
            .replace(
                "[tools.ruff-format]\n",
                "[tools.ruff-format]\nversion = \"0.16.8\"\n",
            ),
    );
    let output = test.check(&[]);
    assert_eq!(exit_code(&output), 2, "{}", all_output(&output));
    let err = stderr(&output);
    assert!(
        err.contains("[tools.ruff] and [tools.ruff-format] pin ruff at 0.17.5 and 0.16.8"),
        "{err}"
    );
}

#[test]
fn new_only_and_gitlab_treat_ruff_format_as_black_and_ruff_as_a_linter() {
    let Some(_) = tools_python() else { return };
    let test = CliTest::with_fixture("ruff-planted");
    let root = test.root();
    crate::git(&root, &["init", "--quiet"]);
    crate::git(&root, &["add", "-A"]);
    crate::git(&root, &["commit", "--quiet", "-m", "base"]);
    crate::git(&root, &["checkout", "--quiet", "-b", "feature"]);
    let added = "networking/fetch-config/added.py";
    test.write(added, "import json\nx=1\n");
    crate::git(&root, &["add", "-A"]);
    crate::git(&root, &["commit", "--quiet", "-m", "feature"]);
    let gitlab = test.outside().join("gl.json");
    let (output, report) = test.check_json(&[
        "--new-only",
        "--base",
        "main",
        "--output",
        &format!("gitlab={}", gitlab.display()),
    ]);
    assert_eq!(exit_code(&output), 1, "{}", all_output(&output));
    let state = |tool: &str, path: &str, rule: &str| {
        findings_of(&report, tool)
            .into_iter()
            .find(|f| f["path"] == path && f["rule"] == rule)
            .unwrap_or_else(|| panic!("{tool} {path} {rule}"))["baseline_state"]
            .clone()
    };
    assert_eq!(state("ruff", added, "F401"), "new");
    assert_eq!(state("ruff-format", added, "would-reformat"), "new");
    assert_eq!(state("ruff", FETCH, "F401"), "unchanged");
    assert_eq!(
        state(
            "ruff-format",
            "networking/fetch-config/spacing.py",
            "would-reformat"
        ),
        "unchanged"
    );
    let issues: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(&gitlab).unwrap()).unwrap();
    for issue in &issues {
        let name = issue["check_name"].as_str().unwrap();
        let expected = if name.starts_with("ruff-format/") {
            "Style"
        } else {
            "Bug Risk"
        };
        assert_eq!(issue["categories"][0], expected, "{issue}");
    }
    assert!(
        issues
            .iter()
            .any(|i| i["check_name"] == "ruff-format/would-reformat")
    );
    assert!(issues.iter().any(|i| i["check_name"] == "ruff/F401"));
}

#[test]
fn the_users_own_ruff_configuration_is_not_read() {
    let Some(_) = tools_python() else { return };
    let test = CliTest::with_fixture("clean");
    test.write("opsgate.toml", &crate::docs::doc_block("ruff-instead"));
    // Without a configuration in the repository, a direct Ruff reads this one.
    let home = test.outside().join("config");
    std::fs::create_dir_all(home.join("ruff")).unwrap();
    std::fs::write(
        home.join("ruff/ruff.toml"),
        "line-length = 20\n[lint]\nselect = [\"D\"]\n",
    )
    .unwrap();
    let output = test
        .command()
        .env("XDG_CONFIG_HOME", &home)
        .args(["check", "--format", "json"])
        .arg(test.root())
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        tool_status(&report, "ruff"),
        "ok",
        "{}",
        all_output(&output)
    );
    let rules: BTreeSet<String> = findings_of(&report, "ruff")
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_owned())
        .collect();
    // Ruff's defaults (import sorting), not the user's pydocstyle.
    assert!(rules.iter().all(|rule| !rule.starts_with('D')), "{rules:?}");
    assert!(rules.contains("I001"), "{rules:?}");
    assert_eq!(findings_of(&report, "ruff-format"), Vec::<Value>::new());
}
