//! The coverage figures the reports show: one per tool folder, one for the
//! files outside every tool folder (shared libraries and the rest), and the
//! repository's over every measured file.

use super::RunResult;
use crate::discover::repo::within;
use crate::model::{Coverage, Figure};

/// A tool folder's figure, or the other files' (`folder: None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GroupFigure {
    pub(crate) folder: Option<String>,
    pub(crate) figure: Figure,
}

impl GroupFigure {
    /// What the reports call the group.
    pub(crate) fn label(&self) -> &str {
        self.folder.as_deref().unwrap_or("shared libraries / other")
    }
}

/// Every group's figure and the repository's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CoverageFigures {
    pub(crate) total: Figure,
    /// Tool folders in the run's order, then the other files when any were measured.
    pub(crate) groups: Vec<GroupFigure>,
}

/// Groups `coverage`'s files by the tool folder they are in; a tool folder
/// none of whose files was measured gets no line.
pub(crate) fn figures(coverage: &Coverage, tool_folders: &[String]) -> CoverageFigures {
    // Each tool folder's figure, if any of its files was measured.
    let mut tools: Vec<Option<Figure>> = vec![None; tool_folders.len()];
    let mut other: Option<Figure> = None;
    for file in coverage.files() {
        // Tool folders do not nest (each sits directly under a domain); the
        // longest match is the one a nested layout would mean all the same.
        let tool = (0..tool_folders.len())
            .filter(|&i| within(&file.path, &tool_folders[i]))
            .max_by_key(|&i| tool_folders[i].len());
        let slot = match tool {
            Some(index) => &mut tools[index],
            None => &mut other,
        };
        *slot = Some(slot.unwrap_or_default().add(file.figure()));
    }
    let groups = tool_folders
        .iter()
        .map(Some)
        .zip(tools)
        .chain([(None, other)])
        .filter_map(|(folder, figure)| {
            Some(GroupFigure {
                folder: folder.cloned(),
                figure: figure?,
            })
        })
        .collect();
    CoverageFigures {
        total: coverage.figure(),
        groups,
    }
}

impl RunResult {
    /// The figures of the measured coverage; `None` when it was not measured.
    pub(crate) fn coverage_figures(&self) -> Option<CoverageFigures> {
        self.coverage
            .as_ref()
            .map(|coverage| figures(coverage, &self.tool_folders))
    }
}

/// The percentage with one decimal, as coverage.py shows it: never 100.0
/// while a statement did not run, nor 0.0 once one did.
pub(crate) fn shown_percent(figure: Figure) -> String {
    format!("{:.1}", figure.shown())
}

/// `1204` -> `1,204`, for people reading the counts.
pub(crate) fn thousands(count: usize) -> String {
    let digits = count.to_string();
    let mut grouped = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FileCoverage;

    fn file(path: &str, statements: u32, executed: u32) -> FileCoverage {
        FileCoverage::first(path, statements, executed)
    }

    fn figure(covered: usize, statements: usize) -> Figure {
        Figure {
            covered,
            statements,
        }
    }

    #[test]
    fn files_group_by_the_tool_folder_they_are_in() {
        let coverage: Coverage = [
            file("net/backup/run.py", 10, 8),
            file("net/backup/lib/io.py", 10, 2),
            file("net/backupx/run.py", 4, 4),
            file("lib/common.py", 6, 3),
        ]
        .into_iter()
        .collect();
        let folders = ["net/backup".to_owned(), "net/unmeasured".to_owned()];
        let figures = figures(&coverage, &folders);
        assert_eq!(figures.total, figure(17, 30));
        assert_eq!(
            figures.groups,
            [
                GroupFigure {
                    folder: Some("net/backup".into()),
                    figure: figure(10, 20),
                },
                GroupFigure {
                    folder: None,
                    figure: figure(7, 10),
                },
            ]
        );
        assert_eq!(figures.groups[1].label(), "shared libraries / other");
    }

    #[test]
    fn no_other_group_when_every_file_is_in_a_tool_folder() {
        let coverage: Coverage = [file("net/backup/run.py", 3, 1)].into_iter().collect();
        let figures = figures(&coverage, &["net/backup".to_owned()]);
        assert_eq!(figures.groups.len(), 1);
        let empty = super::figures(&Coverage::default(), &["net/backup".to_owned()]);
        assert!(empty.groups.is_empty());
        assert_eq!(empty.total, Figure::default());
    }

    #[test]
    fn percentages_never_round_to_full_or_none() {
        assert_eq!(shown_percent(figure(1004, 1204)), "83.4");
        assert_eq!(shown_percent(figure(9999, 10000)), "99.9");
        assert_eq!(shown_percent(figure(1, 10000)), "0.1");
        assert_eq!(shown_percent(figure(0, 0)), "100.0");
        assert_eq!(shown_percent(figure(0, 5)), "0.0");
    }

    #[test]
    fn counts_get_thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1204), "1,204");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
