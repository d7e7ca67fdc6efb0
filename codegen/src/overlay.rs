//! Annotations from a file of their own, laid over an interface file's elements for
//! generation only (in the spirit of gdbus-codegen's `--annotate`), so that a vendor's file
//! stays as it is: `Introspect()`, `check` and `diff` still see the file alone.
//!
//! An overlay is written like an introspection file, naming only what it annotates:
//!
//! ```xml
//! <node>
//!   <interface name="org.mpris.MediaPlayer2.Player">
//!     <property name="PlaybackStatus">
//!       <annotation name="rs.dbus_xml_codegen.Enum" value="PlaybackStatus: Playing Paused Stopped"/>
//!     </property>
//!     <method name="OpenUri"><arg name="Uri"><annotation name="…" value="…"/></arg></method>
//!   </interface>
//! </node>
//! ```
//!
//! Types and directions may be left out. An `<arg>` is found by its name, or without one by
//! its position among the member's arguments. Every element named must be in the file.

use std::path::{Path, PathBuf};

use quick_xml::Reader;
use quick_xml::events::Event;

use crate::annotations::Annotations;
use crate::docs::MemberKind;
use crate::{Error, Location, wire};

/// An element of the interface file that an overlay annotates.
#[derive(Debug, Clone, PartialEq)]
struct Target {
    interface: String,
    member: Option<(MemberKind, String)>,
    /// An argument, by name or position.
    arg: Option<ArgRef>,
}

#[derive(Debug, Clone, PartialEq)]
enum ArgRef {
    Named(String),
    At(usize),
}

/// The annotations of an overlay file, by the element they go on.
#[derive(Debug, Clone)]
pub struct Overlay {
    path: PathBuf,
    annotated: Vec<(Target, Annotations)>,
}

impl Overlay {
    /// Reads the overlay at `path`.
    pub fn read(path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref();
        Self::parse(path, &crate::error::read_text(path)?)
    }

    /// Reads the overlay `xml`; `path` names it in errors.
    pub fn parse(path: impl AsRef<Path>, xml: &str) -> Result<Self, Error> {
        let path = path.as_ref();
        let mut reader = Reader::from_str(xml);
        let mut stack: Vec<Option<Target>> = Vec::new();
        let mut args_seen = 0usize;
        let mut annotated: Vec<(Target, Annotations)> = Vec::new();
        loop {
            let position = reader.buffer_position() as usize;
            let event = reader.read_event().map_err(|error| Error::Xml {
                location: Location::at(path, xml, reader.error_position() as usize),
                message: error.to_string(),
            })?;
            let (element, empty) = match &event {
                Event::Eof => break,
                Event::Start(element) => (element, false),
                Event::Empty(element) => (element, true),
                Event::End(_) => {
                    stack.pop();
                    continue;
                }
                _ => continue,
            };
            let invalid = |message: String| Error::Invalid {
                location: Location::at(path, xml, position),
                message,
            };
            let attr = |name: &str| -> Result<Option<String>, Error> {
                match element.try_get_attribute(name) {
                    Ok(Some(a)) => a
                        .unescape_value()
                        .map(|v| Some(v.into_owned()))
                        .map_err(|e| invalid(e.to_string())),
                    Ok(None) => Ok(None),
                    Err(e) => Err(invalid(e.to_string())),
                }
            };
            let tag = String::from_utf8_lossy(element.name().as_ref()).into_owned();
            let parent = stack.last().cloned().flatten();
            let required = |name: &str| {
                attr(name)?.ok_or_else(|| invalid(format!("<{tag}> needs a `{name}`")))
            };
            let target = match tag.as_str() {
                "node" => None,
                "interface" => Some(Target {
                    interface: required("name")?,
                    member: None,
                    arg: None,
                }),
                "method" | "signal" | "property" => {
                    let kind = match tag.as_str() {
                        "method" => MemberKind::Method,
                        "signal" => MemberKind::Signal,
                        _ => MemberKind::Property,
                    };
                    let interface = parent
                        .filter(|p| p.member.is_none())
                        .ok_or_else(|| invalid(format!("<{tag}> outside an <interface>")))?;
                    args_seen = 0;
                    Some(Target {
                        member: Some((kind, required("name")?)),
                        ..interface
                    })
                }
                "arg" => {
                    let member = parent
                        .filter(|p| p.member.is_some() && p.arg.is_none())
                        .ok_or_else(|| invalid("<arg> outside a <method> or <signal>".into()))?;
                    let arg = match attr("name")? {
                        Some(name) => ArgRef::Named(name),
                        None => ArgRef::At(args_seen),
                    };
                    args_seen += 1;
                    Some(Target {
                        arg: Some(arg),
                        ..member
                    })
                }
                "annotation" => {
                    let on = parent.ok_or_else(|| {
                        invalid("<annotation> outside an element it can annotate".into())
                    })?;
                    let pair = [(required("name")?, required("value")?)];
                    let pairs: Vec<(&str, &str)> =
                        pair.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
                    let annotations = Annotations::from_pairs(&pairs);
                    match annotated.iter_mut().find(|(t, _)| *t == on) {
                        Some((_, existing)) => existing.overlay(&annotations),
                        None => annotated.push((on, annotations)),
                    }
                    None
                }
                other => {
                    return Err(invalid(format!(
                        "<{other}>: an overlay holds <interface>, members, <arg> and <annotation>"
                    )));
                }
            };
            if !empty {
                stack.push(target);
            }
        }
        Ok(Self {
            path: path.to_owned(),
            annotated,
        })
    }

    /// Adds the overlay's annotations to `interfaces` (those of the interface file), over
    /// theirs; an element the overlay names that is not there is an error.
    pub(crate) fn apply(&self, interfaces: &mut [wire::Interface]) -> Result<(), Error> {
        for (target, annotations) in &self.annotated {
            let missing = || Error::Invalid {
                location: Location::file(&self.path),
                message: format!("{}: not in the interface file", describe(target)),
            };
            let interface = interfaces
                .iter_mut()
                .find(|i| i.name == target.interface)
                .ok_or_else(missing)?;
            let Some((kind, name)) = &target.member else {
                interface.annotations.overlay(annotations);
                interface.settle_emits_changed();
                continue;
            };
            // Each member of that kind and name (overloads share one), with its arguments;
            // a property has none, so an <arg> inside one is not found.
            let members: Vec<(&mut Annotations, &mut [wire::Arg])> = match kind {
                MemberKind::Method => (interface.methods.iter_mut())
                    .filter(|m| &m.name == name)
                    .map(|m| (&mut m.annotations, m.args.as_mut_slice()))
                    .collect(),
                MemberKind::Signal => (interface.signals.iter_mut())
                    .filter(|s| &s.name == name)
                    .map(|s| (&mut s.annotations, s.args.as_mut_slice()))
                    .collect(),
                MemberKind::Property => (interface.properties.iter_mut())
                    .filter(|p| &p.name == name)
                    .map(|p| (&mut p.annotations, &mut [][..]))
                    .collect(),
            };
            let mut found = false;
            for (own, args) in members {
                found |= annotate_member(own, args, target.arg.as_ref(), annotations);
            }
            if !found {
                return Err(missing());
            }
            interface.settle_emits_changed();
        }
        Ok(())
    }
}

/// Lays `annotations` over a member, or over its argument `arg`; whether that was there.
fn annotate_member(
    own: &mut Annotations,
    args: &mut [wire::Arg],
    arg: Option<&ArgRef>,
    annotations: &Annotations,
) -> bool {
    let found = match arg {
        None => Some(own),
        Some(ArgRef::Named(name)) => args
            .iter_mut()
            .find(|a| a.name.as_deref() == Some(name))
            .map(|a| &mut a.annotations),
        Some(ArgRef::At(at)) => args.get_mut(*at).map(|a| &mut a.annotations),
    };
    found.map(|a| a.overlay(annotations)).is_some()
}

/// `interface a.B, method M, argument x`.
fn describe(target: &Target) -> String {
    let mut text = format!("interface `{}`", target.interface);
    if let Some((kind, name)) = &target.member {
        let kind = match kind {
            MemberKind::Method => "method",
            MemberKind::Signal => "signal",
            MemberKind::Property => "property",
        };
        text.push_str(&format!(", {kind} `{name}`"));
    }
    match &target.arg {
        Some(ArgRef::Named(name)) => text.push_str(&format!(", argument `{name}`")),
        Some(ArgRef::At(at)) => text.push_str(&format!(", argument #{at}")),
        None => {}
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn interfaces() -> Vec<wire::Interface> {
        let xml = r#"<node><interface name="a.B">
            <method name="M"><arg name="x" type="u"/><arg type="s" direction="out"/></method>
            <property name="P" type="s" access="read"/>
          </interface></node>"#;
        let document = crate::Document::parse("file.xml", xml).unwrap();
        document.root().interfaces.clone()
    }

    #[test]
    fn annotations_go_on_the_elements_named_by_name_or_position() {
        let overlay = Overlay::parse(
            "over.xml",
            r#"<node><interface name="a.B">
                 <method name="M"><arg name="x"><annotation name="k" value="1"/></arg>
                   <arg/><annotation name="m" value="2"/></method>
                 <method name="M"><arg/><arg><annotation name="k" value="3"/></arg></method>
                 <property name="P"><annotation name="k" value="4"/></property>
               </interface></node>"#,
        )
        .unwrap();
        let mut interfaces = interfaces();
        overlay.apply(&mut interfaces).unwrap();
        let method = &interfaces[0].methods[0];
        assert_eq!(method.args[0].annotations.get("k"), Some("1"));
        assert_eq!(method.args[1].annotations.get("k"), Some("3"));
        assert_eq!(method.annotations.get("m"), Some("2"));
        assert_eq!(interfaces[0].properties[0].annotations.get("k"), Some("4"));
    }

    #[test]
    fn an_element_that_the_file_lacks_is_an_error() {
        let overlay = Overlay::parse(
            "over.xml",
            r#"<node><interface name="a.B"><property name="Q">
                 <annotation name="k" value="1"/></property></interface></node>"#,
        )
        .unwrap();
        let error = overlay.apply(&mut interfaces()).unwrap_err().to_string();
        assert!(
            error.contains("over.xml") && error.contains("property `Q`: not in the interface file"),
            "{error}"
        );
        // An <arg> inside a property names nothing, rather than annotating the property.
        let overlay = Overlay::parse(
            "over.xml",
            r#"<node><interface name="a.B"><property name="P"><arg name="x">
                 <annotation name="k" value="1"/></arg></property></interface></node>"#,
        )
        .unwrap();
        let mut interfaces = interfaces();
        let error = overlay.apply(&mut interfaces).unwrap_err().to_string();
        assert!(
            error.contains("property `P`, argument `x`: not in"),
            "{error}"
        );
        assert_eq!(interfaces[0].properties[0].annotations.get("k"), None);
    }
}
