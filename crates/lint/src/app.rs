//! The rules that read one file of the app at a time: `inner-html`,
//! `html-string`, `ui-text` and `js-eval` (see the crate docs for why).

use crate::lex::{tokens, Kind, Token};
use crate::{Rule, Violation};

/// The app's sources: everything under this folder of the repository.
pub const APP_SRC: &str = "src/";
/// The one module where text may become HTML.
pub const HTML_MODULE: &str = "src/html.rs";
/// The one table of UI strings.
pub const TEXT_MODULE: &str = "src/i18n.rs";

/// Names of Rust methods and Leptos attributes that parse a string as HTML.
const HTML_SINKS: [&str; 3] = ["inner_html", "outer_html", "insert_adjacent_html"];
/// The same sinks by their DOM names, as reached through `js_sys::Reflect`.
const DOM_HTML_SINKS: [&str; 3] = ["innerHTML", "outerHTML", "insertAdjacentHTML"];

/// `true` if `path` (relative to the repository root) is one of the app's
/// Rust sources.
pub fn is_app_source(path: &str) -> bool {
    path.starts_with(APP_SRC) && path.ends_with(".rs")
}

/// Every violation of the single-file rules in the app file `path`.
pub fn check_file(path: &str, source: &str, out: &mut Vec<Violation>) {
    let toks = tokens(source);
    let mut found = |line: usize, rule: Rule, message: String| {
        out.push(Violation {
            path: path.to_string(),
            line,
            rule,
            message,
        });
    };
    let html_allowed = path == HTML_MODULE;
    let text_allowed = path == TEXT_MODULE;
    // The first segment of the `use` declaration being read, if any.
    let mut use_root: Option<&str> = None;

    for (i, t) in toks.iter().enumerate() {
        let at = |k: usize| toks.get(i + k);
        let before = |k: usize| i.checked_sub(k).and_then(|j| toks.get(j));
        if t.is_ident("use") {
            use_root = at(1)
                .filter(|n| n.kind == Kind::Ident)
                .map(|n| n.text.as_str());
        } else if t.is_punct(";") {
            use_root = None;
        }

        match t.kind {
            Kind::Ident => {
                let lower = t.text.to_ascii_lowercase();
                if !html_allowed {
                    if let Some(sink) = HTML_SINKS.iter().find(|s| lower.contains(*s)) {
                        found(
                            t.line,
                            Rule::InnerHtml,
                            format!(
                                "`{}` turns a string into HTML ({sink}); only {HTML_MODULE} may, \
                                 so render an `Html` with `HtmlView` or write a view! component",
                                t.text
                            ),
                        );
                    }
                }
                if !text_allowed
                    && t.text == "pick"
                    && before(1).is_some_and(|p| p.is_punct("."))
                    && at(1).is_some_and(|p| p.is_punct("("))
                {
                    found(
                        t.line,
                        Rule::UiText,
                        format!(
                            "`.pick(zh, en)` holds UI text outside {TEXT_MODULE}; add a `Text` to the table there"
                        ),
                    );
                }
                if !text_allowed
                    && t.text == "Lang"
                    && at(1).is_some_and(|p| p.is_punct("::"))
                    && at(2).is_some_and(|v| v.is_ident("Zh") || v.is_ident("En"))
                    && at(3).is_some_and(|p| p.is_punct("=>"))
                {
                    found(
                        t.line,
                        Rule::UiText,
                        format!(
                            "a `Lang::{} =>` arm holds UI text outside {TEXT_MODULE}; add a `Text` to the table there",
                            toks[i + 2].text
                        ),
                    );
                }
                if let Some(what) = rust_eval(t, before(2).zip(before(1)), use_root) {
                    found(t.line, Rule::JsEval, what);
                }
                if t.text == "inline_js" && at(1).is_some_and(|p| p.is_punct("=")) {
                    if let Some(js) = at(2).filter(|s| s.kind == Kind::Str) {
                        for (line, what) in js_eval(js) {
                            found(line, Rule::JsEval, format!("inline_js {what}"));
                        }
                    }
                }
            }
            Kind::Str => {
                let value = t.string_value();
                if !html_allowed {
                    if let Some(sink) = DOM_HTML_SINKS.iter().find(|s| value.contains(*s)) {
                        found(
                            t.line,
                            Rule::InnerHtml,
                            format!("the string \"{sink}\" reaches an HTML parser; only {HTML_MODULE} may"),
                        );
                    }
                    if let Some((line, snippet)) = markup(t) {
                        found(
                            line,
                            Rule::HtmlString,
                            format!(
                                "string literal holds markup `{snippet}`; write a view! component, \
                                 or build an `Html` with {HTML_MODULE}"
                            ),
                        );
                    }
                }
                if value == "eval" {
                    found(
                        t.line,
                        Rule::JsEval,
                        "the string \"eval\" names JavaScript's eval".into(),
                    );
                }
            }
            _ => {}
        }
    }
}

/// The first markup in a string literal: `<` followed by an ASCII letter
/// (`<li`), `/` (`</div>`), `!` (`<!--`) or `{` (a tag name from a format
/// argument, `<{tag}`); with the line it is on and a short excerpt.
/// `"a < b"` and `"a <= b"` are text, not markup.
pub fn markup(literal: &Token) -> Option<(usize, String)> {
    let v = &literal.value;
    let at = v.windows(2).position(|w| {
        w[0].0 == '<' && (w[1].0.is_ascii_alphabetic() || matches!(w[1].0, '/' | '!' | '{'))
    })?;
    let snippet: String = v[at..]
        .iter()
        .map(|&(c, _)| c)
        .take_while(|&c| c != '\n')
        .take(24)
        .collect();
    Some((v[at].1, snippet))
}

/// Rust that runs JavaScript from a string: `Function::new_no_args`,
/// `Function::new_with_args`, `js_sys::eval` (also when imported), and
/// web-sys's `set_timeout_with_str` / `set_interval_with_str` family.
fn rust_eval(t: &Token, path: Option<(&Token, &Token)>, use_root: Option<&str>) -> Option<String> {
    let name = t.text.as_str();
    if name == "new_no_args" || name == "new_with_args" {
        return Some(format!(
            "`Function::{name}` compiles JavaScript from a string"
        ));
    }
    if name.starts_with("set_timeout_with_str") || name.starts_with("set_interval_with_str") {
        return Some(format!(
            "`{name}` runs a string as JavaScript; pass a closure"
        ));
    }
    let via_path = path.is_some_and(|(krate, sep)| krate.is_ident("js_sys") && sep.is_punct("::"));
    if name == "eval" && (via_path || use_root == Some("js_sys")) {
        return Some("`js_sys::eval` runs a string as JavaScript".into());
    }
    None
}

/// JavaScript in an `inline_js` string that evaluates a string: `eval(`,
/// `Function(` (with or without `new`), `setTimeout`/`setInterval` given a
/// string. Each with the line it is on.
pub fn js_eval(js: &Token) -> Vec<(usize, String)> {
    let chars: Vec<char> = js.value.iter().map(|&(c, _)| c).collect();
    let mut found = Vec::new();
    let is_word = |c: char| c == '_' || c == '$' || c.is_ascii_alphanumeric();
    let mut i = 0;
    while i < chars.len() {
        if !is_word(chars[i]) || (i > 0 && is_word(chars[i - 1])) {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && is_word(chars[i]) {
            i += 1;
        }
        let word: String = chars[start..i].iter().collect();
        let mut j = i;
        while j < chars.len() && chars[j].is_whitespace() {
            j += 1;
        }
        let called = chars.get(j) == Some(&'(');
        let mut k = j + 1;
        while k < chars.len() && chars[k].is_whitespace() {
            k += 1;
        }
        let string_argument = called && matches!(chars.get(k), Some('\'' | '"' | '`'));
        let what = match word.as_str() {
            "eval" if called => Some("calls `eval`"),
            "Function" if called => Some("calls the `Function` constructor"),
            "setTimeout" | "setInterval" if string_argument => {
                Some("gives a timer a string to evaluate")
            }
            _ => None,
        };
        if let Some(what) = what {
            found.push((js.value[start].1, format!("{what}: `{word}(`")));
        }
    }
    found
}
