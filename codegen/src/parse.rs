//! Reading an introspection XML file: a `quick-xml` pass that checks names and types where it
//! can still say the line and column, and collects the documentation that `zbus_xml` does not
//! keep (comments, `<doc:doc>`, `org.gtk.GDBus.DocString`); then `zbus_xml` builds the tree.

use std::borrow::Cow;
use std::path::Path;
use std::str::FromStr;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use zbus::Signature;
use zbus::names::{InterfaceName, MemberName, PropertyName};
use zbus_xml::{Interface, Node};

use crate::docs::{DocTarget, Docs, MemberKind};
use crate::{Error, Location};

/// An introspection document, read once for every use: generation, checks, diffs and docs.
pub struct Document {
    /// The documentation found beside it.
    pub(crate) docs: Docs,
    /// What `zbus_xml` skipped.
    warnings: Vec<Warning>,
    /// The wire layer of the tree (without Telepathy's extensions, which are not on the wire).
    root: crate::wire::Node,
    /// The text of each `<interface>` element, by name.
    sources: std::collections::HashMap<String, String>,
    /// What the file says in the Telepathy vocabulary (its named types).
    pub(crate) telepathy: crate::telepathy::Telepathy,
    /// Where each interface and member starts (the first of overloads).
    locations: Locations,
    /// The file's path, as the errors and warnings give it.
    path: std::path::PathBuf,
}

/// Where each interface and member of a file starts, for messages that point into the file.
/// Kept beside the wire tree, whose equality (what `compare` tests) knows nothing of lines.
pub(crate) type Locations = std::collections::HashMap<DocTarget, Location>;

/// Something in a document that was ignored (an element from another vocabulary, or a
/// Telepathy type that could not be read), with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// Where.
    pub location: Location,
    /// The element ignored, as the file names it (`tp:added`), or the definition left out
    /// (`Track_Flags`).
    pub element: String,
    /// What was ignored, and why.
    pub message: String,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

impl Document {
    /// Reads and parses the introspection XML file at `path`.
    pub fn read(path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref();
        Self::parse(path, &crate::error::read_text(path)?)
    }

    /// Parses the introspection document `xml`; `path` names it in errors and warnings.
    /// Names and types are checked where the error can still say the line and column.
    pub fn parse(path: impl AsRef<Path>, xml: &str) -> Result<Self, Error> {
        let path = path.as_ref();
        let xml = &*expand_internal_entities(xml);
        let (docs, locations) = Scanner::new(path, xml).scan()?;
        let (node, warnings) =
            Node::from_reader_with_warnings(xml.as_bytes()).map_err(|error| match error {
                zbus_xml::Error::Xml(xml_error) => Error::Xml {
                    location: Location::at(path, xml, xml_error.position()),
                    message: xml_error.message().to_owned(),
                },
                other => Error::Invalid {
                    location: Location::file(path),
                    message: other.to_string(),
                },
            })?;
        let warnings = warnings
            .iter()
            .map(|warning| Warning {
                location: Location::at(path, xml, warning.position()),
                element: warning.element().to_owned(),
                message: warning.message().to_owned(),
            })
            .collect();
        let plain = node
            .interfaces()
            .iter()
            .any(has_telepathy_types)
            .then(|| Node::from_reader(without_telepathy(xml).as_bytes()))
            .transpose()
            .map_err(|error| Error::Invalid {
                location: Location::file(path),
                message: format!(
                    "without its Telepathy extensions, the file does not parse: {error}"
                ),
            })?;
        let root = crate::wire::Node::of(plain.as_ref().unwrap_or(&node));
        let mut docs = docs;
        let telepathy = if xml.contains("tp:") {
            crate::telepathy::read(path, xml)
        } else {
            Default::default()
        };
        for (target, text) in &telepathy.docs {
            docs.add(target.clone(), text);
        }
        crate::since::document_annotated(&root, &mut docs);
        Ok(Self {
            root,
            docs,
            warnings,
            sources: crate::source::interface_sources(xml),
            telepathy,
            locations,
            path: path.to_owned(),
        })
    }

    /// Where the file declares `target` (an interface, or a member of one): its line and
    /// column, else the file alone.
    pub(crate) fn location(&self, target: &DocTarget) -> Location {
        self.locations
            .get(target)
            .or_else(|| self.locations.get(&DocTarget::interface(&target.interface)))
            .cloned()
            .unwrap_or_else(|| Location::file(&self.path))
    }

    /// The `<interface>` element `name` as the file has it (with the comment right before it),
    /// entities expanded and its indentation taken off.
    pub fn interface_xml(&self, name: &str) -> Option<&str> {
        self.sources.get(name).map(String::as_str)
    }

    /// The root node of the wire layer: every node, interface and member as the bus sees
    /// them. [`crate::compare`] compares two of them.
    pub fn root(&self) -> &crate::wire::Node {
        &self.root
    }

    /// The file's path, as errors name it.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// What the parser ignored.
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// The object path that the root `<node name>` gives, if it gives one.
    pub fn object_path(&self) -> Option<&str> {
        self.root
            .name
            .as_deref()
            .filter(|name| name.starts_with('/'))
    }
}

/// `xml` with the entities that its DOCTYPE declares (`<!ENTITY NAME "value">`, as UPower's
/// files use for error names) replaced by their values, since neither parser reads a DTD.
fn expand_internal_entities(xml: &str) -> Cow<'_, str> {
    let Some(subset_start) = xml
        .find("<!DOCTYPE")
        .and_then(|d| xml[d..].find('[').map(|i| d + i))
    else {
        return Cow::Borrowed(xml);
    };
    let Some(subset_end) = xml[subset_start..].find("]>").map(|i| subset_start + i) else {
        return Cow::Borrowed(xml);
    };
    let mut expanded = xml[subset_end..].to_owned();
    for declaration in xml[subset_start..subset_end].split("<!ENTITY").skip(1) {
        let mut parts = declaration.trim_start().splitn(2, char::is_whitespace);
        let (Some(name), Some(rest)) = (parts.next(), parts.next()) else {
            continue;
        };
        let rest = rest.trim_start();
        let Some(quote) = rest.chars().next().filter(|q| *q == '"' || *q == '\'') else {
            continue;
        };
        if let Some(value) = rest[1..].split(quote).next() {
            expanded = expanded.replace(&format!("&{name};"), value);
        }
    }
    // Keep the prolog as it was, so that line numbers stay those of the file.
    Cow::Owned(format!("{}{expanded}", &xml[..subset_end]))
}

/// Whether `interface` uses Telepathy's type extensions anywhere.
fn has_telepathy_types(interface: &Interface<'_>) -> bool {
    interface.telepathy_types().next().is_some()
        || interface.properties().any(|p| p.tp_type().is_some())
        || interface
            .methods()
            .flat_map(|m| m.args())
            .chain(interface.signals().flat_map(|s| s.args()))
            .any(|a| a.tp_type().is_some())
}

/// `xml` without elements and attributes of the `tp:` prefix.
fn without_telepathy(xml: &str) -> String {
    let mut reader = Reader::from_str(xml);
    let mut writer = quick_xml::Writer::new(Vec::new());
    let is_tp = |name: &[u8]| name.starts_with(b"tp:");
    let strip = |element: &BytesStart<'_>| {
        let mut kept =
            BytesStart::new(String::from_utf8_lossy(element.name().as_ref()).into_owned());
        kept.extend_attributes(
            element
                .attributes()
                .flatten()
                .filter(|attribute| !is_tp(attribute.key.as_ref())),
        );
        kept
    };
    let mut skipping = 0usize;
    // The document parsed already: an event that fails here ends the copy, and the parse of
    // the copy says what is wrong.
    while let Ok(event) = reader.read_event() {
        let written = match event {
            Event::Eof => break,
            Event::Start(element) if skipping > 0 || is_tp(element.name().as_ref()) => {
                skipping += 1;
                continue;
            }
            Event::End(_) if skipping > 0 => {
                skipping -= 1;
                continue;
            }
            _ if skipping > 0 => continue,
            Event::Empty(element) if is_tp(element.name().as_ref()) => continue,
            Event::Start(element) => writer.write_event(Event::Start(strip(&element))),
            Event::Empty(element) => writer.write_event(Event::Empty(strip(&element))),
            Event::DocType(_) => continue,
            other => writer.write_event(other),
        };
        if written.is_err() {
            break;
        }
    }
    String::from_utf8_lossy(&writer.into_inner()).into_owned()
}

/// Where the scanner is in the element tree.
enum Frame {
    /// An element that documentation attaches to: an interface, a member, or an argument.
    Documented(DocTarget),
    /// A `<doc:doc>` element whose text is being collected for its parent.
    Doc(DocTarget, String),
    /// A `<doc:tt>` inside it, written as code.
    DocCode,
    /// Anything else.
    Other,
}

struct Scanner<'x> {
    path: &'x Path,
    xml: &'x str,
    stack: Vec<Frame>,
    /// The last comment, until the element it documents starts.
    pending_comment: Option<String>,
    docs: Docs,
    locations: Locations,
}

impl<'x> Scanner<'x> {
    fn new(path: &'x Path, xml: &'x str) -> Self {
        Self {
            path,
            xml,
            stack: Vec::new(),
            pending_comment: None,
            docs: Docs::default(),
            locations: Locations::new(),
        }
    }

    fn scan(mut self) -> Result<(Docs, Locations), Error> {
        let mut reader = Reader::from_str(self.xml);
        loop {
            let position = reader.buffer_position() as usize;
            let event = reader.read_event().map_err(|error| Error::Xml {
                location: Location::at(self.path, self.xml, reader.error_position() as usize),
                message: error.to_string(),
            })?;
            match event {
                Event::Start(element) => {
                    let frame = self.open(&element, position)?;
                    self.stack.push(frame);
                }
                Event::Empty(element) => {
                    let frame = self.open(&element, position)?;
                    self.close(frame);
                }
                Event::End(_) => {
                    if let Some(frame) = self.stack.pop() {
                        self.close(frame);
                    }
                }
                Event::Text(text) => self.doc_text(&text.xml_content().unwrap_or_default()),
                Event::CData(text) => self.doc_text(&text.decode().unwrap_or_default()),
                Event::GeneralRef(reference) => {
                    let resolved = match reference.resolve_char_ref() {
                        Ok(Some(ch)) => ch.to_string(),
                        _ => {
                            let name = reference.decode().unwrap_or_default();
                            quick_xml::escape::resolve_predefined_entity(&name)
                                .unwrap_or_default()
                                .to_owned()
                        }
                    };
                    self.doc_text(&resolved);
                }
                Event::Comment(text) => {
                    if self.doc_being_collected().is_none() {
                        self.pending_comment = Some(text.decode().unwrap_or_default().into_owned());
                    }
                }
                Event::Eof => return Ok((self.docs, self.locations)),
                Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
            }
        }
    }

    /// The text of the `<doc:doc>` being collected, if the scanner is inside one.
    fn doc_being_collected(&mut self) -> Option<&mut String> {
        self.stack.iter_mut().rev().find_map(|frame| match frame {
            Frame::Doc(_, collected) => Some(collected),
            _ => None,
        })
    }

    /// Appends text to the `<doc:doc>` being collected, if any.
    fn doc_text(&mut self, text: &str) {
        if let Some(collected) = self.doc_being_collected() {
            collected.push_str(text);
        }
    }

    /// The innermost element that documentation attaches to.
    fn current_target(&self) -> Option<&DocTarget> {
        self.stack.iter().rev().find_map(|frame| match frame {
            Frame::Documented(target) => Some(target),
            _ => None,
        })
    }

    fn close(&mut self, frame: Frame) {
        match frame {
            Frame::Doc(target, text) => {
                // The XML's indentation means nothing in the text (and would make Markdown
                // code blocks).
                let lines: Vec<&str> = text.lines().map(str::trim).collect();
                self.docs.add(target, &lines.join("\n"));
            }
            Frame::DocCode => self.doc_text("`"),
            Frame::Documented(_) | Frame::Other => {}
        }
    }

    /// The frame of an interface or member that starts at `position`, recorded where it is
    /// (the first of overloads).
    fn located(&mut self, target: DocTarget, position: usize) -> Frame {
        self.locations
            .entry(target.clone())
            .or_insert_with(|| Location::at(self.path, self.xml, position));
        Frame::Documented(target)
    }

    /// Checks an opening element and says what it is.
    fn open(&mut self, element: &BytesStart<'_>, position: usize) -> Result<Frame, Error> {
        let comment = self.pending_comment.take();
        if let Some(collected) = self.doc_being_collected() {
            // Inside <doc:doc>: <doc:tt> is code, anything else a paragraph of its own.
            if element.local_name().as_ref() == b"tt" {
                collected.push('`');
                return Ok(Frame::DocCode);
            }
            collected.push_str("\n\n");
            return Ok(Frame::Other);
        }
        let qname = String::from_utf8_lossy(element.name().as_ref()).into_owned();
        let checker = Checker {
            scanner: self,
            element,
            position,
        };
        let frame = match qname.as_str() {
            "interface" => {
                let name = checker.name(|n| InterfaceName::try_from(n).map(drop))?;
                self.located(DocTarget::interface(&name), position)
            }
            "method" | "signal" | "property" => {
                let kind = match qname.as_str() {
                    "method" => MemberKind::Method,
                    "signal" => MemberKind::Signal,
                    _ => MemberKind::Property,
                };
                let interface = self.current_target().map(|t| t.interface.clone());
                let checker = Checker {
                    scanner: self,
                    element,
                    position,
                };
                let Some(interface) = interface else {
                    return Err(checker.error(format!("<{qname}> outside an <interface>")));
                };
                let name = if kind == MemberKind::Property {
                    checker.name(|n| PropertyName::try_from(n).map(drop))?
                } else {
                    checker.name(|n| MemberName::try_from(n).map(drop))?
                };
                if kind == MemberKind::Property {
                    checker.signature()?;
                    checker.one_of("access", &["read", "write", "readwrite"], true)?;
                }
                self.located(DocTarget::member(&interface, kind, &name), position)
            }
            "arg" => {
                checker.signature()?;
                checker.one_of("direction", &["in", "out"], false)?;
                let name = checker.attribute("name")?;
                match (self.current_target(), name) {
                    (Some(parent), Some(name)) => Frame::Documented(parent.arg(&name)),
                    _ => Frame::Other,
                }
            }
            "annotation" => {
                let name = checker.required("name")?;
                let value = checker.required("value")?;
                if let (crate::annotations::DOC_STRING, Some(target)) =
                    (name.as_str(), self.current_target().cloned())
                {
                    self.docs.add(target, &value);
                }
                Frame::Other
            }
            "doc:doc" => match self.current_target() {
                Some(target) => Frame::Doc(target.clone(), String::new()),
                None => Frame::Other,
            },
            _ => Frame::Other,
        };
        if let (Frame::Documented(target), Some(comment)) = (&frame, comment) {
            self.docs.add_comment(target.clone(), &comment);
        }
        Ok(frame)
    }
}

/// Checks the attributes of one element, reporting faults at its position.
struct Checker<'s, 'x, 'e> {
    scanner: &'s Scanner<'x>,
    element: &'s BytesStart<'e>,
    position: usize,
}

impl Checker<'_, '_, '_> {
    fn error(&self, message: String) -> Error {
        let element = String::from_utf8_lossy(self.element.as_ref());
        Error::Invalid {
            location: Location::at(self.scanner.path, self.scanner.xml, self.position),
            message: format!("<{element}>: {message}"),
        }
    }

    fn attribute(&self, name: &str) -> Result<Option<String>, Error> {
        match self.element.try_get_attribute(name) {
            Ok(Some(attribute)) => attribute
                .unescape_value()
                .map(|value| Some(value.into_owned()))
                .map_err(|e| self.error(format!("attribute `{name}`: {e}"))),
            Ok(None) => Ok(None),
            Err(e) => Err(self.error(e.to_string())),
        }
    }

    fn required(&self, name: &str) -> Result<String, Error> {
        self.attribute(name)?
            .ok_or_else(|| self.error(format!("the `{name}` attribute is missing")))
    }

    /// The `name` attribute, checked by `valid`.
    fn name<E: std::fmt::Display>(
        &self,
        valid: impl Fn(&str) -> Result<(), E>,
    ) -> Result<String, Error> {
        let name = self.required("name")?;
        valid(&name).map_err(|e| self.error(format!("invalid name `{name}`: {e}")))?;
        Ok(name)
    }

    /// The `type` attribute: exactly one complete D-Bus type.
    fn signature(&self) -> Result<(), Error> {
        let ty = self.required("type")?;
        let parsed = Signature::from_str(&ty)
            .map_err(|e| self.error(format!("invalid type signature `{ty}`: {e}")))?;
        let single = match parsed {
            Signature::Unit => false,
            Signature::Structure(_) => ty.starts_with('(') && ty.ends_with(')'),
            _ => true,
        };
        if single && parsed.to_string() == ty {
            Ok(())
        } else {
            Err(self.error(format!(
                "type signature `{ty}` is not exactly one complete type"
            )))
        }
    }

    fn one_of(&self, attribute: &str, allowed: &[&str], required: bool) -> Result<(), Error> {
        match self.attribute(attribute)? {
            Some(value) if !allowed.contains(&value.as_str()) => Err(self.error(format!(
                "`{attribute}` is `{value}`, not one of {}",
                allowed.join(", ")
            ))),
            None if required => Err(self.error(format!("the `{attribute}` attribute is missing"))),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_declared_in_the_doctype_are_expanded() {
        let xml = "<!DOCTYPE node PUBLIC \"x\" \"y\" [\n  <!ENTITY ERR \"org.example.Error\">\n]>\n<node><a b=\"&ERR;\"/></node>";
        let expanded = expand_internal_entities(xml);
        assert!(
            expanded.ends_with("<a b=\"org.example.Error\"/></node>"),
            "{expanded}"
        );
        assert_eq!(expanded.lines().count(), xml.lines().count());
    }
}
