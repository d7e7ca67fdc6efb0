//! The toolkit's source reads in layers: parse → wire → model (names, types) → emitters
//! (server, client, doc) → verbs (compare, check, diff). No module of `src/` reaches, through
//! the modules it uses, back to itself, and no file is longer than a reader can hold
//! (700 lines). Uses are read from the code itself (`crate::…` paths and `use crate::{…}`
//! groups, outside `#[cfg(test)]` modules), so a doc link or a comment is not one.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;

/// The longest a source file may be.
const MOST_LINES: usize = 700;

/// Each module of `src/` (a file's stem) and the modules its code uses.
fn uses() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    // A folder (`src/mock/`) is one module: its files' code together.
    let mut files: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for path in source_files(&src) {
        let top = path
            .strip_prefix(&src)
            .expect("below src/")
            .components()
            .next();
        let stem = Path::new(top.expect("a component").as_os_str())
            .file_stem()
            .expect("a stem")
            .to_string_lossy()
            .into_owned();
        let source = std::fs::read_to_string(&path).expect("a source file");
        files.entry(stem).or_default().push(source);
    }
    let modules: BTreeSet<String> = files.keys().cloned().collect();
    let exported = reexports(&files["lib"][0]);
    files
        .iter()
        .filter(|(stem, _)| !matches!(stem.as_str(), "lib" | "main"))
        .map(|(stem, sources)| {
            let mut used = BTreeSet::new();
            for source in sources {
                let mut file = syn::parse_file(source).expect("the source parses");
                file.items.retain(|item| !is_test_module(item));
                crate_paths(file.into_token_stream(), &mut used);
            }
            // `crate::Document` is `parse`'s, re-exported at the root.
            let mut used: BTreeSet<String> = used
                .into_iter()
                .map(|name| exported.get(&name).cloned().unwrap_or(name))
                .collect();
            used.retain(|m| modules.contains(m) && m != stem);
            (stem.clone(), used)
        })
        .collect()
}

/// Every `.rs` file below `folder`.
fn source_files(folder: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(folder).expect("a source folder is read") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            found.extend(source_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
    found.sort();
    found
}

/// The names that `lib.rs` re-exports (`pub use parse::{Document, Warning};`), each with
/// the module that holds it.
fn reexports(lib: &str) -> BTreeMap<String, String> {
    fn names(tree: &syn::UseTree, found: &mut Vec<String>) {
        match tree {
            syn::UseTree::Name(name) => found.push(name.ident.to_string()),
            syn::UseTree::Rename(rename) => found.push(rename.rename.to_string()),
            syn::UseTree::Group(group) => group.items.iter().for_each(|t| names(t, found)),
            syn::UseTree::Path(path) => names(&path.tree, found),
            syn::UseTree::Glob(_) => {}
        }
    }
    let mut exported = BTreeMap::new();
    for item in syn::parse_file(lib).expect("lib.rs parses").items {
        if let syn::Item::Use(used) = item
            && let syn::UseTree::Path(path) = &used.tree
        {
            let mut found = Vec::new();
            names(&path.tree, &mut found);
            for name in found {
                exported.insert(name, path.ident.to_string());
            }
        }
    }
    exported
}

fn is_test_module(item: &syn::Item) -> bool {
    let syn::Item::Mod(module) = item else {
        return false;
    };
    module
        .attrs
        .iter()
        .any(|a| a.path().is_ident("cfg") && a.to_token_stream().to_string().contains("test"))
}

/// Adds to `used` the first element of every `crate::…` path in `tokens`, and of each path
/// in a `crate::{…}` group.
fn crate_paths(tokens: TokenStream, used: &mut BTreeSet<String>) {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    for (i, tree) in trees.iter().enumerate() {
        let after_crate = i >= 3
            && matches!(&trees[i - 3], TokenTree::Ident(c) if c == "crate")
            && matches!(&trees[i - 2], TokenTree::Punct(p) if p.as_char() == ':')
            && matches!(&trees[i - 1], TokenTree::Punct(p) if p.as_char() == ':');
        match tree {
            TokenTree::Ident(ident) if after_crate => {
                used.insert(ident.to_string());
            }
            TokenTree::Group(group) if after_crate => {
                // `crate::{a, b::c}`: the first name of each path in the group.
                let mut first = true;
                for inner in group.stream() {
                    match inner {
                        TokenTree::Ident(ident) if first => {
                            used.insert(ident.to_string());
                            first = false;
                        }
                        TokenTree::Punct(p) if p.as_char() == ',' => first = true,
                        _ => {}
                    }
                }
            }
            TokenTree::Group(group) => crate_paths(group.stream(), used),
            _ => {}
        }
    }
}

/// A path of uses from `from` back to itself, if there is one.
fn circle(graph: &BTreeMap<String, BTreeSet<String>>, from: &str) -> Option<Vec<String>> {
    let mut stack = vec![vec![from.to_owned()]];
    let mut seen = BTreeSet::new();
    while let Some(path) = stack.pop() {
        let last = path.last().expect("a path has a module");
        for next in graph.get(last).into_iter().flatten() {
            if next == from {
                let mut closed = path.clone();
                closed.push(next.clone());
                return Some(closed);
            }
            if seen.insert(next.clone()) {
                let mut longer = path.clone();
                longer.push(next.clone());
                stack.push(longer);
            }
        }
    }
    None
}

#[test]
fn no_module_reaches_back_to_itself_through_what_it_uses() {
    let graph = uses();
    assert!(graph.len() > 20, "src/ was read: {graph:?}");
    assert!(
        graph["proxy"].contains("client_fns") && graph["type_table"].contains("named"),
        "uses are read from the code: {graph:?}"
    );
    let circles: Vec<String> = graph
        .keys()
        .filter_map(|module| circle(&graph, module))
        .map(|path| path.join(" → "))
        .collect();
    assert!(
        circles.is_empty(),
        "import circles:\n{}",
        circles.join("\n")
    );
}

#[test]
fn no_source_file_is_longer_than_a_reader_holds() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut long = Vec::new();
    for path in source_files(&src) {
        let lines = std::fs::read_to_string(&path)
            .expect("a file")
            .lines()
            .count();
        if lines > MOST_LINES {
            long.push(format!("{}: {lines} lines", path.display()));
        }
    }
    assert!(
        long.is_empty(),
        "over {MOST_LINES} lines:\n{}",
        long.join("\n")
    );
}

#[test]
fn a_circle_is_found_where_there_is_one() {
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("a", vec!["b"]),
        ("b", vec!["c"]),
        ("c", vec!["a"]),
        ("d", vec!["a"]),
    ]
    .into_iter()
    .map(|(m, used)| (m.to_owned(), used.into_iter().map(str::to_owned).collect()))
    .collect();
    assert_eq!(circle(&graph, "a").unwrap().join(" → "), "a → b → c → a");
    assert_eq!(circle(&graph, "d"), None);
}
