//! Pylint in parts: the files cut among several Pylint processes, each
//! gathering what duplicate-code and cyclic-import need, and one process
//! concluding them, report exactly what one Pylint process over every file
//! reports — and what Pylint run directly reports.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::cache::{private_cache, run};
use crate::readonly::listing;
use crate::tools::{direct, python_files};
use crate::{CliTest, all_output, exit_code, findings_of, tools_python};

/// Seven lines duplicate-code counts (the signature and docstring aside).
const BLOCK: &str = "def rotate(items, keep):
    \"\"\"Keep the newest items.\"\"\"
    ordered = sorted(items)
    removed = ordered[:-keep]
    kept = ordered[-keep:]
    for item in removed:
        print(\"removing\", item)
    total = len(kept)
    print(\"kept\", total)
    return kept
";

/// Another block, in two files and a third that tells Pylint not to count it.
const OTHER_BLOCK: &str = "def report(rows):
    \"\"\"Print the rows.\"\"\"
    width = max(len(row) for row in rows)
    for row in rows:
        print(row.ljust(width), len(row))
    print(\"rows\", len(rows))
    print(\"width\", width)
    return width
";

/// A package with an import cycle, a block in two modules, another in two
/// more and in one that tells Pylint not to count it, and a script.
fn repository() -> CliTest {
    let test = CliTest::empty();
    test.write("pkg/__init__.py", "\"\"\"Shared helpers.\"\"\"\n");
    test.write(
        "pkg/alpha.py",
        &format!("\"\"\"Alpha.\"\"\"\n\nfrom pkg import beta\n\n\n{BLOCK}\n\ndef size():\n    \"\"\"Beta's size.\"\"\"\n    return beta.SIZE\n"),
    );
    test.write(
        "pkg/beta.py",
        &format!("\"\"\"Beta.\"\"\"\n\nfrom pkg import alpha\n\nSIZE = 3\n\n\n{BLOCK}\n\ndef again(items):\n    \"\"\"Alpha's rotation.\"\"\"\n    return alpha.rotate(items, SIZE)\n"),
    );
    test.write(
        "pkg/gamma.py",
        &format!("\"\"\"Gamma.\"\"\"\n\n\n{OTHER_BLOCK}"),
    );
    test.write(
        "pkg/epsilon.py",
        &format!("\"\"\"Epsilon.\"\"\"\n\nLIMIT = 3\n\n\n{OTHER_BLOCK}"),
    );
    test.write(
        "pkg/delta.py",
        &format!("\"\"\"Delta.\"\"\"\n# pylint: disable=duplicate-code\n\n\n{OTHER_BLOCK}"),
    );
    test.write(
        "scripts/rotate_all.py",
        "\"\"\"Rotate.\"\"\"\n\nfrom pkg.alpha import rotate\n\nprint(rotate([1, 2, 3], 2))\n",
    );
    test
}

fn check_in_parts(test: &CliTest, parts: &str) -> Value {
    let output = test
        .command()
        .env("OPSGATE_PYLINT_PARTS", parts)
        .args(["check", "--format", "json"])
        .arg(test.root())
        .output()
        .unwrap();
    assert!(exit_code(&output) < 2, "{}", all_output(&output));
    serde_json::from_slice(&output.stdout).unwrap()
}

fn pylint_run(report: &Value) -> &Value {
    report["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "pylint")
        .unwrap()
}

/// Every Pylint finding, whole: where, what, and the message's text.
pub(crate) fn pylint_findings(report: &Value) -> Vec<String> {
    let mut all: Vec<String> = findings_of(report, "pylint")
        .iter()
        .map(|f| {
            format!(
                "{}:{}:{}:{}",
                f["path"].as_str().unwrap(),
                f["line"],
                f["rule"].as_str().unwrap(),
                f["message"].as_str().unwrap()
            )
        })
        .collect();
    all.sort();
    all
}

fn count(findings: &[String], rule: &str) -> usize {
    findings
        .iter()
        .filter(|f| f.contains(&format!(":{rule}:")))
        .count()
}

#[test]
fn pylint_in_parts_reports_what_one_process_does() {
    if tools_python().is_none() {
        return;
    }
    let test = repository();
    let before = listing(&test.root());
    let one = check_in_parts(&test, "1");
    let three = check_in_parts(&test, "3");
    // The parts and the conclusion write only into opsgate's own folders.
    assert_eq!(listing(&test.root()), before);
    assert_eq!(pylint_run(&one)["processes"], 1);
    // Three parts and the conclusion.
    assert_eq!(pylint_run(&three)["processes"], 4, "{}", pylint_run(&three));
    let (one, three) = (pylint_findings(&one), pylint_findings(&three));
    assert_eq!(one, three);
    // alpha and beta, gamma and epsilon; delta's copy is not counted.
    assert_eq!(count(&one, "R0801"), 2, "{one:#?}");
    assert!(!one.iter().any(|f| f.contains("pkg.delta")), "{one:#?}");
    assert_eq!(count(&one, "R0401"), 1, "{one:#?}");
}

#[test]
fn pylint_in_parts_reports_what_pylint_run_directly_does() {
    let Some(python) = tools_python() else { return };
    let test = repository();
    let report = check_in_parts(&test, "2");
    let mut args = vec![
        "pylint".to_owned(),
        "--output-format=json2".to_owned(),
        "--".to_owned(),
    ];
    args.extend(python_files(&test.root(), ""));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let direct = direct(&python, &test.root(), &args);
    let direct: Value = serde_json::from_slice(&direct.stdout).unwrap();
    let expected: BTreeSet<String> = direct["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            // Which copy duplicate-code quotes follows object addresses in
            // Pylint; opsgate quotes the first. Its heading is compared.
            let message = m["message"].as_str().unwrap();
            let message = if m["messageId"] == "R0801" {
                message
                    .lines()
                    .filter(|l| l.starts_with("Similar") || l.starts_with("=="))
                    .collect::<Vec<_>>()
                    .join("\n")
            } else {
                message.to_owned()
            };
            format!(
                "{}:{}:{}:{message} ({})",
                m["path"].as_str().unwrap(),
                m["line"],
                m["messageId"].as_str().unwrap(),
                m["symbol"].as_str().unwrap()
            )
        })
        .collect();
    let gate: BTreeSet<String> = findings_of(&report, "pylint")
        .iter()
        .map(|f| {
            let message = f["message"].as_str().unwrap();
            let message = if f["rule"] == "R0801" {
                let symbol = " (duplicate-code)";
                let body: Vec<&str> = message
                    .trim_end_matches(symbol)
                    .lines()
                    .filter(|l| l.starts_with("Similar") || l.starts_with("=="))
                    .collect();
                format!("{}{symbol}", body.join("\n"))
            } else {
                message.to_owned()
            };
            format!(
                "{}:{}:{}:{message}",
                f["path"].as_str().unwrap(),
                f["line"],
                f["rule"].as_str().unwrap()
            )
        })
        .collect();
    assert!(
        expected.iter().any(|e| e.contains(":R0401:")),
        "{expected:#?}"
    );
    assert_eq!(gate, expected);
}

#[test]
fn a_changed_file_concludes_duplicate_code_over_what_the_cache_kept() {
    if tools_python().is_none() {
        return;
    }
    let test = repository();
    let cache = private_cache(&test);
    let cold = pylint_findings(&run(&test, &cache, &[]));
    // Another copy of the first block, in a module nothing imports; its
    // imports stay as they were.
    let gamma = std::fs::read_to_string(test.root().join("pkg/gamma.py")).unwrap();
    test.write("pkg/gamma.py", &format!("{gamma}\n\n{BLOCK}"));
    let changed = run(&test, &cache, &[]);
    let pylint = pylint_run(&changed);
    // The new file's checks and the conclusion; nothing gathered again.
    assert_eq!(pylint["processes"], 2, "{pylint}");
    assert_eq!(
        pylint["files"].as_u64().unwrap() - pylint["cached"].as_u64().unwrap(),
        1
    );
    let uncached = run(&test, &cache, &["--no-cache"]);
    let findings = pylint_findings(&changed);
    assert_eq!(findings, pylint_findings(&uncached));
    // duplicate-code saw the change: gamma's similar lines grew.
    assert_ne!(findings, cold);
    assert!(
        findings.iter().any(|f| f.contains("==pkg.gamma:[5:15]")),
        "{findings:#?}"
    );
}

/// opsgate's driver for Pylint, as opsgate runs it.
const DRIVER: &str = concat!(
    include_str!("../../src/runners/pylint_lookup.py"),
    "\n",
    include_str!("../../src/runners/pylint_driver.py")
);

/// duplicate-code through the driver over `files` in `root`, reading the
/// pair store `pairs_in` if given and writing `pairs_out`; its messages.
fn duplicate_code(
    python: &std::path::Path,
    root: &std::path::Path,
    files: &[String],
    pairs_in: Option<&std::path::Path>,
    pairs_out: &std::path::Path,
) -> Vec<String> {
    let mut command = std::process::Command::new(python);
    command
        .args(["-c", DRIVER, "-", "-"])
        .args([
            "--output-format=json2",
            "--disable=all",
            "--enable=duplicate-code",
        ])
        .args(files)
        .current_dir(root)
        .env("PYTHONHASHSEED", "0")
        .env("OPSGATE_PYLINT_PAIRS_OUT", pairs_out);
    if let Some(pairs_in) = pairs_in {
        command.env("OPSGATE_PYLINT_PAIRS_IN", pairs_in);
    }
    let output = command.output().unwrap();
    let report: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|_| panic!("{}", all_output(&output)));
    let mut messages: Vec<String> = report["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["message"].as_str().unwrap().to_owned())
        .collect();
    messages.sort();
    messages
}

#[test]
fn the_pair_store_spares_every_comparison_but_the_changed_files() {
    let Some(python) = tools_python() else { return };
    let test = repository();
    let root = test.root();
    let files = python_files(&root, "");
    let store = tempfile::tempdir().unwrap();
    let (first, second) = (store.path().join("1.json"), store.path().join("2.json"));
    duplicate_code(&python, &root, &files, None, &first);
    let stored = |path: &std::path::Path| -> Value {
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
    };
    let n = files.len() as u64;
    assert_eq!(stored(&first)["compared"], n * (n - 1) / 2);
    // One module changes: only its pairs are compared again, and the
    // conclusion is the one a run without the store draws.
    let gamma = std::fs::read_to_string(root.join("pkg/gamma.py")).unwrap();
    test.write("pkg/gamma.py", &format!("{gamma}\n\n{BLOCK}"));
    let kept = duplicate_code(&python, &root, &files, Some(&first), &second);
    assert_eq!(stored(&second)["compared"], n - 1);
    let fresh = duplicate_code(&python, &root, &files, None, &store.path().join("3.json"));
    assert_eq!(kept, fresh);
    assert!(
        kept.iter().any(|m| m.contains("==pkg.gamma:[5:15]")),
        "{kept:#?}"
    );
    // The stores agree on every pair, whichever way they were made.
    let (second, third) = (stored(&second), stored(&store.path().join("3.json")));
    assert_eq!(second["pairs"], third["pairs"]);
    assert_eq!(second["commons"], third["commons"]);
}

/// Pylint through the driver over every file of `root`, its files checked in
/// `forks` forked copies; (exit code, stdout, forks made).
fn forked(
    python: &std::path::Path,
    root: &std::path::Path,
    forks: usize,
) -> (Option<i32>, Vec<u8>, usize) {
    let log = tempfile::NamedTempFile::new().unwrap();
    let watch = crate::fixture_path("../python/fork-watch");
    let output = std::process::Command::new(python)
        .args(["-c", DRIVER, "-", "-", "--output-format=json2"])
        .args(python_files(root, ""))
        .current_dir(root)
        .env("PYTHONHASHSEED", "0")
        .env("PYTHONPATH", watch)
        .env("OPSGATE_FORK_LOG", log.path())
        .env("OPSGATE_PYLINT_FORKS", forks.to_string())
        .output()
        .unwrap();
    let made = std::fs::read_to_string(log.path()).unwrap().lines().count();
    (output.status.code(), output.stdout, made)
}

#[test]
fn forked_copies_report_byte_for_byte_what_one_process_does() {
    let Some(python) = tools_python() else { return };
    let test = repository();
    let (code, one, made) = forked(&python, &test.root(), 1);
    assert_eq!(made, 0);
    // Messages in one run's order, the cycle and the duplicated blocks
    // concluded over every copy's files, the statistics and score merged.
    for forks in [2, 3] {
        let (forked_code, copies, made) = forked(&python, &test.root(), forks);
        assert_eq!(made, forks - 1, "one process checks the last run itself");
        assert_eq!(forked_code, code);
        assert_eq!(
            String::from_utf8_lossy(&copies),
            String::from_utf8_lossy(&one)
        );
    }
    let report: Value = serde_json::from_slice(&one).unwrap();
    let ids: Vec<&str> = report["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["messageId"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"R0401") && ids.contains(&"R0801"), "{ids:?}");
}

#[test]
fn forked_copies_through_opsgate_report_what_one_process_does_and_leave_the_tree_alone() {
    if tools_python().is_none() {
        return;
    }
    let test = repository();
    let before = listing(&test.root());
    let one = pylint_findings(&check_in_parts(&test, "1"));
    let log = tempfile::NamedTempFile::new().unwrap();
    let output = test
        .command()
        .args(["check", "--format", "json", "--no-cache", "--jobs", "2"])
        .arg(test.root())
        .env("PYTHONPATH", crate::fixture_path("../python/fork-watch"))
        .env("OPSGATE_FORK_LOG", log.path())
        .output()
        .unwrap();
    assert!(exit_code(&output) < 2, "{}", all_output(&output));
    let forked: Value = serde_json::from_slice(&output.stdout).unwrap();
    // Pylint's driver runs as `python -c`; the other tools may fork too.
    let log = std::fs::read_to_string(log.path()).unwrap();
    let made = log.lines().filter(|line| line.ends_with(" -c")).count();
    assert_eq!(made, 1, "two copies, the process and one fork: {log}");
    assert_eq!(pylint_findings(&forked), one);
    assert_eq!(listing(&test.root()), before);
}

#[test]
fn the_drivers_settings_left_in_the_environment_are_not_followed() {
    if tools_python().is_none() {
        return;
    }
    let test = repository();
    let one = pylint_findings(&check_in_parts(&test, "1"));
    let before = listing(&test.root());
    // As if left over in a shell: a pair store to write into the tree, one
    // to read that is not there, and copies that are not a number.
    let output = test
        .command()
        .args(["check", "--format", "json", "--no-cache", "--jobs", "1"])
        .arg(test.root())
        .env("OPSGATE_PYLINT_PAIRS_OUT", test.root().join("pairs.json"))
        .env("OPSGATE_PYLINT_PAIRS_IN", test.root().join("missing.json"))
        .env("OPSGATE_PYLINT_FORKS", "many")
        .env("OPSGATE_PYLINT_WORKERS", "many")
        .output()
        .unwrap();
    assert!(exit_code(&output) < 2, "{}", all_output(&output));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        pylint_run(&report)["status"],
        "ok",
        "{}",
        all_output(&output)
    );
    assert_eq!(pylint_findings(&report), one);
    assert_eq!(listing(&test.root()), before);
}
