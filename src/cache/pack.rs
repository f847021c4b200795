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
//! Runs of one repository at once (a pre-push hook beside an editor, CI jobs
//! sharing a cache folder) write the pack one after the other, under a lock
//! beside it, and each keeps what another run put in the pack after it read
//! it: no run's results are lost to the last writer. A run that cannot take
//! the lock in a short while writes its results out as entries.
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
use std::ffi::OsString;
use std::fs;
use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, Result};
use serde_json::value::RawValue;

/// How long a run waits for another writing the same pack (a few
/// milliseconds for a pack of a few megabytes) before it leaves the pack be.
const LOCK_WAIT: Duration = Duration::from_secs(2);

/// A pack as read: each value with whether this run used it.
#[derive(Default)]
struct Loaded {
    values: HashMap<String, (Box<RawValue>, AtomicBool)>,
    /// Which file was read: `None` when this repository had no pack.
    file: Option<FileId>,
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
    /// How long to wait for another run writing the pack.
    lock_wait: Duration,
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
            lock_wait: LOCK_WAIT,
        }
    }

    /// Waits at most `wait` for another run writing the pack.
    #[cfg(test)]
    pub(super) fn set_lock_wait(&mut self, wait: Duration) {
        self.lock_wait = wait;
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
    /// pack cannot be written, or another run holds its lock too long, the
    /// values come with what this run stored, to be written out as entries
    /// instead (with the error, if writing failed).
    pub(super) fn finish(&self) -> Result<(u64, Dropped), (anyhow::Error, Dropped)> {
        let fresh = lock(&self.fresh);
        let mut dropped = Dropped {
            values: Vec::new(),
            used: None,
        };
        let Loaded {
            values,
            file,
            used,
            seeded,
        } = self.loaded();
        if fresh.is_empty() && !seeded {
            super::refresh_path_if_old(&self.path);
            return Ok((0, dropped));
        }
        let stored = || Dropped {
            values: fresh
                .iter()
                .map(|(key, value)| (key.clone(), value.clone()))
                .collect(),
            used: None,
        };
        // Held until the new pack is in place. Without a lock to take (a
        // folder that cannot be written, a file system without locks), the
        // pack is written as it would be alone.
        let _turn = match take_turn(&self.path, self.lock_wait) {
            Turn::Ours(lock) => Some(lock),
            Turn::Busy => return Ok((0, stored())),
            Turn::NoLock => None,
        };
        let current = Current::read(&self.path, *file);
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
        // What another run wrote since this one read the pack stays: the
        // other run used it. So the pack holds what the runs that overlapped
        // used, and no more (what the pack held before them is judged by
        // each as before); the first run that writes it with no other
        // between its read and its write brings it back to one run's
        // results. A value under the same key is the same result, whichever
        // run's is kept.
        for (key, value) in &current.values {
            kept.entry(key).or_insert(value);
        }
        dropped
            .values
            .retain(|(key, _)| !current.values.contains_key(key));
        dropped.used = *used;
        let written = serde_json::to_vec(&kept)
            .context("serializing the cache's pack")
            .and_then(|bytes| super::write_whole(&self.path, &bytes).map(|()| bytes.len()));
        match written {
            Ok(bytes) => Ok(((bytes as u64).saturating_sub(current.len), dropped)),
            // Nothing replaced the old pack: what it held stays there.
            Err(err) => Err((err, stored())),
        }
    }
}

/// Whether this run may write the pack now.
enum Turn {
    /// The lock beside the pack, held while it is open.
    Ours(fs::File),
    /// Another run held it longer than a run waits.
    Busy,
    /// There is no lock to take.
    NoLock,
}

/// Takes the lock beside the pack at `path`, waiting at most `wait`.
fn take_turn(path: &Path, wait: Duration) -> Turn {
    let mut name = OsString::from(path.as_os_str());
    name.push(".lock");
    let lock_path = PathBuf::from(name);
    if let Some(folder) = path.parent() {
        let _ = fs::create_dir_all(folder);
    }
    let deadline = Instant::now() + wait;
    loop {
        let Ok(lock) = fs::File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
        else {
            return Turn::NoLock;
        };
        match lock.try_lock() {
            // Eviction may have removed the lock file in between: a lock on
            // a file no longer there keeps no other run out.
            Ok(()) if is_at(&lock, &lock_path) => return Turn::Ours(lock),
            Ok(()) | Err(fs::TryLockError::WouldBlock) => {}
            Err(fs::TryLockError::Error(_)) => return Turn::NoLock,
        }
        if Instant::now() >= deadline {
            return Turn::Busy;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Whether `file` is still the one at `path`.
fn is_at(file: &fs::File, path: &Path) -> bool {
    identity(file.metadata().ok()).is_some_and(|id| Some(id) == identity(fs::metadata(path).ok()))
}

/// A file as a run saw it. A pack is only ever replaced by renaming a new
/// file into place, so another one at its path means another run wrote it
/// since; the time of its last change tells a new file from one that reuses
/// a freed inode. (A run served whole refreshing that time makes the pack
/// look written: the next writer keeps what it held, once.)
#[derive(Clone, Copy, PartialEq, Eq)]
struct FileId {
    device: u64,
    inode: u64,
    modified: (i64, i64),
}

fn identity(meta: Option<fs::Metadata>) -> Option<FileId> {
    meta.map(|meta| FileId {
        device: meta.dev(),
        inode: meta.ino(),
        modified: (meta.mtime(), meta.mtime_nsec()),
    })
}

/// The pack in place when this run writes its own.
struct Current {
    /// Its size, which the new pack replaces.
    len: u64,
    /// Its values if another run wrote it since this one read the pack
    /// (none if it is the file this run read, or cannot be read).
    values: HashMap<String, Box<RawValue>>,
}

impl Current {
    fn read(path: &Path, read_before: Option<FileId>) -> Current {
        let Ok(mut file) = fs::File::open(path) else {
            return Current {
                len: 0,
                values: HashMap::new(),
            };
        };
        let meta = file.metadata().ok();
        let len = meta.as_ref().map_or(0, fs::Metadata::len);
        let mut bytes = Vec::new();
        let values = if read_before.is_some() && identity(meta) == read_before {
            HashMap::new()
        } else if file.read_to_end(&mut bytes).is_ok() {
            serde_json::from_slice(&bytes).unwrap_or_default()
        } else {
            HashMap::new()
        };
        Current { len, values }
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
    let meta = file.metadata().ok();
    let used = meta.as_ref().and_then(|meta| meta.modified().ok());
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
        file: identity(meta),
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
            file.starts_with(&prefix) && file != name && !file.ends_with(".lock")
        })
        .filter_map(|entry| Some((entry.metadata().ok()?.modified().ok()?, entry.path())))
        .max()?;
    let mut seed = load(&newest.1)?;
    // Not this repository's pack: any pack of its own is another run's.
    seed.file = None;
    seed.seeded = true;
    Some(seed)
}

/// A lock whose holder panicked still guards whole values: each is
/// inserted in one step.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
