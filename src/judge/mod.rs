//! Judging: what the findings mean for this change — adoption (`--new-only`
//! and the baseline), stable fingerprints, and the verdict.

pub(crate) mod adoption;
pub(crate) mod baseline;
pub(crate) mod fingerprint;
pub(crate) mod verdict;
