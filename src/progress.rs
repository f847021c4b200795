//! What is running, shown on a terminal while the tools work: a spinner line
//! on stderr naming the tools still running and the time so far. Nothing is
//! drawn when stderr is not a terminal or under CI, so logs stay clean.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub(crate) struct Progress {
    bar: ProgressBar,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Tool name → processes of it running now.
    running: BTreeMap<&'static str, usize>,
    files_done: usize,
    files_planned: usize,
}

impl Progress {
    /// A spinner when stderr is an interactive terminal outside CI.
    pub(crate) fn for_terminal() -> Progress {
        let interactive =
            std::io::stderr().is_terminal() && crate::environment::snapshot().os("CI").is_none();
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
            state: Mutex::new(State::default()),
        }
    }

    /// How many files the jobs about to run check, in all.
    pub(crate) fn planned(&self, files: usize) {
        self.update(|state| state.files_planned = files);
    }

    pub(crate) fn started(&self, tool: &'static str) {
        self.update(|state| *state.running.entry(tool).or_default() += 1);
    }

    /// A process of `tool` ended, having checked `files`.
    pub(crate) fn finished(&self, tool: &'static str, files: usize) {
        self.update(|state| {
            if let Some(count) = state.running.get_mut(tool) {
                *count -= 1;
                if *count == 0 {
                    state.running.remove(tool);
                }
            }
            state.files_done += files;
        });
    }

    fn update(&self, change: impl FnOnce(&mut State)) {
        let mut state = self.state.lock().expect("progress updates do not panic");
        change(&mut state);
        let names: Vec<&str> = state.running.keys().copied().collect();
        self.bar.set_message(format!(
            "running {} · {}/{} files checked",
            names.join(", "),
            state.files_done,
            state.files_planned
        ));
    }

    /// Clears the line before the report is printed.
    pub(crate) fn done(&self) {
        self.bar.finish_and_clear();
    }
}
