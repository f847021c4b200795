//! Reading what git prints: NUL-separated names, `--name-status -z`, and
//! the new side of a unified diff's hunks (C-quoted paths included).

use std::collections::BTreeMap;

use anyhow::{Context, Result};

pub(super) fn split_nul(bytes: &[u8]) -> impl Iterator<Item = &str> {
    bytes
        .split(|&b| b == 0)
        .filter(|part| !part.is_empty())
        // Names that are not UTF-8 are not in `Repo` either (the walk
        // reports them).
        .filter_map(|part| std::str::from_utf8(part).ok())
}

pub(super) struct StatusEntry {
    pub(super) status: char,
    pub(super) path: String,
    pub(super) old_path: Option<String>,
}

/// `git diff --name-status -z`: `STATUS\0PATH\0`, or for renames and copies
/// `R100\0OLD\0NEW\0`.
pub(super) fn parse_name_status(bytes: &[u8]) -> Result<Vec<StatusEntry>> {
    let mut fields = bytes.split(|&b| b == 0).filter(|f| !f.is_empty());
    let mut entries = Vec::new();
    while let Some(status) = fields.next() {
        let status = String::from_utf8_lossy(status);
        let letter = status.chars().next().unwrap_or('?');
        let mut name = || {
            fields
                .next()
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .with_context(|| format!("`git diff --name-status` ended after status `{status}`"))
        };
        let (old_path, path) = if matches!(letter, 'R' | 'C') {
            let old = name()?;
            (Some(old), name()?)
        } else {
            (None, name()?)
        };
        entries.push(StatusEntry {
            // A copy leaves its source in place: the copy is a new file.
            status: if letter == 'C' { 'A' } else { letter },
            old_path: old_path.filter(|_| letter == 'R'),
            path,
        });
    }
    Ok(entries)
}

/// The new-side line ranges of each file in a `git diff -U0` patch, keyed by
/// the path after `+++ b/`.
pub(super) fn parse_hunks(patch: &[u8]) -> BTreeMap<String, Vec<(u32, u32)>> {
    let mut hunks: BTreeMap<String, Vec<(u32, u32)>> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in patch.split(|&b| b == b'\n') {
        if line.starts_with(b"diff ") {
            current = None;
        } else if let Some(target) = line.strip_prefix(b"+++ ") {
            current = new_side_path(target);
        } else if line.starts_with(b"@@ ")
            && let (Some(path), Some(range)) = (&current, hunk_new_range(line))
        {
            hunks.entry(path.clone()).or_default().push(range);
        }
    }
    hunks
}

/// The path of `+++ b/PATH`: git C-quotes names with control characters,
/// quotes or backslashes, and ends unquoted names holding a space with a tab.
pub(super) fn new_side_path(target: &[u8]) -> Option<String> {
    let raw = if target.first() == Some(&b'"') {
        unquote_c_style(target)?
    } else {
        target.strip_suffix(b"\t").unwrap_or(target).to_vec()
    };
    let path = raw.strip_prefix(b"b/")?;
    String::from_utf8(path.to_vec()).ok()
}

/// git's `quote_c_style`: `"…"` with `\\`, `\"`, `\a\b\f\n\r\t\v` and
/// three-digit octal escapes.
pub(super) fn unquote_c_style(quoted: &[u8]) -> Option<Vec<u8>> {
    let inner = quoted.strip_prefix(b"\"")?;
    let mut out = Vec::with_capacity(inner.len());
    let mut bytes = inner.iter().copied();
    while let Some(byte) = bytes.next() {
        match byte {
            b'"' => return Some(out),
            b'\\' => {
                let escaped = bytes.next()?;
                out.push(match escaped {
                    b'a' => 0x07,
                    b'b' => 0x08,
                    b'f' => 0x0c,
                    b'n' => b'\n',
                    b'r' => b'\r',
                    b't' => b'\t',
                    b'v' => 0x0b,
                    b'0'..=b'7' => {
                        let digits = [escaped, bytes.next()?, bytes.next()?];
                        let text = std::str::from_utf8(&digits).ok()?;
                        u8::from_str_radix(text, 8).ok()?
                    }
                    other => other,
                });
            }
            other => out.push(other),
        }
    }
    None
}

/// `@@ -a[,b] +c[,d] @@`: the new lines `c..=c+d-1`; `None` when the hunk
/// only removes lines (`d == 0`).
pub(super) fn hunk_new_range(header: &[u8]) -> Option<(u32, u32)> {
    let header = std::str::from_utf8(header).ok()?;
    let new = header.split(' ').nth(2)?.strip_prefix('+')?;
    let (start, count) = match new.split_once(',') {
        Some((start, count)) => (start.parse::<u32>().ok()?, count.parse::<u32>().ok()?),
        None => (new.parse::<u32>().ok()?, 1),
    };
    // Saturating: a header claiming more lines than exist must not panic,
    // nor drop the hunk (its lines would pass as old).
    (count > 0).then(|| (start, start.saturating_add(count - 1)))
}

#[cfg(test)]
mod fuzz {
    use proptest::prelude::*;

    use super::*;

    /// git's `quote_c_style`, the inverse of `unquote_c_style`.
    fn quote_c_style(raw: &[u8]) -> Vec<u8> {
        let mut out = vec![b'"'];
        for &byte in raw {
            match byte {
                b'"' | b'\\' => out.extend([b'\\', byte]),
                b'\n' => out.extend(b"\\n"),
                b'\t' => out.extend(b"\\t"),
                0x20..=0x7e => out.push(byte),
                _ => out.extend(format!("\\{byte:03o}").bytes()),
            }
        }
        out.push(b'"');
        out
    }

    proptest! {
        #![proptest_config(crate::fuzz::config())]

        /// `git diff --name-status -z` output of any shape: entries or an
        /// error, never a panic.
        #[test]
        fn any_name_status_parses_or_is_an_error(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = parse_name_status(&bytes);
        }

        /// Any patch: ranges whose start is not past their end.
        #[test]
        fn any_patch_gives_ordered_ranges(
            lines in proptest::collection::vec(
                prop_oneof![
                    "diff --git a/x b/x",
                    "\\+\\+\\+ (b/[a-z/ .]{1,12}|\"b/[^\"]{0,12}\"|/dev/null)\t?",
                    "@@ -[0-9]{1,10}(,[0-9]{1,10})? \\+[0-9]{1,11}(,[0-9]{1,11})? @@.{0,8}",
                    ".{0,20}",
                ],
                0..30,
            )
        ) {
            let patch = lines.join("\n");
            for ranges in parse_hunks(patch.as_bytes()).values() {
                for (start, end) in ranges {
                    prop_assert!(start <= end, "{start}..{end} from {patch:?}");
                }
            }
        }

        /// A hunk header's new side, for any numbers git could print.
        #[test]
        fn a_hunk_header_gives_its_new_lines(start in any::<u32>(), count in any::<u32>()) {
            let header = format!("@@ -1,2 +{start},{count} @@ def f():");
            let expected = (count > 0).then(|| (start, start.saturating_add(count - 1)));
            prop_assert_eq!(hunk_new_range(header.as_bytes()), expected);
        }

        /// Any path, however git quotes it, reads back as itself.
        #[test]
        fn a_quoted_path_reads_back(path in proptest::collection::vec(any::<u8>(), 1..40)) {
            let mut target = b"b/".to_vec();
            target.extend(&path);
            prop_assert_eq!(unquote_c_style(&quote_c_style(&target)), Some(target));
        }
    }
}
