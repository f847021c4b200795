//! Reading the imports of one Python source: a small tokenizer that joins
//! logical lines (brackets, backslashes, strings) and picks out every
//! `import` and `from … import` statement, and the import skeleton that
//! keys `cyclic-import`.

use std::fmt::Write;

/// One import statement's module part, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ImportRef {
    /// Leading dots of a relative import (`from ..x import y` is 2).
    pub(crate) level: usize,
    /// The dotted module (`a.b`), empty for `from . import x`.
    pub(crate) module: String,
    /// Names after `from … import`, which may be submodules.
    pub(crate) names: Vec<String>,
}

/// Every import statement of a Python source, in order.
#[cfg(test)]
pub(crate) fn parse(source: &str) -> Vec<ImportRef> {
    imports_of(&logical_lines(source))
}

pub(super) fn imports_of(lines: &[LogicalLine]) -> Vec<ImportRef> {
    lines
        .iter()
        .flat_map(|line| statements(&line.tokens))
        .collect()
}

/// What of a source decides Pylint's import graph: each import statement
/// with its indentation and the blocks it sits in (an import under `if
/// TYPE_CHECKING:` or inside a function counts differently), and every
/// `pylint:` pragma. Edits elsewhere (a function body, signature or a new
/// function without imports, a string, a comment) leave it unchanged.
#[cfg(test)]
pub(crate) fn skeleton(source: &str) -> String {
    skeleton_of(&logical_lines(source))
}

pub(super) fn skeleton_of(lines: &[LogicalLine]) -> String {
    let mut out = String::new();
    // The blocks open at this point: their indentation and header.
    let mut open: Vec<(usize, String)> = Vec::new();
    for line in lines {
        for pragma in &line.pragmas {
            out.push_str(pragma);
            out.push('\n');
        }
        let Some(Token::Word(word)) = line.tokens.first() else {
            continue;
        };
        while open
            .last()
            .is_some_and(|(indent, _)| *indent >= line.indent)
        {
            open.pop();
        }
        match word.as_str() {
            "import" | "from" => {
                // An import, with the blocks it sits in.
                for (indent, header) in &open {
                    let _ = writeln!(out, "{}{header}", " ".repeat(*indent));
                }
                let _ = writeln!(out, "{}{:?}", " ".repeat(line.indent), plain(&line.tokens));
            }
            // A condition whole (`if TYPE_CHECKING:`); other blocks only by
            // kind: a function's name or arguments do not move an import.
            "if" | "elif" => open.push((line.indent, format!("{:?}", plain(&line.tokens)))),
            word if BLOCK_KEYWORDS.contains(&word) => open.push((line.indent, word.to_owned())),
            _ => {}
        }
    }
    out
}

pub(super) const BLOCK_KEYWORDS: &[&str] = &[
    "else", "try", "except", "finally", "for", "while", "with", "def", "class", "async", "match",
    "case",
];

/// One logical line: where it starts, its tokens, and the `pylint:` pragmas
/// of its comments.
pub(super) struct LogicalLine {
    indent: usize,
    pub(super) tokens: Vec<Token>,
    pragmas: Vec<String>,
}

/// A token of a logical line; comments are already gone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Token {
    Word(String),
    Dot,
    Comma,
    Star,
    At,
    /// `;` or `:` — the end of a simple statement or of a compound header.
    End,
    /// A string literal short and plain enough to name a module or a file
    /// (`"pkg.mod"`, `'data/x.py'`); every other string is `Other`.
    Str(String),
    /// `(`, `[` or `{`, and its closing bracket.
    Open(char),
    Close(char),
    /// `=` (each one of `==`).
    Eq,
    Other,
}

/// The tokens as the import statements and the skeleton read them: no
/// brackets, every string and `=` alike.
pub(super) fn plain(tokens: &[Token]) -> Vec<Token> {
    tokens
        .iter()
        .filter(|t| !matches!(t, Token::Open(_) | Token::Close(_)))
        .map(|t| match t {
            Token::Str(_) | Token::Eq => Token::Other,
            t => t.clone(),
        })
        .collect()
}

/// The source as logical lines of tokens: brackets and backslashes join
/// physical lines, strings are dropped whole (triple-quoted ones included).
pub(super) fn logical_lines(source: &str) -> Vec<LogicalLine> {
    let chars: Vec<char> = source.chars().collect();
    let mut lines = Vec::new();
    let mut line = Vec::new();
    let mut pragmas = Vec::new();
    let mut indent = 0;
    let mut column = 0;
    let mut depth = 0usize;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if line.is_empty() && c != '\n' && c.is_whitespace() {
            column += 1;
        } else if line.is_empty() {
            indent = column;
        }
        match c {
            '#' => {
                let start = i;
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                let comment: String = chars[start..i].iter().collect();
                if comment.contains("pylint:") {
                    pragmas.push(comment);
                }
            }
            '\\' if chars.get(i + 1) == Some(&'\n') => i += 2,
            '\n' => {
                if depth == 0 && !(line.is_empty() && pragmas.is_empty()) {
                    lines.push(LogicalLine {
                        indent,
                        tokens: std::mem::take(&mut line),
                        pragmas: std::mem::take(&mut pragmas),
                    });
                }
                if depth == 0 {
                    column = 0;
                }
                i += 1;
            }
            '"' | '\'' => {
                let end = skip_string(&chars, i);
                line.push(literal(&chars[i..end]));
                i = end;
            }
            '(' | '[' | '{' => {
                depth += 1;
                line.push(Token::Open(c));
                i += 1;
            }
            ')' | ']' | '}' => {
                depth = depth.saturating_sub(1);
                line.push(Token::Close(c));
                i += 1;
            }
            '=' => {
                line.push(Token::Eq);
                i += 1;
            }
            '.' => {
                line.push(Token::Dot);
                i += 1;
            }
            ',' => {
                line.push(Token::Comma);
                i += 1;
            }
            '*' => {
                line.push(Token::Star);
                i += 1;
            }
            '@' => {
                line.push(Token::At);
                i += 1;
            }
            ';' | ':' => {
                line.push(Token::End);
                i += 1;
            }
            c if c.is_alphanumeric() || c == '_' => {
                let (token, end) = word(&chars, i);
                line.push(token);
                i = end;
            }
            c if c.is_whitespace() => i += 1,
            _ => {
                line.push(Token::Other);
                i += 1;
            }
        }
    }
    if !(line.is_empty() && pragmas.is_empty()) {
        lines.push(LogicalLine {
            indent,
            tokens: line,
            pragmas,
        });
    }
    lines
}

/// The word (or prefixed string) that starts at `start`, and where it ends.
fn word(chars: &[char], start: usize) -> (Token, usize) {
    let mut i = start;
    while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
        i += 1;
    }
    // A string prefix (r"…", b'…', f"…", rb"…") belongs to the string.
    if matches!(chars.get(i), Some('"' | '\'')) && i - start <= 2 {
        let end = skip_string(chars, i);
        // Only r"…" and u"…" are plain: an f-string is computed.
        let token = if matches!(chars[start..i], ['r' | 'R' | 'u' | 'U']) {
            literal(&chars[i..end])
        } else {
            Token::Other
        };
        (token, end)
    } else {
        (Token::Word(chars[start..i].iter().collect()), i)
    }
}

/// A string literal as a token: its value when it is one quoted piece of
/// the characters of dotted names and paths, else `Other`.
fn literal(quoted: &[char]) -> Token {
    const LONGEST: usize = 200;
    let Some(&quote) = quoted.first() else {
        return Token::Other;
    };
    let closed = quoted.len() >= 2 && quoted[quoted.len() - 1] == quote;
    if !closed || quoted.len() > LONGEST || quoted.get(1) == Some(&quote) && quoted.len() > 2 {
        // Unterminated, too long, or triple-quoted.
        return Token::Other;
    }
    let value = &quoted[1..quoted.len() - 1];
    if value
        .iter()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '/' | '-'))
    {
        Token::Str(value.iter().collect())
    } else {
        Token::Other
    }
}

/// The index just past the string literal that starts at `start`.
pub(super) fn skip_string(chars: &[char], start: usize) -> usize {
    let quote = chars[start];
    let triple = chars.get(start + 1) == Some(&quote) && chars.get(start + 2) == Some(&quote);
    let mut i = start + if triple { 3 } else { 1 };
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 2,
            c if c == quote => {
                if !triple {
                    return i + 1;
                }
                if chars.get(i + 1) == Some(&quote) && chars.get(i + 2) == Some(&quote) {
                    return i + 3;
                }
                i += 1;
            }
            // An unterminated one-line string ends at the line's end.
            '\n' if !triple => return i,
            _ => i += 1,
        }
    }
    chars.len()
}

/// The import statements of one logical line (`a; import b` and
/// `try: import c` included).
pub(super) fn statements(tokens: &[Token]) -> Vec<ImportRef> {
    let mut found = Vec::new();
    if !tokens
        .iter()
        .any(|t| matches!(t, Token::Word(w) if w == "import"))
    {
        return found;
    }
    let tokens = plain(tokens);
    for clause in tokens.split(|t| *t == Token::End) {
        match clause.first() {
            Some(Token::Word(w)) if w == "import" => found.extend(plain_import(&clause[1..])),
            Some(Token::Word(w)) if w == "from" => found.extend(from_import(&clause[1..])),
            _ => {}
        }
    }
    found
}

/// `import a.b as c, d` → `a.b`, `d`.
pub(super) fn plain_import(tokens: &[Token]) -> Vec<ImportRef> {
    tokens
        .split(|t| *t == Token::Comma)
        .filter_map(|item| {
            let module = dotted(item).0;
            (!module.is_empty()).then_some(ImportRef {
                level: 0,
                module,
                names: Vec::new(),
            })
        })
        .collect()
}

/// `from ..a.b import c as d, e` → level 2, `a.b`, names `c`, `e`.
pub(super) fn from_import(tokens: &[Token]) -> Option<ImportRef> {
    let level = tokens.iter().take_while(|t| **t == Token::Dot).count();
    let (module, used) = dotted(&tokens[level..]);
    let rest = &tokens[level + used..];
    if !matches!(rest.first(), Some(Token::Word(w)) if w == "import") {
        return None;
    }
    if level == 0 && module.is_empty() {
        return None;
    }
    let names = rest[1..]
        .split(|t| *t == Token::Comma)
        .filter_map(|item| match item.first() {
            Some(Token::Word(name)) => Some(name.clone()),
            _ => None,
        })
        .collect();
    Some(ImportRef {
        level,
        module,
        names,
    })
}

/// The dotted name at the start of `tokens` and how many tokens it used.
pub(super) fn dotted(tokens: &[Token]) -> (String, usize) {
    let mut name = String::new();
    let mut used = 0;
    for token in tokens {
        match token {
            Token::Word(w)
                if w != "import" && w != "as" && (name.is_empty() || name.ends_with('.')) =>
            {
                name.push_str(w);
            }
            Token::Dot if !name.is_empty() && !name.ends_with('.') => name.push('.'),
            _ => break,
        }
        used += 1;
    }
    (name.trim_end_matches('.').to_owned(), used)
}
