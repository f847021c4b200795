//! Opt-in phase timings: with `OPSGATE_TIMINGS=1` each phase of a run says
//! on stderr how long it took, so that opsgate's own overhead (walk,
//! classify, plan, rules, report) can be told apart from the tools' time.

use std::sync::OnceLock;
use std::time::Instant;

/// Whether `OPSGATE_TIMINGS` is set to something other than empty or `0`.
fn enabled() -> bool {
    static ENABLED: OnceLock<bool> = OnceLock::new();
    *ENABLED.get_or_init(|| crate::environment::snapshot().switch("OPSGATE_TIMINGS"))
}

/// Measures consecutive phases from one starting point.
pub(crate) struct Clock {
    start: Instant,
    last: Instant,
}

impl Clock {
    pub(crate) fn start() -> Clock {
        let now = Instant::now();
        Clock {
            start: now,
            last: now,
        }
    }

    /// Ends the phase `name`, which began at the previous lap (or the start),
    /// and prints its time when timings are on.
    pub(crate) fn lap(&mut self, name: &str) {
        let now = Instant::now();
        print(name, now - self.last);
        self.last = now;
    }

    /// Starts the next phase now, leaving out the time since the last lap
    /// (a phase that timed itself).
    pub(crate) fn restart(&mut self) {
        self.last = Instant::now();
    }

    /// Prints the time since the start, and opsgate's own peak memory.
    pub(crate) fn total(&self) {
        print("total", self.start.elapsed());
        if enabled() {
            let mib = f64::from(u32::try_from(peak_kib()).unwrap_or(u32::MAX)) / 1024.0;
            anstream::eprintln!(
                "opsgate: memory: peak {mib:.1} MiB (opsgate itself, not its tools)"
            );
        }
    }
}

/// The largest resident set this process has had, in KiB: opsgate's own,
/// as the tools are processes of their own.
fn peak_kib() -> i64 {
    // SAFETY: getrusage(2) fills the zeroed struct it is given; both are
    // plain data.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &raw mut usage);
        usage
    };
    usage.ru_maxrss
}

fn print(name: &str, elapsed: std::time::Duration) {
    if enabled() {
        let ms = elapsed.as_secs_f64() * 1000.0;
        anstream::eprintln!("opsgate: timing: {name:<12} {ms:8.1} ms");
    }
}
