//! Short hexadecimal digests for fingerprints and cache keys.

use std::fmt::Write;

use sha2::{Digest, Sha256};

/// The first `bytes` bytes of the SHA-256 of `parts`, each part terminated by
/// a NUL so that `["ab", "c"]` and `["a", "bc"]` differ.
pub(crate) fn short_digest<I, P>(parts: I, bytes: usize) -> String
where
    I: IntoIterator<Item = P>,
    P: AsRef<[u8]>,
{
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_ref());
        hasher.update([0]);
    }
    hasher
        .finalize()
        .iter()
        .take(bytes)
        .fold(String::with_capacity(bytes * 2), |mut hex, byte| {
            write!(hex, "{byte:02x}").expect("writing to a String cannot fail");
            hex
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_separated() {
        assert_ne!(short_digest(["ab", "c"], 8), short_digest(["a", "bc"], 8));
        assert_eq!(short_digest(["x"], 8).len(), 16);
    }
}
