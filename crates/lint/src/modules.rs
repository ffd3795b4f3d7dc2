//! The `module-cycle` rule: the graph of references between each crate's
//! top-level modules, and every cycle in it.
//!
//! A top-level module is `src/x.rs` or the folder `src/x/` (every file under
//! it counts as `x`). `x` refers to `y` when a file of `x` names
//! `crate::y` (also inside `use crate::{…}` groups, however nested and
//! however many lines they take), `super::y` from where `super` is the crate
//! root, or an item the crate root re-exports from `y` (`crate::Complaint`
//! when lib.rs has `pub use model::Complaint`). `lib.rs` and `main.rs` only
//! declare modules, so nothing they name is an edge; `src/bin/` holds other
//! crates; references inside `#[cfg(test)] mod … { }` blocks are left out,
//! since tests may reach anywhere (a test module in a file of its own,
//! `#[cfg(test)] mod tests;`, is read like any other file).

use std::collections::{BTreeMap, BTreeSet};

use crate::lex::{tokens, Kind, Token};
use crate::{Rule, SourceFile, Violation};

/// At most this many cycles are listed per crate; a tangle bigger than that
/// needs a redesign more than a list.
const MAX_CYCLES: usize = 100;

/// Where the crate containing `path` keeps its sources (`src/`,
/// `crates/domain/src/`), and the path inside it.
pub fn crate_src(path: &str) -> Option<(&str, &str)> {
    if let Some(rest) = path.strip_prefix("src/") {
        return Some(("src/", rest));
    }
    let rest = path.strip_prefix("crates/")?;
    let (name, rest) = rest.split_once('/')?;
    let inner = rest.strip_prefix("src/")?;
    Some((&path[.."crates/".len() + name.len() + "/src/".len()], inner))
}

/// The top-level module a file belongs to, and how deep in the module tree
/// the file's own module sits (`x.rs` and `x/mod.rs`: 1, `x/y.rs`: 2).
/// `None` for the crate roots and for `bin/`.
fn module_of(inner: &str) -> Option<(String, usize)> {
    let parts: Vec<&str> = inner.split('/').collect();
    let first = parts[0];
    if parts.len() == 1 {
        let name = first.strip_suffix(".rs")?;
        return (name != "lib" && name != "main").then(|| (name.to_string(), 1));
    }
    if first == "bin" {
        return None;
    }
    let depth = parts.len() - usize::from(parts.last() == Some(&"mod.rs"));
    Some((first.to_string(), depth))
}

/// A reference from one module to another, and where it is written.
#[derive(Clone, Debug)]
struct Site {
    path: String,
    line: usize,
}

/// Every module cycle of every crate among `files`.
pub fn check(files: &[SourceFile], out: &mut Vec<Violation>) {
    let mut crates: BTreeMap<&str, Vec<(&str, &SourceFile)>> = BTreeMap::new();
    for file in files.iter().filter(|f| f.path.ends_with(".rs")) {
        if let Some((root, inner)) = crate_src(&file.path) {
            crates.entry(root).or_default().push((inner, file));
        }
    }
    for files in crates.values() {
        check_crate(files, out);
    }
}

fn check_crate(files: &[(&str, &SourceFile)], out: &mut Vec<Violation>) {
    let modules: BTreeSet<String> = files
        .iter()
        .filter_map(|(inner, _)| module_of(inner))
        .map(|m| m.0)
        .collect();
    let root = files
        .iter()
        .find(|(inner, _)| *inner == "lib.rs")
        .or_else(|| files.iter().find(|(inner, _)| *inner == "main.rs"));
    let reexports = root
        .map(|(_, f)| reexports(&tokens(&f.text), &modules))
        .unwrap_or_default();

    let mut edges: BTreeMap<(String, String), Site> = BTreeMap::new();
    let mut sorted: Vec<&(&str, &SourceFile)> = files.iter().collect();
    sorted.sort_by(|a, b| a.1.path.cmp(&b.1.path));
    for (inner, file) in sorted {
        let Some((from, depth)) = module_of(inner) else {
            continue;
        };
        for (name, line) in crate_references(&tokens(&file.text), depth) {
            let to = if modules.contains(&name) {
                Some(&name)
            } else {
                reexports.get(&name)
            };
            if let Some(to) = to.filter(|to| **to != from) {
                let site = Site {
                    path: file.path.clone(),
                    line,
                };
                edges.entry((from.clone(), to.clone())).or_insert(site);
            }
        }
    }

    let cycles = cycles(&modules, &edges);
    for cycle in cycles.iter().take(MAX_CYCLES) {
        let hops: Vec<(&String, &String, &Site)> = cycle
            .iter()
            .zip(cycle.iter().cycle().skip(1))
            .map(|(a, b)| (a, b, &edges[&(a.clone(), b.clone())]))
            .collect();
        let mut names: Vec<&str> = cycle.iter().map(String::as_str).collect();
        names.push(&cycle[0]);
        let detail: Vec<String> = hops
            .iter()
            .map(|(a, b, s)| format!("{a} -> {b} at {}:{}", s.path, s.line))
            .collect();
        let first = hops[0].2;
        out.push(Violation {
            path: first.path.clone(),
            line: first.line,
            rule: Rule::ModuleCycle,
            message: format!(
                "{} ({}); move what both need into a module that depends on neither",
                names.join(" -> "),
                detail.join(", ")
            ),
        });
    }
    if cycles.len() > MAX_CYCLES {
        let first = &edges[&(cycles[0][0].clone(), cycles[0][1].clone())];
        out.push(Violation {
            path: first.path.clone(),
            line: first.line,
            rule: Rule::ModuleCycle,
            message: format!("more cycles in this crate than the {MAX_CYCLES} listed"),
        });
    }
}

/// The crate-level names a file refers to, each with its line: the first
/// segment of every path that starts at the crate root.
fn crate_references(toks: &[Token], file_depth: usize) -> Vec<(String, usize)> {
    let mut names = Vec::new();
    // Inline `mod x { … }` blocks the scan is inside: (brace depth outside
    // the block, whether it is `#[cfg(test)]`).
    let mut inline: Vec<(usize, bool)> = Vec::new();
    let mut braces = 0usize;
    let mut i = 0;
    while i < toks.len() {
        let t = &toks[i];
        if t.is_punct("{") {
            braces += 1;
        } else if t.is_punct("}") {
            braces = braces.saturating_sub(1);
            if inline.last().is_some_and(|&(outside, _)| outside == braces) {
                inline.pop();
            }
        } else if t.is_ident("mod")
            && toks.get(i + 1).is_some_and(|n| n.kind == Kind::Ident)
            && toks.get(i + 2).is_some_and(|b| b.is_punct("{"))
        {
            inline.push((braces, is_cfg_test(toks, i)));
        }
        if inline.iter().any(|&(_, test)| test) {
            i += 1;
            continue;
        }

        // `crate::`, `$crate::`, or as many `super::` as lead to the root.
        let at_root = if t.is_ident("crate") {
            toks.get(i + 1)
                .is_some_and(|p| p.is_punct("::"))
                .then_some(i + 2)
        } else if t.is_ident("super") && (i == 0 || !toks[i - 1].is_punct("::")) {
            let mut j = i;
            let mut supers = 0;
            while toks.get(j).is_some_and(|s| s.is_ident("super"))
                && toks.get(j + 1).is_some_and(|p| p.is_punct("::"))
            {
                supers += 1;
                j += 2;
            }
            (supers == file_depth + inline.len()).then_some(j)
        } else {
            None
        };
        if let Some(mut j) = at_root {
            let mut tree = Vec::new();
            use_tree(toks, &mut j, Vec::new(), &mut tree);
            for (path, _) in tree {
                if let Some(first) = path
                    .first()
                    .filter(|s| !matches!(s.text.as_str(), "self" | "*"))
                {
                    names.push((first.text.clone(), first.line));
                }
            }
        }
        i += 1;
    }
    names
}

/// `true` if the item starting at `toks[item]` carries `#[cfg(test)]`
/// (after any other attributes and a visibility).
fn is_cfg_test(toks: &[Token], item: usize) -> bool {
    let mut k = item;
    let prev = |k: usize| k.checked_sub(1).map(|j| &toks[j]);
    if prev(k).is_some_and(|t| t.is_punct(")")) {
        // `pub(crate)`, `pub(super)`
        while k > 0 && !toks[k - 1].is_punct("(") {
            k -= 1;
        }
        k = k.saturating_sub(1);
    }
    if prev(k).is_some_and(|t| t.is_ident("pub")) {
        k -= 1;
    }
    while prev(k).is_some_and(|t| t.is_punct("]")) {
        let close = k - 1;
        let mut depth = 0;
        let mut open = close;
        loop {
            if toks[open].is_punct("]") {
                depth += 1;
            } else if toks[open].is_punct("[") {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            if open == 0 {
                return false;
            }
            open -= 1;
        }
        let attr = &toks[open + 1..close];
        let named = |n: &str| attr.iter().any(|t| t.is_ident(n));
        if attr.first().is_some_and(|t| t.is_ident("cfg")) && named("test") && !named("not") {
            return true;
        }
        k = open.saturating_sub(1); // past the `#`
    }
    false
}

/// Reads a use tree (`a::b`, `a::{b, c::{d}}`, `a as b`, `*`) from
/// `toks[*i]`, adding each leaf path and its alias to `out`.
fn use_tree<'t>(
    toks: &'t [Token],
    i: &mut usize,
    prefix: Vec<&'t Token>,
    out: &mut Vec<(Vec<&'t Token>, Option<&'t Token>)>,
) {
    let Some(t) = toks.get(*i) else { return };
    if t.is_punct("{") {
        *i += 1;
        while let Some(t) = toks.get(*i) {
            if t.is_punct("}") {
                *i += 1;
                break;
            }
            if t.is_punct(",") {
                *i += 1;
                continue;
            }
            let before = *i;
            use_tree(toks, i, prefix.clone(), out);
            if *i == before {
                *i += 1; // not a use tree: skip the token
            }
        }
    } else if t.is_punct("*") {
        *i += 1;
        let mut path = prefix;
        path.push(t);
        out.push((path, None));
    } else if t.kind == Kind::Ident {
        *i += 1;
        let mut path = prefix;
        path.push(t);
        let continues = toks
            .get(*i + 1)
            .is_some_and(|n| n.kind == Kind::Ident || n.is_punct("{") || n.is_punct("*"));
        if toks.get(*i).is_some_and(|p| p.is_punct("::")) && continues {
            *i += 1;
            use_tree(toks, i, path, out);
        } else if toks.get(*i).is_some_and(|a| a.is_ident("as")) {
            let alias = toks.get(*i + 1).filter(|a| a.kind == Kind::Ident);
            *i += 2;
            out.push((path, alias));
        } else {
            out.push((path, None));
        }
    }
}

/// The names the crate root brings in with `use` (`pub use model::Complaint`,
/// `pub use store::{MemoryStore as Memory}`), each with the module it comes from.
fn reexports(toks: &[Token], modules: &BTreeSet<String>) -> BTreeMap<String, String> {
    let mut names = BTreeMap::new();
    for (i, t) in toks.iter().enumerate() {
        if !t.is_ident("use") {
            continue;
        }
        let mut j = i + 1;
        let mut tree = Vec::new();
        use_tree(toks, &mut j, Vec::new(), &mut tree);
        for (path, alias) in tree {
            let path: Vec<&str> = path.iter().map(|t| t.text.as_str()).collect();
            let path = match path.first() {
                Some(&"crate" | &"self") => &path[1..],
                _ => &path[..],
            };
            let (Some(module), Some(last)) = (path.first(), path.last()) else {
                continue;
            };
            let bound = alias.map_or(*last, |a| a.text.as_str());
            if path.len() > 1 && modules.contains(*module) && !matches!(bound, "*" | "self") {
                names.insert(bound.to_string(), module.to_string());
            }
        }
    }
    names
}

/// Every elementary cycle of the graph (Johnson's algorithm), each starting
/// at its alphabetically first module; shortest first.
fn cycles(
    modules: &BTreeSet<String>,
    edges: &BTreeMap<(String, String), Site>,
) -> Vec<Vec<String>> {
    let names: Vec<&String> = modules.iter().collect();
    let index = |n: &String| names.iter().position(|m| *m == n);
    let mut adj = vec![Vec::new(); names.len()];
    for (a, b) in edges.keys() {
        if let (Some(a), Some(b)) = (index(a), index(b)) {
            adj[a].push(b);
        }
    }
    let mut found: Vec<Vec<usize>> = Vec::new();
    for s in 0..names.len() {
        let component = component_of(s, &adj);
        if component.len() < 2 {
            continue;
        }
        let mut search = Johnson {
            adj: &adj,
            component: &component,
            start: s,
            blocked: vec![false; names.len()],
            blocked_by: vec![BTreeSet::new(); names.len()],
            stack: Vec::new(),
            found: &mut found,
        };
        search.circuit(s);
        if found.len() > MAX_CYCLES {
            break;
        }
    }
    let mut cycles: Vec<Vec<String>> = found
        .into_iter()
        .map(|c| c.into_iter().map(|i| names[i].clone()).collect())
        .collect();
    cycles.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
    cycles
}

/// The strongly connected component of `s` in the graph restricted to the
/// nodes `>= s`.
fn component_of(s: usize, adj: &[Vec<usize>]) -> BTreeSet<usize> {
    let reach = |forward: bool| {
        let mut seen = BTreeSet::from([s]);
        let mut todo = vec![s];
        while let Some(v) = todo.pop() {
            for w in 0..adj.len() {
                let linked = if forward {
                    adj[v].contains(&w)
                } else {
                    adj[w].contains(&v)
                };
                if w >= s && linked && seen.insert(w) {
                    todo.push(w);
                }
            }
        }
        seen
    };
    reach(true).intersection(&reach(false)).copied().collect()
}

struct Johnson<'a> {
    adj: &'a [Vec<usize>],
    component: &'a BTreeSet<usize>,
    start: usize,
    blocked: Vec<bool>,
    blocked_by: Vec<BTreeSet<usize>>,
    stack: Vec<usize>,
    found: &'a mut Vec<Vec<usize>>,
}

impl Johnson<'_> {
    fn circuit(&mut self, v: usize) -> bool {
        let mut closed = false;
        self.stack.push(v);
        self.blocked[v] = true;
        let next: Vec<usize> = self.adj[v]
            .iter()
            .copied()
            .filter(|w| self.component.contains(w))
            .collect();
        for &w in &next {
            if self.found.len() > MAX_CYCLES {
                break;
            }
            if w == self.start {
                self.found.push(self.stack.clone());
                closed = true;
            } else if !self.blocked[w] && self.circuit(w) {
                closed = true;
            }
        }
        if closed {
            self.unblock(v);
        } else {
            for &w in &next {
                self.blocked_by[w].insert(v);
            }
        }
        self.stack.pop();
        closed
    }

    fn unblock(&mut self, v: usize) {
        self.blocked[v] = false;
        for w in std::mem::take(&mut self.blocked_by[v]) {
            if self.blocked[w] {
                self.unblock(w);
            }
        }
    }
}
