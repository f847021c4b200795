//! Discovery: what the repository holds and what a run must look at — the
//! one walk and its classified files, the repository model (domains, tool
//! folders, libraries), the import graph, the files a change touches, and a
//! shard's part.

pub(crate) mod changed;
pub(crate) mod file;
pub(crate) mod imports;
pub(crate) mod pytest_config;
pub(crate) mod repo;
pub(crate) mod shard;
pub(crate) mod shell_sources;
pub(crate) mod subpath;
pub(crate) mod walk;
