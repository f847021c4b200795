//! The read-only promise: after a run the checked tree is byte-identical,
//! ignored files included — no `__pycache__`, `.pytest_cache` or tool caches.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::{CliTest, exit_code, stderr, tools_python};

/// Every file and folder below `root` with its content hash.
pub(crate) fn listing(root: &Path) -> BTreeMap<String, String> {
    fn visit(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let rel = path.strip_prefix(root).unwrap().display().to_string();
            if path.is_dir() {
                out.insert(rel + "/", String::new());
                visit(root, &path, out);
            } else {
                let hash = Sha256::digest(std::fs::read(&path).unwrap());
                let hex = hash.iter().fold(String::new(), |mut hex, b| {
                    write!(hex, "{b:02x}").unwrap();
                    hex
                });
                out.insert(rel, hex);
            }
        }
    }
    let mut out = BTreeMap::new();
    visit(root, root, &mut out);
    out
}

#[test]
fn the_tree_is_unchanged_after_a_failing_run() {
    let Some(_) = tools_python() else { return };
    let test = CliTest::with_fixture("problems");
    let before = listing(&test.root());
    let (output, _) = test.check_json(&[]);
    assert_eq!(exit_code(&output), 1, "{}", stderr(&output));
    assert_eq!(listing(&test.root()), before);
}

#[test]
fn the_tree_is_unchanged_after_a_passing_run() {
    let Some(_) = tools_python() else { return };
    let test = CliTest::with_fixture("example");
    let before = listing(&test.root());
    let output = test.check(&[]);
    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    assert_eq!(listing(&test.root()), before);
}

#[test]
fn the_tree_is_unchanged_by_the_result_cache_cold_and_warm() {
    let Some(_) = tools_python() else { return };
    let test = CliTest::with_fixture("problems");
    let cache = crate::cache::private_cache(&test);
    let before = listing(&test.root());
    let cold = crate::cache::run(&test, &cache, &[]);
    let warm = crate::cache::run(&test, &cache, &[]);
    assert_eq!(warm["findings"], cold["findings"]);
    assert_eq!(listing(&test.root()), before);
    // Its entries are in the cache folder, outside the repository.
    assert!(cache.join("results").is_dir());
}
