//! codegen/README.md's section "The library's public API" is the whole of it: every name
//! that `lib.rs` makes public (its `pub use` items and `pub mod`s), and every public method of
//! the types a `build.rs` or a tool calls (`Builder`, `Document`, `Overlay`, `Releases`), is
//! named there, and the section names no method that is not public.

use std::collections::BTreeSet;
use std::path::Path;

/// The types whose public methods the section lists one by one.
const LISTED_METHODS_OF: [&str; 4] = ["Builder", "Document", "Overlay", "Releases"];

fn sources() -> Vec<syn::File> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    std::fs::read_dir(&src)
        .expect("src/ is read")
        .map(|entry| entry.expect("an entry of src/").path())
        .filter(|path| path.extension().is_some_and(|e| e == "rs"))
        .map(|path| {
            let source = std::fs::read_to_string(&path).expect("a source file");
            syn::parse_file(&source).expect("the source parses")
        })
        .collect()
}

/// The section of the README, from its heading to the next.
fn section() -> String {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("codegen/README.md is read");
    let start = readme
        .find("## The library's public API")
        .expect("README has the section");
    let rest = &readme[start + 3..];
    rest[..rest.find("\n## ").unwrap_or(rest.len())].to_owned()
}

fn is_public(vis: &syn::Visibility) -> bool {
    matches!(vis, syn::Visibility::Public(_))
}

/// What `lib.rs` exports: the names of its `pub use` items and its `pub mod`s.
fn exported(lib: &syn::File) -> BTreeSet<String> {
    fn names(tree: &syn::UseTree, found: &mut BTreeSet<String>) {
        match tree {
            syn::UseTree::Name(name) => {
                found.insert(name.ident.to_string());
            }
            syn::UseTree::Rename(rename) => {
                found.insert(rename.rename.to_string());
            }
            syn::UseTree::Group(group) => group.items.iter().for_each(|t| names(t, found)),
            syn::UseTree::Path(path) => names(&path.tree, found),
            syn::UseTree::Glob(_) => panic!("lib.rs re-exports with a glob"),
        }
    }
    let mut found = BTreeSet::new();
    for item in &lib.items {
        match item {
            syn::Item::Use(u) if is_public(&u.vis) => names(&u.tree, &mut found),
            syn::Item::Mod(m) if is_public(&m.vis) => {
                found.insert(m.ident.to_string());
            }
            _ => {}
        }
    }
    found
}

/// The public methods of `type_name`, in every `impl` of it.
fn public_methods(files: &[syn::File], type_name: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for file in files {
        for item in &file.items {
            let syn::Item::Impl(block) = item else {
                continue;
            };
            let syn::Type::Path(path) = &*block.self_ty else {
                continue;
            };
            if block.trait_.is_some() || !path.path.is_ident(type_name) {
                continue;
            }
            for item in &block.items {
                if let syn::ImplItem::Fn(f) = item
                    && is_public(&f.vis)
                {
                    found.insert(f.sig.ident.to_string());
                }
            }
        }
    }
    found
}

#[test]
fn the_readme_lists_the_whole_public_api() {
    let files = sources();
    let lib = syn::parse_file(include_str!("../src/lib.rs")).expect("lib.rs parses");
    let section = section();
    let named = |name: &str| section.contains(&format!("`{name}`"));
    let exported = exported(&lib);
    assert!(exported.contains("Builder"), "{exported:?}");
    let unlisted: Vec<&String> = exported.iter().filter(|n| !named(n)).collect();
    assert!(
        unlisted.is_empty(),
        "lib.rs exports {unlisted:?}, which codegen/README.md's public API does not list"
    );
    for type_name in LISTED_METHODS_OF {
        let methods = public_methods(&files, type_name);
        assert!(!methods.is_empty(), "{type_name} has no public method");
        let unlisted: Vec<&String> = methods.iter().filter(|m| !named(m)).collect();
        assert!(
            unlisted.is_empty(),
            "{type_name}'s public {unlisted:?} are not in codegen/README.md's public API"
        );
    }
    // And no method the section lists for the Builder is gone or private.
    let builder_row = section
        .lines()
        .find(|line| line.starts_with("| `Builder` |"))
        .expect("a row for the Builder");
    let methods = public_methods(&files, "Builder");
    // `Builder`, `build.rs`, then the methods: every other piece between backticks.
    let gone: Vec<&str> = builder_row
        .split('`')
        .skip(5)
        .step_by(2)
        .flat_map(|name| name.split('/'))
        .filter(|name| !methods.contains(*name))
        .collect();
    assert!(
        gone.is_empty(),
        "codegen/README.md lists Builder methods that are not public: {gone:?}"
    );
}
