//! The pack: one file per repository holding every entry its last run used,
//! read at once. A warm run of a repository of 10,000 files looks up some
//! 35,000 entries, and opening and reading as many small files was most of
//! its time; one read of a few megabytes replaces them.
//!
//! The pack only repeats entries, each under its full key, so it can never
//! serve what the entries would not: a key it lacks is looked up among the
//! entries, and a missing, damaged or outdated pack costs speed, not a
//! result. It is written anew (whole, renamed into place) only after a run
//! that stored an entry or found one the pack lacked, with just the entries
//! that run used, so it stays the size of one run's results.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::thread::JoinHandle;

use anyhow::{Context, Result};
use serde_json::value::RawValue;

/// A pack as read: each value with whether this run used it, and the
/// pack's size in bytes.
#[derive(Default)]
struct Loaded {
    values: HashMap<String, (Box<RawValue>, AtomicBool)>,
    len: u64,
}

pub(super) struct Pack {
    path: PathBuf,
    /// The read of the pack, started as soon as the run knows it uses the
    /// cache, so that it runs beside the reading of the tree for the keys.
    loading: Mutex<Option<JoinHandle<Loaded>>>,
    loaded: OnceLock<Loaded>,
    /// Entries this run found outside the pack or stored: the pack is
    /// outdated when there is any.
    fresh: Mutex<HashMap<String, Box<RawValue>>>,
}

impl Pack {
    /// The pack at `path`, read in the background from now on.
    pub(super) fn open(path: PathBuf) -> Pack {
        let source = path.clone();
        let loading = std::thread::Builder::new()
            .name("opsgate-cache-pack".into())
            .spawn(move || load(&source))
            .ok();
        Pack {
            path,
            loading: Mutex::new(loading),
            loaded: OnceLock::new(),
            fresh: Mutex::new(HashMap::new()),
        }
    }

    fn loaded(&self) -> &Loaded {
        self.loaded.get_or_init(|| {
            let loading = lock(&self.loading).take();
            loading
                .and_then(|handle| handle.join().ok())
                .unwrap_or_default()
        })
    }

    /// The packed value of `key`, if the pack has it.
    pub(super) fn get(&self, key: &str) -> Option<&RawValue> {
        let (value, used) = self.loaded().values.get(key)?;
        used.store(true, Ordering::Relaxed);
        Some(value)
    }

    /// An entry this run used that the pack did not serve: read from the
    /// entries, or stored.
    pub(super) fn add(&self, key: &str, value: Box<RawValue>) {
        lock(&self.fresh).insert(key.to_owned(), value);
    }

    /// Writes the pack anew if it lacks what this run used; returns how many
    /// bytes the folder grew by (the new pack less the one it replaced). A
    /// pack that is up to date has its time of last use refreshed as an
    /// entry's would be, so eviction keeps it.
    pub(super) fn finish(&self) -> Result<u64> {
        let fresh = lock(&self.fresh);
        if fresh.is_empty() {
            super::refresh_path_if_old(&self.path);
            return Ok(0);
        }
        let Loaded { values, len } = self.loaded();
        // Sorted, so that the same results make the same file.
        let mut kept: BTreeMap<&str, &RawValue> = values
            .iter()
            .filter(|(_, (_, used))| used.load(Ordering::Relaxed))
            .map(|(key, (value, _))| (key.as_str(), value.as_ref()))
            .collect();
        kept.extend(
            fresh
                .iter()
                .map(|(key, value)| (key.as_str(), value.as_ref())),
        );
        let bytes = serde_json::to_vec(&kept).context("serializing the cache's pack")?;
        super::write_whole(&self.path, &bytes)?;
        Ok((bytes.len() as u64).saturating_sub(*len))
    }
}

/// The pack at `path`; no values if it is missing or damaged.
fn load(path: &Path) -> Loaded {
    let Ok(bytes) = fs::read(path) else {
        return Loaded::default();
    };
    let values: HashMap<String, Box<RawValue>> = serde_json::from_slice(&bytes).unwrap_or_default();
    Loaded {
        values: values
            .into_iter()
            .map(|(key, value)| (key, (value, AtomicBool::new(false))))
            .collect(),
        len: bytes.len() as u64,
    }
}

/// A lock whose holder panicked still guards whole values: each is
/// inserted in one step.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
