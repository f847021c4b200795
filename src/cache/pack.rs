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

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::thread::JoinHandle;

use anyhow::{Context, Result};
use serde_json::value::RawValue;

/// Stored values by key, as the entries hold them.
type Values = HashMap<String, Box<RawValue>>;

/// A pack as read: its values, and its size in bytes.
#[derive(Default)]
struct Read {
    values: Values,
    len: u64,
}

pub(super) struct Pack {
    path: PathBuf,
    /// The read of the pack, started when the cache opens so that it runs
    /// beside the walk.
    reading: Mutex<Option<JoinHandle<Read>>>,
    read: OnceLock<Read>,
    /// Keys of this run's hits in the pack.
    hits: Mutex<HashSet<String>>,
    /// Entries this run found outside the pack or stored.
    fresh: Mutex<Values>,
    /// Whether the pack lacks something this run used.
    outdated: AtomicBool,
}

impl Pack {
    /// The pack at `path`, read in the background from now on.
    pub(super) fn open(path: PathBuf) -> Pack {
        let source = path.clone();
        let reading = std::thread::Builder::new()
            .name("opsgate-cache-pack".into())
            .spawn(move || read_pack(&source))
            .ok();
        Pack {
            path,
            reading: Mutex::new(reading),
            read: OnceLock::new(),
            hits: Mutex::new(HashSet::new()),
            fresh: Mutex::new(HashMap::new()),
            outdated: AtomicBool::new(false),
        }
    }

    fn read(&self) -> &Read {
        self.read.get_or_init(|| {
            let reading = lock(&self.reading).take();
            reading
                .and_then(|handle| handle.join().ok())
                .unwrap_or_default()
        })
    }

    /// The packed value of `key`, if the pack has it.
    pub(super) fn get(&self, key: &str) -> Option<&RawValue> {
        let value = self.read().values.get(key)?;
        lock(&self.hits).insert(key.to_owned());
        Some(value)
    }

    /// An entry this run used that the pack did not serve: read from the
    /// entries, or stored.
    pub(super) fn add(&self, key: &str, value: Box<RawValue>) {
        self.outdated.store(true, Ordering::Relaxed);
        lock(&self.fresh).insert(key.to_owned(), value);
    }

    /// Writes the pack anew if it lacks what this run used; returns how many
    /// bytes the folder grew by (the new pack less the one it replaced). A pack that is up to date has its time of last use
    /// refreshed as an entry's would be (`refresh`), so eviction keeps it.
    pub(super) fn finish(&self, refresh: impl FnOnce(&Path)) -> Result<u64> {
        if !self.outdated.load(Ordering::Relaxed) {
            if self.path.exists() {
                refresh(&self.path);
            }
            return Ok(0);
        }
        let Read { values, len } = self.read();
        let hits = lock(&self.hits);
        let fresh = lock(&self.fresh);
        // Sorted, so that the same results make the same file.
        let mut kept: BTreeMap<&str, &RawValue> = hits
            .iter()
            .filter_map(|key| Some((key.as_str(), values.get(key)?.as_ref())))
            .collect();
        kept.extend(
            fresh
                .iter()
                .map(|(key, value)| (key.as_str(), value.as_ref())),
        );
        let bytes = serde_json::to_vec(&kept).context("serializing the cache's pack")?;
        let dir = self.path.parent().expect("the pack lives in a folder");
        fs::create_dir_all(dir).with_context(|| format!("creating `{}`", dir.display()))?;
        let mut temp = tempfile::NamedTempFile::new_in(dir)
            .with_context(|| format!("creating a temporary file in `{}`", dir.display()))?;
        temp.write_all(&bytes).context("writing the cache's pack")?;
        temp.persist(&self.path)
            .with_context(|| format!("renaming the cache's pack into `{}`", self.path.display()))?;
        Ok((bytes.len() as u64).saturating_sub(*len))
    }
}

/// The pack at `path`; no values if it is missing or damaged.
fn read_pack(path: &Path) -> Read {
    let Ok(bytes) = fs::read(path) else {
        return Read::default();
    };
    Read {
        values: serde_json::from_slice(&bytes).unwrap_or_default(),
        len: bytes.len() as u64,
    }
}

/// A lock whose holder panicked still guards whole values: each is
/// inserted in one step.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
