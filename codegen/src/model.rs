//! The Rust-naming layer of the model, over the wire layer ([`crate::wire`]): each
//! interface's members with their documentation, annotations and Rust names resolved once,
//! so that no two generated items clash. The code generators (server and proxy) and `doc`
//! walk it.

use std::collections::HashSet;

use proc_macro2::Ident;
use quote::format_ident;
use zbus::Signature;

pub(crate) use crate::annotations::EmitsChanged;
use crate::annotations::{EMITS_CHANGED, NO_REPLY, SPAWN};
use crate::docs::{DocTarget, Docs, MemberKind, rustdoc_lines};
use crate::named::Ty;
use crate::names::{ident, interface_type_name, snake_case};
use crate::type_table::Table;
use crate::{wire, zbus_target};

/// One interface, ready to generate.
pub(crate) struct Interface {
    /// Its name on the bus.
    pub wire: String,
    /// Its Rust type name: the last element of the wire name, in Pascal case.
    pub type_name: String,
    /// The stem of its module names, in snake case.
    pub module_stem: String,
    /// Rustdoc lines.
    pub docs: Vec<String>,
    /// Marked `org.freedesktop.DBus.Deprecated`.
    pub deprecated: bool,
    /// Its methods, in document order.
    pub methods: Vec<Method>,
    /// Its signals, in document order.
    pub signals: Vec<Signal>,
    /// Its properties, in document order.
    pub properties: Vec<Property>,
    /// Whether zbus serves each call of it in a task of its own (see [`SPAWN`]).
    pub spawn_per_call: bool,
}

/// An argument of a method or signal.
pub(crate) struct Arg {
    /// Its name in the XML, if it has one.
    pub wire: Option<String>,
    /// The parameter name in the trait and the signal handle (snake case).
    pub rust: Ident,
    /// The parameter name in the adapter, which zbus exports in introspection: the XML's
    /// name itself wherever Rust can spell it.
    pub exported: Ident,
    /// Its D-Bus type.
    pub signature: Signature,
    /// Which way it goes.
    pub direction: wire::Direction,
    /// Its Rust type, with the file's named types.
    pub ty: Ty,
}

/// One of several methods of an interface that share a name (Qt and KDE export such
/// overloads): the adapter dispatches a call of that name by its body signature.
pub(crate) struct Overload {
    /// Its in-signature, which tells it from the others.
    pub in_signature: String,
    /// The member name the adapter gives it inside (the bus never sees it): the wire name
    /// with `__overload` and its position among the name's overloads.
    pub dispatch_name: String,
}

/// A method.
pub(crate) struct Method {
    /// The method as the file (with the overlays) declares it.
    pub xml: wire::Method,
    /// Its name on the bus.
    pub wire: String,
    /// Where other methods of the interface have the same name, how the adapter reaches this
    /// one.
    pub overload: Option<Overload>,
    /// Its name in the trait.
    pub rust: Ident,
    /// In arguments.
    pub inputs: Vec<Arg>,
    /// Out arguments.
    pub outputs: Vec<Arg>,
    /// Rustdoc lines.
    pub docs: Vec<String>,
    /// Marked `org.freedesktop.DBus.Deprecated`.
    pub deprecated: bool,
    /// Marked `org.freedesktop.DBus.Method.NoReply`.
    pub no_reply: bool,
}

/// A signal.
pub(crate) struct Signal {
    /// The signal as the file (with the overlays) declares it.
    pub xml: wire::Signal,
    /// Its name on the bus.
    pub wire: String,
    /// Its emitting method on the signal handle.
    pub rust: Ident,
    /// Its declaration in the adapter.
    pub adapter: Ident,
    /// Its arguments.
    pub args: Vec<Arg>,
    /// Rustdoc lines.
    pub docs: Vec<String>,
    /// Marked `org.freedesktop.DBus.Deprecated`.
    pub deprecated: bool,
}

/// A property.
pub(crate) struct Property {
    /// The property as the file (with the overlays) declares it.
    pub xml: wire::Property,
    /// Its name on the bus.
    pub wire: String,
    /// The getter in the trait.
    pub getter: Ident,
    /// The setter in the trait.
    pub setter: Ident,
    /// The helper on the signal handle that announces a change, where it announces any.
    pub changed: Option<Ident>,
    /// Its D-Bus type.
    pub signature: Signature,
    /// Its Rust type, with the file's named types.
    pub ty: Ty,
    /// Readable.
    pub read: bool,
    /// Writable.
    pub write: bool,
    /// How it announces changes.
    pub emits: EmitsChanged,
    /// Rustdoc lines.
    pub docs: Vec<String>,
    /// Marked `org.freedesktop.DBus.Deprecated`.
    pub deprecated: bool,
}

/// Why an interface cannot be modelled.
pub(crate) struct Unsupported(pub String);

/// Rust names in one scope, handed out without repeats.
struct Namespace {
    taken: HashSet<String>,
}

impl Namespace {
    fn new(reserved: &[&str]) -> Self {
        Self {
            taken: reserved.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn reserve(&mut self, name: String) {
        self.taken.insert(name);
    }

    /// `preferred`, else `preferred` + `suffix`, else that with a number.
    fn claim(&mut self, preferred: &str, suffix: &str) -> Ident {
        self.claim_beside(None, preferred, suffix)
    }

    /// [`Self::claim`], of a name free in `other` too, which then holds it as well.
    fn claim_beside(
        &mut self,
        mut other: Option<&mut Self>,
        preferred: &str,
        suffix: &str,
    ) -> Ident {
        let mut candidate = preferred.to_owned();
        let mut n = 1;
        while self.taken.contains(&candidate)
            || other.as_ref().is_some_and(|o| o.taken.contains(&candidate))
        {
            candidate = match n {
                1 => format!("{preferred}{suffix}"),
                _ => format!("{preferred}{suffix}{n}"),
            };
            n += 1;
        }
        if let Some(other) = other.as_mut() {
            other.taken.insert(candidate.clone());
        }
        self.taken.insert(candidate.clone());
        ident(&candidate)
    }
}

/// The functions that zbus's `#[proxy]` writes into every proxy, which no member's function
/// may be named.
const PROXY_FUNCTIONS: &[&str] = &["new", "builder", "inner", "inner_mut", "into_inner"];

/// Whether `name` can be a Rust identifier as it is (a keyword as a raw one).
fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !matches!(name, "_" | "self" | "Self" | "super" | "crate")
}

fn args<'a>(
    args: impl Iterator<Item = &'a wire::Arg>,
    input: bool,
    docs_of: &DocTarget,
    docs: &Docs,
    table: &Table,
    doc_args: &mut Vec<(String, Option<String>)>,
) -> Result<Vec<Arg>, Unsupported> {
    // `call` is the trait's context parameter.
    let mut rust_names = Namespace::new(&["call"]);
    let mut exported_names = Namespace::new(zbus_target::ADAPTER_PARAMS);
    args.enumerate()
        .map(|(position, arg)| {
            let fallback = format!("arg{position}");
            let snake = arg
                .name
                .as_deref()
                .map(snake_case)
                .unwrap_or_else(|| fallback.clone());
            let rust = rust_names.claim(&snake, "_");
            let exported = match arg.name.as_deref() {
                Some(name) if is_identifier(name) => exported_names.claim(name, "_"),
                _ => exported_names.claim(&snake, "_"),
            };
            let wire = arg.name.clone();
            if let Some(name) = &wire {
                doc_args.push((name.clone(), docs.text(&docs_of.arg(name))));
            }
            let key = wire
                .clone()
                .unwrap_or_else(|| crate::docs::unnamed_arg(input, position));
            let target = docs_of.arg(&key);
            let ty = table
                .ty(&target, &arg.signature, &arg.annotations)
                .map_err(|e| {
                    Unsupported(format!(
                        "argument `{}`: {e}",
                        wire.as_deref().unwrap_or(&fallback)
                    ))
                })?;
            Ok(Arg {
                wire,
                rust,
                exported,
                signature: arg.signature.clone(),
                direction: arg.direction,
                ty,
            })
        })
        .collect()
}

/// Builds the model of `interface`, with `docs` and the named types of `table` from its
/// file.
pub(crate) fn interface(
    interface: &wire::Interface,
    docs: &Docs,
    table: &Table,
) -> Result<Interface, Unsupported> {
    let wire = interface.name.clone();
    let type_name = interface_type_name(&wire);

    // One name for each member, on every side. The server trait's and the proxy's methods,
    // property getters and setters share one scope, which the proxy's own functions and
    // property caches also take; signals are named in it too (the proxy has them beside the
    // methods) and in the signal handle's scope. The adapter adds its own helpers and those
    // the zbus macro writes for each property.
    let mut trait_names = Namespace::new(PROXY_FUNCTIONS);
    for property in &interface.properties {
        trait_names.reserve(format!("cached_{}", snake_case(&property.name)));
    }
    let mut adapter_names = Namespace::new(&["new", "from_arc", "get_ref"]);
    let mut handle_names = Namespace::new(&[
        "new",
        "to",
        "from_emitter",
        "properties_changed",
        "emit_properties_changed",
    ]);
    for property in &interface.properties {
        let stem = zbus_utils::case::snake_or_kebab_case(&property.name, true);
        for helper in zbus_target::property_helpers(&stem) {
            adapter_names.reserve(helper);
        }
    }

    let mut methods: Vec<Method> = Vec::new();
    for method in &interface.methods {
        let name = method.name.clone();
        let target = DocTarget::member(&wire, MemberKind::Method, &name);
        let mut doc_args = Vec::new();
        let in_method = |e: Unsupported| Unsupported(format!("method `{name}`: {}", e.0));
        let inputs =
            args(method.inputs(), true, &target, docs, table, &mut doc_args).map_err(in_method)?;
        let outputs = args(method.outputs(), false, &target, docs, table, &mut doc_args)
            .map_err(in_method)?;
        // The first overload of a name takes the plain name; the others say what they take.
        let earlier = methods.iter().filter(|m| m.wire == name).count();
        let overload = interface.is_overloaded(method).then(|| {
            // Member names of the interface are free of `__overload`, but make sure.
            let mut dispatch_name = format!("{name}__overload{earlier}");
            while interface.methods.iter().any(|m| m.name == dispatch_name) {
                dispatch_name.push('_');
            }
            Overload {
                in_signature: method.in_signature(),
                dispatch_name,
            }
        });
        let preferred = match inputs.as_slice() {
            _ if earlier == 0 => snake_case(&name),
            [] => format!("{}_without_args", snake_case(&name)),
            named => {
                let names: Vec<String> = named.iter().map(|a| a.rust.to_string()).collect();
                format!("{}_with_{}", snake_case(&name), names.join("_and_"))
            }
        };
        let rust = trait_names.claim(&preferred, "_method");
        adapter_names.reserve(rust.to_string());
        methods.push(Method {
            xml: method.clone(),
            docs: rustdoc_lines(docs.text(&target), &doc_args),
            deprecated: method.annotations.deprecated(),
            no_reply: method.annotations.is_true(NO_REPLY),
            wire: name,
            overload,
            rust,
            inputs,
            outputs,
        });
    }

    let mut properties = Vec::new();
    for property in &interface.properties {
        let name = property.name.clone();
        let target = DocTarget::member(&wire, MemberKind::Property, &name);
        let snake = snake_case(&name);
        let getter = trait_names.claim(&snake, "_property");
        let setter = trait_names.claim(&format!("set_{snake}"), "_property");
        adapter_names.reserve(getter.to_string());
        adapter_names.reserve(setter.to_string());
        let emits = property.emits().ok_or_else(|| {
            Unsupported(format!(
                "property `{name}`: {EMITS_CHANGED} = \"{}\"",
                property.emits_changed
            ))
        })?;
        let ty = table
            .ty(&target, &property.signature, &property.annotations)
            .map_err(|e| Unsupported(format!("property `{name}`: {e}")))?;
        let access = property.access;
        // The proxy's stream of the property's changes is `receive_{getter}_changed`, which
        // no signal's `receive_{signal}` may be.
        let getter_name = getter.to_string();
        let getter_name = getter_name.trim_start_matches("r#");
        let stream = format!("{getter_name}_changed");
        let changed = match emits {
            EmitsChanged::True if access.read() => Some(handle_names.claim(&stream, "_")),
            EmitsChanged::True | EmitsChanged::Invalidates => {
                handle_names.reserve(stream);
                Some(handle_names.claim(&format!("{getter_name}_invalidated"), "_"))
            }
            EmitsChanged::Const | EmitsChanged::False => {
                handle_names.reserve(stream);
                None
            }
        };
        properties.push(Property {
            xml: property.clone(),
            docs: rustdoc_lines(docs.text(&target), &[]),
            deprecated: property.annotations.deprecated(),
            wire: name,
            getter,
            setter,
            changed,
            signature: property.signature.clone(),
            ty,
            read: access.read(),
            write: access.write(),
            emits,
        });
    }

    let mut signals = Vec::new();
    for signal in &interface.signals {
        let name = signal.name.clone();
        let target = DocTarget::member(&wire, MemberKind::Signal, &name);
        let mut doc_args = Vec::new();
        let args = args(
            signal.args.iter(),
            false,
            &target,
            docs,
            table,
            &mut doc_args,
        )
        .map_err(|e| Unsupported(format!("signal `{name}`: {}", e.0)))?;
        let snake = snake_case(&name);
        signals.push(Signal {
            xml: signal.clone(),
            docs: rustdoc_lines(docs.text(&target), &doc_args),
            deprecated: signal.annotations.deprecated(),
            rust: handle_names.claim_beside(Some(&mut trait_names), &snake, "_signal"),
            adapter: adapter_names.claim(&snake, "_signal"),
            wire: name,
            args,
        });
    }

    let spawn_per_call = match interface.annotations.get(SPAWN) {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(Unsupported(format!(
                "{SPAWN} = \"{other}\" (it takes \"true\" or \"false\")"
            )));
        }
    };
    Ok(Interface {
        spawn_per_call,
        docs: rustdoc_lines(docs.text(&DocTarget::interface(&wire)), &[]),
        deprecated: interface.annotations.deprecated(),
        module_stem: snake_case(&type_name),
        type_name,
        wire,
        methods,
        signals,
        properties,
    })
}

/// `format_ident!` for a type-level name built from the interface's type name.
pub(crate) fn type_ident(interface: &Interface, suffix: &str) -> Ident {
    format_ident!("{}{suffix}", interface.type_name)
}

/// Gives interfaces whose names end alike (`a.Device` and `b.Device`) distinct module stems:
/// the first keeps the short one, the others take their whole names (`b_device`).
pub(crate) fn distinct_module_stems(interfaces: &mut [Interface]) {
    let mut stems = HashSet::new();
    for interface in interfaces {
        if !stems.insert(interface.module_stem.clone()) {
            interface.module_stem = snake_case(&interface.wire.replace('.', "_"));
            stems.insert(interface.module_stem.clone());
        }
    }
}
