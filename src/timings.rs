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

    /// Prints the time since the start.
    pub(crate) fn total(&self) {
        print("total", self.start.elapsed());
    }
}

fn print(name: &str, elapsed: std::time::Duration) {
    if enabled() {
        let ms = elapsed.as_secs_f64() * 1000.0;
        anstream::eprintln!("opsgate: timing: {name:<12} {ms:8.1} ms");
    }
}
