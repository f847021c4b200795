//! What is running, shown on a terminal while the tools work: a spinner line
//! on stderr naming the tools still running and the time so far. Nothing is
//! drawn when stderr is not a terminal or under CI, so logs stay clean.

use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub(crate) struct Progress {
    bar: ProgressBar,
    running: Mutex<BTreeSet<&'static str>>,
}

impl Progress {
    /// A spinner when stderr is an interactive terminal outside CI.
    pub(crate) fn for_terminal() -> Progress {
        let interactive = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
        let bar = if interactive {
            ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())
        } else {
            ProgressBar::hidden()
        };
        bar.set_style(
            ProgressStyle::with_template("{spinner} {elapsed:>4} {msg}")
                .expect("the template is valid"),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        Progress {
            bar,
            running: Mutex::new(BTreeSet::new()),
        }
    }

    pub(crate) fn started(&self, tool: &'static str) {
        self.update(|running| {
            running.insert(tool);
        });
    }

    pub(crate) fn finished(&self, tool: &'static str) {
        self.update(|running| {
            running.remove(tool);
        });
    }

    fn update(&self, change: impl FnOnce(&mut BTreeSet<&'static str>)) {
        let mut running = self.running.lock().expect("progress updates do not panic");
        change(&mut running);
        let names: Vec<&str> = running.iter().copied().collect();
        self.bar
            .set_message(format!("running {}", names.join(", ")));
    }

    /// Clears the line before the report is printed.
    pub(crate) fn done(&self) {
        self.bar.finish_and_clear();
    }
}
