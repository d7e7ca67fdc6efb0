//! `doc` and `generate` show one Rust type for every argument and property of every corpus
//! file, with an overlay that retypes some of them (GLib bytestrings, flags): each row of the
//! Markdown reference's tables is read back and found, with the same type, in the generated
//! server trait (methods' parameters and results, property getters and setters) and in the
//! client's signal events.

mod support;

use std::collections::HashMap;
use std::path::Path;

use dbus_xml_codegen::{Builder, Document, Overlay};
use quote::ToTokens;

/// One member as the reference shows it.
#[derive(Debug, Default)]
struct Member {
    heading: String,
    /// The Rust function (method, property) or emitter (signal) it names.
    rust: String,
    /// (direction, D-Bus type, Rust type) of each argument; a property's is one row, its
    /// direction its access.
    rows: Vec<(String, String, String)>,
}

/// One interface's section of the reference.
#[derive(Debug, Default)]
struct Section {
    wire: String,
    /// The module stem (`{stem}_server`, `{stem}_client`) and trait name.
    stem: String,
    trait_name: String,
    methods: Vec<Member>,
    signals: Vec<Member>,
    properties: Vec<Member>,
}

/// The cells of a Markdown table row, `\|` kept inside a cell.
fn cells(row: &str) -> Vec<String> {
    let inner = row.trim().trim_start_matches('|').trim_end_matches('|');
    let mut cells = vec![String::new()];
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                cells.last_mut().unwrap().push('|');
                chars.next();
            }
            '|' => cells.push(String::new()),
            c => cells.last_mut().unwrap().push(c),
        }
    }
    cells
        .into_iter()
        .map(|c| c.trim().trim_matches('`').to_owned())
        .collect()
}

/// Reads the sections of a reference back.
fn sections(reference: &str) -> Vec<Section> {
    let mut sections: Vec<Section> = Vec::new();
    let mut kind = "";
    let mut table = false;
    for line in reference.lines() {
        if let Some(name) = line.strip_prefix("## Interface `") {
            sections.push(Section {
                wire: name.trim_end_matches('`').to_owned(),
                ..Section::default()
            });
            kind = "";
            continue;
        }
        let Some(section) = sections.last_mut() else {
            continue;
        };
        if line.starts_with("## ") {
            kind = "";
        } else if let Some(rest) = line.strip_prefix("Rust: the trait `") {
            let path = rest.split('`').next().unwrap();
            let (stem, name) = path.split_once("_server::").expect("module::Trait");
            (section.stem, section.trait_name) = (stem.to_owned(), name.to_owned());
        } else if let Some(k) = line.strip_prefix("### ") {
            kind = k;
        } else if let Some(heading) = line.strip_prefix("#### `") {
            let list = match kind {
                "Methods" => &mut section.methods,
                "Signals" => &mut section.signals,
                _ => &mut section.properties,
            };
            list.push(Member {
                heading: heading.trim_end_matches('`').to_owned(),
                ..Member::default()
            });
        } else if line.starts_with("| argument |") || line.starts_with("| D-Bus type |") {
            table = true;
        } else if line.is_empty() {
            table = false;
        } else if table && !line.starts_with("|---") {
            let member = current(section, kind);
            let cells = cells(line);
            let row = match kind {
                "Properties" => (cells[2].clone(), cells[0].clone(), cells[1].clone()),
                _ => (cells[1].clone(), cells[2].clone(), cells[3].clone()),
            };
            member.rows.push(row);
        } else if let Some(rest) = line.strip_prefix("Rust: `")
            && !kind.is_empty()
        {
            let member = current(section, kind);
            // `Trait::name`, or for a property `Trait::getter`, `Trait::setter`.
            let first = rest.split('`').next().unwrap();
            member.rust = first.rsplit("::").next().unwrap().to_owned();
        }
    }
    sections
}

fn current<'s>(section: &'s mut Section, kind: &str) -> &'s mut Member {
    let list = match kind {
        "Methods" => &mut section.methods,
        "Signals" => &mut section.signals,
        _ => &mut section.properties,
    };
    list.last_mut().expect("a row belongs to a member")
}

/// A type as the reference writes it: no `super::`, and (as [`norm`]) no spaces.
fn plain(tokens: &impl ToTokens) -> String {
    norm(&tokens.to_token_stream().to_string()).replace("super::", "")
}

/// A type's text without spaces or trailing commas (which rustfmt adds in long lines).
fn norm(ty: &str) -> String {
    ty.replace(' ', "").replace(",)", ")").replace(",>", ">")
}

/// What one module of the generated code declares.
struct Code {
    /// Each trait function: its parameter types (but `self` and `call`) and its result type.
    functions: HashMap<String, (Vec<String>, String)>,
    /// Each struct: its field types.
    structs: HashMap<String, Vec<String>>,
}

fn module_items<'f>(file: &'f syn::File, name: &str) -> &'f [syn::Item] {
    file.items
        .iter()
        .find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == name => m.content.as_ref().map(|(_, i)| i.as_slice()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no module `{name}` in the generated code"))
}

fn code_of(items: &[syn::Item], trait_name: &str) -> Code {
    let mut functions = HashMap::new();
    let mut structs = HashMap::new();
    for item in items {
        match item {
            syn::Item::Trait(t) if t.ident == trait_name => {
                for item in &t.items {
                    let syn::TraitItem::Fn(f) = item else {
                        continue;
                    };
                    let params: Vec<String> = f
                        .sig
                        .inputs
                        .iter()
                        .filter_map(|input| match input {
                            syn::FnArg::Typed(t) if plain(&t.pat) != "call" => Some(plain(&t.ty)),
                            _ => None,
                        })
                        .collect();
                    // `impl Future<Output = Result<T, Self::Error>> + Send`: T.
                    let output = plain(&f.sig.output);
                    let result = output
                        .split_once("Output=Result<")
                        .and_then(|(_, rest)| rest.rsplit_once(",Self::Error"))
                        .map(|(t, _)| t.to_owned())
                        .unwrap_or_else(|| panic!("no result in {output}"));
                    functions.insert(f.sig.ident.to_string(), (params, result));
                }
            }
            syn::Item::Struct(s) => {
                let fields = s.fields.iter().map(|f| plain(&f.ty)).collect();
                structs.insert(s.ident.to_string(), fields);
            }
            _ => {}
        }
    }
    Code { functions, structs }
}

/// What a method returns for its out types: nothing is `()`, one is itself (a structure in a
/// one-tuple), more are a tuple.
fn returned(outs: &[&(String, String, String)]) -> String {
    match outs {
        [(_, signature, ty)] if !signature.starts_with('(') => ty.clone(),
        outs => format!(
            "({})",
            outs.iter()
                .map(|(_, _, ty)| format!("{ty},"))
                .collect::<String>()
        ),
    }
}

/// An overlay that retypes the file's `ay` properties as bytestrings and its `u` properties
/// as flags, where it has any.
fn retyping_overlay(document: &Document) -> Option<Overlay> {
    let mut xml = String::from("<node>\n");
    let mut any = false;
    for interface in document.root().all_interfaces() {
        xml += &format!("<interface name=\"{}\">\n", interface.name);
        for (n, property) in interface.properties.iter().enumerate() {
            let annotation = match property.signature.to_string().as_str() {
                "ay" => ("rs.dbus_xml_codegen.Type", "Bytestring".to_owned()),
                "u" => ("rs.dbus_xml_codegen.Flags", format!("Overlaid{n}: A B")),
                _ => continue,
            };
            any = true;
            xml += &format!(
                "<property name=\"{}\"><annotation name=\"{}\" value=\"{}\"/></property>\n",
                property.name, annotation.0, annotation.1
            );
        }
        xml += "</interface>\n";
    }
    xml += "</node>\n";
    any.then(|| Overlay::parse(Path::new("retyping.xml"), &xml).expect("the overlay reads"))
}

/// Checks that `builder`'s reference and code of `document` agree; returns how many types
/// were compared.
fn agree(path: &Path, document: &Document, builder: &Builder) -> usize {
    let Ok(code) = builder
        .clone()
        .default_impls(true)
        .generate_items(path, document)
        .map(|generated| generated.code)
    else {
        return 0; // Refused by generate; the corpus test checks why.
    };
    let reference = builder
        .markdown_reference(path, document)
        .expect("doc writes what generate wrote");
    let file = syn::parse_file(&code).expect("generated code parses");
    let at = |what: &str| format!("{}: {what}", path.display());
    let mut compared = 0;
    for section in sections(&reference) {
        let server = code_of(
            module_items(&file, &format!("{}_server", section.stem)),
            &section.trait_name,
        );
        // Of the client module, only its structs (its traits return `zbus::Result`).
        let client = code_of(module_items(&file, &format!("{}_client", section.stem)), "");
        let function = |name: &str| {
            server.functions.get(name).unwrap_or_else(|| {
                panic!(
                    "{}",
                    at(&format!("{}: no trait function `{name}`", section.wire))
                )
            })
        };
        for method in &section.methods {
            let (params, result) = function(&method.rust);
            let ins: Vec<String> = method
                .rows
                .iter()
                .filter(|(d, _, _)| d == "in")
                .map(|(_, _, ty)| norm(ty))
                .collect();
            let outs: Vec<&(String, String, String)> =
                method.rows.iter().filter(|(d, _, _)| d == "out").collect();
            let what = at(&format!("{}.{}", section.wire, method.heading));
            assert_eq!(params, &ins, "{what}: doc's in-types");
            assert_eq!(result, &norm(&returned(&outs)), "{what}: doc's out-types");
            compared += method.rows.len();
        }
        for property in &section.properties {
            let [(access, _, ty)] = property.rows.as_slice() else {
                panic!("{}: one row a property", at(&property.heading));
            };
            let ty = norm(ty);
            let what = at(&format!("{}.{}", section.wire, property.heading));
            let generated = match access.as_str() {
                // A write-only property names its setter alone.
                "write" => &function(&property.rust).0[0],
                _ => &function(&property.rust).1,
            };
            assert_eq!(generated, &ty, "{what}: doc's type");
            compared += 1;
        }
        for signal in &section.signals {
            // The client trait's event of the signal holds its arguments, owned.
            let event = format!("{}Event", pascal(&signal.rust));
            let fields = client.structs.get(&event).unwrap_or_else(|| {
                panic!("{}", at(&format!("{}: no struct `{event}`", section.wire)))
            });
            let tys: Vec<String> = signal.rows.iter().map(|r| norm(&r.2)).collect();
            let what = at(&format!("{}.{}", section.wire, signal.heading));
            assert_eq!(fields, &tys, "{what}: doc's types");
            compared += tys.len();
        }
    }
    compared
}

fn pascal(snake: &str) -> String {
    snake
        .trim_start_matches("r#")
        .split('_')
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

#[test]
fn doc_and_generate_show_one_rust_type_for_every_argument_and_property() {
    let (mut types, mut overlaid, mut files, mut retyped_files) = (0, 0, 0, 0);
    for path in support::corpus() {
        let Ok(document) = Builder::new().read(&path) else {
            continue; // Malformed upstream; the corpus test checks how it is refused.
        };
        files += 1;
        types += agree(&path, &document, &Builder::new());
        if let Some(overlay) = retyping_overlay(&document) {
            let builder = Builder::new().annotate_with(overlay);
            let compared = agree(&path, &document, &builder);
            overlaid += compared;
            let reference = builder.markdown_reference(&path, &document);
            if compared > 0 && reference.is_ok_and(|r| r.contains("| `types::Overlaid")) {
                retyped_files += 1;
            }
        }
    }
    println!(
        "doc and generate: {types} types of {files} files agree; {overlaid} with an overlay \
         that retypes properties ({retyped_files} files' properties retyped)"
    );
    // The fixtures alone, where the corpus was not fetched, hold fewer.
    let fetched = std::env::var_os("DBUS_XML_CORPUS").is_some();
    if !fetched {
        test_bus::skip(
            "doc_agrees: the corpus",
            "DBUS_XML_CORPUS is not set (scripts/fetch-corpus): the fixtures only",
        );
    }
    let (least_types, least_retyped) = if fetched { (2000, 50) } else { (100, 2) };
    assert!(types >= least_types, "too few types compared: {types}");
    assert!(overlaid > 0, "no overlaid type compared");
    assert!(
        retyped_files >= least_retyped,
        "the overlay retyped too few files: {retyped_files}"
    );
}
