//! Coverage through the gate: pytest runs under coverage.py per folder of
//! tests, and each file's figures equal `coverage run -m pytest` + `coverage
//! json` run directly on the same folder with the pinned tools; thresholds
//! per maturity and per folder; `--new-only` finds exactly the added lines
//! no test runs; cached equals uncached after an edit.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::cache::{cached_check, private_cache};
use crate::{CliTest, exit_code, git, stderr, tools_python};

/// Only pytest (the other tools add nothing to what is tested here), and
/// only errors fail: the coverage rules are errors, the README rules the
/// bare fixture breaks are not. `gate` and `pytest`: more keys of each table.
fn config(gate: &str, pytest: &str) -> String {
    format!(
        "[gate]\nfail_on = \"error\"\n{gate}\n[tools.black]\nenabled = false\n\
         [tools.flake8]\nenabled = false\n[tools.pylint]\nenabled = false\n\
         [tools.pytest]\n{pytest}\n[rules.OG405]\nseverity = \"error\"\n\
         [rules.OG406]\nseverity = \"error\"\n"
    )
}

const PARSE: &str = r#"def vlan_ids(text):
    ids = []
    for word in text.split(","):
        word = word.strip()
        if not word:
            continue
        ids.append(int(word))
    return ids


def describe(ids):
    if not ids:
        return "none"
    return ", ".join(str(i) for i in ids)
"#;

const AUDIT: &str = r#"import sys

from opsnet.parse import vlan_ids


def duplicates(text):
    seen, twice = set(), []
    for vlan in vlan_ids(text):
        if vlan in seen:
            twice.append(vlan)
        seen.add(vlan)
    return twice


def main(argv):
    found = duplicates(argv[0])
    if found:
        print("duplicates:", found)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
"#;

const AUDIT_TEST: &str = r#"from vlan_audit import duplicates


def test_duplicates():
    assert duplicates("10, 20, 10") == [10]
"#;

const BACKUP: &str = r#"def keep(names, count):
    if count < 1:
        raise ValueError("keep at least one")
    return sorted(names)[-count:]


def prune(names, count):
    kept = set(keep(names, count))
    return [n for n in names if n not in kept]
"#;

const BACKUP_TEST: &str = r#"from backup import keep, prune


def test_keep(newest):
    assert keep(["a", "b", newest], 1) == [newest]


def test_prune():
    assert prune(["a", "b"], 1) == ["a"]
"#;

const PRODUCTION: &str = "+++\nmaturity = \"production\"\n+++\n# tool\n";

/// Two tools, one production, and a shared library with a module no test
/// imports.
fn repository() -> CliTest {
    let test = CliTest::empty();
    test.write("opsgate.toml", &config("", ""));
    test.write("lib/opsnet/__init__.py", "");
    test.write("lib/opsnet/parse.py", PARSE);
    test.write("lib/opsnet/unused.py", "def never():\n    return 1\n");
    test.write("networking/vlan-audit/README.md", PRODUCTION);
    test.write("networking/vlan-audit/vlan_audit.py", AUDIT);
    test.write("networking/vlan-audit/test_vlan_audit.py", AUDIT_TEST);
    test.write("storage/backup/README.md", "# backup\n");
    test.write("storage/backup/backup.py", BACKUP);
    test.write("storage/backup/test_backup.py", BACKUP_TEST);
    test.write(
        "storage/backup/conftest.py",
        "import pytest\n\n\n@pytest.fixture\ndef newest():\n    return \"z\"\n",
    );
    test
}

/// Per file: (statement lines, executed lines).
type Lines = BTreeMap<String, (Vec<u64>, Vec<u64>)>;

/// The gate's coverage, per file, from its JSON report.
fn gate_lines(report: &Value) -> Lines {
    let Some(files) = report["coverage"]["files"].as_array() else {
        panic!("no coverage in the report: {}", report["coverage"]);
    };
    files
        .iter()
        .map(|file| {
            let path = file["path"].as_str().unwrap().to_owned();
            (
                path,
                (numbers(&file["statements"]), numbers(&file["executed"])),
            )
        })
        .collect()
}

/// A JSON list of line numbers.
fn numbers(list: &Value) -> Vec<u64> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_u64().unwrap())
        .collect()
}

/// What a team runs by hand for one folder: `coverage run --source=FOLDER,lib
/// -m pytest FOLDER`, then `coverage json`; per file, what it reports.
fn direct_lines(python: &Path, root: &Path, folder: &str) -> Lines {
    let data = root
        .parent()
        .unwrap()
        .join(format!("direct-{}", folder.replace('/', "-")));
    std::fs::create_dir_all(&data).unwrap();
    let run = |args: &[&str]| {
        let output = Command::new(python)
            .args(args)
            .current_dir(root)
            .env("COVERAGE_FILE", data.join(".coverage"))
            .env("PYTHONPATH", root.join("lib"))
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{args:?}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    };
    let source = format!("--source={folder},lib");
    run(&[
        "-m",
        "coverage",
        "run",
        &source,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        folder,
    ]);
    let json = data.join("coverage.json");
    run(&["-m", "coverage", "json", "-q", "-o", json.to_str().unwrap()]);
    let report: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    report["files"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(path, file)| (path.clone(), coverage_py_lines(file)))
        .collect()
}

/// One file of coverage.py's JSON report: (statement lines, executed lines).
pub(crate) fn coverage_py_lines(file: &Value) -> (Vec<u64>, Vec<u64>) {
    let executed = numbers(&file["executed_lines"]);
    let mut statements: Vec<u64> = executed
        .iter()
        .chain(&numbers(&file["missing_lines"]))
        .copied()
        .collect();
    statements.sort_unstable();
    (statements, executed)
}

/// Whether the report has a finding of `rule`.
fn has_rule(report: &Value, rule: &str) -> bool {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule"] == rule)
}

/// The report's record of pytest.
fn pytest_record(report: &Value) -> Value {
    report["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "pytest")
        .unwrap()
        .clone()
}

fn checked(test: &CliTest, extra: &[&str]) -> Option<(std::process::Output, Value)> {
    tools_python()?;
    let (output, report) = test.check_json(extra);
    assert_ne!(exit_code(&output), 2, "{}", stderr(&output));
    Some((output, report))
}

#[test]
fn each_files_figures_equal_a_direct_coverage_run_of_its_folder() {
    let test = repository();
    // Each folder's tests run in a process of their own (forked from one
    // driver where processes fork): networking's tests, which run first,
    // have imported nothing here.
    test.write(
        "storage/backup/test_alone.py",
        "import sys\n\n\ndef test_no_other_folders_tests_ran_in_this_process():\n    \
         assert \"vlan_audit\" not in sys.modules\n",
    );
    let Some((_, report)) = checked(&test, &[]) else {
        return;
    };
    let python = tools_python().unwrap();
    let gate = gate_lines(&report);
    let mut direct = Lines::new();
    for folder in ["networking/vlan-audit", "storage/backup"] {
        for (path, (statements, executed)) in direct_lines(&python, &test.root(), folder) {
            let name = path.rsplit('/').next().unwrap();
            let is_test = name.starts_with("test_") || name == "conftest.py";
            // A library module the folder's tests never imported is not theirs.
            if is_test || (!path.starts_with(folder) && executed.is_empty()) {
                continue;
            }
            let entry = direct.entry(path).or_insert((statements, Vec::new()));
            entry.1.extend(executed);
            entry.1.sort_unstable();
            entry.1.dedup();
        }
    }
    assert_eq!(gate, direct);
    // What the check is about: both tools, the library module both import,
    // not the one nobody imports, and no test file.
    let paths: Vec<&str> = gate.keys().map(String::as_str).collect();
    assert_eq!(
        paths,
        [
            "lib/opsnet/parse.py",
            "networking/vlan-audit/vlan_audit.py",
            "storage/backup/backup.py"
        ]
    );
    let pytest = &pytest_record(&report);
    assert_eq!(pytest["status"], "ok", "{pytest}");
    assert_eq!(pytest["findings"], 0, "{pytest}");
}

#[test]
fn a_repositorys_pytest_cov_options_parse_and_pytest_cov_measures_nothing() {
    let test = repository();
    let Some((_, plain)) = checked(&test, &[]) else {
        return;
    };
    // As a team using pytest-cov configures it: it would write `.coverage`
    // and `coverage.xml` into the tree, and fail under 100 %.
    test.write(
        "pyproject.toml",
        "[tool.pytest.ini_options]\naddopts = \"--cov=lib --cov-report=xml --cov-fail-under=100\"\n",
    );
    let Some((output, report)) = checked(&test, &[]) else {
        return;
    };
    assert_eq!(
        pytest_record(&report)["status"],
        "ok",
        "{}",
        stderr(&output)
    );
    assert_eq!(gate_lines(&report), gate_lines(&plain));
    for written in [".coverage", "coverage.xml"] {
        assert!(!test.root().join(written).exists(), "{written} in the tree");
    }
}

#[test]
fn a_production_tool_below_its_threshold_fails_and_a_folder_may_lower_it() {
    let test = repository();
    let Some((output, report)) = checked(&test, &[]) else {
        return;
    };
    let og405: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "OG405")
        .collect();
    // vlan-audit is production and below 80 %; backup is experimental (0).
    assert_eq!(og405.len(), 1, "{og405:?}");
    assert_eq!(og405[0]["path"], "networking/vlan-audit/README.md");
    assert_eq!(og405[0]["line"], 2);
    let gate = gate_lines(&report);
    let (statements, executed) = &gate["networking/vlan-audit/vlan_audit.py"];
    let figure = format!("({} of {} statements)", executed.len(), statements.len());
    assert!(
        og405[0]["message"].as_str().unwrap().contains(&figure),
        "{}",
        og405[0]["message"]
    );
    assert_eq!(exit_code(&output), 1);

    // A nested configuration sets the folder's own threshold.
    test.write("networking/opsgate.toml", "[gate]\nmin_coverage = 50\n");
    let (output, report) = test.check_json(&[]);
    assert!(!has_rule(&report, "OG405"), "{}", stderr(&output));
    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
}

#[test]
fn a_threshold_that_is_not_a_percentage_names_its_line() {
    let test = repository();
    test.write("opsgate.toml", &config("min_coverage = { beta = 50 }", ""));
    let output = test.check(&[]);
    assert_eq!(exit_code(&output), 2);
    let err = stderr(&output);
    assert!(err.contains("line 3"), "{err}");
    assert!(
        err.contains("`beta`: the maturities are production and experimental"),
        "{err}"
    );
}

/// The repository committed on `main`, on a new branch `feature`, with no
/// threshold (only a change is judged); `None` without the tools.
fn on_a_feature_branch() -> Option<CliTest> {
    tools_python()?;
    let test = repository();
    test.write("opsgate.toml", &config("min_coverage = 0", ""));
    let root = test.root();
    git(&root, &["init", "--quiet"]);
    git(&root, &["add", "--all"]);
    git(&root, &["commit", "--quiet", "-m", "base"]);
    git(&root, &["switch", "--quiet", "--create", "feature"]);
    Some(test)
}

#[test]
fn new_lines_no_test_runs_are_found_until_a_test_runs_them() {
    let Some(test) = on_a_feature_branch() else {
        return;
    };
    // An untested branch: lines 14-16 of the new file.
    let added = AUDIT.replace(
        "    return twice\n",
        "    return twice\n\n\ndef report(twice):\n    if twice:\n        lines = [str(v) for v in twice]\n        return \"\\n\".join(lines)\n    return \"\"\n",
    );
    test.write("networking/vlan-audit/vlan_audit.py", &added);
    let (output, report) = test.check_json(&["--new-only", "--base", "main"]);
    let og406: Vec<(u64, Option<u64>)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "OG406")
        .map(|f| (f["line"].as_u64().unwrap(), f["end_line"].as_u64()))
        .collect();
    // `def report` runs on import; its body (lines 16-19) does not.
    assert_eq!(og406, [(16, Some(19))], "{}", stderr(&output));
    assert_eq!(exit_code(&output), 1);

    test.write(
        "networking/vlan-audit/test_report.py",
        "from vlan_audit import report\n\n\ndef test_report():\n    assert report([10]) == \"10\"\n    assert report([]) == \"\"\n",
    );
    let (output, report) = test.check_json(&["--new-only", "--base", "main"]);
    assert!(!has_rule(&report, "OG406"), "{}", stderr(&output));
    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
}

#[test]
fn a_shard_judges_the_new_lines_of_tool_folders_alone() {
    let Some(test) = on_a_feature_branch() else {
        return;
    };
    // New untested lines in a tool and in the shared library.
    test.write(
        "networking/vlan-audit/vlan_audit.py",
        &format!("{AUDIT}\n\ndef never():\n    return 1\n"),
    );
    test.write(
        "lib/opsnet/parse.py",
        &format!("{PARSE}\n\ndef never():\n    return 1\n"),
    );
    let og406 = |extra: &[&str]| -> Vec<String> {
        let mut args = vec!["--new-only", "--base", "main"];
        args.extend_from_slice(extra);
        let (output, report) = test.check_json(&args);
        assert_ne!(exit_code(&output), 2, "{}", stderr(&output));
        let mut paths: Vec<String> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "OG406")
            .map(|f| f["path"].as_str().unwrap().to_owned())
            .collect();
        paths.sort();
        paths
    };
    assert_eq!(
        og406(&[]),
        ["lib/opsnet/parse.py", "networking/vlan-audit/vlan_audit.py"]
    );
    // Another shard's tests may run the library's new lines: no shard
    // judges them; the tool's are judged by the shard that runs its tests.
    let mut sharded: Vec<String> = ["1/2", "2/2"]
        .iter()
        .flat_map(|shard| og406(&["--shard", shard]))
        .collect();
    sharded.sort();
    assert_eq!(sharded, ["networking/vlan-audit/vlan_audit.py"]);
}

#[test]
fn cached_coverage_equals_a_fresh_run_after_a_library_edit() {
    let test = repository();
    if tools_python().is_none() {
        return;
    }
    let cache = private_cache(&test);
    let json = |output: &std::process::Output| -> Value {
        serde_json::from_slice(&output.stdout).unwrap()
    };
    let cold = json(&cached_check(&test, &cache, &[]));
    let warm = json(&cached_check(&test, &cache, &[]));
    assert_eq!(gate_lines(&cold), gate_lines(&warm));
    let pytest = pytest_record;
    assert_eq!(pytest(&warm)["cached"], 2, "{}", pytest(&warm));
    // `describe` is now called by the audit's tests: the library's lines
    // that run change, and only the folder whose tests import it runs again.
    test.write(
        "networking/vlan-audit/test_vlan_audit.py",
        &format!("{AUDIT_TEST}\n\ndef test_describe():\n    from opsnet.parse import describe\n    assert describe([]) == \"none\"\n"),
    );
    let edited = json(&cached_check(&test, &cache, &[]));
    assert_eq!(pytest(&edited)["cached"], 1, "{}", pytest(&edited));
    let (_, fresh) = test.check_json(&["--no-cache"]);
    assert_eq!(gate_lines(&edited), gate_lines(&fresh));
    assert_ne!(gate_lines(&edited), gate_lines(&cold));
}

#[test]
fn without_coverage_the_tests_run_in_one_process_and_no_figures_are_reported() {
    let test = repository();
    test.write("opsgate.toml", &config("", "coverage = false"));
    let Some((_, report)) = checked(&test, &[]) else {
        return;
    };
    assert!(report.get("coverage").is_none(), "{}", report["coverage"]);
    let pytest = &pytest_record(&report);
    assert_eq!(pytest["processes"], 1, "{pytest}");
}

#[test]
fn the_repositorys_coverage_configuration_counts_but_its_fail_under_does_not() {
    let test = repository();
    test.write(
        ".coveragerc",
        "[run]\nomit = */vlan_audit.py\n[report]\nfail_under = 100\n",
    );
    test.write("opsgate.toml", &config("min_coverage = 0", ""));
    let Some((output, report)) = checked(&test, &[]) else {
        return;
    };
    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    let gate = gate_lines(&report);
    assert!(
        !gate.contains_key("networking/vlan-audit/vlan_audit.py"),
        "{gate:?}"
    );
    assert!(gate.contains_key("storage/backup/backup.py"), "{gate:?}");
    // No data file or report of coverage.py's in the tree.
    for name in [".coverage", "coverage.json", "coverage.xml"] {
        assert!(
            !test.root().join(name).exists(),
            "{name} written into the tree"
        );
    }
}

#[test]
fn coverage_under_another_tool_is_refused_with_where_it_belongs() {
    let test = repository();
    test.write("opsgate.toml", "[tools.flake8]\ncoverage = true\n");
    let output = test.check(&[]);
    assert_eq!(exit_code(&output), 2);
    assert!(
        stderr(&output).contains("only [tools.pytest] measures coverage"),
        "{}",
        stderr(&output)
    );
}
