//! How a repository is laid out: which top-level folders are shared
//! libraries, and which are neither domains nor libraries.

#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub(crate) libraries: Vec<String>,
    pub(crate) not_domains: Vec<String>,
}
