//! A Rust lexer just good enough for the rules: it knows where comments,
//! string literals, char literals and lifetimes start and end, so that a `<`
//! in `Vec<String>`, in `'<'` or in `// <div>` is never mistaken for markup in
//! a string, and a `"` inside `'"'` never starts one.
//!
//! It does not parse: the rules look at short token sequences (`crate :: x`,
//! `. pick (`, `Lang :: Zh =>`). Invalid Rust lexes to something harmless
//! (an unterminated string runs to the end of the file).

/// What a token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A name or keyword (`crate`, `inner_html`, `r#type` as `type`).
    Ident,
    /// `'a`, `'static`, a loop label.
    Lifetime,
    /// A string literal of any kind: `"…"`, `r#"…"#`, `b"…"`, `c"…"`.
    Str,
    /// A char or byte literal: `'<'`, `b'"'`.
    Char,
    /// A number literal.
    Number,
    /// One punctuation character, or one of the pairs `::` and `=>`.
    Punct,
}

/// One token, with the line it starts on (1-based).
#[derive(Clone, Debug)]
pub struct Token {
    pub kind: Kind,
    /// The source text (for strings, the whole literal with its quotes).
    pub text: String,
    pub line: usize,
    /// For [`Kind::Str`]: the literal's value, each char with the line it
    /// was written on (an escape such as `\x3c` counts as the char it means).
    pub value: Vec<(char, usize)>,
}

impl Token {
    /// `true` for the punctuation `p`.
    pub fn is_punct(&self, p: &str) -> bool {
        self.kind == Kind::Punct && self.text == p
    }

    /// `true` for the identifier or keyword `name`.
    pub fn is_ident(&self, name: &str) -> bool {
        self.kind == Kind::Ident && self.text == name
    }

    /// The value of a string literal, as a `String`.
    pub fn string_value(&self) -> String {
        self.value.iter().map(|&(c, _)| c).collect()
    }
}

/// The tokens of `source`, comments left out.
pub fn tokens(source: &str) -> Vec<Token> {
    Lexer {
        s: source.chars().collect(),
        i: 0,
        line: 1,
        out: Vec::new(),
    }
    .run()
}

struct Lexer {
    s: Vec<char>,
    i: usize,
    line: usize,
    out: Vec<Token>,
}

fn is_ident_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_ident_continue(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

impl Lexer {
    fn peek(&self, ahead: usize) -> Option<char> {
        self.s.get(self.i + ahead).copied()
    }

    /// Moves one char on, counting lines.
    fn bump(&mut self) -> Option<char> {
        let c = self.s.get(self.i).copied()?;
        self.i += 1;
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }

    fn text(&self, from: usize) -> String {
        self.s[from..self.i].iter().collect()
    }

    fn push(&mut self, kind: Kind, from: usize, line: usize, value: Vec<(char, usize)>) {
        let text = self.text(from);
        self.out.push(Token {
            kind,
            text,
            line,
            value,
        });
    }

    fn run(mut self) -> Vec<Token> {
        while let Some(c) = self.peek(0) {
            let (from, line) = (self.i, self.line);
            match c {
                _ if c.is_whitespace() => {
                    self.bump();
                }
                '/' if self.peek(1) == Some('/') => self.line_comment(),
                '/' if self.peek(1) == Some('*') => self.block_comment(),
                '"' => {
                    self.bump();
                    let value = self.quoted('"');
                    self.push(Kind::Str, from, line, value);
                }
                '\'' => self.quote_or_lifetime(),
                _ if c.is_ascii_digit() => self.number(),
                _ if is_ident_start(c) => self.word(),
                _ => {
                    self.bump();
                    let pair = matches!((c, self.peek(0)), (':', Some(':')) | ('=', Some('>')));
                    if pair {
                        self.bump();
                    }
                    self.push(Kind::Punct, from, line, Vec::new());
                }
            }
        }
        self.out
    }

    fn line_comment(&mut self) {
        while let Some(c) = self.peek(0) {
            if c == '\n' {
                break;
            }
            self.bump();
        }
    }

    /// `/* … */`, nested as Rust nests them.
    fn block_comment(&mut self) {
        self.i += 2;
        let mut depth = 1;
        while depth > 0 {
            match (self.peek(0), self.peek(1)) {
                (Some('/'), Some('*')) => {
                    self.i += 2;
                    depth += 1;
                }
                (Some('*'), Some('/')) => {
                    self.i += 2;
                    depth -= 1;
                }
                (Some(_), _) => {
                    self.bump();
                }
                (None, _) => break,
            }
        }
    }

    /// The rest of a string or char literal whose opening `quote` has been
    /// read, escapes decoded.
    fn quoted(&mut self, quote: char) -> Vec<(char, usize)> {
        let mut value = Vec::new();
        while let Some(c) = self.peek(0) {
            let line = self.line;
            self.bump();
            if c == quote {
                break;
            }
            if c != '\\' {
                value.push((c, line));
                continue;
            }
            match self.bump() {
                Some('n') => value.push(('\n', line)),
                Some('r') => value.push(('\r', line)),
                Some('t') => value.push(('\t', line)),
                Some('0') => value.push(('\0', line)),
                Some('x') => {
                    let hex: String = [self.bump(), self.bump()].iter().flatten().collect();
                    if let Some(c) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                        value.push((c, line));
                    }
                }
                Some('u') => {
                    let mut hex = String::new();
                    if self.peek(0) == Some('{') {
                        self.bump();
                        while let Some(h) = self.bump() {
                            if h == '}' {
                                break;
                            }
                            if h != '_' {
                                hex.push(h);
                            }
                        }
                    }
                    if let Some(c) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                        value.push((c, line));
                    }
                }
                // A line continuation: the newline and the next line's
                // leading whitespace are not part of the string.
                Some('\n') => {
                    while self.peek(0).is_some_and(char::is_whitespace) {
                        self.bump();
                    }
                }
                Some(other) => value.push((other, line)),
                None => {}
            }
        }
        value
    }

    /// `r"…"`, `r#"…"#` and so on, from the first `#` or `"`.
    fn raw(&mut self) -> Vec<(char, usize)> {
        let mut hashes = 0;
        while self.peek(0) == Some('#') {
            self.bump();
            hashes += 1;
        }
        self.bump(); // the opening quote
        let mut value = Vec::new();
        while let Some(c) = self.peek(0) {
            let line = self.line;
            self.bump();
            if c == '"' && (0..hashes).all(|k| self.peek(k) == Some('#')) {
                self.i += hashes;
                break;
            }
            value.push((c, line));
        }
        value
    }

    /// `'<'`, `'\''`, `'\u{3c}'` (chars) or `'a`, `'static` (lifetimes).
    fn quote_or_lifetime(&mut self) {
        let (from, line) = (self.i, self.line);
        let is_char = self.peek(1) == Some('\\') || self.peek(2) == Some('\'');
        self.bump();
        if is_char {
            self.quoted('\'');
            self.push(Kind::Char, from, line, Vec::new());
        } else {
            while self.peek(0).is_some_and(is_ident_continue) {
                self.bump();
            }
            self.push(Kind::Lifetime, from, line, Vec::new());
        }
    }

    fn number(&mut self) {
        let (from, line) = (self.i, self.line);
        while self.peek(0).is_some_and(is_ident_continue) {
            self.bump();
        }
        if self.peek(0) == Some('.') && self.peek(1).is_some_and(|c| c.is_ascii_digit()) {
            self.bump();
            while self.peek(0).is_some_and(is_ident_continue) {
                self.bump();
            }
        }
        self.push(Kind::Number, from, line, Vec::new());
    }

    /// An identifier, or a prefixed literal (`b"…"`, `r#"…"#`, `b'x'`), or a
    /// raw identifier (`r#type`).
    fn word(&mut self) {
        let (from, line) = (self.i, self.line);
        while self.peek(0).is_some_and(is_ident_continue) {
            self.bump();
        }
        let word = self.text(from);
        let next = self.peek(0);
        let raw_prefix = matches!(word.as_str(), "r" | "br" | "cr");
        if matches!(word.as_str(), "b" | "c") && next == Some('"') {
            self.bump();
            let value = self.quoted('"');
            self.push(Kind::Str, from, line, value);
        } else if word == "b" && next == Some('\'') {
            self.bump();
            self.quoted('\'');
            self.push(Kind::Char, from, line, Vec::new());
        } else if raw_prefix && (next == Some('"') || next == Some('#') && self.raw_string_ahead())
        {
            let value = self.raw();
            self.push(Kind::Str, from, line, value);
        } else if word == "r" && next == Some('#') && self.peek(1).is_some_and(is_ident_start) {
            self.bump();
            let start = self.i;
            while self.peek(0).is_some_and(is_ident_continue) {
                self.bump();
            }
            let text = self.text(start);
            self.out.push(Token {
                kind: Kind::Ident,
                text,
                line,
                value: Vec::new(),
            });
        } else {
            self.push(Kind::Ident, from, line, Vec::new());
        }
    }

    /// At a `#` after `r`: `true` if `#…#"` follows (a raw string).
    fn raw_string_ahead(&self) -> bool {
        let mut k = 0;
        while self.peek(k) == Some('#') {
            k += 1;
        }
        self.peek(k) == Some('"')
    }
}
