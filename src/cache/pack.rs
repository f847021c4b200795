//! The pack: one file per repository holding every result its last run
//! used, read at once. A warm run of a repository of 10,000 files looks up
//! some 35,000 results, and opening and reading as many small files was most
//! of its time; one read of a few megabytes replaces them.
//!
//! Each value is under its full key, so the pack can never serve what an
//! entry would not, and a missing, damaged or outdated pack costs speed, not
//! a result: a key it lacks is looked up among the entries. It is written
//! anew (whole, renamed into place) only after a run that stored a result or
//! found one the pack lacked, with just the results that run used, so it
//! stays the size of one run's results.
//!
//! What a run stores goes into the pack alone: creating a file per result
//! was up to a tenth of a cold run (4,500 files for a repository of 1,000
//! files, a quarter of a millisecond each here). A result leaves the pack when a
//! later run rewrites it without having used it (the file changed, a tool
//! was turned off); it is then written out as an entry, so that switching
//! back, or another clone of the same code, still finds it.
//!
//! A repository without a pack of its own (a new clone, a CI job that runs in
//! another folder than the last) starts from the newest pack of the same
//! shard: what it uses from there goes into its own pack, and the rest stays
//! where it is.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::thread::JoinHandle;
use std::time::SystemTime;

use anyhow::{Context, Result};
use serde_json::value::RawValue;

/// A pack as read: each value with whether this run used it, and the
/// pack's size in bytes.
#[derive(Default)]
struct Loaded {
    values: HashMap<String, (Box<RawValue>, AtomicBool)>,
    len: u64,
    /// When its values were last used: the pack's modification time.
    used: Option<SystemTime>,
    /// Read from another repository's pack: its values stay there.
    seeded: bool,
}

/// Values the pack holds no more, to be written out as entries, with when
/// they were last used.
pub(super) struct Dropped {
    pub(super) values: Vec<(String, Box<RawValue>)>,
    pub(super) used: Option<SystemTime>,
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
    /// Whether values this run did not use stay (a run of part of the
    /// files, `--changed`, uses part of them).
    keeps_unused: bool,
    /// Whether this run stored a result (ran a tool): only such a run drops
    /// what it did not use. A run served whole looks up less than one that
    /// checks a change (Pylint's facts of each file, for one), and dropping
    /// what it did not look up would write it out for nothing.
    stored: AtomicBool,
}

impl Pack {
    /// The pack `name` in `folder`, read in the background from now on;
    /// without it, the newest pack whose name starts with `family`.
    pub(super) fn open(folder: PathBuf, name: String, family: String, keeps_unused: bool) -> Pack {
        let path = folder.join(&name);
        let own = path.clone();
        let loading = std::thread::Builder::new()
            .name("opsgate-cache-pack".into())
            .spawn(move || match load(&own) {
                Some(loaded) => loaded,
                None => newest_of(&folder, &family, &name).unwrap_or_default(),
            })
            .ok();
        Pack {
            path,
            loading: Mutex::new(loading),
            loaded: OnceLock::new(),
            fresh: Mutex::new(HashMap::new()),
            keeps_unused,
            stored: AtomicBool::new(false),
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

    /// An entry this run read that the pack did not serve.
    pub(super) fn add(&self, key: &str, value: Box<RawValue>) {
        lock(&self.fresh).insert(key.to_owned(), value);
    }

    /// A result this run stored.
    pub(super) fn store(&self, key: &str, value: Box<RawValue>) {
        self.stored.store(true, Ordering::Relaxed);
        self.add(key, value);
    }

    /// Writes the pack anew if it lacks what this run used; returns how many
    /// bytes the folder grew by (the new pack less the one it replaced) and
    /// the values it dropped. A pack that is up to date has its time of last
    /// use refreshed as an entry's would be, so eviction keeps it. When the
    /// pack cannot be written, the error comes with what this run stored,
    /// to be written out as entries instead.
    pub(super) fn finish(&self) -> Result<(u64, Dropped), (anyhow::Error, Dropped)> {
        let fresh = lock(&self.fresh);
        let mut dropped = Dropped {
            values: Vec::new(),
            used: None,
        };
        let Loaded {
            values,
            len,
            used,
            seeded,
        } = self.loaded();
        if fresh.is_empty() && !seeded {
            super::refresh_path_if_old(&self.path);
            return Ok((0, dropped));
        }
        let keeps_unused = self.keeps_unused || !self.stored.load(Ordering::Relaxed);
        // Sorted, so that the same results make the same file.
        let mut kept: BTreeMap<&str, &RawValue> = BTreeMap::new();
        for (key, (value, was_used)) in values {
            if was_used.load(Ordering::Relaxed) || (keeps_unused && !seeded) {
                kept.insert(key, value);
            } else if !seeded && !fresh.contains_key(key) {
                dropped.values.push((key.clone(), value.clone()));
            }
        }
        kept.extend(
            fresh
                .iter()
                .map(|(key, value)| (key.as_str(), value.as_ref())),
        );
        dropped.used = *used;
        let written = serde_json::to_vec(&kept)
            .context("serializing the cache's pack")
            .and_then(|bytes| super::write_whole(&self.path, &bytes).map(|()| bytes.len()));
        match written {
            Ok(bytes) => Ok(((bytes as u64).saturating_sub(*len), dropped)),
            Err(err) => {
                // Nothing replaced the old pack: what it held stays there.
                let stored = fresh
                    .iter()
                    .map(|(key, value)| (key.clone(), value.clone()))
                    .collect();
                Err((
                    err,
                    Dropped {
                        values: stored,
                        used: None,
                    },
                ))
            }
        }
    }
}

/// The pack at `path`: `None` if there is none, no values if it cannot be
/// read or is damaged.
fn load(path: &Path) -> Option<Loaded> {
    let mut file = match fs::File::open(path) {
        Ok(file) => file,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return None,
        Err(_) => return Some(Loaded::default()),
    };
    let used = file.metadata().and_then(|meta| meta.modified()).ok();
    let mut bytes = Vec::new();
    if file.read_to_end(&mut bytes).is_err() {
        return Some(Loaded::default());
    }
    let values: HashMap<String, Box<RawValue>> = serde_json::from_slice(&bytes).unwrap_or_default();
    Some(Loaded {
        values: values
            .into_iter()
            .map(|(key, value)| (key, (value, AtomicBool::new(false))))
            .collect(),
        len: bytes.len() as u64,
        used,
        seeded: false,
    })
}

/// The newest pack in `folder` of `family` but `name`, as a seed: it adds
/// nothing to the size of this repository's pack, and its values are not
/// its to drop.
fn newest_of(folder: &Path, family: &str, name: &str) -> Option<Loaded> {
    let prefix = format!("{family}.");
    let newest = fs::read_dir(folder)
        .ok()?
        .flatten()
        .filter(|entry| {
            let file = entry.file_name();
            let file = file.to_string_lossy();
            file.starts_with(&prefix) && file != name
        })
        .filter_map(|entry| Some((entry.metadata().ok()?.modified().ok()?, entry.path())))
        .max()?;
    let mut seed = load(&newest.1)?;
    seed.len = 0;
    seed.seeded = true;
    Some(seed)
}

/// A lock whose holder panicked still guards whole values: each is
/// inserted in one step.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
