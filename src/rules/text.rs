//! Small text helpers the rules share: 1-based positions, comment stripping,
//! name distance for "did you mean".

/// Lines with their 1-based numbers.
pub(crate) fn numbered_lines(text: &str) -> impl Iterator<Item = (u32, &str)> {
    text.lines()
        .zip(1u32..)
        .map(|(line, number)| (number, line))
}

/// The 1-based column (in characters) of byte offset `at` in `line`.
pub(crate) fn column(line: &str, at: usize) -> u32 {
    u32::try_from(line[..at].chars().count() + 1).unwrap_or(u32::MAX)
}

/// The 1-based line of byte offset `at` in `text`.
pub(crate) fn line_of(text: &str, at: usize) -> u32 {
    let at = at.min(text.len());
    // Pieces between newlines: one more than the newlines before `at`.
    u32::try_from(text.as_bytes()[..at].split(|b| *b == b'\n').count()).unwrap_or(u32::MAX)
}

/// The number of lines, at least 1 so a finding can point at line 1 of an
/// empty file.
pub(crate) fn last_line(text: &str) -> u32 {
    u32::try_from(text.lines().count().max(1)).unwrap_or(u32::MAX)
}

/// The code part of a Python or shell line: everything before a `#` that is
/// not inside a string literal (good enough for one line).
pub(crate) fn code_part(line: &str) -> &str {
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match (quote, c) {
            (Some(_), '\\') => escaped = true,
            (Some(q), c) if c == q => quote = None,
            (None, '"' | '\'') => quote = Some(c),
            (None, '#') => return &line[..i],
            _ => {}
        }
    }
    line
}

/// Levenshtein distance, for suggestions on short names.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != *cb);
            current.push(substitute.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

/// Whether `c` can be part of a user or identifier name.
pub(crate) fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_in_characters() {
        assert_eq!(column("héllo /home", 7), 7);
        assert_eq!(line_of("a\nb\nc", 2), 2);
        assert_eq!(last_line(""), 1);
    }

    #[test]
    fn comments_start_outside_strings() {
        assert_eq!(code_part("x = '#not' # yes"), "x = '#not' ");
        assert_eq!(code_part("pip install x"), "pip install x");
        assert_eq!(code_part("s = \"a\\\"#\" # c"), "s = \"a\\\"#\" ");
    }

    #[test]
    fn distance() {
        assert_eq!(edit_distance("og10", "og101"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
