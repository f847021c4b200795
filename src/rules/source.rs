//! Reading a file for the rules: once, with a size cap, tolerant of binary
//! content and invalid UTF-8, so that bad input gives findings, not panics.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use anyhow::{Context, Result};

/// Files larger than this are read only up to it: a script or README this
/// large is generated, and its head is enough for every rule.
pub(crate) const MAX_BYTES: u64 = 2 * 1024 * 1024;

/// A file's text as the rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Source {
    /// Lossily decoded text; `truncated` when the file was larger than the cap.
    Text { text: String, truncated: bool },
    /// A NUL byte near the start: not text, nothing to check.
    Binary,
}

impl Source {
    pub(crate) fn text(&self) -> Option<&str> {
        match self {
            Source::Text { text, .. } => Some(text),
            Source::Binary => None,
        }
    }
}

pub(crate) fn read(path: &Path) -> Result<Source> {
    let file = File::open(path).with_context(|| format!("opening `{}`", path.display()))?;
    // Sized from the start: grown from empty, a small file takes a read per
    // doubling of the buffer (six for a 1 KiB script) instead of two.
    let size = file.metadata().map_or(0, |meta| meta.len()).min(MAX_BYTES);
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0) + 1);
    file.take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("reading `{}`", path.display()))?;
    Ok(decode(bytes))
}

/// A file's bytes as the rules see them; bytes past the cap are dropped.
pub(crate) fn decode(mut bytes: Vec<u8>) -> Source {
    if bytes[..bytes.len().min(8192)].contains(&0) {
        return Source::Binary;
    }
    let truncated = bytes.len() as u64 > MAX_BYTES;
    if truncated {
        bytes.truncate(usize::try_from(MAX_BYTES).unwrap_or(usize::MAX));
    }
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => String::from_utf8_lossy(err.as_bytes()).into_owned(),
    };
    // A byte-order mark is not part of the first line.
    let text = match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_owned(),
        None => text,
    };
    Source::Text { text, truncated }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_and_invalid_utf8_do_not_fail() {
        assert_eq!(decode(b"\x7fELF\0\0".to_vec()), Source::Binary);
        let Source::Text { text, truncated } = decode(b"ok\xff\xfe line\n".to_vec()) else {
            panic!("text expected");
        };
        assert!(text.starts_with("ok") && text.ends_with(" line\n"));
        assert!(!truncated);
    }

    #[test]
    fn huge_files_are_capped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.py");
        std::fs::write(&path, "x = 1\n".repeat(500_000)).unwrap();
        let Source::Text { text, truncated } = read(&path).unwrap() else {
            panic!("text expected");
        };
        assert!(truncated);
        assert_eq!(text.len() as u64, MAX_BYTES);
    }
}
