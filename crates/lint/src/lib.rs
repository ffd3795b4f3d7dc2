//! `complaints-lint`: the source rules the compiler does not check.
//!
//! `scripts/lint` runs it first (`cargo run -q -p complaints-lint --release --
//! "$ROOT"`); `crates/lint/tests/rules.rs` shows each rule failing on a planted
//! violation and passing on the compliant variant, and runs every rule on the
//! repository itself. It prints one line per violation,
//! `path:line: rule: message`, then a summary line, and exits with status 1
//! if there is any violation (2 if the sources cannot be read).
//!
//! The rules read Rust through a small lexer (module `lex`), not a parser, so they
//! know strings from comments, char literals (`'<'`) and lifetimes, but not
//! types or scopes. They check what is written, not every way a determined
//! author could get around them (`concat!("<", "b>")`); the types in
//! `src/html.rs` are the real defence, the lint catches the habit.
//!
//! # The rules
//!
//! ## `inner-html`: only `src/html.rs` turns strings into HTML
//!
//! *What.* No identifier containing `inner_html` (the Leptos attribute,
//! `set_inner_html`), `outer_html` or `insert_adjacent_html`, and no string
//! `"innerHTML"`, `"outerHTML"` or `"insertAdjacentHTML"` (for
//! `js_sys::Reflect`), in the app's sources (`src/**/*.rs`) except
//! `src/html.rs`. Comments do not count.
//!
//! *Why.* A complaint's text is typed on one tablet and synced to every tablet
//! of the branch. One unescaped field that reaches an HTML parser is a stored
//! XSS on all of them, and the script it runs can read the sign-in token the
//! app keeps in IndexedDB and sync as that user.
//!
//! *How to comply.* Write the part as a `view!` component (Leptos puts text in
//! text nodes), or build an `html::Html` (made only by escaping text or
//! joining such values) and show it with `html::HtmlView`, the app's one
//! `inner_html`.
//!
//! ## `html-string`: no markup in string literals outside `src/html.rs`
//!
//! *What.* No string literal in `src/**/*.rs` except `src/html.rs` (plain,
//! raw `r#"…"#`, byte or C string; in `format!`, `write!`, `concat!`,
//! `push_str` or anywhere else) holds markup: a `<` followed by an ASCII
//! letter, `/`, `!` or `{` (`<li`, `</div>`, `<!--`, `<{tag}`). Escapes count
//! as what they mean (`"\x3cb>"` is `<b>`). Text such as `"a < b"` or
//! `"a <= b"` is fine, and so is everything that is not a string literal:
//! `Vec<String>`, `'<'`, `// <div>`, and the tags of a `view! { <div/> }`
//! macro.
//!
//! *Why.* HTML glued from strings is where escapes get forgotten: the same
//! stored XSS as above. It also goes around the view layer, so a list drawn
//! as one string is re-created whole when one row changes.
//!
//! *How to comply.* A `view!` component; or, for read-only parts drawn as one
//! piece of HTML, `html::el(…)` / `Html::text(…)` in `src/html.rs`'s API.
//!
//! ## `ui-text`: every UI string sits in `src/i18n.rs`
//!
//! *What.* No `.pick(` call (`lang.pick("中文", "English")`) and no
//! `Lang::Zh =>` / `Lang::En =>` match arm in `src/**/*.rs` except
//! `src/i18n.rs`. The domain crate's own labels (`Labelled`) are not checked:
//! they are domain words, kept with the domain.
//!
//! *Why.* One table of strings in both languages: a text missing in one
//! language, or worded two ways on two screens, shows in one place, and the
//! table can be reviewed (or handed to a translator) as a whole.
//!
//! *How to comply.* Add a variant to `i18n::Text` with its Chinese and
//! English text, and use `tr(lang, Text::…)`.
//!
//! ## `js-eval`: nothing evaluates JavaScript from a string
//!
//! *What.* Anywhere in `src/**/*.rs` (`src/html.rs` and `src/i18n.rs`
//! included): `Function::new_no_args`, `Function::new_with_args`,
//! `js_sys::eval` (also imported, `use js_sys::{eval}`), the string
//! `"eval"`, web-sys's `set_timeout_with_str…` / `set_interval_with_str…`;
//! and inside an `inline_js = "…"` string: `eval(`, `Function(` (with or
//! without `new`), `setTimeout`/`setInterval` given a string.
//!
//! *Why.* The server sends the CSP `script-src 'self' 'wasm-unsafe-eval'`:
//! the browser refuses to evaluate strings, so such code fails in the field
//! while it may have seemed to work in a looser dev setup. And code made from
//! a string is the way an injected text becomes a script.
//!
//! *How to comply.* Call the JavaScript through `#[wasm_bindgen]` imports or
//! `inline_js` functions, pass closures to timers, and close an IndexedDB
//! connection from Rust (`Closure`) rather than from a `"this.close()"`.
//!
//! ## `module-cycle`: no cycles between a crate's top-level modules
//!
//! *What.* For each crate (the app's `src/`, and `crates/*/src/`: domain,
//! server, client, this one), the references between top-level modules
//! (`src/x.rs` or `src/x/`) form no cycle. `x` refers to `y` when a file of
//! `x` writes `crate::y…` (also within `use crate::{…}` groups), `super::y`
//! where `super` is the crate root, or names an item the crate root
//! re-exports from `y`. `lib.rs` and `main.rs` declare modules and are not
//! sources of edges; `#[cfg(test)] mod` blocks are left out. Every
//! elementary cycle is reported with its path (`model -> handling -> model`)
//! and where each step is written.
//!
//! *Why.* Modules in a cycle can only be built, read and tested together: the
//! domain's pure rules stop being testable one by one, and the layering the
//! style guide asks for (storage under services under views) erodes silently.
//!
//! *How to comply.* Move what both modules need into a third module that
//! depends on neither (often a small type), or pass it in as a parameter or
//! trait instead of naming the other module.

mod app;
mod lex;
mod modules;

use std::fmt;
use std::fs;
use std::io;
use std::path::Path;

pub use app::{HTML_MODULE, TEXT_MODULE};

/// The rules, in the order they are documented.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    InnerHtml,
    HtmlString,
    UiText,
    JsEval,
    ModuleCycle,
}

impl Rule {
    pub const ALL: [Rule; 5] = [
        Rule::InnerHtml,
        Rule::HtmlString,
        Rule::UiText,
        Rule::JsEval,
        Rule::ModuleCycle,
    ];

    /// The name printed in each violation line.
    pub fn name(self) -> &'static str {
        match self {
            Rule::InnerHtml => "inner-html",
            Rule::HtmlString => "html-string",
            Rule::UiText => "ui-text",
            Rule::JsEval => "js-eval",
            Rule::ModuleCycle => "module-cycle",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A Rust source file, its path relative to the repository root with `/`
/// between components (`src/pages/list.rs`, `crates/domain/src/model.rs`).
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub path: String,
    pub text: String,
}

impl SourceFile {
    pub fn new(path: impl Into<String>, text: impl Into<String>) -> SourceFile {
        SourceFile {
            path: path.into(),
            text: text.into(),
        }
    }
}

/// One broken rule, at a line (1-based) of a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    pub path: String,
    pub line: usize,
    pub rule: Rule,
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}: {}",
            self.path, self.line, self.rule, self.message
        )
    }
}

/// The outcome of a run: the violations, in file and line order.
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub files: usize,
    pub violations: Vec<Violation>,
}

impl Report {
    /// How many violations of `rule` there are.
    pub fn count(&self, rule: Rule) -> usize {
        self.violations.iter().filter(|v| v.rule == rule).count()
    }

    /// The last line of the output: the total and the count per rule.
    pub fn summary(&self) -> String {
        if self.violations.is_empty() {
            return format!("complaints-lint: {} files, no violations", self.files);
        }
        let per_rule: Vec<String> = Rule::ALL
            .iter()
            .filter(|r| self.count(**r) > 0)
            .map(|r| format!("{r} {}", self.count(*r)))
            .collect();
        format!(
            "complaints-lint: {} violations in {} files read ({})",
            self.violations.len(),
            self.files,
            per_rule.join(", ")
        )
    }
}

/// Every rule on `files`; paths as in [`SourceFile`]. Files outside `src/`
/// and `crates/*/src/` are ignored.
pub fn check(files: &[SourceFile]) -> Report {
    let mut violations = Vec::new();
    for file in files.iter().filter(|f| app::is_app_source(&f.path)) {
        app::check_file(&file.path, &file.text, &mut violations);
    }
    modules::check(files, &mut violations);
    violations.sort_by(|a, b| (&a.path, a.line, a.rule).cmp(&(&b.path, b.line, b.rule)));
    Report {
        files: files.len(),
        violations,
    }
}

/// Every rule on the repository at `root`.
pub fn check_repository(root: &Path) -> io::Result<Report> {
    Ok(check(&read_sources(root)?))
}

/// The Rust sources the rules read: `src/**/*.rs` and `crates/*/src/**/*.rs`
/// for every `crates/*` with a `Cargo.toml` (so not `crates/vendor/…`).
pub fn read_sources(root: &Path) -> io::Result<Vec<SourceFile>> {
    let mut files = Vec::new();
    if !root.join("src").is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("{}: no src/ folder", root.display()),
        ));
    }
    read_tree(root, "src", &mut files)?;
    let crates = root.join("crates");
    if crates.is_dir() {
        let mut names: Vec<String> = Vec::new();
        for entry in fs::read_dir(&crates)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if entry.path().join("Cargo.toml").is_file() && entry.path().join("src").is_dir() {
                names.push(name);
            }
        }
        names.sort();
        for name in names {
            read_tree(root, &format!("crates/{name}/src"), &mut files)?;
        }
    }
    Ok(files)
}

/// Adds every `.rs` file under `root/rel` to `out`, in path order.
fn read_tree(root: &Path, rel: &str, out: &mut Vec<SourceFile>) -> io::Result<()> {
    let mut entries: Vec<(String, bool)> = Vec::new();
    for entry in fs::read_dir(root.join(rel))? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        entries.push((name, entry.file_type()?.is_dir()));
    }
    entries.sort();
    for (name, is_dir) in entries {
        let path = format!("{rel}/{name}");
        if is_dir {
            read_tree(root, &path, out)?;
        } else if name.ends_with(".rs") {
            let text = fs::read_to_string(root.join(&path))
                .map_err(|e| io::Error::new(e.kind(), format!("{path}: {e}")))?;
            out.push(SourceFile { path, text });
        }
    }
    Ok(())
}
