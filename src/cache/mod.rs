//! The result cache: what a tool reported for one unit of work (a file, a
//! test folder, the whole set for Pylint's cross-file checks), stored under a
//! key that covers everything the result depends on. It lives in opsgate's
//! cache folder, never in the repository.
//!
//! One entry is one file, written to a temporary file and renamed into place,
//! so concurrent runs never see half an entry; an entry that cannot be read
//! or parsed is a miss. The folder is kept under a size bound by removing the
//! entries used longest ago (a hit refreshes an entry's modification time).
//! Measuring the folder means a `stat` of every entry, so it is measured only
//! when an estimate of its size (the last measure plus every byte written
//! since, kept beside the entries) passes the bound.
//!
//! A run of a repository reads from the repository's pack (one file holding
//! what its last run used, see `pack`) before the entries, and stores what it
//! found into the pack; a result becomes an entry of its own when a later run
//! drops it from the pack, so that other clones and a switch back find it.

mod pack;

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::SystemTime;

use anyhow::{Context, Result};
use rayon::prelude::*;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use pack::{Dropped, Pack};

/// Bump when what an entry holds or how keys are made changes.
const FORMAT: &str = "v1";

/// How old an entry's last use may be before a hit records a new one.
const REFRESH_AFTER: std::time::Duration = std::time::Duration::from_hours(1);

/// The folder of the packs, beside the entries' folders (named by the first
/// two hexadecimal digits of their keys, so never this).
const PACK_FOLDER: &str = "pk";

/// Default bound on the folder's size.
pub(crate) const DEFAULT_MAX_BYTES: u64 = 512 * 1024 * 1024;

pub(crate) struct ResultCache {
    dir: Option<PathBuf>,
    max_bytes: u64,
    /// Bytes this run wrote into the folder.
    written: AtomicU64,
    warned: AtomicBool,
    /// The repository's pack, once `with_pack` names it.
    pack: Option<Pack>,
}

#[derive(Serialize, Deserialize)]
struct Entry<T> {
    /// The full key, so that a file name clash can never serve another's result.
    key: String,
    value: T,
}

impl ResultCache {
    /// The cache under `cache_root`, or one that never hits (`--no-cache`).
    pub(crate) fn open(cache_root: Option<&Path>, max_bytes: u64) -> ResultCache {
        ResultCache {
            dir: cache_root.map(|root| root.join("results").join(FORMAT)),
            max_bytes,
            written: AtomicU64::new(0),
            warned: AtomicBool::new(false),
            pack: None,
        }
    }

    /// Serves this run from the pack of the repository at `root` checking
    /// `shard` ("" for all of it) first, and keeps what the run used and
    /// stored there (with `keeps_unused`, what it did not use too); reading
    /// it starts now. A repository without a pack of its own (a new clone, a
    /// CI job in another folder) starts from the newest pack of the same
    /// shard.
    pub(crate) fn with_pack(mut self, root: &str, shard: &str, keeps_unused: bool) -> ResultCache {
        if let Some(dir) = &self.dir {
            let family = crate::hash::short_digest([shard], 4);
            let name = format!("{family}.{}", crate::hash::short_digest([root, shard], 20));
            // Among the entries' folders, so that eviction counts and ages it.
            self.pack = Some(Pack::open(
                dir.join(PACK_FOLDER),
                name,
                family,
                keeps_unused,
            ));
        }
        self
    }

    pub(crate) fn enabled(&self) -> bool {
        self.dir.is_some()
    }

    /// A file of opsgate's cache folder beside the results, kept when the
    /// results are cleared (measured costs).
    pub(crate) fn beside(&self, name: &str) -> Option<PathBuf> {
        Some(self.dir.as_ref()?.parent()?.parent()?.join(name))
    }

    /// The bytes of the file `name` beside the results; `None` with the
    /// cache off, or when it is missing or unreadable.
    pub(crate) fn read_beside(&self, name: &str) -> Option<Vec<u8>> {
        fs::read(self.beside(name)?).ok()
    }

    /// Writes the file `name` beside the results whole (concurrent runs
    /// never see half of it). What is kept there only saves or explains
    /// work, so a file that cannot be written costs nothing else.
    pub(crate) fn write_beside(&self, name: &str, bytes: &[u8]) {
        if let Some(path) = self.beside(name) {
            let _ = write_whole(&path, bytes);
        }
    }

    fn path_of(&self, key: &str) -> Option<PathBuf> {
        let dir = self.dir.as_ref()?;
        Some(dir.join(&key[..2.min(key.len())]).join(key))
    }

    /// The stored value for `key`; anything unreadable is a miss.
    pub(crate) fn get<T: DeserializeOwned>(&self, key: &str) -> Option<T> {
        if let Some(pack) = &self.pack
            && let Some(value) = pack.get(key).and_then(|raw| parse(raw))
        {
            return Some(value);
        }
        let raw = self.read_entry(key)?;
        let value = parse(&raw)?;
        if let Some(pack) = &self.pack {
            pack.add(key, raw);
        }
        Some(value)
    }

    /// The stored form of the entry for `key`, read from its file.
    fn read_entry(&self, key: &str) -> Option<Box<RawValue>> {
        let path = self.path_of(key)?;
        let file = fs::File::open(&path).ok()?;
        // One `stat` gives the size to read and the time of last use.
        let meta = file.metadata().ok()?;
        let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).ok()? + 1);
        (&file).take(u64::MAX).read_to_end(&mut bytes).ok()?;
        let entry: Entry<Box<RawValue>> = serde_json::from_slice(&bytes).ok()?;
        if entry.key != key {
            return None;
        }
        // Recently used entries are the last to be evicted. An hour is close
        // enough for that, and spares a write per hit on a warm run.
        refresh_if_old(&file, meta.modified().ok());
        Some(entry.value)
    }

    /// Stores `value` under `key`: in the pack, when the run has one (it is
    /// written out as an entry once the pack drops it), else as an entry. A
    /// cache that cannot be written costs speed, not correctness: the first
    /// failure is reported once on stderr.
    pub(crate) fn put<T: Serialize>(&self, key: &str, value: &T) {
        if self.dir.is_none() {
            return;
        }
        let raw = match serde_json::value::to_raw_value(value).context("serializing a cache entry")
        {
            Ok(raw) => raw,
            Err(err) => return self.warn(&err),
        };
        match &self.pack {
            Some(pack) => pack.store(key, raw),
            None => {
                if let Some(path) = self.path_of(key) {
                    self.write_out(&path, key, &raw, None);
                }
            }
        }
    }

    /// Writes the entry of `key` at `path`, last used at `used` (now if
    /// `None`).
    fn write_out(&self, path: &Path, key: &str, raw: &RawValue, used: Option<SystemTime>) {
        match write_entry(path, key, raw, used) {
            Ok(len) => {
                self.written.fetch_add(len, Ordering::Relaxed);
            }
            Err(err) => self.warn(&err),
        }
    }

    /// Writes out as entries the values the pack no longer holds, but those
    /// that are entries already (the same key holds the same result). In
    /// parallel: creating a file is the slow part of a store.
    fn spill(&self, dropped: &Dropped) {
        let used = dropped.used.unwrap_or_else(SystemTime::now);
        dropped.values.par_iter().for_each(|(key, raw)| {
            if let Some(path) = self.path_of(key).filter(|path| !path.exists()) {
                self.write_out(&path, key, raw, Some(used));
            }
        });
    }

    fn warn(&self, err: &anyhow::Error) {
        if !self.warned.swap(true, Ordering::Relaxed) {
            anstream::eprintln!("opsgate: warning: the result cache is not being written: {err:#}");
        }
    }

    /// At the end of a sound run: writes the pack anew if it lacks what the
    /// run used, then trims the folder.
    pub(crate) fn finish(&self) {
        if let Some(pack) = &self.pack {
            let dropped = match pack.finish() {
                Ok((grown, dropped)) => {
                    self.written.fetch_add(grown, Ordering::Relaxed);
                    dropped
                }
                Err((err, stored)) => {
                    self.warn(&err);
                    stored
                }
            };
            self.spill(&dropped);
        }
        self.evict();
    }

    /// Where the estimate of the folder's size is kept.
    fn estimate_path(&self) -> Option<PathBuf> {
        Some(self.dir.as_ref()?.with_extension("size"))
    }

    /// Removes the least recently used entries while the folder is over its
    /// bound; only after a run that added entries, and only when the estimate
    /// of the folder's size says it may be over. Concurrent runs may each
    /// miss the other's bytes in the estimate: the next measure corrects it.
    fn evict(&self) {
        let (Some(dir), Some(estimate_path)) = (&self.dir, self.estimate_path()) else {
            return;
        };
        let written = self.written.load(Ordering::Relaxed);
        if written == 0 {
            return;
        }
        // No estimate (a new folder, or one from before estimates): measure.
        let estimate = fs::read_to_string(&estimate_path)
            .ok()
            .and_then(|text| text.trim().parse::<u64>().ok())
            .map(|measured| measured.saturating_add(written));
        if let Some(estimate) = estimate.filter(|estimate| *estimate <= self.max_bytes) {
            write_estimate(&estimate_path, estimate);
            return;
        }
        let mut entries = Vec::new();
        let mut total = 0u64;
        for shard in fs::read_dir(dir).into_iter().flatten().flatten() {
            for entry in fs::read_dir(shard.path()).into_iter().flatten().flatten() {
                let Ok(meta) = entry.metadata() else { continue };
                total += meta.len();
                let used = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
                entries.push((used, meta.len(), entry.path()));
            }
        }
        if total > self.max_bytes {
            entries.sort();
            // Down to 80 % of the bound, so that the next runs do not evict again.
            let target = self.max_bytes / 5 * 4;
            for (_, len, path) in entries {
                if total <= target {
                    break;
                }
                if fs::remove_file(&path).is_ok() {
                    total = total.saturating_sub(len);
                }
            }
        }
        write_estimate(&estimate_path, total);
    }
}

/// A stored value as `T`; a value of another shape is a miss.
fn parse<T: DeserializeOwned>(raw: &RawValue) -> Option<T> {
    serde_json::from_str(raw.get()).ok()
}

/// Marks a file used now, if its last recorded use is over `REFRESH_AFTER` ago.
fn refresh_if_old(file: &fs::File, used: Option<SystemTime>) {
    let now = SystemTime::now();
    if used.is_none_or(|used| now.duration_since(used).unwrap_or_default() > REFRESH_AFTER) {
        let _ = file.set_modified(now);
    }
}

/// `refresh_if_old` for the file at `path`, if there is one.
fn refresh_path_if_old(path: &Path) {
    if let Ok(file) = fs::File::options().append(true).open(path) {
        refresh_if_old(&file, file.metadata().and_then(|m| m.modified()).ok());
    }
}

/// Replaces the estimate whole (a reader never sees half a number); a
/// failure costs only an early measure next time.
fn write_estimate(path: &Path, bytes: u64) {
    let _ = write_whole(path, bytes.to_string().as_bytes());
}

/// Writes one entry; returns how many bytes it holds.
fn write_entry(path: &Path, key: &str, value: &RawValue, used: Option<SystemTime>) -> Result<u64> {
    let entry = Entry {
        key: key.to_owned(),
        value,
    };
    // Serialized whole, then written at once: straight into the file,
    // serde writes each token with its own system call.
    let bytes = serde_json::to_vec(&entry).context("serializing a cache entry")?;
    write_file(path, &bytes, used)?;
    Ok(bytes.len() as u64)
}

/// The name beside the results of `folder`'s record of the repository at
/// `root` (one per repository path).
pub(crate) fn repository_record(folder: &str, root: &Path) -> String {
    let digest = crate::hash::short_digest([root.to_string_lossy().as_bytes()], 16);
    format!("{folder}/{digest}.json")
}

/// Writes `bytes` to a temporary file beside `path` and renames it into
/// place, so that concurrent runs never see half a file.
fn write_whole(path: &Path, bytes: &[u8]) -> Result<()> {
    write_file(path, bytes, None)
}

/// `write_whole`, the file's time of last use set to `used` (for eviction).
fn write_file(path: &Path, bytes: &[u8], used: Option<SystemTime>) -> Result<()> {
    let dir = path.parent().context("a cache file has a folder")?;
    fs::create_dir_all(dir).with_context(|| format!("creating `{}`", dir.display()))?;
    let mut temp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("creating a temporary file in `{}`", dir.display()))?;
    temp.write_all(bytes)
        .with_context(|| format!("writing `{}`", path.display()))?;
    if let Some(used) = used {
        // Only for eviction's order: a file that keeps today's time is
        // evicted later than it would be, nothing worse.
        let _ = temp.as_file().set_modified(used);
    }
    temp.persist(path)
        .with_context(|| format!("renaming a cache file into `{}`", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ResultCache::open(Some(dir.path()), DEFAULT_MAX_BYTES);
        assert_eq!(cache.get::<Vec<u32>>("abcdef"), None);
        cache.put("abcdef", &vec![1u32, 2]);
        assert_eq!(cache.get::<Vec<u32>>("abcdef"), Some(vec![1, 2]));
    }

    #[test]
    fn a_corrupt_or_foreign_entry_is_a_miss() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ResultCache::open(Some(dir.path()), DEFAULT_MAX_BYTES);
        cache.put("abcdef", &1u32);
        let path = cache.path_of("abcdef").unwrap();
        fs::write(&path, b"{\"key\":\"abcdef\",\"value\":").unwrap();
        assert_eq!(cache.get::<u32>("abcdef"), None);
        fs::write(&path, b"{\"key\":\"other\",\"value\":1}").unwrap();
        assert_eq!(cache.get::<u32>("abcdef"), None);
        fs::write(&path, b"{\"key\":\"abcdef\",\"value\":\"text\"}").unwrap();
        assert_eq!(cache.get::<u32>("abcdef"), None);
    }

    #[test]
    fn disabled_never_hits_and_writes_nothing() {
        let cache = ResultCache::open(None, DEFAULT_MAX_BYTES);
        cache.put("abcdef", &1u32);
        assert_eq!(cache.get::<u32>("abcdef"), None);
        assert!(!cache.enabled());
    }

    #[test]
    fn eviction_keeps_the_folder_under_its_bound_and_the_recent_entries() {
        let dir = tempfile::tempdir().unwrap();
        let value = "x".repeat(1000);
        let cache = ResultCache::open(Some(dir.path()), 10_000);
        for n in 0..30 {
            let key = format!("{n:02}key");
            cache.put(&key, &value);
            let old = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000 + n);
            let file = fs::File::options()
                .append(true)
                .open(cache.path_of(&key).unwrap())
                .unwrap();
            file.set_modified(old).unwrap();
        }
        assert!(cache.get::<String>("29key").is_some());
        cache.evict();
        let remaining: u64 = walk_sizes(&dir.path().join("results").join(FORMAT));
        assert!(remaining <= 8_000, "{remaining} bytes left");
        assert!(
            cache.get::<String>("29key").is_some(),
            "the recent entry stays"
        );
        assert!(cache.get::<String>("00key").is_none(), "the oldest goes");
    }

    #[test]
    fn the_folder_is_measured_once_the_bytes_written_since_may_pass_the_bound() {
        let dir = tempfile::tempdir().unwrap();
        let value = "x".repeat(1000);
        let results = dir.path().join("results").join(FORMAT);
        // A first run measures (there is no estimate yet): 4 KB, under 10 KB.
        let first = ResultCache::open(Some(dir.path()), 10_000);
        for n in 0..4 {
            first.put(&format!("{n:02}key"), &value);
        }
        first.evict();
        assert_eq!(walk_sizes(&results), 4 * entry_len(&value));
        // A second adds 4 KB: the estimate (8 KB) is under, nothing is removed.
        let second = ResultCache::open(Some(dir.path()), 10_000);
        for n in 4..8 {
            second.put(&format!("{n:02}key"), &value);
        }
        second.evict();
        assert_eq!(walk_sizes(&results), 8 * entry_len(&value));
        // A third adds 4 KB more: the estimate passes 10 KB, so the folder is
        // measured and brought down to 8 KB, the oldest entries first.
        let third = ResultCache::open(Some(dir.path()), 10_000);
        for n in 8..12 {
            third.put(&format!("{n:02}key"), &value);
        }
        third.evict();
        let remaining = walk_sizes(&results);
        assert!(remaining <= 8_000, "{remaining} bytes left");
        assert!(third.get::<String>("11key").is_some());
        assert!(third.get::<String>("00key").is_none());
    }

    #[test]
    fn a_damaged_estimate_means_measuring_not_failing() {
        let dir = tempfile::tempdir().unwrap();
        let value = "x".repeat(1000);
        let cache = ResultCache::open(Some(dir.path()), 3_000);
        for n in 0..4 {
            cache.put(&format!("{n:02}key"), &value);
        }
        // Far under the bound, but not a number: the folder is measured.
        fs::write(cache.estimate_path().unwrap(), "<<<<<<< conflict\n").unwrap();
        cache.evict();
        let results = dir.path().join("results").join(FORMAT);
        assert!(walk_sizes(&results) <= 2_400);
        let kept = fs::read_to_string(cache.estimate_path().unwrap()).unwrap();
        assert_eq!(kept.parse::<u64>().unwrap(), walk_sizes(&results));
    }

    fn entry_len(value: &str) -> u64 {
        serde_json::to_vec(&Entry {
            key: "00key".to_owned(),
            value,
        })
        .unwrap()
        .len() as u64
    }

    fn walk_sizes(dir: &Path) -> u64 {
        fs::read_dir(dir)
            .unwrap()
            .flatten()
            .flat_map(|shard| fs::read_dir(shard.path()).unwrap().flatten())
            .map(|entry| entry.metadata().unwrap().len())
            .sum()
    }

    /// A cache of `dir` with the pack of `scope`.
    fn packed(dir: &Path, scope: &str) -> ResultCache {
        ResultCache::open(Some(dir), DEFAULT_MAX_BYTES).with_pack(scope, "", false)
    }

    /// The keys of the entries' files (not the packs).
    fn entry_keys(dir: &Path) -> Vec<String> {
        let mut keys = Vec::new();
        for shard in fs::read_dir(dir.join("results").join(FORMAT)).unwrap() {
            let shard = shard.unwrap().path();
            if shard.is_dir() && shard.file_name().unwrap() != PACK_FOLDER {
                for entry in fs::read_dir(shard).unwrap() {
                    keys.push(entry.unwrap().file_name().to_string_lossy().into_owned());
                }
            }
        }
        keys.sort();
        keys
    }

    /// Removes every entry's file, leaving the packs.
    fn remove_entries(dir: &Path) {
        for shard in fs::read_dir(dir.join("results").join(FORMAT)).unwrap() {
            let shard = shard.unwrap().path();
            if shard.file_name().unwrap() != PACK_FOLDER {
                fs::remove_dir_all(shard).unwrap();
            }
        }
    }

    /// What the pack at `path` holds, as numbers.
    fn pack_values(path: impl AsRef<Path>) -> std::collections::BTreeMap<String, u32> {
        serde_json::from_slice(&fs::read(path).unwrap()).unwrap()
    }

    /// The packs, without the locks beside them.
    fn pack_files(dir: &Path) -> Vec<PathBuf> {
        let packs = dir.join("results").join(FORMAT).join(PACK_FOLDER);
        fs::read_dir(packs)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_none_or(|ext| ext != "lock"))
            .collect()
    }

    fn pack_file(dir: &Path) -> PathBuf {
        let mut found = pack_files(dir);
        assert_eq!(found.len(), 1, "{found:?}");
        found.pop().unwrap()
    }

    #[test]
    fn a_run_is_served_from_what_the_last_run_of_its_repository_used() {
        let dir = tempfile::tempdir().unwrap();
        let first = packed(dir.path(), "repo");
        first.put("aakey", &vec![1u32]);
        first.put("bbkey", &"two".to_owned());
        first.finish();
        // Without the entries' files, only the pack can answer.
        remove_entries(dir.path());
        let second = packed(dir.path(), "repo");
        assert_eq!(second.get::<Vec<u32>>("aakey"), Some(vec![1]));
        assert_eq!(second.get::<String>("bbkey"), Some("two".to_owned()));
        assert_eq!(second.get::<u32>("cckey"), None);
        // A value of another shape is a miss there as in an entry.
        assert_eq!(second.get::<u32>("aakey"), None);
    }

    #[test]
    fn a_repository_without_a_pack_starts_from_the_newest_of_its_shard() {
        let dir = tempfile::tempdir().unwrap();
        let first = packed(dir.path(), "/builds/0/repo");
        first.put("aakey", &1u32);
        first.put("bbkey", &2u32);
        first.finish();
        let first_pack = pack_file(dir.path());
        let before = fs::read(&first_pack).unwrap();
        // The same repository in another folder: served from that pack,
        // which it leaves as it is; its own holds what it used and stored.
        let moved = packed(dir.path(), "/builds/1/repo");
        assert_eq!(moved.get::<u32>("aakey"), Some(1));
        moved.put("cckey", &3u32);
        moved.finish();
        assert_eq!(fs::read(&first_pack).unwrap(), before);
        assert_eq!(entry_keys(dir.path()), Vec::<String>::new());
        remove_entries(dir.path());
        let own: Vec<PathBuf> = pack_files(dir.path())
            .into_iter()
            .filter(|path| *path != first_pack)
            .collect();
        let kept = pack_values(&own[0]);
        assert_eq!(
            kept.into_iter().collect::<Vec<_>>(),
            [("aakey".to_owned(), 1), ("cckey".to_owned(), 3)]
        );
        // Another shard starts from no pack of the whole repository's.
        let shard = cache_of(dir.path()).with_pack("/builds/2/repo", "2/2", false);
        assert_eq!(shard.get::<u32>("aakey"), None);
    }

    #[test]
    fn the_pack_keeps_what_its_last_run_used_and_only_that() {
        let dir = tempfile::tempdir().unwrap();
        first_run_of_two(dir.path());
        // One entry used, one stored, one (bbkey) no longer used.
        let second = packed(dir.path(), "repo");
        assert_eq!(second.get::<u32>("aakey"), Some(1));
        second.put("cckey", &3u32);
        second.finish();
        let kept = pack_values(pack_file(dir.path()));
        assert_eq!(
            kept.into_iter().collect::<Vec<_>>(),
            [("aakey".to_owned(), 1), ("cckey".to_owned(), 3)]
        );
        // An entry found outside the pack joins it.
        let third = packed(dir.path(), "repo");
        assert_eq!(third.get::<u32>("bbkey"), Some(2));
        third.finish();
        remove_entries(dir.path());
        let fourth = packed(dir.path(), "repo");
        assert_eq!(fourth.get::<u32>("bbkey"), Some(2));
    }

    /// A first run of "repo" that stored `aakey` = 1 and `bbkey` = 2.
    fn first_run_of_two(dir: &Path) {
        let first = packed(dir, "repo");
        first.put("aakey", &1u32);
        first.put("bbkey", &2u32);
        first.finish();
    }

    /// The pack of a run that stored `aakey` = 1.
    fn pack_of_one_entry(dir: &Path) -> PathBuf {
        let first = packed(dir, "repo");
        first.put("aakey", &1u32);
        first.finish();
        pack_file(dir)
    }

    #[test]
    fn a_run_the_pack_served_whole_does_not_write_it() {
        let dir = tempfile::tempdir().unwrap();
        let pack = pack_of_one_entry(dir.path());
        let recent = SystemTime::now() - std::time::Duration::from_mins(10);
        fs::File::options()
            .append(true)
            .open(&pack)
            .unwrap()
            .set_modified(recent)
            .unwrap();
        let second = packed(dir.path(), "repo");
        assert_eq!(second.get::<u32>("aakey"), Some(1));
        second.finish();
        assert_eq!(fs::metadata(&pack).unwrap().modified().unwrap(), recent);
    }

    #[test]
    fn a_pack_written_anew_counts_only_what_it_grew_by() {
        let dir = tempfile::tempdir().unwrap();
        let pack = pack_of_one_entry(dir.path());
        let estimate = |cache: &ResultCache| -> u64 {
            fs::read_to_string(cache.estimate_path().unwrap())
                .unwrap()
                .parse()
                .unwrap()
        };
        // The same result stored again: the pack, written anew, is the size
        // of the one it replaces.
        let same = packed(dir.path(), "repo");
        let before = estimate(&same);
        let pack_len = fs::metadata(&pack).unwrap().len();
        same.put("aakey", &1u32);
        same.finish();
        assert_eq!(fs::metadata(&pack).unwrap().len(), pack_len);
        assert_eq!(estimate(&same), before);
        // One more result: the pack grows by it.
        let more = packed(dir.path(), "repo");
        assert_eq!(more.get::<u32>("aakey"), Some(1));
        more.put("bbkey", &2u32);
        more.finish();
        let grown = fs::metadata(&pack).unwrap().len() - pack_len;
        assert!(grown > 0);
        assert_eq!(estimate(&more), before + grown);
    }

    #[test]
    fn a_damaged_pack_is_a_miss_and_written_anew() {
        let dir = tempfile::tempdir().unwrap();
        let pack = pack_of_one_entry(dir.path());
        for damage in [&b"{\"aakey\": 7"[..], b"\x00\xff", b"[1, 2]", b""] {
            fs::write(&pack, damage).unwrap();
            let again = packed(dir.path(), "repo");
            // What the pack alone held is lost: a miss, so the tool runs.
            assert_eq!(again.get::<u32>("aakey"), None, "{damage:?}");
            again.put("aakey", &1u32);
            again.finish();
            assert_eq!(fs::read_to_string(&pack).unwrap(), r#"{"aakey":1}"#);
        }
    }

    #[test]
    fn a_result_is_kept_in_the_pack_alone_until_a_run_drops_it() {
        let dir = tempfile::tempdir().unwrap();
        first_run_of_two(dir.path());
        assert_eq!(entry_keys(dir.path()), Vec::<String>::new());
        let last_used = SystemTime::now() - std::time::Duration::from_mins(30);
        fs::File::options()
            .append(true)
            .open(pack_file(dir.path()))
            .unwrap()
            .set_modified(last_used)
            .unwrap();
        // bbkey's file changed: the next run uses aakey and stores cckey.
        let second = packed(dir.path(), "repo");
        assert_eq!(second.get::<u32>("aakey"), Some(1));
        second.put("cckey", &3u32);
        second.finish();
        // bbkey left the pack and became an entry, last used when the pack was.
        assert_eq!(entry_keys(dir.path()), ["bbkey"]);
        let entry = cache_of(dir.path()).path_of("bbkey").unwrap();
        assert_eq!(fs::metadata(entry).unwrap().modified().unwrap(), last_used);
        // Switching back, or another repository with the same file, finds it.
        let other = cache_of(dir.path()).with_pack("another clone", "1/2", false);
        assert_eq!(other.get::<u32>("bbkey"), Some(2));
        assert_eq!(other.get::<u32>("cckey"), None);
    }

    #[test]
    fn what_else_lies_among_the_packs_is_a_miss_not_a_failure() {
        let dir = tempfile::tempdir().unwrap();
        let packs = dir.path().join("results").join(FORMAT).join(PACK_FOLDER);
        let family = crate::hash::short_digest([""], 4);
        // Garbage, then (the newest) a folder, both named as packs are.
        fs::create_dir_all(&packs).unwrap();
        fs::write(packs.join(format!("{family}.garbage")), b"\xff{[").unwrap();
        let folder = packs.join(format!("{family}.folder"));
        fs::create_dir(&folder).unwrap();
        let later = SystemTime::now() + std::time::Duration::from_mins(1);
        fs::File::open(&folder)
            .unwrap()
            .set_modified(later)
            .unwrap();
        let run = packed(dir.path(), "repo");
        assert_eq!(run.get::<u32>("aakey"), None);
        run.put("aakey", &1u32);
        run.finish();
        assert_eq!(packed(dir.path(), "repo").get::<u32>("aakey"), Some(1));
    }

    #[test]
    fn a_run_that_stored_nothing_drops_nothing() {
        let dir = tempfile::tempdir().unwrap();
        first_run_of_two(dir.path());
        cache_of(dir.path()).put("cckey", &3u32);
        // Served by the pack (aakey) and an entry (cckey), bbkey not looked
        // up: the pack takes cckey in and keeps bbkey.
        let served = packed(dir.path(), "repo");
        assert_eq!(served.get::<u32>("aakey"), Some(1));
        assert_eq!(served.get::<u32>("cckey"), Some(3));
        served.finish();
        assert_eq!(entry_keys(dir.path()), ["cckey"]);
        let kept = pack_values(pack_file(dir.path()));
        assert_eq!(kept.len(), 3);
    }

    /// A run of "repo" that has read the pack (as a run does while it
    /// reads the tree).
    fn started(dir: &Path) -> ResultCache {
        let run = packed(dir, "repo");
        assert_eq!(run.get::<u32>("zzkey"), None);
        run
    }

    #[test]
    fn runs_at_once_each_keep_what_they_stored() {
        let dir = tempfile::tempdir().unwrap();
        let (first, second) = (started(dir.path()), started(dir.path()));
        first.put("aakey", &1u32);
        second.put("bbkey", &2u32);
        first.finish();
        second.finish();
        assert_eq!(entry_keys(dir.path()), Vec::<String>::new());
        let kept = pack_values(pack_file(dir.path()));
        assert_eq!(
            kept.into_iter().collect::<Vec<_>>(),
            [("aakey".to_owned(), 1), ("bbkey".to_owned(), 2)]
        );
    }

    #[test]
    fn a_pack_written_by_runs_at_once_holds_what_they_used_and_no_more() {
        let dir = tempfile::tempdir().unwrap();
        first_run_of_two(dir.path());
        // Both use aakey; neither bbkey (its file changed).
        let (first, second) = (started(dir.path()), started(dir.path()));
        assert_eq!(first.get::<u32>("aakey"), Some(1));
        assert_eq!(second.get::<u32>("aakey"), Some(1));
        first.put("cckey", &3u32);
        second.put("ddkey", &4u32);
        first.finish();
        second.finish();
        let kept = pack_values(pack_file(dir.path()));
        assert_eq!(kept.keys().collect::<Vec<_>>(), ["aakey", "cckey", "ddkey"]);
        assert_eq!(entry_keys(dir.path()), ["bbkey"]);
        // The next run alone keeps only what it used.
        let alone = started(dir.path());
        assert_eq!(alone.get::<u32>("aakey"), Some(1));
        alone.put("eekey", &5u32);
        alone.finish();
        let kept = pack_values(pack_file(dir.path()));
        assert_eq!(kept.keys().collect::<Vec<_>>(), ["aakey", "eekey"]);
        assert_eq!(entry_keys(dir.path()), ["bbkey", "cckey", "ddkey"]);
    }

    #[test]
    fn a_run_that_cannot_take_the_lock_writes_its_results_as_entries() {
        let dir = tempfile::tempdir().unwrap();
        let pack = pack_of_one_entry(dir.path());
        let before = fs::read(&pack).unwrap();
        let mut lock_path = pack.clone().into_os_string();
        lock_path.push(".lock");
        // Another run writing the pack, for longer than a run waits.
        let held = fs::File::create(&lock_path).unwrap();
        held.lock().unwrap();
        let mut run = started(dir.path());
        run.pack
            .as_mut()
            .unwrap()
            .set_lock_wait(std::time::Duration::from_millis(50));
        assert_eq!(run.get::<u32>("aakey"), Some(1));
        run.put("bbkey", &2u32);
        run.finish();
        assert_eq!(fs::read(&pack).unwrap(), before);
        assert_eq!(entry_keys(dir.path()), ["bbkey"]);
        assert_eq!(cache_of(dir.path()).get::<u32>("bbkey"), Some(2));
    }

    fn cache_of(dir: &Path) -> ResultCache {
        ResultCache::open(Some(dir), DEFAULT_MAX_BYTES)
    }

    #[test]
    fn a_run_of_part_of_the_files_keeps_what_it_did_not_use() {
        let dir = tempfile::tempdir().unwrap();
        first_run_of_two(dir.path());
        let part = cache_of(dir.path()).with_pack("repo", "", true);
        assert_eq!(part.get::<u32>("aakey"), Some(1));
        part.put("cckey", &3u32);
        part.finish();
        assert_eq!(entry_keys(dir.path()), Vec::<String>::new());
        let kept = pack_values(pack_file(dir.path()));
        assert_eq!(kept.len(), 3);
    }

    #[test]
    fn results_are_written_as_entries_when_the_pack_cannot_be() {
        let dir = tempfile::tempdir().unwrap();
        let results = dir.path().join("results").join(FORMAT);
        fs::create_dir_all(&results).unwrap();
        // The packs' folder is a file: no pack can be written there.
        fs::write(results.join(PACK_FOLDER), "in the way").unwrap();
        let run = packed(dir.path(), "repo");
        run.put("aakey", &1u32);
        run.finish();
        assert_eq!(entry_keys(dir.path()), ["aakey"]);
        assert_eq!(cache_of(dir.path()).get::<u32>("aakey"), Some(1));
    }

    #[test]
    fn concurrent_writers_leave_a_whole_entry() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ResultCache::open(Some(dir.path()), DEFAULT_MAX_BYTES);
        let big: Vec<u32> = (0..50_000).collect();
        std::thread::scope(|scope| {
            for _ in 0..4 {
                scope.spawn(|| {
                    for _ in 0..10 {
                        cache.put("samekey", &big);
                        if let Some(read) = cache.get::<Vec<u32>>("samekey") {
                            assert_eq!(read, big);
                        }
                    }
                });
            }
        });
        assert_eq!(cache.get::<Vec<u32>>("samekey"), Some(big));
    }
}
