//! Measured costs: how long each tool took per byte of source in earlier
//! runs, kept in the cache folder (beside the results, so that emptying
//! those keeps them), one record per repository (Pylint's cost per byte
//! differs threefold between repositories), so that the scheduler's
//! estimates follow the machine and the repository. A missing or unreadable
//! record means the measured defaults.

// Estimates: a rounded byte count is as good as an exact one.
#![allow(clippy::cast_precision_loss)]

use std::collections::HashMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::plan::default_rate;
use crate::cache::ResultCache;
use crate::model::ToolKind;

/// The record of the repository at `root`, beside the results.
pub(super) fn record_name(root: &std::path::Path) -> String {
    crate::cache::repository_record("costs", root)
}

#[derive(Serialize, Deserialize, Default)]
struct Recorded {
    /// Tool name → seconds per byte.
    per_byte: HashMap<String, f64>,
}

/// Seconds per byte and per process for every tool.
pub(super) fn load(cache: &ResultCache, name: &str) -> HashMap<ToolKind, (f64, f64)> {
    let recorded: Recorded = cache
        .read_beside(name)
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default();
    ToolKind::ALL
        .into_iter()
        .map(|kind| {
            let (default, per_process) = default_rate(kind);
            let per_byte = recorded
                .per_byte
                .get(kind.name())
                .copied()
                .filter(|rate| rate.is_finite() && *rate > 0.0)
                .unwrap_or(default);
            (kind, (per_byte, per_process))
        })
        .collect()
}

/// Folds this run's jobs into the record: half the old rate, half the new.
pub(super) fn record(
    cache: &ResultCache,
    name: &str,
    measured: &[(ToolKind, u64, Duration)],
    rates: &HashMap<ToolKind, (f64, f64)>,
) {
    if measured.is_empty() {
        return;
    }
    let mut per_byte = HashMap::new();
    for kind in ToolKind::ALL {
        let (bytes, seconds) = measured
            .iter()
            .filter(|(k, _, _)| *k == kind)
            .fold((0u64, 0f64), |(b, s), (_, bytes, took)| {
                (b + bytes, s + took.as_secs_f64())
            });
        let (old, per_process) = rates[&kind];
        let jobs = measured.iter().filter(|(k, _, _)| *k == kind).count();
        let rate = if bytes > 4096 {
            let new = ((seconds - per_process * jobs as f64).max(0.0)) / bytes as f64;
            f64::midpoint(old, new)
        } else {
            old
        };
        per_byte.insert(kind.name().to_owned(), rate);
    }
    // Only an estimate: a failure to write it costs nothing but precision.
    if let Ok(text) = serde_json::to_vec(&Recorded { per_byte }) {
        cache.write_beside(name, &text);
    }
}
