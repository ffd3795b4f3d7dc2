//! Every rule of complaints-lint, shown failing on a planted violation (with
//! the right file and line) and passing on the compliant variant; then the
//! binary on a temporary tree, and every rule on this repository.

use std::path::Path;

use complaints_lint::{check, Rule, SourceFile, Violation};

/// The violations of `rule` among `files` (path, text), as `(path, line)`.
fn found(rule: Rule, files: &[(&str, &str)]) -> Vec<(String, usize)> {
    all(files)
        .into_iter()
        .filter(|v| v.rule == rule)
        .map(|v| (v.path, v.line))
        .collect()
}

fn all(files: &[(&str, &str)]) -> Vec<Violation> {
    let files: Vec<SourceFile> = files.iter().map(|(p, t)| SourceFile::new(*p, *t)).collect();
    check(&files).violations
}

fn at(path: &str, lines: &[usize]) -> Vec<(String, usize)> {
    lines.iter().map(|l| (path.to_string(), *l)).collect()
}

/// `inner-html`: only src/html.rs turns strings into HTML.
mod inner_html {
    use super::*;

    #[test]
    fn inner_html_in_a_page_is_reported() {
        let page = "use leptos::prelude::*;\n\
                    fn card(html: String) -> impl IntoView {\n\
                    \x20   view! { <div inner_html=html></div> }\n\
                    }\n";
        assert_eq!(
            found(Rule::InnerHtml, &[("src/pages/x.rs", page)]),
            at("src/pages/x.rs", &[3])
        );
    }

    #[test]
    fn set_inner_html_and_its_dom_name_are_reported() {
        let glue = "fn f(el: &Element, s: &str) {\n\
                    \x20   el.set_inner_html(s);\n\
                    \x20   el.insert_adjacent_html(\"beforeend\", s).ok();\n\
                    \x20   Reflect::set(el, &\"innerHTML\".into(), &s.into()).ok();\n\
                    }\n";
        assert_eq!(
            found(Rule::InnerHtml, &[("src/platform.rs", glue)]),
            at("src/platform.rs", &[2, 3, 4])
        );
    }

    #[test]
    fn inner_html_in_html_rs_is_allowed() {
        let html = "//! The only `inner_html`.\n\
                    pub fn HtmlView(html: Html) -> impl IntoView {\n\
                    \x20   view! { <div inner_html=html.0></div> }\n\
                    }\n";
        assert_eq!(found(Rule::InnerHtml, &[("src/html.rs", html)]), vec![]);
    }

    #[test]
    fn inner_html_named_in_comments_is_not_code() {
        let page =
            "// never inner_html here\n/* nor set_inner_html */\n/// see inner_html\nfn f() {}\n";
        assert_eq!(found(Rule::InnerHtml, &[("src/pages/x.rs", page)]), vec![]);
    }

    #[test]
    fn only_the_app_is_checked() {
        let server = "fn f() { el.set_inner_html(\"x\"); }\n";
        assert_eq!(
            found(Rule::InnerHtml, &[("crates/server/src/x.rs", server)]),
            vec![]
        );
    }
}

/// `html-string`: no markup in string literals outside src/html.rs.
mod html_string {
    use super::*;

    #[test]
    fn markup_in_string_literals_is_reported_in_every_form() {
        let page = r####"fn render(out: &mut String, name: &str) {
    let a = format!("<li class=\"card\">{name}</li>");
    write!(out, "</ul>").ok();
    out.push_str(r#"<div data-x="1">"#);
    let b = concat!("<!--", " note -->");
    let c = b"<p>";
    let d = "\x3cb>";
    let e = format!("<{tag}>");
}
"####;
        assert_eq!(
            found(Rule::HtmlString, &[("src/pages/list.rs", page)]),
            at("src/pages/list.rs", &[2, 3, 4, 5, 6, 7, 8])
        );
    }

    #[test]
    fn markup_in_a_multi_line_literal_is_reported_at_its_own_line() {
        let page = "fn f() -> &'static str {\n    r#\"\n  title\n  <section>\n\"#\n}\n";
        assert_eq!(
            found(Rule::HtmlString, &[("src/pages/x.rs", page)]),
            at("src/pages/x.rs", &[4])
        );
    }

    #[test]
    fn angle_brackets_that_are_not_markup_in_strings_are_fine() {
        let page = r#"use std::collections::BTreeMap;
/// Renders <div> rows (a doc comment).
//! <!-- also a comment -->
// let s = "<div>";
/* "<b>" in a block /* nested "<i>" */ comment */
fn f<'a, T: Into<Vec<String>>>(x: &'a str, n: usize) -> bool {
    let lt = '<';
    let q = '"';
    let esc = '\'';
    let byte = b'<';
    let m: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let text = "a < b and a <= b, 3<5? no: 3 < 5";
    let label = 'outer: loop { break 'outer; };
    n < 3 && n <= 4 && x.len() << 1 > 2
}
fn view() -> impl IntoView {
    view! { <div class="card"><p>"text"</p></div> }
}
"#;
        assert_eq!(found(Rule::HtmlString, &[("src/pages/x.rs", page)]), vec![]);
    }

    #[test]
    fn a_quote_in_a_char_literal_does_not_hide_the_next_string() {
        // If '"' opened a string, the markup below would be swallowed.
        let page = "fn f() {\n    let q = '\"';\n    let s = \"<b>\";\n}\n";
        assert_eq!(
            found(Rule::HtmlString, &[("src/pages/x.rs", page)]),
            at("src/pages/x.rs", &[3])
        );
    }

    #[test]
    fn markup_in_html_rs_is_allowed_and_outside_the_app_not_checked() {
        let html = "fn open(tag: &str) -> String { format!(\"<{tag}\") }\n";
        let files = [
            ("src/html.rs", html),
            (
                "crates/server/src/static_files.rs",
                "const P: &str = \"<h1>\";\n",
            ),
        ];
        assert_eq!(found(Rule::HtmlString, &files), vec![]);
    }
}

/// `ui-text`: every UI string sits in src/i18n.rs.
mod ui_text {
    use super::*;

    #[test]
    fn pick_and_language_arms_are_reported() {
        let page = "fn f(lang: Lang) -> &'static str {\n\
                    \x20   let sep = lang.pick(\"；\", \"; \");\n\
                    \x20   match lang {\n\
                    \x20       Lang::Zh => \"投诉\",\n\
                    \x20       complaints_domain::Lang::En => \"Complaints\",\n\
                    \x20   }\n\
                    }\n";
        assert_eq!(
            found(Rule::UiText, &[("src/pages/x.rs", page)]),
            at("src/pages/x.rs", &[2, 4, 5])
        );
    }

    #[test]
    fn the_table_itself_and_other_uses_of_lang_are_fine() {
        let table = "fn get(self, lang: Lang) -> &'static str {\n\
                     \x20   match lang { Lang::Zh => \"投诉\", Lang::En => \"Complaints\" }\n\
                     }\n\
                     fn tr2(lang: Lang, zh: &str, en: &str) -> &str { lang.pick(zh, en) }\n";
        let page = "// lang.pick(\"a\", \"b\") in a comment\n\
                    fn f(lang: Lang) -> bool { lang == Lang::Zh && pick(1) && self.picker() }\n";
        let domain = "fn label(&self, lang: Lang) -> &'static str { match lang { Lang::Zh => \"电话\", Lang::En => \"Phone\" } }\n";
        let files = [
            ("src/i18n.rs", table),
            ("src/pages/x.rs", page),
            ("crates/domain/src/model.rs", domain),
        ];
        assert_eq!(found(Rule::UiText, &files), vec![]);
    }
}

/// `js-eval`: nothing evaluates JavaScript from a string.
mod js_eval {
    use super::*;

    #[test]
    fn rust_that_evaluates_strings_is_reported_even_in_html_rs() {
        let glue = "use js_sys::{eval, Function};\n\
                    fn f(db: &IdbDatabase) {\n\
                    \x20   db.set_onversionchange(Some(&js_sys::Function::new_no_args(\"this.close()\")));\n\
                    \x20   let g = Function::new_with_args(\"a\", \"return a\");\n\
                    \x20   js_sys::eval(\"1\").ok();\n\
                    \x20   window.set_timeout_with_str_and_timeout_and_unused_0(\"go()\", 5).ok();\n\
                    \x20   Reflect::get(&global, &\"eval\".into()).ok();\n\
                    }\n";
        assert_eq!(
            found(Rule::JsEval, &[("src/html.rs", glue)]),
            at("src/html.rs", &[1, 3, 4, 5, 6, 7])
        );
    }

    #[test]
    fn inline_js_that_evaluates_strings_is_reported_at_its_line() {
        let glue = "#[wasm_bindgen(inline_js = \"\n\
                    export function a(s) { return eval(s); }\n\
                    export function b(s) { return new Function(s)(); }\n\
                    export function c() { setTimeout('tick()', 10); }\n\
                    \")]\n\
                    extern \"C\" { fn a(s: &str); }\n";
        assert_eq!(
            found(Rule::JsEval, &[("src/platform.rs", glue)]),
            at("src/platform.rs", &[2, 3, 4])
        );
    }

    #[test]
    fn closures_functions_and_words_that_contain_eval_are_fine() {
        let glue = "#[wasm_bindgen(inline_js = \"export function save(u) { setTimeout(() => URL.revokeObjectURL(u), 1000); x.evaluate(); retrieval(1); }\")]\n\
                    extern \"C\" { fn save(u: &str); }\n\
                    use crate::kpi::{evaluate, Evaluation};\n\
                    fn f(cb: &js_sys::Function) { let e = evaluate(1.0); cb.call0(&JsValue::NULL).ok(); }\n\
                    // js_sys::eval(\"never\")\n";
        assert_eq!(found(Rule::JsEval, &[("src/platform.rs", glue)]), vec![]);
    }
}

/// `module-cycle`: no cycles between a crate's top-level modules.
mod module_cycle {
    use super::*;

    fn messages(files: &[(&str, &str)]) -> Vec<String> {
        all(files)
            .into_iter()
            .filter(|v| v.rule == Rule::ModuleCycle)
            .map(|v| v.to_string())
            .collect()
    }

    #[test]
    fn a_two_module_cycle_is_reported_with_its_path_and_lines() {
        let files = [
            (
                "crates/domain/src/lib.rs",
                "pub mod handling;\npub mod model;\n",
            ),
            (
                "crates/domain/src/model.rs",
                "//! crate::handling in a comment\n\nuse crate::handling::Entry;\n",
            ),
            (
                "crates/domain/src/handling.rs",
                "fn f() -> crate::model::Status {\n    todo!()\n}\n",
            ),
        ];
        assert_eq!(
            messages(&files),
            vec![
                "crates/domain/src/handling.rs:1: module-cycle: handling -> model -> handling \
                  (handling -> model at crates/domain/src/handling.rs:1, \
                  model -> handling at crates/domain/src/model.rs:3); \
                  move what both need into a module that depends on neither"
            ]
        );
    }

    #[test]
    fn every_cycle_is_reported_through_groups_submodules_and_super() {
        let files = [
            ("src/lib.rs", "mod a;\nmod b;\nmod c;\n"),
            // a multi-line nested group: b and c (not d, which is under b).
            ("src/a.rs", "use crate::{\n    b::{self, d},\n    c,\n};\n"),
            // a file under src/b/ counts as b; super from b/x.rs is b, super::super is the root.
            // super inside an inline module of b is b: `super::e` is b's own e.
            (
                "src/b/mod.rs",
                "mod c;\nmod x;\nmod e;\nmod inline {\n    use super::e::Helper;\n}\n",
            ),
            (
                "src/b/x.rs",
                "use super::c::Helper;\nuse super::super::a::Thing;\n",
            ),
            // super from a top-level file is the root.
            ("src/c.rs", "use super::b;\n"),
            ("src/e.rs", "use crate::b;\n"),
        ];
        let cycles: Vec<String> = messages(&files)
            .iter()
            .map(|m| {
                m.split(": ")
                    .nth(2)
                    .unwrap()
                    .split(" (")
                    .next()
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert_eq!(cycles, vec!["a -> b -> a", "a -> c -> b -> a"]);
        let lines: Vec<(String, usize)> = found(Rule::ModuleCycle, &files);
        assert_eq!(lines, at("src/a.rs", &[2, 3]));
    }

    #[test]
    fn items_re_exported_by_the_crate_root_count_as_their_module() {
        let files = [
            (
                "src/lib.rs",
                "pub mod model;\npub mod risk;\npub use model::{Complaint, Status as State};\n",
            ),
            ("src/model.rs", "use crate::risk::Level;\n"),
            ("src/risk.rs", "\n\nfn f(c: &crate::State) {}\n"),
        ];
        assert_eq!(found(Rule::ModuleCycle, &files), at("src/model.rs", &[1]));
    }

    #[test]
    fn test_modules_roots_and_acyclic_graphs_are_fine() {
        let files = [
            // lib.rs names everything but is not a module.
            ("src/lib.rs", "pub mod a;\npub mod b;\nuse crate::a::x;\nuse crate::b::y;\n"),
            ("src/a.rs", "use crate::b;\n#[cfg(test)]\nmod tests {\n    use super::*;\n    use crate::b::z;\n    mod deeper { use super::super::super::b; }\n}\n"),
            // b's tests may use a: the reference is in a #[cfg(test)] module.
            ("src/b.rs", "pub fn y() {}\n#[cfg(test)]\npub(crate) mod tests {\n    use crate::a;\n}\nfn after() -> u8 { 1 }\n"),
            // same names in another crate are another graph.
            ("crates/server/src/b.rs", "use crate::a;\n"),
            ("crates/server/src/c.rs", ""),
        ];
        assert_eq!(found(Rule::ModuleCycle, &files), vec![]);
    }

    #[test]
    fn a_reference_after_a_test_module_still_counts() {
        let files = [
            ("src/a.rs", "use crate::b;\n"),
            (
                "src/b.rs",
                "#[cfg(test)]\nmod tests {\n    fn t() {}\n}\nuse crate::a;\n",
            ),
        ];
        assert_eq!(found(Rule::ModuleCycle, &files), at("src/a.rs", &[1]));
    }
}

/// The binary and the file walker, on a temporary tree.
mod binary {
    use std::fs;
    use std::path::{Path, PathBuf};
    use std::process::Command;

    /// A fresh directory holding `files`, removed on drop.
    struct Tree(PathBuf);

    impl Tree {
        fn new(name: &str, files: &[(&str, &str)]) -> Tree {
            let dir =
                std::env::temp_dir().join(format!("complaints-lint-{name}-{}", std::process::id()));
            let _ = fs::remove_dir_all(&dir);
            for (path, text) in files {
                let path = dir.join(path);
                fs::create_dir_all(path.parent().unwrap()).unwrap();
                fs::write(path, text).unwrap();
            }
            Tree(dir)
        }

        fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for Tree {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn run(root: &Path) -> (i32, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_complaints-lint"))
            .arg(root)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8(out.stdout).unwrap(),
        )
    }

    #[test]
    fn a_violating_tree_prints_each_violation_and_exits_1() {
        let tree = Tree::new(
            "bad",
            &[
                ("src/lib.rs", "pub mod html;\npub mod pages;\n"),
                (
                    "src/html.rs",
                    "fn v() { view! { <div inner_html=h></div> } }\n",
                ),
                (
                    "src/pages/x.rs",
                    "fn v() {\n    view! { <div inner_html=h></div> }\n}\n",
                ),
                ("crates/client/Cargo.toml", "[package]\n"),
                ("crates/client/src/a.rs", "use crate::b::B;\n"),
                ("crates/client/src/b.rs", "use crate::a::A;\n"),
                // not crates (no Cargo.toml beside src/): never read
                ("crates/vendor/thing/src/a.rs", "use crate::b::B;\n"),
                ("crates/vendor/thing/src/b.rs", "use crate::a::A;\n"),
                ("crates/scratch/src/a.rs", "use crate::b::B;\n"),
                ("crates/scratch/src/b.rs", "use crate::a::A;\n"),
            ],
        );
        let (code, stdout) = run(tree.path());
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(code, 1, "{stdout}");
        assert_eq!(lines.len(), 3, "{stdout}");
        assert!(
            lines[0].starts_with("crates/client/src/a.rs:1: module-cycle: a -> b -> a ("),
            "{stdout}"
        );
        assert!(
            lines[1].starts_with("src/pages/x.rs:2: inner-html: `inner_html`"),
            "{stdout}"
        );
        assert_eq!(
            lines[2],
            "complaints-lint: 2 violations in 5 files read (inner-html 1, module-cycle 1)"
        );
    }

    #[test]
    fn a_compliant_tree_exits_0() {
        let tree = Tree::new(
            "good",
            &[
                ("src/lib.rs", "pub mod html;\n"),
                (
                    "src/html.rs",
                    "fn v() { view! { <div inner_html=h></div> } }\n",
                ),
            ],
        );
        assert_eq!(
            run(tree.path()),
            (0, "complaints-lint: 2 files, no violations\n".to_string())
        );
    }

    #[test]
    fn a_missing_tree_exits_2() {
        let (code, _) = run(Path::new("/nonexistent/complaints-lint"));
        assert_eq!(code, 2);
    }
}

/// Every rule on this repository. Expected to fail while src/ is being
/// rewritten: it lists what is left to do.
#[test]
fn the_repository_follows_the_rules() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let report = complaints_lint::check_repository(&root).expect("read the repository's sources");
    for violation in &report.violations {
        println!("{violation}");
    }
    println!("{}", report.summary());
    for rule in Rule::ALL {
        println!("{rule}: {}", report.count(rule));
    }
    assert!(report.violations.is_empty(), "{}", report.summary());
}
