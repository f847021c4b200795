//! Installed into a virtual environment (`pip install opsgate`), opsgate
//! builds its tool environment from that environment's interpreter: no
//! `python3` on PATH is needed. Outside one, `python3` on PATH;
//! `$OPSGATE_BASE_PYTHON` over both.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{CliTest, all_output, exit_code, in_ci, stderr};

/// A virtual environment (no pip: opsgate's wheel needs none) with a copy
/// of the built binary in its `bin/`, as `pip install` leaves it.
fn venv_with_opsgate(test: &CliTest) -> Option<(PathBuf, PathBuf)> {
    let venv = test.outside().join("venv");
    let created = Command::new("python3")
        .args(["-m", "venv", "--without-pip"])
        .arg(&venv)
        .status()
        .is_ok_and(|s| s.success());
    if !created {
        assert!(!in_ci(), "CI=true and python3 cannot create a venv");
        return None;
    }
    let opsgate = venv.join("bin/opsgate");
    std::fs::copy(assert_cmd::cargo::cargo_bin("opsgate"), &opsgate).unwrap();
    Some((venv, opsgate))
}

fn shown_config(opsgate: &Path, test: &CliTest, base: Option<&str>) -> String {
    let mut command = Command::new(opsgate);
    command
        .args(["config", "--show", "--repo"])
        .arg(test.root())
        .env_remove("OPSGATE_BASE_PYTHON");
    if let Some(base) = base {
        command.env("OPSGATE_BASE_PYTHON", base);
    }
    let output = command.output().unwrap();
    assert_eq!(exit_code(&output), 0, "{}", all_output(&output));
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn the_interpreter_beside_the_binary_in_a_venv_is_the_default() {
    let test = CliTest::with_fixture("clean");
    let Some((venv, opsgate)) = venv_with_opsgate(&test) else {
        return;
    };
    let shown = shown_config(&opsgate, &test, None);
    let python = venv.join("bin/python");
    assert!(
        shown.contains(&format!(
            "# from `{}` (the virtual environment opsgate is installed in)",
            python.display()
        )),
        "{shown}"
    );
    // The environment variable goes first; outside a venv, python3 on PATH.
    let shown = shown_config(&opsgate, &test, Some("/opt/python3.12/bin/python3"));
    assert!(
        shown.contains("# from `/opt/python3.12/bin/python3` ($OPSGATE_BASE_PYTHON)"),
        "{shown}"
    );
    let cargo_built = assert_cmd::cargo::cargo_bin("opsgate");
    let shown = shown_config(&cargo_built, &test, None);
    assert!(
        shown.contains("# from `python3` (`python3` on PATH)"),
        "{shown}"
    );
    // `python =` in the configuration: no managed environment at all.
    test.write("opsgate.toml", "python = \"/usr/bin/python3\"\n");
    let shown = shown_config(&opsgate, &test, None);
    assert!(shown.contains("python = \"/usr/bin/python3\""), "{shown}");
    assert!(!shown.contains("managed environment"), "{shown}");
}

#[test]
fn a_check_from_a_venv_provisions_from_its_interpreter_without_python3_on_path() {
    let test = CliTest::with_fixture("clean");
    let Some((venv, opsgate)) = venv_with_opsgate(&test) else {
        return;
    };
    // Only Black, to keep the fresh environment small.
    test.write(
        "opsgate.toml",
        "[tools.flake8]\nenabled = false\n[tools.pylint]\nenabled = false\n\
         [tools.pytest]\nenabled = false\n",
    );
    let cache = tempfile::Builder::new()
        .prefix("opsgate-venv-cache-")
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .unwrap();
    let empty = test.outside().join("empty-path");
    std::fs::create_dir(&empty).unwrap();
    let output = Command::new(&opsgate)
        .arg("check")
        .arg(test.root())
        .env("PATH", &empty)
        .env("OPSGATE_CACHE_DIR", cache.path())
        .env_remove("OPSGATE_BASE_PYTHON")
        .env_remove("PYTHONPATH")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    if exit_code(&output) == 2 && !in_ci() && stderr(&output).contains("could not install") {
        return; // no network to PyPI here
    }
    assert_eq!(exit_code(&output), 0, "{}", all_output(&output));
    let err = stderr(&output);
    let from = format!("from {} in", venv.join("bin/python").display());
    assert!(err.contains(&from), "{err}");
}
