//! Line coverage as coverage.py measured it while the tests ran: per file,
//! the lines that hold statements and those of them that ran. Several runs
//! (tool folders, shards, the cache) merge by the union of what ran.

// The runner, the judge and the reports take these up one by one.
#![allow(dead_code)]

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One file's lines; both lists 1-based and ascending.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct FileCoverage {
    /// Relative to the repository root, `/`-separated.
    pub(crate) path: String,
    /// Lines holding a statement coverage.py measures (excluded ones are not).
    pub(crate) statements: Vec<u32>,
    /// Those statements' lines that ran.
    pub(crate) executed: Vec<u32>,
}

impl FileCoverage {
    /// From the lines that ran and those that did not, as coverage.py lists them.
    pub(crate) fn new(path: String, executed: Vec<u32>, missing: &[u32]) -> FileCoverage {
        FileCoverage {
            statements: union(&executed, missing),
            path,
            executed,
        }
    }

    /// Statement lines no test ran.
    pub(crate) fn missing(&self) -> Vec<u32> {
        let mut ran = self.executed.iter().peekable();
        self.statements
            .iter()
            .filter(|line| {
                while ran.next_if(|r| r < line).is_some() {}
                ran.peek() != Some(line)
            })
            .copied()
            .collect()
    }

    pub(crate) fn figure(&self) -> Figure {
        Figure {
            covered: self.executed.len(),
            statements: self.statements.len(),
        }
    }
}

#[cfg(test)]
impl FileCoverage {
    /// A file with these statement lines, of which `executed` ran.
    pub(crate) fn of(path: &str, statements: &[u32], executed: &[u32]) -> FileCoverage {
        FileCoverage {
            path: path.to_owned(),
            statements: statements.to_vec(),
            executed: executed.to_vec(),
        }
    }

    /// A file whose first `executed` of `statements` lines (1, 2, …) ran.
    pub(crate) fn first(path: &str, statements: u32, executed: u32) -> FileCoverage {
        let lines: Vec<u32> = (1..=statements).collect();
        FileCoverage::of(path, &lines, &lines[..executed as usize])
    }
}

/// Covered statements out of all, with the percentage coverage.py prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub(crate) struct Figure {
    pub(crate) covered: usize,
    pub(crate) statements: usize,
}

impl Figure {
    /// 100 when there is nothing to cover, as coverage.py says.
    #[allow(clippy::cast_precision_loss)] // line counts are far below 2^52
    pub(crate) fn percent(self) -> f64 {
        if self.statements == 0 {
            100.0
        } else {
            self.covered as f64 * 100.0 / self.statements as f64
        }
    }

    /// The percentage to a tenth, as every report shows it and as the
    /// thresholds judge it (coverage.py's `fail_under` judges its rounded
    /// figure too): never 100.0 while a statement did not run, nor 0.0 once
    /// one did.
    pub(crate) fn shown(self) -> f64 {
        let percent = self.percent();
        if self.covered < self.statements && percent > 99.9 {
            99.9
        } else if self.covered > 0 && percent < 0.1 {
            0.1
        } else {
            (percent * 10.0).round() / 10.0
        }
    }

    pub(crate) fn add(self, other: Figure) -> Figure {
        Figure {
            covered: self.covered + other.covered,
            statements: self.statements + other.statements,
        }
    }
}

/// The coverage of a run: every measured file by path.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub(crate) struct Coverage {
    files: BTreeMap<String, FileCoverage>,
}

impl Coverage {
    /// Adds what another run measured: a file measured by both keeps the
    /// statements of either and every line that ran in either.
    pub(crate) fn merge(&mut self, files: impl IntoIterator<Item = FileCoverage>) {
        for file in files {
            match self.files.get_mut(&file.path) {
                None => {
                    self.files.insert(file.path.clone(), file);
                }
                Some(kept) => {
                    kept.statements = union(&kept.statements, &file.statements);
                    kept.executed = union(&kept.executed, &file.executed);
                }
            }
        }
    }

    /// Keeps the files `keep` accepts.
    pub(crate) fn retain(&mut self, keep: impl Fn(&str) -> bool) {
        self.files.retain(|path, _| keep(path));
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    pub(crate) fn files(&self) -> impl Iterator<Item = &FileCoverage> {
        self.files.values()
    }

    pub(crate) fn file(&self, path: &str) -> Option<&FileCoverage> {
        self.files.get(path)
    }

    /// Over every file.
    pub(crate) fn figure(&self) -> Figure {
        sum(self.files.values())
    }

    /// The files below `folder` (a tool folder, relative to the root): one
    /// range of the sorted paths, not a scan per folder.
    pub(crate) fn below<'a>(&'a self, folder: &str) -> impl Iterator<Item = &'a FileCoverage> {
        let prefix = format!("{folder}/");
        self.files
            .range(prefix.clone()..)
            .take_while(move |(path, _)| path.starts_with(&prefix))
            .map(|(_, file)| file)
    }

    /// Over the files below `folder`.
    pub(crate) fn figure_below(&self, folder: &str) -> Figure {
        sum(self.below(folder))
    }
}

fn sum<'a>(files: impl Iterator<Item = &'a FileCoverage>) -> Figure {
    files.fold(Figure::default(), |sum, f| sum.add(f.figure()))
}

impl FromIterator<FileCoverage> for Coverage {
    fn from_iter<I: IntoIterator<Item = FileCoverage>>(files: I) -> Self {
        let mut coverage = Coverage::default();
        coverage.merge(files);
        coverage
    }
}

/// `[gate] min_coverage`: the percentage a tool's code must reach, one
/// for every tool or one per maturity (`production`, `experimental`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum MinCoverage {
    All(f64),
    ByMaturity(BTreeMap<String, f64>),
}

/// The maturities a README's front matter declares.
pub(crate) const MATURITIES: [&str; 2] = ["production", "experimental"];

impl MinCoverage {
    /// The threshold for a tool of this maturity; `None`: none applies.
    pub(crate) fn for_maturity(&self, maturity: &str) -> Option<f64> {
        match self {
            MinCoverage::All(percent) => Some(*percent),
            MinCoverage::ByMaturity(table) => table.get(maturity).copied(),
        }
    }
}

/// As TOML writes it: `80`, or `{ production = 80, experimental = 0 }`.
impl std::fmt::Display for MinCoverage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MinCoverage::All(percent) => write!(f, "{percent}"),
            MinCoverage::ByMaturity(table) => {
                let entries: Vec<String> = MATURITIES
                    .iter()
                    .filter_map(|m| table.get(*m).map(|p| format!("{m} = {p}")))
                    .collect();
                write!(f, "{{ {} }}", entries.join(", "))
            }
        }
    }
}

impl<'de> Deserialize<'de> for MinCoverage {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Written {
            Number(f64),
            Table(BTreeMap<String, f64>),
        }
        let percent = |value: f64, what: &str| {
            if (0.0..=100.0).contains(&value) {
                Ok(value)
            } else {
                Err(D::Error::custom(format!(
                    "min_coverage{what} = {value}: a percentage is between 0 and 100"
                )))
            }
        };
        match Written::deserialize(deserializer).map_err(|_| {
            D::Error::custom(
                "min_coverage: write a percentage for every tool (`min_coverage = 80`) or one \
                 per maturity (`min_coverage = { production = 80, experimental = 0 }`)",
            )
        })? {
            Written::Number(value) => Ok(MinCoverage::All(percent(value, "")?)),
            Written::Table(table) => {
                for (maturity, value) in &table {
                    if !MATURITIES.contains(&maturity.as_str()) {
                        return Err(D::Error::custom(format!(
                            "min_coverage has `{maturity}`: the maturities are {}",
                            MATURITIES.join(" and ")
                        )));
                    }
                    percent(*value, &format!(".{maturity}"))?;
                }
                Ok(MinCoverage::ByMaturity(table))
            }
        }
    }
}

/// Both ascending lists' lines, ascending, once each.
fn union(a: &[u32], b: &[u32]) -> Vec<u32> {
    let mut all: Vec<u32> = a.iter().chain(b).copied().collect();
    all.sort_unstable();
    all.dedup();
    all
}

/// Ascending lines joined into inclusive ranges: 3,4,5,9 -> (3,5),(9,9).
pub(crate) fn ranges(lines: &[u32]) -> Vec<(u32, u32)> {
    let mut joined: Vec<(u32, u32)> = Vec::new();
    for &line in lines {
        match joined.last_mut() {
            Some((_, end)) if *end + 1 == line => *end = line,
            _ => joined.push((line, line)),
        }
    }
    joined
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, statements: &[u32], executed: &[u32]) -> FileCoverage {
        FileCoverage::of(path, statements, executed)
    }

    #[test]
    fn missing_lines_are_the_statements_that_did_not_run() {
        assert_eq!(file("a.py", &[1, 2, 4, 7, 9], &[2, 7]).missing(), [1, 4, 9]);
        assert_eq!(file("a.py", &[1, 2], &[1, 2]).missing(), [] as [u32; 0]);
    }

    #[test]
    fn runs_merge_by_the_union_of_what_ran() {
        let mut coverage: Coverage = [file("lib/x.py", &[1, 2, 3], &[1])].into_iter().collect();
        coverage.merge([file("lib/x.py", &[1, 2, 3], &[3]), file("b.py", &[1], &[])]);
        assert_eq!(coverage.file("lib/x.py").unwrap().executed, [1, 3]);
        let figure = coverage.figure();
        assert_eq!((figure.covered, figure.statements), (2, 4));
        assert!((figure.percent() - 50.0).abs() < f64::EPSILON);
        assert_eq!(coverage.figure_below("lib").covered, 2);
        assert_eq!(coverage.figure_below("li").statements, 0);
    }

    #[test]
    fn nothing_to_cover_is_full_coverage() {
        assert!((Figure::default().percent() - 100.0).abs() < f64::EPSILON);
    }

    #[test]
    fn thresholds_are_a_percentage_or_one_per_maturity() {
        #[derive(Deserialize)]
        struct Gate {
            min_coverage: MinCoverage,
        }
        let read = |text: &str| toml::from_str::<Gate>(text).map(|g| g.min_coverage);
        let all = read("min_coverage = 80").unwrap();
        assert_eq!(all.for_maturity("experimental"), Some(80.0));
        let table = read("min_coverage = { production = 75.5 }").unwrap();
        assert_eq!(table.for_maturity("production"), Some(75.5));
        assert_eq!(table.to_string(), "{ production = 75.5 }");
        assert_eq!(all.to_string(), "80");
        assert_eq!(table.for_maturity("experimental"), None);
        for (bad, says) in [
            ("min_coverage = 101", "between 0 and 100"),
            ("min_coverage = { beta = 50 }", "`beta`: the maturities are"),
            ("min_coverage = \"80%\"", "write a percentage"),
        ] {
            let err = read(bad).unwrap_err().to_string();
            assert!(err.contains(says), "{bad}: {err}");
            assert!(err.contains("line 1"), "{bad}: {err}");
        }
    }

    #[test]
    fn consecutive_lines_join_into_ranges() {
        assert_eq!(ranges(&[3, 4, 5, 9, 11, 12]), [(3, 5), (9, 9), (11, 12)]);
        assert!(ranges(&[]).is_empty());
    }
}
