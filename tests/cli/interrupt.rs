//! An interrupted run leaves nothing behind: SIGINT and SIGTERM end every
//! process of the run (those that left their group, or ignore SIGTERM, too),
//! remove its temporary folder, and exit 130 or 143 with one line.

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::{CliTest, tools_python};

pub(crate) const SCRIPT: &str =
    "\"\"\"Slow.\"\"\"\n\n\ndef value():\n    \"\"\"Return one.\"\"\"\n    return 1\n";

/// Tests that leave a daemon in a session of its own, and one that ignores
/// SIGTERM with a child of its own; each sleeps for `mark` seconds, which
/// names them among the machine's processes.
pub(crate) fn tests_leaving_processes(mark: &str) -> String {
    format!(
        r#""""Tests that leave processes behind."""

import signal
import subprocess
import time

from slow import value


def test_leaves_a_daemon():
    """A grandchild in a session of its own."""
    subprocess.Popen(["setsid", "sleep", "{mark}"])
    assert value() == 1


def test_ignores_sigterm():
    """Ignores SIGTERM and waits."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    subprocess.Popen(["sleep", "{mark}"])
    time.sleep(1000)
"#
    )
}

/// Live processes with `mark` as one of their arguments. Exactly: another
/// test's mark may hold this one (`1000.42` in `1000.4215`), and a run
/// taken for this test's would be signalled before it is ready.
pub(crate) fn marked(mark: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let pid = entry.file_name().to_string_lossy().into_owned();
        if !pid.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        let zombie = stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z'));
        let has_mark = cmdline.split(|&b| b == 0).any(|arg| arg == mark.as_bytes());
        if !zombie && has_mark {
            found.push(pid);
        }
    }
    found
}

pub(crate) fn wait_for(what: &str, mut done: impl FnMut() -> bool, limit: Duration) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "{what} within {limit:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

pub(crate) fn wait_exit(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("opsgate did not end within {limit:?} of the signal");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn an_interrupted_run_ends_every_process_and_exits_by_the_convention() {
    if tools_python().is_none() {
        return;
    }
    for (signal, code, name) in [
        (libc::SIGINT, 130, "SIGINT"),
        (libc::SIGTERM, 143, "SIGTERM"),
    ] {
        let test = CliTest::empty();
        // Unique to this case: sleep accepts fractions of a second.
        let mark = format!("1000.{}{}", std::process::id(), signal);
        test.write("networking/slow/slow.py", SCRIPT);
        test.write(
            "networking/slow/test_slow.py",
            &tests_leaving_processes(&mark),
        );
        let temporary = test.outside().join("tmp");
        std::fs::create_dir(&temporary).unwrap();
        let mut child = test
            .std_command()
            .env("TMPDIR", &temporary)
            .arg("check")
            .arg(test.root())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        wait_for(
            "both tests' processes started",
            || marked(&mark).len() >= 2,
            Duration::from_mins(2),
        );
        let pid = libc::pid_t::try_from(child.id()).unwrap();
        // SAFETY: kill(2) has no memory-safety preconditions.
        unsafe {
            libc::kill(pid, signal);
        }
        let status = wait_exit(&mut child, Duration::from_secs(15));
        let mut stderr = String::new();
        std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
        assert_eq!(status.code(), Some(code), "{name}: {stderr}");
        assert!(
            stderr.contains(&format!("opsgate: error: interrupted by {name}")),
            "{stderr}"
        );
        wait_for(
            "no process of the run left",
            || marked(&mark).is_empty(),
            Duration::from_secs(5),
        );
        let left: Vec<_> = std::fs::read_dir(&temporary).unwrap().flatten().collect();
        assert!(left.is_empty(), "{name}: left behind: {left:?}");
    }
}
