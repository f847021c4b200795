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
    (count > 0).then(|| (start, start + count - 1))
}
