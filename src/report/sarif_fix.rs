//! Black's reformatting as SARIF replacements. Each hunk of its unified diff
//! holds the old and new text of a stretch of the file; diffing the two
//! (with `similar`) gives the smallest line ranges to replace, so no file
//! needs to be read.

use similar::{DiffOp, TextDiff};

/// Replace whole lines `start..end` (1-based, `end` exclusive) by `text`;
/// `start == end` inserts before `start`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Replacement {
    pub(crate) start_line: usize,
    pub(crate) end_line: usize,
    pub(crate) text: String,
}

struct Hunk {
    old_start: usize,
    old: String,
    new: String,
}

/// The replacements a unified diff makes; `None` if it is not a diff.
pub(crate) fn replacements(diff: &str) -> Option<Vec<Replacement>> {
    let hunks = hunks(diff)?;
    let mut out = Vec::new();
    for hunk in hunks {
        let lines = TextDiff::from_lines(&hunk.old, &hunk.new);
        let new_lines: Vec<&str> = lines.iter_new_slices().collect();
        for op in lines.ops() {
            let (old_index, old_len, new_range) = match *op {
                DiffOp::Equal { .. } => continue,
                DiffOp::Delete {
                    old_index, old_len, ..
                } => (old_index, old_len, 0..0),
                DiffOp::Insert {
                    old_index,
                    new_index,
                    new_len,
                } => (old_index, 0, new_index..new_index + new_len),
                DiffOp::Replace {
                    old_index,
                    old_len,
                    new_index,
                    new_len,
                } => (old_index, old_len, new_index..new_index + new_len),
            };
            // An empty hunk side starts one line later than its header says.
            let base = if hunk.old.is_empty() {
                hunk.old_start + 1
            } else {
                hunk.old_start
            };
            out.push(Replacement {
                start_line: base + old_index,
                end_line: base + old_index + old_len,
                text: new_lines[new_range].concat(),
            });
        }
    }
    Some(out)
}

fn hunks(diff: &str) -> Option<Vec<Hunk>> {
    let mut hunks: Vec<Hunk> = Vec::new();
    for line in diff.lines() {
        if let Some(header) = line.strip_prefix("@@ -") {
            let end = header.find([',', ' '])?;
            hunks.push(Hunk {
                old_start: header[..end].parse().ok()?,
                old: String::new(),
                new: String::new(),
            });
            continue;
        }
        let Some(hunk) = hunks.last_mut() else {
            continue; // the `---`/`+++` header
        };
        match line.split_at_checked(1) {
            Some((" ", text)) => {
                push_line(&mut hunk.old, text);
                push_line(&mut hunk.new, text);
            }
            Some(("-", text)) => push_line(&mut hunk.old, text),
            Some(("+", text)) => push_line(&mut hunk.new, text),
            // An empty context line, or `\ No newline at end of file`.
            _ if line.is_empty() => {
                push_line(&mut hunk.old, "");
                push_line(&mut hunk.new, "");
            }
            _ => {}
        }
    }
    (!hunks.is_empty()).then_some(hunks)
}

fn push_line(text: &mut String, line: &str) {
    text.push_str(line);
    text.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_lines_become_one_replacement() {
        let diff =
            "--- a.py\n+++ a.py\n@@ -10,4 +10,4 @@\n a = 1\n-b=2\n-c=3\n+b = 2\n+c = 3\n d = 4\n";
        assert_eq!(
            replacements(diff).unwrap(),
            [Replacement {
                start_line: 11,
                end_line: 13,
                text: "b = 2\nc = 3\n".into()
            }]
        );
    }

    #[test]
    fn insertions_and_deletions_are_empty_ranges_or_empty_text() {
        let diff = "@@ -1,3 +1,3 @@\n import os\n+\n x = 1\n-\n";
        assert_eq!(
            replacements(diff).unwrap(),
            [
                Replacement {
                    start_line: 2,
                    end_line: 2,
                    text: "\n".into()
                },
                Replacement {
                    start_line: 3,
                    end_line: 4,
                    text: String::new()
                }
            ]
        );
    }

    #[test]
    fn not_a_diff_is_none() {
        assert_eq!(replacements("hello"), None);
    }
}
