//! The promises under attack: hostile file names and contents, links out of
//! the repository, broken tools and tool configurations, test suites that
//! misbehave, failed report writes, credentials and secrets. Every case ends
//! in findings or a clear exit 2, never a panic or a pass, and leaves the
//! checked tree as it was.

use std::collections::BTreeMap;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::{CliTest, exit_code, findings_of, fixture_path, stderr, tool_status, tools_python};

const NO_TOOLS: &str = "[tools.black]\nenabled = false\n[tools.flake8]\nenabled = false\n\
    [tools.pylint]\nenabled = false\n[tools.pytest]\nenabled = false\n";

/// Every entry below `root` without following links or opening special
/// files: files by content hash, links by target, the rest by kind.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, String> {
    fn visit(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let rel = path.strip_prefix(root).unwrap().to_path_buf();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let kind = meta.file_type();
            let value = if kind.is_symlink() {
                format!("link {}", std::fs::read_link(&path).unwrap().display())
            } else if kind.is_dir() {
                visit(root, &path, out);
                "dir".to_owned()
            } else if kind.is_file() {
                format!(
                    "{:?}",
                    Sha256::digest(std::fs::read(&path).unwrap()).as_slice()
                )
            } else {
                "special".to_owned()
            };
            out.insert(rel, value);
        }
    }
    let mut out = BTreeMap::new();
    visit(root, root, &mut out);
    out
}

/// No panic, a documented exit code, and the JSON report on stdout.
fn judged(output: &Output) -> Value {
    let err = stderr(output);
    assert!(!err.contains("panicked"), "{err}");
    assert!(matches!(exit_code(output), 0..=2), "{err}");
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}: {err}"))
}

fn config(test: &CliTest, toml: &str) -> String {
    let path = test.outside().join("hostile.toml");
    std::fs::write(&path, toml).unwrap();
    path.to_str().unwrap().to_owned()
}

fn paths(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_owned())
        .collect()
}

/// Bad names, bad bytes, links in every direction, a FIFO: the real tools
/// check what they can, nothing is followed out, no name reaches a shell.
#[test]
fn hostile_names_contents_and_links_give_findings_and_leave_the_tree_alone() {
    let Some(_) = tools_python() else { return };
    let test = CliTest::with_fixture("clean");
    let root = test.root();
    let tool = "networking/ping-sweep";
    for name in [
        "with space.py",
        "quote'\"s.py",
        "-rf.py",
        "--help.py",
        "ünïcødé.py",
        "$(touch pwned).py",
        "`touch pwned`.py",
        "a;touch pwned;.py",
    ] {
        test.write(&format!("{tool}/{name}"), "import os\n");
    }
    std::fs::write(root.join(tool).join("latin1.py"), b"x = '\xe9t\xe9'\n").unwrap();
    std::fs::write(
        root.join(tool).join("blob.py"),
        b"\x7fELF\x00\x01\x02\xff\xfe",
    )
    .unwrap();
    // Outside the repository, a folder of Python that must never be checked.
    let elsewhere = test.outside().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    std::fs::write(elsewhere.join("secret_place.py"), "import os\n").unwrap();
    symlink(&elsewhere, root.join(tool).join("linked_dir")).unwrap();
    symlink(
        elsewhere.join("secret_place.py"),
        root.join(tool).join("linked.py"),
    )
    .unwrap();
    symlink("../..", root.join(tool).join("loop")).unwrap();
    symlink("nowhere.py", root.join(tool).join("dangling.py")).unwrap();
    let fifo = root.join(tool).join("fifo.py");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let before = snapshot(&root);
    let outside_before = snapshot(&test.outside());

    let output = test.check(&["--format", "json"]);
    let report = judged(&output);
    assert_eq!(exit_code(&output), 1, "{}", stderr(&output));
    let found = paths(&report);
    for name in [
        "with space.py",
        "-rf.py",
        "--help.py",
        "ünïcødé.py",
        "$(touch pwned).py",
    ] {
        let path = format!("{tool}/{name}");
        assert!(found.contains(&path), "{path} not checked: {found:?}");
    }
    let flake8: Vec<String> = findings_of(&report, "flake8")
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        flake8.contains(&format!("{tool}/a;touch pwned;.py")),
        "{flake8:?}"
    );
    // Black cannot parse the binary file: a finding, not a crash.
    assert!(found.contains(&format!("{tool}/blob.py")), "{found:?}");
    assert!(
        found
            .iter()
            .all(|p| !p.contains("linked") && !p.contains("loop") && !p.contains("fifo")),
        "{found:?}"
    );
    assert_eq!(snapshot(&root), before);
    assert_eq!(
        snapshot(&test.outside()),
        outside_before,
        "something written outside"
    );
}

/// Flake8's report is line based: a record that a newline in a file name
/// splits is read back whole.
#[test]
fn a_newline_in_a_file_name_is_checked() {
    let Some(_) = tools_python() else { return };
    let test = CliTest::with_fixture("clean");
    test.write("networking/ping-sweep/two\nlines.py", "import os\n");
    let before = snapshot(&test.root());
    let output = test.check(&["--format", "json"]);
    let report = judged(&output);
    assert_eq!(exit_code(&output), 1, "{}", stderr(&output));
    let flake8: Vec<Value> = findings_of(&report, "flake8");
    assert!(
        flake8
            .iter()
            .any(|f| f["path"] == "networking/ping-sweep/two\nlines.py" && f["rule"] == "F401"),
        "{flake8:?}"
    );
    assert_eq!(snapshot(&test.root()), before);
}

#[test]
fn an_empty_folder_and_a_fresh_git_repository_are_judged() {
    let Some(_) = tools_python() else { return };
    let test = CliTest::empty();
    let (output, report) = test.check_json(&[]);
    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    assert_eq!(tool_status(&report, "pylint"), "skipped");
    let git = std::process::Command::new("git")
        .args(["init", "--quiet"])
        .arg(test.root())
        .status();
    if git.is_ok_and(|s| s.success()) {
        let before = snapshot(&test.root());
        let (output, _) = test.check_json(&[]);
        assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
        assert_eq!(snapshot(&test.root()), before);
    }
}

/// 50 MB of Python: read up to the rules' cap, in bounded time.
#[test]
fn a_50_mb_python_file_is_read_up_to_the_cap() {
    let test = CliTest::with_fixture("clean");
    let line = "value = '/home/alice/data'  # a machine-specific path\n";
    let huge = line.repeat(50 * 1024 * 1024 / line.len());
    test.write("networking/ping-sweep/huge.py", &huge);
    let started = std::time::Instant::now();
    let (output, report) = test.check_json(&["--config", &config(&test, NO_TOOLS)]);
    judged(&output);
    assert_eq!(exit_code(&output), 1, "{}", stderr(&output));
    let og301 = findings_of(&report, "opsgate")
        .into_iter()
        .filter(|f| f["rule"] == "OG301")
        .count();
    assert!(og301 > 0 && og301 < 50_000, "{og301} findings");
    assert!(started.elapsed().as_secs() < 60);
}

/// Runs the gate with `tool` misbehaving as `fault` says (see
/// `tests/fixtures/bin/faulty-python`), the other tools disabled.
fn run_faulty(tool: &str, fault: &str, extra_config: &str) -> (Output, Vec<u32>, bool) {
    run_faulty_with(tool, fault, extra_config, &[])
}

/// As `run_faulty`, with more environment variables.
fn run_faulty_with(
    tool: &str,
    fault: &str,
    extra_config: &str,
    env: &[(&str, &str)],
) -> (Output, Vec<u32>, bool) {
    run_faulty_on(
        &CliTest::with_fixture("clean"),
        tool,
        fault,
        extra_config,
        env,
        &[],
    )
}

/// `run_faulty_with` on the repository of `test`, with more arguments.
fn run_faulty_on(
    test: &CliTest,
    tool: &str,
    fault: &str,
    extra_config: &str,
    env: &[(&str, &str)],
    args: &[&str],
) -> (Output, Vec<u32>, bool) {
    let python = tools_python().expect("checked by the caller");
    let pids = test.outside().join("pids");
    std::fs::write(&pids, "").unwrap();
    let mut settings = NO_TOOLS.replace(&format!("[tools.{tool}]\nenabled = false\n"), "");
    settings.push_str(extra_config);
    let config = config(test, &settings);
    let before = snapshot(&test.root());
    let output = test
        .command()
        .arg("check")
        .arg(test.root())
        .args(["--format", "json", "--config", &config, "--python"])
        .arg(fixture_path("../bin/faulty-python"))
        .args(args)
        .env("OPSGATE_REAL_PYTHON", &python)
        .env("OPSGATE_FAKE_TOOL", tool)
        .env("OPSGATE_FAULT", fault)
        .env("OPSGATE_FAULT_EXIT", "77")
        .env("OPSGATE_FAULT_PIDS", &pids)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let pids = std::fs::read_to_string(&pids)
        .unwrap()
        .split_whitespace()
        .map(|p| p.parse().unwrap())
        .collect();
    (output, pids, snapshot(&test.root()) == before)
}

/// Alive and not a zombie, after a grace period for the kill to land.
fn is_alive(pid: u32) -> bool {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let alive = std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .is_ok_and(|stat| !stat.contains(") Z ") && !stat.contains(") X "));
        if !alive || std::time::Instant::now() > deadline {
            return alive;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn a_hanging_tool_is_killed_with_its_children_and_exits_2() {
    let Some(_) = tools_python() else { return };
    let (output, pids, unchanged) =
        run_faulty("pylint", "hang", "[tools.pylint]\ntimeout = \"2s\"\n");
    let report = judged(&output);
    assert_eq!(exit_code(&output), 2, "{}", stderr(&output));
    assert_eq!(tool_status(&report, "pylint"), "timed_out");
    assert!(!pids.is_empty());
    for pid in pids {
        assert!(!is_alive(pid), "process {pid} outlived the timeout");
    }
    assert!(unchanged);
}

#[test]
fn a_tool_that_leaves_a_child_behind_does_not_keep_it_running() {
    let Some(_) = tools_python() else { return };
    let (output, pids, unchanged) = run_faulty("pylint", "linger", "");
    let report = judged(&output);
    // Exit 0 with no JSON is not a pass.
    assert_eq!(exit_code(&output), 2, "{}", stderr(&output));
    assert_eq!(tool_status(&report, "pylint"), "failed");
    for pid in pids {
        assert!(!is_alive(pid), "process {pid} outlived its tool");
    }
    assert!(unchanged);
}

#[test]
fn signals_floods_garbage_and_odd_exit_codes_exit_2() {
    let Some(_) = tools_python() else { return };
    for (tool, fault, says) in [
        ("pylint", "signal", "killed by signal 9"),
        ("black", "signal", "killed by signal 9"),
        (
            "pylint",
            "flood",
            "pylint printed more than 64 MiB on stdout",
        ),
        (
            "flake8",
            "flood",
            "flake8 printed more than 64 MiB on stdout",
        ),
        ("pylint", "garbage", "cannot be parsed"),
        ("black", "garbage", "not a diff"),
        ("flake8", "garbage", "flake8 failed"),
        ("flake8", "exit", "exit code 77"),
        ("black", "exit", "exit code 77"),
        ("pytest", "exit", "exit code 77"),
        ("pytest", "signal", "killed by signal 9"),
    ] {
        let (output, _, unchanged) = run_faulty(tool, fault, "");
        let report = judged(&output);
        let err = stderr(&output);
        assert_eq!(exit_code(&output), 2, "{tool} {fault}: {err}");
        assert_eq!(tool_status(&report, tool), "failed", "{tool} {fault}");
        assert!(err.contains(says), "{tool} {fault}: {err}");
        assert!(unchanged, "{tool} {fault}");
    }
}

#[test]
fn pylint_fails_closed_when_a_forked_copy_of_it_dies() {
    let Some(_) = tools_python() else { return };
    // Enough files for a copy per core on any machine.
    let test = CliTest::with_fixture("clean");
    for n in 0..40 {
        test.write(
            &format!("networking/many/module_{n:02}.py"),
            &format!("\"\"\"Module {n}.\"\"\"\n\nVALUE = {n}\n"),
        );
    }
    let (output, _, unchanged) = run_faulty_on(&test, "pylint", "copy", "", &[], &[]);
    let report = judged(&output);
    let err = stderr(&output);
    assert_eq!(exit_code(&output), 2, "{err}");
    assert_eq!(tool_status(&report, "pylint"), "failed");
    assert!(err.contains("forked copy of Pylint failed"), "{err}");
    assert!(unchanged);
}

#[test]
fn pytest_under_coverage_fails_closed_when_a_forked_run_dies() {
    let Some(_) = tools_python() else { return };
    // Three folders of tests in one job: each runs in a fork of the driver.
    let test = CliTest::with_fixture("clean");
    for folder in ["storage/prune", "storage/rotate"] {
        test.write(
            &format!("{folder}/test_it.py"),
            "def test_it():\n    assert True\n",
        );
    }
    let (output, _, unchanged) = run_faulty_on(&test, "pytest", "copy", "", &[], &["--jobs", "1"]);
    let report = judged(&output);
    let err = stderr(&output);
    assert_eq!(exit_code(&output), 2, "{err}");
    assert_eq!(tool_status(&report, "pytest"), "failed");
    assert!(err.contains("its run was killed by signal 9"), "{err}");
    assert!(unchanged);
}

#[test]
fn pylint_in_parts_fails_closed_when_its_conclusion_fails() {
    let Some(_) = tools_python() else { return };
    // The parts succeed; only the process that concludes duplicate-code and
    // cyclic-import over them breaks, in each way a tool can.
    for (fault, says) in [
        ("exit", "exit code 77"),
        ("garbage", "cannot be parsed"),
        ("signal", "killed by signal 9"),
    ] {
        let env = [
            ("OPSGATE_PYLINT_PARTS", "2"),
            ("OPSGATE_FAULT_CONCLUSION", "1"),
        ];
        let (output, _, unchanged) = run_faulty_with("pylint", fault, "", &env);
        let report = judged(&output);
        let err = stderr(&output);
        assert_eq!(exit_code(&output), 2, "{fault}: {err}");
        assert_eq!(tool_status(&report, "pylint"), "failed", "{fault}");
        assert!(err.contains(says), "{fault}: {err}");
        assert!(unchanged, "{fault}");
    }
}

/// A repository whose tests misbehave.
fn hostile_suite(test_body: &str) -> (CliTest, Output) {
    let test = CliTest::with_fixture("clean");
    test.write("networking/ping-sweep/test_hostile.py", test_body);
    let toml = NO_TOOLS.replace(
        "[tools.pytest]\nenabled = false\n",
        "[tools.pytest]\ntimeout = \"60s\"\n",
    );
    let config = config(&test, &toml);
    let output = test.check(&["--format", "json", "--config", &config]);
    (test, output)
}

#[test]
fn a_test_suite_that_leaves_a_process_and_changes_directory_is_still_judged() {
    let Some(_) = tools_python() else { return };
    let pid_file = tempfile::NamedTempFile::new().unwrap();
    let body = format!(
        "import os\nimport subprocess\n\n\ndef test_background():\n    \
         child = subprocess.Popen([\"sleep\", \"300\"])\n    \
         with open({pid:?}, \"w\") as out:\n        out.write(str(child.pid))\n\n\n\
         def test_chdir():\n    os.chdir(\"/\")\n\n\ndef test_fails():\n    assert 1 == 2\n",
        pid = pid_file.path().to_str().unwrap()
    );
    let (test, output) = hostile_suite(&body);
    let report = judged(&output);
    assert_eq!(exit_code(&output), 1, "{}", stderr(&output));
    let failed: Vec<Value> = findings_of(&report, "pytest");
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0]["rule"], "test-failed");
    let pid: u32 = std::fs::read_to_string(pid_file.path())
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(
        !is_alive(pid),
        "the test's background process {pid} outlived pytest"
    );
    assert!(
        !test
            .root()
            .join("networking/ping-sweep/__pycache__")
            .exists()
    );
}

#[test]
fn a_test_suite_that_deletes_or_writes_files_is_an_error_naming_them() {
    let Some(_) = tools_python() else { return };
    let body = "import pathlib\n\n\ndef test_vandal():\n    here = pathlib.Path(__file__).parent\n    \
        (here / \"README.md\").unlink()\n    (here / \"dropped.txt\").write_text(\"x\")\n";
    let (_test, output) = hostile_suite(body);
    let report = judged(&output);
    let err = stderr(&output);
    assert_eq!(exit_code(&output), 2, "{err}");
    assert_eq!(tool_status(&report, "pytest"), "failed");
    assert!(
        err.contains("the repository changed while pytest ran"),
        "{err}"
    );
    assert!(
        err.contains("deleted `networking/ping-sweep/README.md`"),
        "{err}"
    );
    assert!(
        err.contains("created `networking/ping-sweep/dropped.txt`"),
        "{err}"
    );
}

#[test]
fn the_tests_run_without_ci_credentials_unless_passed_on() {
    let Some(_) = tools_python() else { return };
    let test = CliTest::with_fixture("clean");
    test.write(
        "networking/ping-sweep/test_env.py",
        "import os\n\n\ndef test_no_credentials():\n    \
         leaked = sorted(k for k in os.environ if k in (\"GITHUB_TOKEN\", \"CI_JOB_TOKEN\", \
         \"ACTIONS_RUNTIME_TOKEN\", \"AWS_SECRET_ACCESS_KEY\", \"GITLAB_TOKEN\", \"NPM_TOKEN\"))\n    \
         assert leaked == []\n    assert os.environ[\"AWS_REGION\"] == \"eu-west-1\"\n    \
         assert os.environ[\"DEPLOY_TOKEN_FOR_TESTS\"] == \"passed\"\n",
    );
    let toml = NO_TOOLS.replace(
        "[tools.pytest]\nenabled = false\n",
        "[tools.pytest]\npass_env = [\"AWS_REGION\", \"DEPLOY_TOKEN_*\"]\n",
    );
    let config = config(&test, &toml);
    let output = test
        .command()
        .arg("check")
        .arg(test.root())
        .args(["--format", "json", "--config", &config])
        .env("GITHUB_TOKEN", "ghp_planted")
        .env("CI_JOB_TOKEN", "planted")
        .env("ACTIONS_RUNTIME_TOKEN", "planted")
        .env("AWS_SECRET_ACCESS_KEY", "planted")
        .env("GITLAB_TOKEN", "planted")
        .env("NPM_TOKEN", "planted")
        .env("AWS_REGION", "eu-west-1")
        .env("DEPLOY_TOKEN_FOR_TESTS", "passed")
        .output()
        .unwrap();
    let report = judged(&output);
    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    assert_eq!(tool_status(&report, "pytest"), "ok");
}

/// A report that cannot be written whole (the file size limit stands in for
/// a full disk): exit 2 naming it, no half file, no temporary file.
#[test]
fn a_report_write_that_fails_leaves_no_half_file_and_no_temporary() {
    let test = CliTest::with_fixture("rules-planted");
    let reports = test.outside().join("reports");
    std::fs::create_dir(&reports).unwrap();
    let target = reports.join("report.sarif");
    let config = config(&test, NO_TOOLS);
    let opsgate = assert_cmd::cargo::cargo_bin("opsgate");
    // SIGXFSZ ignored, so the write fails with EFBIG instead of killing opsgate.
    let output = std::process::Command::new("sh")
        .args(["-c", "trap '' XFSZ; ulimit -f 2; exec \"$@\"", "sh"])
        .arg(&opsgate)
        .arg("check")
        .arg(test.root())
        .args(["--config", &config, "--output"])
        .arg(format!("sarif={}", target.display()))
        .env("NO_COLOR", "1")
        .env("OPSGATE_CACHE_DIR", crate::cache_dir())
        .output()
        .unwrap();
    let err = stderr(&output);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(exit_code(&output), 2, "{err}");
    assert!(err.contains("report.sarif"), "{err}");
    let left: Vec<_> = std::fs::read_dir(&reports).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
}

/// Secrets stay masked in every format, and `--output` writes exactly the
/// files asked for and nothing else, inside the repository or beside it.
#[test]
fn secrets_are_masked_in_every_format_and_reports_go_only_where_asked() {
    let secrets = [
        "AKIAZ7QXPLANTEDKEY42",
        "Vacuum-Planted-Secret-7",
        "PLANTEDKEY",
    ];
    let test = CliTest::with_fixture("rules-planted");
    let config = config(&test, NO_TOOLS);
    let reports = test.outside().join("reports");
    std::fs::create_dir(&reports).unwrap();
    let formats = ["json", "junit", "sarif", "gitlab", "github"];
    let mut args = vec![
        "--config".to_owned(),
        config,
        "--format".into(),
        "terminal".into(),
    ];
    for format in formats {
        args.push("--output".into());
        args.push(format!("{format}={}", reports.join(format).display()));
    }
    let before = snapshot(&test.outside());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = test.check(&args);
    assert_eq!(exit_code(&output), 1, "{}", stderr(&output));
    let mut after = snapshot(&test.outside());
    for format in formats {
        let written = std::fs::read_to_string(reports.join(format)).unwrap();
        for secret in secrets {
            assert!(!written.contains(secret), "{secret} in the {format} report");
        }
        assert!(
            written.contains("AKIA****"),
            "{format} report lacks the masked key"
        );
        assert!(
            after
                .remove(&PathBuf::from("reports").join(format))
                .is_some()
        );
    }
    assert_eq!(after, before, "files written besides the reports asked for");
    let stdout = String::from_utf8_lossy(&output.stdout);
    for secret in secrets {
        assert!(!stdout.contains(secret) && !stderr(&output).contains(secret));
    }
}

/// Broken tool configurations: the tool's complaint, exit 2, never a pass.
#[test]
fn broken_tool_configurations_exit_2_with_the_tools_complaint() {
    let Some(_) = tools_python() else { return };
    let cases = [
        // Flake8 itself skips a `.flake8` that is not INI at all (see
        // docs/reliability.md); a value it cannot read stops it.
        (
            ".flake8",
            "[flake8]\nmax-line-length = eighty\n",
            "flake8",
            "flake8 failed",
        ),
        (
            "pyproject.toml",
            "[tool.black]\nline-length = \"wide\"\n",
            "black",
            "line-length",
        ),
        ("pyproject.toml", "[tool.black\n", "black", "pyproject.toml"),
    ];
    for (file, content, tool, says) in cases {
        let test = CliTest::with_fixture("clean");
        test.write(file, content);
        let before = snapshot(&test.root());
        let output = test.check(&["--format", "json"]);
        let err = stderr(&output);
        assert!(!err.contains("panicked"), "{err}");
        assert_eq!(exit_code(&output), 2, "{file}: {err}");
        assert!(err.contains(says), "{file}: {err}");
        if let Ok(report) = serde_json::from_slice::<Value>(&output.stdout) {
            assert_eq!(tool_status(&report, tool), "failed", "{file}");
        }
        assert_eq!(snapshot(&test.root()), before);
    }
}

/// A cache whose lock file holds garbage is still usable: the lock is a
/// lock, not data.
#[test]
fn a_garbage_lock_file_in_the_cache_does_not_stop_a_run() {
    let Some(python) = tools_python() else { return };
    let env = python.parent().unwrap().parent().unwrap();
    let key = env.file_name().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let envs = cache.path().join("envs");
    std::fs::create_dir(&envs).unwrap();
    symlink(env, envs.join(key)).unwrap();
    let mut lock = key.to_owned();
    lock.push(".lock");
    std::fs::write(envs.join(&lock), b"\xff\x00 not a lock \x00").unwrap();
    let test = CliTest::with_fixture("clean");
    let output = test
        .command()
        .env("OPSGATE_CACHE_DIR", cache.path())
        .arg("check")
        .arg(test.root())
        .args(["--format", "json"])
        .output()
        .unwrap();
    judged(&output);
    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
}

/// As root, `chmod 000` does not stop a read; a folder deeper than
/// `PATH_MAX` does (`ENAMETOOLONG`): it is an OG001 finding, not a crash.
#[test]
fn a_folder_that_cannot_be_opened_is_a_finding() {
    let test = CliTest::with_fixture("clean");
    // Relative steps: no single path handed to the kernel is too long.
    let script = "import os, sys\nos.chdir(sys.argv[1])\nfor _ in range(25):\n    \
        os.mkdir('d' * 200)\n    os.chdir('d' * 200)\nopen('deep.py', 'w').write('x = 1\\n')\n";
    let made = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(test.root().join("networking/ping-sweep"))
        .status()
        .unwrap();
    assert!(made.success());
    let (output, report) = test.check_json(&["--config", &config(&test, NO_TOOLS)]);
    judged(&output);
    assert_eq!(exit_code(&output), 1, "{}", stderr(&output));
    let unreadable: Vec<Value> = findings_of(&report, "opsgate")
        .into_iter()
        .filter(|f| f["rule"] == "OG001")
        .collect();
    assert!(!unreadable.is_empty(), "{report}");
    assert!(
        unreadable[0]["path"]
            .as_str()
            .unwrap()
            .starts_with("networking/ping-sweep/ddd"),
        "{unreadable:?}"
    );
}
