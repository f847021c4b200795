//! Interruption: SIGINT, SIGTERM and SIGHUP stop a run cleanly.
//!
//! Every tool runs in a process group of its own (so that a timeout can
//! end all of it), which also means a Ctrl-C at the terminal reaches only
//! opsgate. So on the first signal every group that is running gets
//! SIGTERM, then SIGKILL after a grace; processes that left their group
//! (`setsid`, a daemon forked by a test) were handed to opsgate when their
//! parent died (Linux: opsgate is a child subreaper) and are ended too. The
//! run then winds down on its own — no new process starts, nothing of it is
//! kept, its temporary folder is removed, no report is written — and exits
//! 128 + the signal. A second signal, or a run that has not wound down
//! within `WIND_DOWN`, ends at once.

use std::fmt;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::thread;
use std::time::Duration;

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

/// Between SIGTERM and SIGKILL: enough for a tool to flush and exit.
const GRACE: Duration = Duration::from_secs(2);
/// How long the run may take to wind down before it is ended at once.
const WIND_DOWN: Duration = Duration::from_secs(10);

/// The signal that interrupted the run; 0 while none has.
static SIGNAL: AtomicI32 = AtomicI32::new(0);
/// Whether this run started a process: only then can it have orphans.
static STARTED: AtomicBool = AtomicBool::new(false);
/// The process groups of the processes running now.
static GROUPS: Mutex<Vec<libc::pid_t>> = Mutex::new(Vec::new());
/// Temporary folders to remove if the run must end at once.
static TEMPORARY: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// The run was interrupted by this signal: exit 128 + it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interrupted(pub i32);

impl Interrupted {
    /// The conventional exit status: 130 for SIGINT, 143 for SIGTERM.
    #[must_use]
    pub fn exit_code(self) -> u8 {
        u8::try_from(128 + self.0).unwrap_or(u8::MAX)
    }
}

impl fmt::Display for Interrupted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self.0 {
            SIGINT => "SIGINT",
            SIGTERM => "SIGTERM",
            SIGHUP => "SIGHUP",
            _ => "a signal",
        };
        write!(
            f,
            "interrupted by {name}: the tools were stopped and nothing of this run was kept"
        )
    }
}

impl std::error::Error for Interrupted {}

/// Handles the signals from now on (once per process).
pub(crate) fn install() {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl(2) with PR_SET_CHILD_SUBREAPER only sets a flag of this
    // process; it has no memory-safety preconditions.
    unsafe {
        libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    }
    // Without handlers a signal ends opsgate as it would any program.
    let Ok(mut signals) = Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
        return;
    };
    thread::spawn(move || {
        let mut received = signals.forever();
        let Some(first) = received.next() else {
            return;
        };
        SIGNAL.store(first, Ordering::SeqCst);
        signal_groups(libc::SIGTERM);
        thread::spawn(move || {
            thread::sleep(GRACE);
            signal_groups(libc::SIGKILL);
            end_orphans();
            thread::sleep(WIND_DOWN.saturating_sub(GRACE));
            end_now(first);
        });
        if received.next().is_some() {
            end_now(first);
        }
    });
}

/// The signal that interrupted the run, if one did.
pub(crate) fn interrupted() -> Option<Interrupted> {
    match SIGNAL.load(Ordering::SeqCst) {
        0 => None,
        signal => Some(Interrupted(signal)),
    }
}

/// `Err` once the run was interrupted: the caller stops where it is.
pub(crate) fn check() -> Result<(), Interrupted> {
    interrupted().map_or(Ok(()), Err)
}

/// A process group that is running now; one started after the run was
/// interrupted is ended at once.
pub(crate) fn track(group: libc::pid_t) {
    STARTED.store(true, Ordering::SeqCst);
    lock(&GROUPS).push(group);
    if interrupted().is_some() {
        kill(-group, libc::SIGKILL);
    }
}

/// Ends what is left of a tracked group once its process was waited for
/// (a lingering grandchild holding the pipes, for one).
pub(crate) fn end_group(group: libc::pid_t) {
    kill(-group, libc::SIGKILL);
    lock(&GROUPS).retain(|g| *g != group);
}

/// A temporary folder removed if the run must end at once (otherwise its
/// owner removes it).
pub(crate) fn remove_on_exit(path: PathBuf) {
    lock(&TEMPORARY).push(path);
}

/// Ends the processes that left their group and were handed to opsgate:
/// what a tool's children started with `setsid` and left running.
pub(crate) fn end_orphans() {
    // A run served from the cache reads no process table.
    if !STARTED.load(Ordering::SeqCst) {
        return;
    }
    let me = std::process::id().to_string();
    // A few passes: an orphan's own children are handed over once it dies.
    for _ in 0..5 {
        let orphans: Vec<libc::pid_t> = children_of(&me);
        if orphans.is_empty() {
            return;
        }
        for pid in orphans {
            kill(-pid, libc::SIGKILL);
            kill(pid, libc::SIGKILL);
        }
        thread::sleep(Duration::from_millis(50));
    }
}

/// Live (not yet exited) processes whose parent is `parent`.
fn children_of(parent: &str) -> Vec<libc::pid_t> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| {
            let pid: libc::pid_t = entry.ok()?.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // After the command name, which may hold spaces: state, ppid.
            let mut fields = stat.rsplit_once(')')?.1.split_whitespace();
            let state = fields.next()?;
            (fields.next()? == parent && state != "Z" && state != "X").then_some(pid)
        })
        .collect()
}

fn signal_groups(signal: libc::c_int) {
    for group in lock(&GROUPS).iter() {
        kill(-*group, signal);
    }
}

fn end_now(signal: i32) -> ! {
    signal_groups(libc::SIGKILL);
    end_orphans();
    for path in lock(&TEMPORARY).iter() {
        let _ = std::fs::remove_dir_all(path);
    }
    anstream::eprintln!("\nopsgate: error: {} (ended at once)", Interrupted(signal));
    let code = Interrupted(signal).exit_code();
    std::process::exit(i32::from(code));
}

fn kill(pid: libc::pid_t, signal: libc::c_int) {
    // SAFETY: kill(2) has no memory-safety preconditions.
    unsafe {
        libc::kill(pid, signal);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic elsewhere must not stop the cleanup.
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
