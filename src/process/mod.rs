//! The only place that starts processes (git through [`git`]). Never through
//! a shell: stdin closed, stdout and stderr drained on their own threads (a
//! full pipe would block the child), a deadline after which the whole
//! process group is killed, and every group registered with the interrupt
//! handler so that a signal ends it.

pub(crate) mod git;

use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// Output kept per stream, and the largest report file read from a tool; a
/// tool printing more than this is treated as broken. Pylint's JSON for
/// thousands of findings is a few MiB; 64 MiB per stream bounds the memory of
/// four tools running at once, however much they print.
pub(crate) const MAX_OUTPUT: u64 = 64 * 1024 * 1024;
/// How long to wait for the pipes to close once the process group is gone.
const DRAIN_GRACE: Duration = Duration::from_secs(5);

#[derive(Debug)]
pub(crate) struct ProcessOutput {
    /// Exit code; `None` when a signal ended the process.
    pub(crate) code: Option<i32>,
    pub(crate) signal: Option<i32>,
    pub(crate) stdout: Vec<u8>,
    pub(crate) stderr: Vec<u8>,
    pub(crate) duration: Duration,
}

impl ProcessOutput {
    pub(crate) fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    pub(crate) fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    /// The last lines of stderr, for error messages.
    pub(crate) fn stderr_tail(&self, lines: usize) -> String {
        tail(&self.stderr_text(), lines)
    }

    pub(crate) fn describe_exit(&self) -> String {
        match (self.code, self.signal) {
            (Some(code), _) => format!("exit code {code}"),
            (None, Some(signal)) => format!("killed by signal {signal}"),
            (None, None) => "unknown exit status".to_owned(),
        }
    }
}

#[derive(Debug)]
pub(crate) enum ProcessError {
    /// The program could not be started at all (not found, not executable).
    Spawn(std::io::Error),
    /// Still running at the deadline; the group was killed.
    TimedOut { after: Duration, stderr: Vec<u8> },
    /// More output than `MAX_OUTPUT` on a stream.
    OutputTooLarge(TooLarge),
    /// The process ended but this stream stayed open past `DRAIN_GRACE`: a
    /// process that left the group holds it.
    HeldOpen(&'static str),
}

impl ProcessError {
    /// For the output errors, what the program did, after its name: "printed
    /// more than …" or "left its stdout open …".
    pub(crate) fn output_problem(&self) -> Option<String> {
        match self {
            ProcessError::OutputTooLarge(too_large) => Some(format!("printed {too_large}")),
            ProcessError::HeldOpen(what) => Some(format!(
                "ended but its {what} stayed open: a process it started that left its \
                 process group (`setsid`) still holds it"
            )),
            ProcessError::Spawn(_) | ProcessError::TimedOut { .. } => None,
        }
    }
}

/// What went past the output cap, said with its preposition: a stream (`on
/// stdout`) or a report file the tool wrote (`into its JUnit report`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TooLarge {
    pub(crate) what: &'static str,
    pub(crate) cap: u64,
}

impl std::fmt::Display for TooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "more than {} MiB {}", self.cap >> 20, self.what)
    }
}

/// Reads a file a tool wrote (its report), refusing one past `MAX_OUTPUT`
/// before reading it: the tool's output is bounded in files as in pipes.
///
/// # Errors
/// The file cannot be read, or it is too large (`Ok(Err)`).
pub(crate) fn read_report(
    path: &std::path::Path,
    what: &'static str,
) -> std::io::Result<Result<Vec<u8>, TooLarge>> {
    let file = std::fs::File::open(path)?;
    let too_large = TooLarge {
        what,
        cap: MAX_OUTPUT,
    };
    if file.metadata()?.len() > MAX_OUTPUT {
        return Ok(Err(too_large));
    }
    let mut bytes = Vec::new();
    file.take(MAX_OUTPUT + 1).read_to_end(&mut bytes)?;
    // Read up to one byte past the cap: the file may still be growing.
    Ok(if bytes.len() as u64 > MAX_OUTPUT {
        Err(too_large)
    } else {
        Ok(bytes)
    })
}

pub(crate) fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.trim_end().lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Runs `command` to completion or until `timeout`.
pub(crate) fn run(command: Command, timeout: Duration) -> Result<ProcessOutput, ProcessError> {
    run_capped(command, timeout, MAX_OUTPUT)
}

/// `run`, keeping at most `cap` bytes per stream.
fn run_capped(
    mut command: Command,
    timeout: Duration,
    cap: u64,
) -> Result<ProcessOutput, ProcessError> {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Own process group, so a timeout kills the tool's children too.
        .process_group(0);
    let started = Instant::now();
    let mut child = command.spawn().map_err(ProcessError::Spawn)?;
    crate::interrupt::track(group_of(&child));
    let stdout = drain(
        child.stdout.take().expect("stdout is piped"),
        cap,
        "on stdout",
    );
    let stderr = drain(
        child.stderr.take().expect("stderr is piped"),
        cap,
        "on stderr",
    );

    let status = wait_until(&mut child, started + timeout);
    // Whatever the tool left behind in its group goes too; that also closes
    // pipes a lingering grandchild would hold open.
    crate::interrupt::end_group(group_of(&child));
    let Some(status) = status else {
        let _ = child.wait();
        let stderr = stderr.recv_timeout(DRAIN_GRACE).ok().and_then(Result::ok);
        return Err(ProcessError::TimedOut {
            after: timeout,
            stderr: stderr.unwrap_or_default(),
        });
    };
    let stdout = collect(&stdout, "stdout")?;
    let stderr = collect(&stderr, "stderr")?;
    Ok(ProcessOutput {
        code: status.code(),
        signal: status.signal(),
        stdout,
        stderr,
        duration: started.elapsed(),
    })
}

/// A drained stream once the process group is gone.
fn collect(
    drained: &mpsc::Receiver<Result<Vec<u8>, TooLarge>>,
    what: &'static str,
) -> Result<Vec<u8>, ProcessError> {
    match drained.recv_timeout(DRAIN_GRACE) {
        Ok(result) => result.map_err(ProcessError::OutputTooLarge),
        // Held open by a process that left the group (`setsid`).
        Err(_) => Err(ProcessError::HeldOpen(what)),
    }
}

fn wait_until(child: &mut Child, deadline: Instant) -> Option<std::process::ExitStatus> {
    let mut pause = Duration::from_millis(1);
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) => {}
            Err(_) => return None,
        }
        let now = Instant::now();
        if now >= deadline {
            return None;
        }
        thread::sleep(pause.min(deadline - now));
        pause = (pause * 2).min(Duration::from_millis(50));
    }
}

/// The child's process group: its pid, as it leads the group it was put in.
fn group_of(child: &Child) -> libc::pid_t {
    libc::pid_t::try_from(child.id()).expect("pids fit in pid_t")
}

/// Reads a stream to the end on its own thread; `Err` when it is too large.
fn drain(
    stream: impl Read + Send + 'static,
    cap: u64,
    what: &'static str,
) -> mpsc::Receiver<Result<Vec<u8>, TooLarge>> {
    let (sender, receiver) = mpsc::channel();
    thread::spawn(move || {
        let mut buffer = Vec::new();
        // Past the cap the pipe is dropped: the tool gets SIGPIPE or EPIPE.
        let result = match stream.take(cap + 1).read_to_end(&mut buffer) {
            Ok(_) if buffer.len() as u64 <= cap => Ok(buffer),
            _ => Err(TooLarge { what, cap }),
        };
        let _ = sender.send(result);
    });
    receiver
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captures_both_streams_and_the_exit_code() {
        let mut command = Command::new("sh");
        command.args(["-c", "echo out; echo err >&2; exit 3"]);
        let output = run(command, Duration::from_secs(10)).unwrap();
        assert_eq!(output.code, Some(3));
        assert_eq!(output.stdout_text(), "out\n");
        assert_eq!(output.stderr_text(), "err\n");
    }

    #[test]
    fn kills_the_group_at_the_deadline() {
        let mut command = Command::new("sh");
        // The child shell forks a sleeper that holds the pipes open.
        command.args(["-c", "sleep 30 & sleep 30"]);
        let started = Instant::now();
        let result = run(command, Duration::from_millis(300));
        assert!(matches!(result, Err(ProcessError::TimedOut { .. })));
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn endless_output_is_cut_at_the_cap() {
        let mut command = Command::new("sh");
        command.args(["-c", "yes opsgate"]);
        let result = run_capped(command, Duration::from_secs(20), 1024 * 1024);
        let Err(ProcessError::OutputTooLarge(too_large)) = result else {
            panic!("{result:?}");
        };
        assert_eq!(too_large.to_string(), "more than 1 MiB on stdout");
    }

    #[test]
    fn a_report_past_the_cap_is_refused_unread() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.xml");
        let file = std::fs::File::create(&path).unwrap();
        // Sparse: as large as the cap says without writing it.
        file.set_len(MAX_OUTPUT + 1).unwrap();
        let refused = read_report(&path, "into its report").unwrap().unwrap_err();
        assert_eq!(refused.to_string(), "more than 64 MiB into its report");
        file.set_len(MAX_OUTPUT).unwrap();
        assert!(read_report(&path, "into its report").unwrap().is_ok());
    }

    #[test]
    fn a_signal_is_reported_as_such() {
        let mut command = Command::new("sh");
        command.args(["-c", "kill -SEGV $$"]);
        let output = run(command, Duration::from_secs(10)).unwrap();
        assert_eq!((output.code, output.signal), (None, Some(libc::SIGSEGV)));
        assert_eq!(output.describe_exit(), "killed by signal 11");
    }

    #[test]
    fn a_timeout_leaves_no_process_of_the_group_behind() {
        let dir = tempfile::tempdir().unwrap();
        let pids = dir.path().join("pids");
        let mut command = Command::new("sh");
        // A grandchild in the background, and one that closes its pipes.
        command.arg("-c").arg(format!(
            "sleep 60 & echo $! >> {p}; (sleep 60 >/dev/null 2>&1 &  echo $! >> {p}); sleep 60",
            p = pids.display()
        ));
        let result = run(command, Duration::from_millis(500));
        assert!(matches!(result, Err(ProcessError::TimedOut { .. })));
        let pids = std::fs::read_to_string(&pids).unwrap();
        for pid in pids.split_whitespace() {
            assert!(!is_alive(pid), "process {pid} outlived the timeout");
        }
    }

    /// Alive and not a zombie waiting for its reaper.
    fn is_alive(pid: &str) -> bool {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let alive = std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .is_ok_and(|stat| !stat.contains(") Z ") && !stat.contains(") X "));
            if !alive || Instant::now() > deadline {
                return alive;
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    #[test]
    fn missing_program_is_a_spawn_error() {
        let command = Command::new("/nonexistent/opsgate-test-program");
        assert!(matches!(
            run(command, Duration::from_secs(1)),
            Err(ProcessError::Spawn(_))
        ));
    }

    #[test]
    fn tail_keeps_the_last_lines() {
        assert_eq!(tail("a\nb\nc\n", 2), "b\nc");
    }
}
