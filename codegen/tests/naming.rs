//! One name for each thing, everywhere: a table of awkward real names (`fixtures/naming.xml`:
//! acronyms and digits, lower-case interface names, nested namespaces that end alike, unnamed
//! and clashing arguments, a method and a property of one name, a property beside a signal
//! named for its change) and the name each gets in every artifact a user reads: the server
//! trait, the signal handle, the proxy, the client trait and its events, the object manager's
//! enum, and `doc`'s Markdown. README's naming table states the rule these follow.

use std::path::Path;

use dbus_xml_codegen::{Builder, Document};
use syn::{FnArg, Item, ItemMod, Pat, TraitItem};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/naming.xml");

/// Each interface: its name on the bus, its module stem and its type name.
const INTERFACES: &[(&str, &str, &str)] = &[
    ("org.freedesktop.timedate1", "timedate1", "Timedate1"),
    ("org.freedesktop.hostname1", "hostname1", "Hostname1"),
    ("org.freedesktop.UDisks2.Manager.NVMe", "nvme", "NVMe"),
    (
        "org.freedesktop.UDisks2.NVMe.Controller",
        "controller",
        "Controller",
    ),
    // Its last element is the one before's: its module takes its whole name.
    (
        "org.example.Other.Controller",
        "org_example_other_controller",
        "Controller",
    ),
    ("org.freedesktop.ScreenSaver", "screen_saver", "ScreenSaver"),
    ("org.example.Clashes", "clashes", "Clashes"),
];

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Method,
    Getter,
    Setter,
    Signal,
}

/// Each member: its interface's module stem, kind, name on the bus, Rust name, and its
/// arguments' Rust names (a method's in-arguments, a signal's arguments).
const MEMBERS: &[(&str, Kind, &str, &str, &[&str])] = &[
    ("timedate1", Kind::Getter, "TimeUSec", "time_u_sec", &[]),
    (
        "timedate1",
        Kind::Getter,
        "NTPSynchronized",
        "ntp_synchronized",
        &[],
    ),
    (
        "timedate1",
        Kind::Method,
        "SetTime",
        "set_time",
        &["usec_utc", "relative", "interactive"],
    ),
    (
        "hostname1",
        Kind::Getter,
        "OperatingSystemCPEName",
        "operating_system_cpe_name",
        &[],
    ),
    (
        "hostname1",
        Kind::Method,
        "GetHardwareSerial",
        "get_hardware_serial",
        &[],
    ),
    ("nvme", Kind::Getter, "HostNQN", "host_nqn", &[]),
    (
        "nvme",
        Kind::Method,
        "SetHostNQN",
        "set_host_nqn",
        &["hostnqn", "options"],
    ),
    (
        "controller",
        Kind::Getter,
        "NVMeRevision",
        "nvme_revision",
        &[],
    ),
    (
        "org_example_other_controller",
        Kind::Method,
        "Get2DPoint",
        "get2_d_point",
        &["ipv4_address"],
    ),
    (
        "screen_saver",
        Kind::Method,
        "Inhibit",
        "inhibit",
        &["application_name", "reason_for_inhibit"],
    ),
    // An unnamed argument is `arg` and its place.
    (
        "screen_saver",
        Kind::Method,
        "UnInhibit",
        "un_inhibit",
        &["arg0"],
    ),
    (
        "screen_saver",
        Kind::Signal,
        "ActiveChanged",
        "active_changed",
        &["arg0"],
    ),
    // `call` is the server's context parameter; a keyword is a raw identifier.
    (
        "clashes",
        Kind::Method,
        "Frob",
        "frob",
        &["call_", "call_2", "r#type"],
    ),
    // A method and a property of one name: the method keeps it.
    ("clashes", Kind::Method, "Volume", "volume", &[]),
    ("clashes", Kind::Getter, "Volume", "volume_property", &[]),
    ("clashes", Kind::Setter, "Volume", "set_volume", &[]),
    ("clashes", Kind::Getter, "Brightness", "brightness", &[]),
    // The property's change is `brightness_changed` (the handle's helper, the proxy's
    // `receive_brightness_changed`): the signal takes another name.
    (
        "clashes",
        Kind::Signal,
        "BrightnessChanged",
        "brightness_changed_signal",
        &["brightness"],
    ),
    // zbus's proxy has a `new` of its own.
    ("clashes", Kind::Method, "New", "new_method", &[]),
];

/// The generated file of the fixture, parsed, and its Markdown reference.
fn generated() -> (syn::File, String) {
    let document = Document::read(FIXTURE).expect("the fixture reads");
    let made = Builder::new()
        .object_manager(true)
        .generate_items(Path::new(FIXTURE), &document)
        .expect("the fixture generates");
    let file = syn::parse_file(&made.code).expect("the generated code parses");
    let markdown = Builder::new()
        .markdown_reference(Path::new(FIXTURE), &document)
        .expect("doc writes");
    (file, markdown)
}

fn module<'f>(file: &'f syn::File, name: &str) -> &'f ItemMod {
    file.items
        .iter()
        .find_map(|item| match item {
            Item::Mod(m) if m.ident == name => Some(m),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no module `{name}`"))
}

fn items(module: &ItemMod) -> &[Item] {
    &module.content.as_ref().expect("an inline module").1
}

/// The type names that `module` defines (traits, structs, enums).
fn type_names(module: &ItemMod) -> Vec<String> {
    items(module)
        .iter()
        .filter_map(|item| match item {
            Item::Trait(t) => Some(t.ident.to_string()),
            Item::Struct(s) => Some(s.ident.to_string()),
            Item::Enum(e) => Some(e.ident.to_string()),
            _ => None,
        })
        .collect()
}

/// Each function of the trait `name` in `module`: its name, its parameters' names (without
/// `self` and the server's `call`), and its `#[zbus(…)]` attribute as text.
fn trait_fns(module: &ItemMod, name: &str) -> Vec<(String, Vec<String>, String)> {
    let item = items(module)
        .iter()
        .find_map(|item| match item {
            Item::Trait(t) if t.ident == name => Some(t),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no trait `{name}` in `{}`", module.ident));
    item.items
        .iter()
        .filter_map(|item| match item {
            TraitItem::Fn(f) => Some(f),
            _ => None,
        })
        .map(|f| {
            let zbus = f
                .attrs
                .iter()
                .filter(|a| a.path().is_ident("zbus"))
                .map(|a| quote::ToTokens::to_token_stream(a).to_string())
                .collect();
            (f.sig.ident.to_string(), param_names(&f.sig), zbus)
        })
        .collect()
}

fn param_names(sig: &syn::Signature) -> Vec<String> {
    sig.inputs
        .iter()
        .filter_map(|input| match input {
            FnArg::Typed(typed) => match &*typed.pat {
                Pat::Ident(ident) => Some(ident.ident.to_string()),
                _ => None,
            },
            FnArg::Receiver(_) => None,
        })
        .filter(|name| name != "call")
        .collect()
}

/// The public functions of the inherent `impl` of `type_name` in `module`, with their
/// parameters' names.
fn inherent_fns(module: &ItemMod, type_name: &str) -> Vec<(String, Vec<String>)> {
    items(module)
        .iter()
        .filter_map(|item| match item {
            Item::Impl(i) if i.trait_.is_none() => Some(i),
            _ => None,
        })
        .filter(|i| quote::ToTokens::to_token_stream(&i.self_ty).to_string() == type_name)
        .flat_map(|i| &i.items)
        .filter_map(|item| match item {
            syn::ImplItem::Fn(f) => Some((f.sig.ident.to_string(), param_names(&f.sig))),
            _ => None,
        })
        .collect()
}

fn type_of(stem: &str) -> &'static str {
    INTERFACES
        .iter()
        .find(|(_, s, _)| *s == stem)
        .map(|(_, _, type_name)| *type_name)
        .expect("a module of the table")
}

#[test]
fn every_artifact_names_each_interface_as_the_table_says() {
    let (file, markdown) = generated();
    let manager = module(&file, "object_manager");
    let enum_text = items(manager)
        .iter()
        .find_map(|item| match item {
            Item::Enum(e) if e.ident == "Interface" => Some(e),
            _ => None,
        })
        .expect("the object manager's enum of interfaces");
    let variants: Vec<String> = enum_text
        .variants
        .iter()
        .map(|v| v.ident.to_string())
        .collect();
    for (wire, stem, type_name) in INTERFACES {
        let server = module(&file, &format!("{stem}_server"));
        let client = module(&file, &format!("{stem}_client"));
        let server_types = type_names(server);
        for suffix in ["", "Server", "Call"] {
            let name = format!("{type_name}{suffix}");
            assert!(
                server_types.contains(&name),
                "{wire}: no {name} in {server_types:?}"
            );
        }
        let client_types = type_names(client);
        for suffix in ["", "Client"] {
            let name = format!("{type_name}{suffix}");
            assert!(
                client_types.contains(&name),
                "{wire}: no {name} in {client_types:?}"
            );
        }
        // The proxy is `NameProxy`, named by zbus after the trait.
        let heading = format!(
            "Rust: the trait `{stem}_server::{type_name}` (served by `{type_name}Server`, signals \
             emitted by `{type_name}Signals`); the proxy `{stem}_client::{type_name}Proxy` and \
             the client trait `{type_name}Client`."
        );
        assert!(markdown.contains(&heading), "{wire}: doc lacks {heading:?}");
        // A variant of the enum: the type name, or the module's where two end alike.
        let variant = if INTERFACES.iter().filter(|i| i.2 == *type_name).count() > 1
            && *stem != type_name.to_lowercase()
        {
            stem.split('_').map(capitalized).collect::<String>()
        } else {
            type_name.to_string()
        };
        assert!(
            variants.contains(&variant),
            "{wire}: no variant {variant} in {variants:?}"
        );
    }
}

fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

#[test]
fn every_artifact_names_each_member_and_argument_as_the_table_says() {
    let (file, markdown) = generated();
    for &(stem, kind, wire, rust, args) in MEMBERS {
        let type_name = type_of(stem);
        let server = module(&file, &format!("{stem}_server"));
        let client = module(&file, &format!("{stem}_client"));
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let what = format!("{type_name} {kind:?} {wire}");

        // The proxy states the member's name on the bus and takes the table's name.
        let proxy = trait_fns(client, type_name);
        let in_proxy = proxy
            .iter()
            .find(|(name, _, _)| name == rust)
            .unwrap_or_else(|| panic!("{what}: no `{rust}` in the proxy: {proxy:?}"));
        assert!(
            in_proxy.2.contains(&format!("name = \"{wire}\"")),
            "{what}: {in_proxy:?}"
        );
        let client_trait = trait_fns(client, &format!("{type_name}Client"));
        match kind {
            Kind::Signal => {
                assert_eq!(in_proxy.1, args, "{what}: the proxy's arguments");
                let handle = inherent_fns(server, &format!("{type_name}Signals"));
                assert!(
                    handle.contains(&(rust.to_owned(), args.clone())),
                    "{what}: the signal handle has {handle:?}"
                );
                let receive = format!("receive_{rust}");
                assert!(
                    client_trait.iter().any(|(name, _, _)| *name == receive),
                    "{what}: the client trait has no {receive}"
                );
                let event = format!(
                    "{}Event",
                    rust.split('_').map(capitalized).collect::<String>()
                );
                assert!(type_names(client).contains(&event), "{what}: no {event}");
                let doc = format!(
                    "`{type_name}Signals::{rust}` emits it; the proxy's and the client trait's `{receive}` stream it"
                );
                assert!(markdown.contains(&doc), "{what}: doc lacks {doc:?}");
            }
            _ => {
                let server_trait = trait_fns(server, type_name);
                let expected = match kind {
                    Kind::Setter => vec!["value".to_owned()],
                    _ => args.clone(),
                };
                assert!(
                    server_trait
                        .iter()
                        .any(|(name, params, _)| name == rust && *params == expected),
                    "{what}: the server trait has {server_trait:?}"
                );
                assert_eq!(in_proxy.1, expected, "{what}: the proxy's arguments");
                assert!(
                    client_trait
                        .iter()
                        .any(|(name, params, _)| name == rust && *params == expected),
                    "{what}: the client trait has {client_trait:?}"
                );
                let doc = format!("`{type_name}::{rust}`");
                assert!(markdown.contains(&doc), "{what}: doc lacks {doc}");
            }
        }
        if kind == Kind::Getter {
            // zbus's proxy derives the cache's name from the getter's.
            let cached = format!("cached_{rust}");
            assert!(
                !proxy.iter().any(|(name, _, _)| *name == cached),
                "{what}: a function of the proxy is {cached}, as its cache is"
            );
        }
    }
    // An unnamed argument shows its Rust name in doc's tables.
    assert!(
        markdown.contains("| unnamed (`arg0`) | in | `u` |"),
        "{markdown}"
    );
}
