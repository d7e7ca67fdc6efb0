//! Reading the Telepathy vocabulary of an introspection file, as telepathy-spec and MPRIS
//! write it: the named types (`tp:enum`, `tp:flags`, `tp:struct`, `tp:mapping`,
//! `tp:simple-type`, with their `tp:docstring`s) and the `tp:type` that an `<arg>` or
//! `<property>` refers to one with, and the `tp:docstring` of interfaces and members. None of it is on the wire; [`crate::typedefs`] makes Rust
//! types of it.
//!
//! (`zbus_xml` reads four of the five definitions, but not `tp:flags` nor a struct's
//! `array-name`, which the specifications use as much.)

use std::collections::HashMap;

use quick_xml::Reader;
use quick_xml::events::Event;

use crate::docs::{DocTarget, MemberKind};
use crate::named::{Def, Field, Kind, Value};
use crate::source::attribute;

/// What a file says in the Telepathy vocabulary.
#[derive(Debug, Default)]
pub(crate) struct Telepathy {
    /// Its type definitions, in document order; those that cannot be read are left out.
    pub defs: Vec<Def>,
    /// The `tp:type` of each named argument and property that has one.
    pub references: HashMap<DocTarget, String>,
    /// The `tp:docstring` of each interface and member that has one.
    pub docs: Vec<(DocTarget, String)>,
}

/// A definition being read, with the text of the `tp:docstring` being collected.
struct Open {
    element: String,
    /// Where the element starts in the file.
    location: crate::Location,
    name: String,
    array_name: Option<String>,
    ty: Option<String>,
    docs: String,
    values: Vec<Value>,
    fields: Vec<Field>,
}

/// Reads the Telepathy vocabulary of `xml`, which parsed already. A definition without the
/// attributes it needs, or with a type that is not a signature, is left out, and references
/// to it then read as the plain type.
pub(crate) fn read(path: &std::path::Path, xml: &str) -> Telepathy {
    let mut found = Telepathy::default();
    let mut reader = Reader::from_str(xml);
    // Where the reader is: the interface, the member, the definition, and how deep in a
    // `tp:docstring` (whose text goes to the innermost definition, value or member).
    let mut interface: Option<String> = None;
    let mut member: Option<DocTarget> = None;
    // The member's arguments so far, in and out (a signal's are all out).
    let mut arg_counts = (0usize, 0usize);
    let mut in_signal = false;
    let mut open: Option<Open> = None;
    let mut docstring_depth = 0usize;
    let mut docs = String::new();
    loop {
        let element_start = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let Ok(event) = reader.read_event() else {
            break;
        };
        let (element, empty) = match &event {
            Event::Eof => break,
            Event::Start(element) => (element, false),
            Event::Empty(element) => (element, true),
            Event::Text(text) if docstring_depth > 0 => {
                docs.push_str(&text.xml_content().unwrap_or_default());
                continue;
            }
            Event::End(end) => {
                let name = String::from_utf8_lossy(end.name().as_ref()).into_owned();
                if docstring_depth > 0 {
                    docstring_depth -= 1;
                    if docstring_depth == 0 {
                        let text = std::mem::take(&mut docs);
                        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
                        let documented = member
                            .clone()
                            .or_else(|| interface.as_deref().map(DocTarget::interface));
                        match (&mut open, documented) {
                            (Some(open), _) => attach_docs(open, text),
                            (None, Some(target)) => found.docs.push((target, text)),
                            (None, None) => {}
                        }
                    }
                    continue;
                }
                close(&name, &mut interface, &mut member, &mut open, &mut found);
                continue;
            }
            _ => continue,
        };
        if docstring_depth > 0 {
            // XHTML inside a docstring: one more level to leave.
            if !empty {
                docstring_depth += 1;
            }
            continue;
        }
        let name = String::from_utf8_lossy(element.name().as_ref()).into_owned();
        let attr = |key: &str| attribute(element, key);
        match name.as_str() {
            "interface" => interface = attr("name"),
            "method" | "signal" | "property" => {
                let kind = match name.as_str() {
                    "method" => MemberKind::Method,
                    "signal" => MemberKind::Signal,
                    _ => MemberKind::Property,
                };
                arg_counts = (0, 0);
                in_signal = kind == MemberKind::Signal;
                if let (Some(interface), Some(member_name)) = (&interface, attr("name")) {
                    let target = DocTarget::member(interface, kind, &member_name);
                    if let Some(reference) = attr("tp:type") {
                        found.references.insert(target.clone(), reference);
                    }
                    member = Some(target);
                }
            }
            "arg" => {
                let input = !in_signal && attr("direction").is_none_or(|d| d == "in");
                let count = if input {
                    &mut arg_counts.0
                } else {
                    &mut arg_counts.1
                };
                let position = *count;
                *count += 1;
                if let (Some(member), Some(reference)) = (&member, attr("tp:type")) {
                    // An unnamed argument is known by its direction and place.
                    let arg =
                        attr("name").unwrap_or_else(|| crate::docs::unnamed_arg(input, position));
                    found.references.insert(member.arg(&arg), reference);
                }
            }
            "tp:enum" | "tp:flags" | "tp:struct" | "tp:mapping" | "tp:simple-type" => {
                let location = crate::Location::at(path, xml, element_start);
                open = attr("name").map(|def_name| Open {
                    element: name.clone(),
                    location,
                    name: def_name,
                    array_name: attr("array-name"),
                    ty: attr("type"),
                    docs: String::new(),
                    values: Vec::new(),
                    fields: Vec::new(),
                });
            }
            "tp:enumvalue" | "tp:flag" => {
                if let (Some(open), Some(suffix), Some(value)) =
                    (&mut open, attr("suffix"), attr("value"))
                {
                    open.values.push(Value {
                        name: suffix,
                        wire: value,
                        docs: String::new(),
                    });
                }
            }
            "tp:member" => {
                if let (Some(open), Some(member_name), Some(ty)) =
                    (&mut open, attr("name"), attr("type"))
                {
                    open.fields.push(Field {
                        name: member_name,
                        signature: ty,
                        reference: attr("tp:type"),
                        docs: String::new(),
                    });
                }
            }
            "tp:docstring" if !empty => docstring_depth = 1,
            _ => {}
        }
        if empty {
            close(&name, &mut interface, &mut member, &mut open, &mut found);
        }
    }
    found
}

/// Gives a docstring to the last value or member of the open definition, else to the
/// definition itself.
fn attach_docs(open: &mut Open, text: String) {
    let slot = if let Some(value) = open.values.last_mut() {
        &mut value.docs
    } else if let Some(field) = open.fields.last_mut() {
        &mut field.docs
    } else {
        &mut open.docs
    };
    *slot = text;
}

/// Leaves the element `name`; a definition that ends is added to `found` if it is whole.
fn close(
    name: &str,
    interface: &mut Option<String>,
    member: &mut Option<DocTarget>,
    open: &mut Option<Open>,
    found: &mut Telepathy,
) {
    match name {
        "interface" => *interface = None,
        "method" | "signal" | "property" => *member = None,
        _ if open.as_ref().is_some_and(|o| o.element == name) => {
            let Some(open) = open.take() else { return };
            let kind = match (open.element.as_str(), open.ty) {
                ("tp:enum", Some(ty)) => Kind::Enum(ty, open.values),
                ("tp:flags", Some(ty)) => Kind::Flags(ty, open.values),
                ("tp:simple-type", Some(ty)) => Kind::Alias(ty),
                ("tp:struct", _) => Kind::Struct(open.fields),
                ("tp:mapping", _) => Kind::Mapping(open.fields),
                _ => return,
            };
            found.defs.push(Def {
                name: open.name,
                array_name: open.array_name,
                docs: open.docs,
                kind,
                location: Some(open.location),
            });
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definitions_their_values_docs_and_references_are_read() {
        let xml = r#"<node xmlns:tp="x"><interface name="a.B">
            <tp:flags name="Handle_Flags" value-prefix="Handle_Flag" type="u">
              <tp:docstring>How a <em>handle</em> is held.</tp:docstring>
              <tp:flag suffix="Owner" value="1"><tp:docstring>Ours.</tp:docstring></tp:flag>
              <tp:flag suffix="Remote" value="2"/>
            </tp:flags>
            <tp:struct name="Pair" array-name="Pair_List">
              <tp:member type="s" name="Key"/><tp:member type="u" name="Flags" tp:type="Handle_Flags"/>
            </tp:struct>
            <method name="M"><tp:docstring>Calls.</tp:docstring>
              <arg name="p" type="a(su)" tp:type="Pair[]"/></method>
            <property name="P" type="u" access="read" tp:type="Handle_Flags"/>
          </interface></node>"#;
        let found = read(std::path::Path::new("a.xml"), xml);
        assert_eq!(found.defs.len(), 2);
        let Kind::Flags(ty, values) = &found.defs[0].kind else {
            panic!("{:?}", found.defs[0])
        };
        assert_eq!(ty, "u");
        assert_eq!(found.defs[0].docs, "How a handle is held.");
        assert_eq!(values[0].docs, "Ours.");
        assert_eq!(values[1].wire, "2");
        assert_eq!(found.defs[1].array_name.as_deref(), Some("Pair_List"));
        let method = DocTarget::member("a.B", MemberKind::Method, "M");
        assert_eq!(found.references[&method.arg("p")], "Pair[]");
        let property = DocTarget::member("a.B", MemberKind::Property, "P");
        assert_eq!(found.references[&property], "Handle_Flags");
        assert_eq!(found.docs, [(method, "Calls.".to_owned())]);
    }
}
