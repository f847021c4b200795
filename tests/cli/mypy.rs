//! mypy, the real one at the pinned version: its findings through the gate
//! equal a direct `python -m mypy --output=json` run on the same files with
//! the same configuration; its cache stays out of the tree; a change to an
//! imported module reaches a file that did not change, cached or not.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use serde_json::Value;

use crate::cache::{private_cache, run};
use crate::tools::python_files;
use crate::{CliTest, all_output, exit_code, findings_of, in_ci, stderr, tool_status};

const SHOW_PORT: &str = "networking/show-port/show_port.py";
const PORT_SUM: &str = "networking/port-sum/port_sum.py";
const LIBRARY: &str = "lib/netlib/__init__.py";

/// The managed environment with the pinned mypy (the fixture turns every
/// other tool off), provisioned by opsgate. `None` (skip) only outside CI.
pub(crate) fn mypy_python() -> Option<PathBuf> {
    static PYTHON: OnceLock<Option<PathBuf>> = OnceLock::new();
    PYTHON
        .get_or_init(|| {
            let test = CliTest::with_fixture("mypy");
            let (output, report) = test.check_json(&[]);
            match (
                tool_status(&report, "mypy").as_str(),
                report["python"].as_str(),
            ) {
                ("ok", Some(python)) => Some(PathBuf::from(python)),
                _ if in_ci() => panic!("CI=true and mypy could not run:\n{}", all_output(&output)),
                _ => None,
            }
        })
        .clone()
}

/// `python -m mypy --output=json -- FILES` in `root`, as a team runs it: the
/// shared library on `MYPYPATH`, the cache outside the tree.
fn direct_mypy(python: &Path, root: &Path, files: &[String]) -> Output {
    let cache = tempfile::tempdir().unwrap();
    Command::new(python)
        .args(["-m", "mypy", "--output=json", "--"])
        .args(files)
        .current_dir(root)
        .env("MYPYPATH", root.join("lib"))
        .env("MYPY_CACHE_DIR", cache.path())
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env_remove("PYTHONPATH")
        .output()
        .unwrap()
}

/// Each finding as `path:line:column:code: message`, columns 1-based.
fn direct_set(output: &Output) -> BTreeSet<String> {
    String::from_utf8(output.stdout.clone())
        .unwrap()
        .lines()
        .map(|line| {
            let m: Value = serde_json::from_str(line).unwrap();
            let column = m["column"].as_i64().unwrap();
            let column = if column >= 0 {
                (column + 1).to_string()
            } else {
                "null".to_owned()
            };
            format!(
                "{}:{}:{column}:{}: {}",
                m["file"].as_str().unwrap(),
                m["line"],
                m["code"].as_str().unwrap(),
                m["message"].as_str().unwrap()
            )
        })
        .collect()
}

fn gate_set(report: &Value) -> BTreeSet<String> {
    findings_of(report, "mypy")
        .iter()
        .map(|f| {
            let message = f["message"].as_str().unwrap();
            format!(
                "{}:{}:{}:{}: {}",
                f["path"].as_str().unwrap(),
                f["line"],
                f["column"],
                f["rule"].as_str().unwrap(),
                message.lines().next().unwrap()
            )
        })
        .collect()
}

/// The shared library's `port_of` returns a string from now on.
fn change_the_library_signature(test: &CliTest) {
    let library = test.root().join(LIBRARY);
    let source = std::fs::read_to_string(&library).unwrap();
    let changed = source
        .replace(
            "def port_of(service: str) -> int:",
            "def port_of(service: str) -> str:",
        )
        .replace(
            "    return PORTS[service]",
            "    return str(PORTS[service])",
        );
    assert_ne!(source, changed);
    std::fs::write(library, changed).unwrap();
}

#[test]
fn mypy_findings_equal_a_direct_run() {
    let Some(python) = mypy_python() else { return };
    let test = CliTest::with_fixture("mypy");
    let (output, report) = test.check_json(&[]);
    assert_eq!(exit_code(&output), 1, "{}", stderr(&output));
    let direct = direct_mypy(&python, &test.root(), &python_files(&test.root(), ""));
    assert_eq!(direct.status.code(), Some(1), "{}", all_output(&direct));
    let expected = direct_set(&direct);
    // The planted type error across the shared-library import, and the
    // configuration's own check (`warn_unused_ignores`).
    assert!(
        expected
            .iter()
            .any(|f| f.starts_with(&format!("{SHOW_PORT}:16:18:arg-type:"))),
        "{expected:#?}"
    );
    assert!(
        expected.iter().any(|f| f.contains(":unused-ignore:")),
        "{expected:#?}"
    );
    assert_eq!(gate_set(&report), expected);
    let findings = findings_of(&report, "mypy");
    let severity = |code: &str| {
        findings
            .iter()
            .find(|f| f["rule"] == code)
            .map(|f| f["severity"].as_str().unwrap().to_owned())
    };
    assert_eq!(severity("arg-type").as_deref(), Some("error"));
    assert_eq!(severity("annotation-unchecked").as_deref(), Some("note"));
    let arg_type = findings.iter().find(|f| f["rule"] == "arg-type").unwrap();
    assert_eq!(
        arg_type["help_url"],
        "https://mypy.readthedocs.io/en/stable/error_code_list.html#code-arg-type"
    );
    assert_eq!(arg_type["end_column"], 38);
}

#[test]
fn a_clean_repository_gives_no_finding() {
    let Some(python) = mypy_python() else { return };
    let test = CliTest::with_fixture("mypy");
    for (path, from, to) in [
        (LIBRARY, "    return port\n", "    return str(port)\n"),
        (SHOW_PORT, "  # type: ignore[assignment]", ""),
        (
            SHOW_PORT,
            "print(banner(port_of(sys.argv[1])).center(width))",
            "print(banner(str(port_of(sys.argv[1]))).center(width))",
        ),
        (
            PORT_SUM,
            "def legacy(names):",
            "def legacy(names: list[str]) -> int:",
        ),
        (PORT_SUM, "count: int = \"none\"", "count: int = 0"),
    ] {
        let file = test.root().join(path);
        let source = std::fs::read_to_string(&file).unwrap();
        assert!(source.contains(from), "{path}: {from}");
        std::fs::write(&file, source.replace(from, to)).unwrap();
    }
    let direct = direct_mypy(&python, &test.root(), &python_files(&test.root(), ""));
    assert_eq!(direct.status.code(), Some(0), "{}", all_output(&direct));
    let (output, report) = test.check_json(&[]);
    assert_eq!(tool_status(&report, "mypy"), "ok", "{}", stderr(&output));
    assert_eq!(findings_of(&report, "mypy"), Vec::<Value>::new());
}

#[test]
fn a_change_to_an_imported_module_reaches_a_file_that_did_not_change_cached_or_not() {
    let Some(_) = mypy_python() else { return };
    let test = CliTest::with_fixture("mypy");
    let cache = private_cache(&test);
    let cold = run(&test, &cache, &[]);
    let warm = run(&test, &cache, &[]);
    assert_eq!(gate_set(&warm), gate_set(&cold));
    assert_eq!(crate::cache::tool(&warm, "mypy")["processes"], 0);

    change_the_library_signature(&test);
    let cached = run(&test, &cache, &[]);
    let uncached = run(&test, &cache, &["--no-cache"]);
    let found = gate_set(&cached);
    assert_eq!(found, gate_set(&uncached));
    // port_sum.py did not change, but now adds a string to an int.
    assert!(
        found
            .iter()
            .any(|f| f.starts_with(&format!("{PORT_SUM}:12:")) && f.contains(":operator:")),
        "{found:#?}"
    );
    assert!(
        !found.iter().any(|f| f.contains(":arg-type:")),
        "{found:#?}"
    );

    // One file misses: mypy is given what it imports too, and the library's
    // findings, served from the cache, are not reported twice.
    test.write(
        SHOW_PORT,
        &format!(
            "{}\nSPARE: int = \"x\"\n",
            std::fs::read_to_string(test.root().join(SHOW_PORT)).unwrap()
        ),
    );
    let cached = run(&test, &cache, &[]);
    let mypy = crate::cache::tool(&cached, "mypy");
    assert_eq!(
        (mypy["cached"].as_u64(), mypy["processes"].as_u64()),
        (Some(2), Some(1))
    );
    let uncached = run(&test, &cache, &["--no-cache"]);
    assert_eq!(findings_of(&cached, "mypy"), findings_of(&uncached, "mypy"));
    assert!(
        gate_set(&cached).iter().any(|f| f.contains(":assignment:")),
        "{cached:#}"
    );

    assert_no_mypy_cache(&test.root());
    // No mypy process writes a cache: mypy's is not safe for concurrent
    // writers.
    let shared = std::fs::read_dir(cache.join("mypy")).map_or(0, Iterator::count);
    assert_eq!(shared, 0, "no mypy process writes into a shared cache");
}

fn assert_no_mypy_cache(dir: &Path) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        assert!(!path.ends_with(".mypy_cache"), "{}", path.display());
        if path.is_dir() {
            assert_no_mypy_cache(&path);
        }
    }
}

#[test]
fn findings_in_a_module_it_follows_but_was_not_asked_about_are_not_reported() {
    let Some(_) = mypy_python() else { return };
    let test = CliTest::with_fixture("mypy");
    let folder = test.root().join("networking/show-port");
    let output = test
        .command()
        .args(["check", "--format", "json"])
        .arg(&folder)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let paths: BTreeSet<String> = findings_of(&report, "mypy")
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_owned())
        .collect();
    // mypy followed the library and found its error there, outside the
    // folder asked about.
    assert_eq!(paths, BTreeSet::from([SHOW_PORT.to_owned()]), "{report:#}");
}

#[test]
fn a_blocking_error_fails_closed_and_says_where() {
    let Some(_) = mypy_python() else { return };
    let test = CliTest::with_fixture("mypy");
    test.write("networking/show-port/broken.py", "def f(:\n");
    let output = test.check(&[]);
    assert_eq!(exit_code(&output), 2, "{}", all_output(&output));
    let err = stderr(&output);
    assert!(err.contains("mypy failed"), "{err}");
    assert!(err.contains("networking/show-port/broken.py:1:"), "{err}");
}

#[test]
fn mypy_codes_are_explained_as_mypy_documents_them() {
    let test = CliTest::empty();
    for (code, page) in [
        ("arg-type", "error_code_list.html"),
        ("unused-ignore", "error_code_list2.html"),
    ] {
        let output = test.command().args(["explain", code]).output().unwrap();
        assert_eq!(exit_code(&output), 0, "{}", all_output(&output));
        let explained = String::from_utf8(output.stdout).unwrap();
        assert!(
            explained.starts_with(&format!("# {code} (mypy 2.4.1)")),
            "{explained}"
        );
        assert!(
            explained.contains(&format!(
                "https://mypy.readthedocs.io/en/stable/{page}#code-{code}"
            )),
            "{explained}"
        );
    }
}

#[test]
fn changed_checks_the_changed_module_and_its_importers() {
    let Some(_) = mypy_python() else { return };
    let test = CliTest::with_fixture("mypy");
    // A tool that imports nothing of the library's.
    test.write(
        "networking/uptime/uptime.py",
        "\"\"\"Uptime.\"\"\"\n\nSECONDS: int = \"none\"\n",
    );
    let root = test.root();
    crate::git(&root, &["init", "-q", "-b", "main"]);
    crate::git(&root, &["add", "-A"]);
    crate::git(&root, &["commit", "-q", "-m", "tools"]);
    change_the_library_signature(&test);
    let output = test
        .command()
        .args(["check", "--format", "json", "--changed", "--base", "main"])
        .arg(&root)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let mypy = crate::cache::tool(&report, "mypy");
    let checked: Vec<&str> = mypy["checked_files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert_eq!(checked, [LIBRARY, PORT_SUM, SHOW_PORT], "{report:#}");
    let found = gate_set(&report);
    assert!(
        found
            .iter()
            .any(|f| f.starts_with(&format!("{PORT_SUM}:12:"))),
        "{found:#?}"
    );
}

#[test]
fn two_tool_folders_with_a_module_of_one_name_are_two_programs() {
    let Some(python) = mypy_python() else { return };
    let test = CliTest::with_fixture("mypy");
    for folder in ["networking/show-port", "networking/port-sum"] {
        test.write(&format!("{folder}/main.py"), "COUNT: int = \"none\"\n");
    }
    // Run over every file, mypy refuses the pair as one module twice; run as
    // a team runs it, once per tool, each folder's `main` is found.
    let whole = direct_mypy(&python, &test.root(), &python_files(&test.root(), ""));
    assert_eq!(whole.status.code(), Some(2), "{}", all_output(&whole));
    assert!(
        all_output(&whole).contains("Duplicate module"),
        "{}",
        all_output(&whole)
    );
    let within = |folder: &str| -> Vec<String> {
        let every = python_files(&test.root(), "");
        every
            .into_iter()
            .filter(|f| f.starts_with(folder))
            .collect()
    };
    let mut expected = BTreeSet::new();
    for folder in ["networking/show-port/", "networking/port-sum/", "lib/"] {
        let direct = direct_mypy(&python, &test.root(), &within(folder));
        expected.extend(direct_set(&direct));
    }
    let (output, report) = test.check_json(&[]);
    assert_eq!(tool_status(&report, "mypy"), "ok", "{}", stderr(&output));
    let found = gate_set(&report);
    for folder in ["networking/show-port", "networking/port-sum"] {
        assert!(
            found
                .iter()
                .any(|f| f.starts_with(&format!("{folder}/main.py:1:"))),
            "{found:#?}"
        );
    }
    assert_eq!(found, expected);
}
