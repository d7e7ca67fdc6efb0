//! The source text of each `<interface>` element, as the file has it (member order, argument
//! names or their absence, annotations, `<doc:doc>` and comments), and that text in the D-Bus
//! introspection vocabulary alone, for a served object to describe itself with in
//! `Introspect()`.

use std::collections::HashMap;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

/// The text of every interface element of `xml` (entities already expanded), by interface
/// name: the comment right before it, if any, then the element, with the indentation of its
/// first line taken off every line. Namespace prefixes that the root `<node>` declares and the
/// element uses are declared on the element, so that it stands alone.
pub(crate) fn interface_sources(xml: &str) -> HashMap<String, String> {
    let mut sources = HashMap::new();
    let mut root_namespaces: Option<Vec<(String, String)>> = None;
    // The start of the last comment, while nothing but white space follows it.
    let mut comment_start: Option<usize> = None;
    // The interface being read: its name, and where its text starts.
    let mut open: Option<(String, usize)> = None;
    let mut depth = 0usize;
    for (position, event, end) in spanned_events(xml) {
        match event {
            Event::Comment(_) => {
                if open.is_none() {
                    comment_start = Some(position);
                }
            }
            Event::Text(text) if text.iter().all(u8::is_ascii_whitespace) => {}
            Event::Start(ref element) | Event::Empty(ref element) => {
                let empty = matches!(event, Event::Empty(_));
                if root_namespaces.is_none() && element.local_name().as_ref() == b"node" {
                    root_namespaces = Some(namespaces(element));
                }
                if open.is_none() && element.name().as_ref() == b"interface" {
                    let name = attribute(element, "name").unwrap_or_default();
                    let text_start = comment_start.unwrap_or(position);
                    open = Some((name, text_start));
                    depth = 0;
                }
                if open.is_some() && !empty {
                    depth += 1;
                }
                if empty && depth == 0 {
                    finish(xml, &mut open, end, &root_namespaces, &mut sources);
                }
                comment_start = None;
            }
            Event::End(_) => {
                if open.is_some() {
                    depth -= 1;
                    if depth == 0 {
                        finish(xml, &mut open, end, &root_namespaces, &mut sources);
                    }
                }
                comment_start = None;
            }
            _ => comment_start = None,
        }
    }
    sources
}

/// Records the interface that ends at `end`.
fn finish(
    xml: &str,
    open: &mut Option<(String, usize)>,
    end: usize,
    root_namespaces: &Option<Vec<(String, String)>>,
    sources: &mut HashMap<String, String>,
) {
    let Some((name, text_start)) = open.take() else {
        return;
    };
    let line_start = xml[..text_start].rfind('\n').map_or(0, |i| i + 1);
    let indent = xml[line_start..text_start].chars().count();
    let mut text = dedent(&xml[text_start..end], indent);
    // Declare the prefixes it uses on the element itself, which follows the comment if any.
    let after_comment = if text.starts_with("<!--") {
        text.find("-->").map_or(0, |i| i + 3)
    } else {
        0
    };
    let element_offset = text[after_comment..]
        .find("<interface")
        .map_or(0, |i| after_comment + i);
    let declared: String = root_namespaces
        .iter()
        .flatten()
        .filter(|(prefix, _)| {
            text.contains(&format!("<{prefix}:")) && !text.contains(&format!("xmlns:{prefix}="))
        })
        .map(|(prefix, uri)| format!(" xmlns:{prefix}=\"{uri}\""))
        .collect();
    text.insert_str(element_offset + "<interface".len(), &declared);
    sources.insert(name, text);
}

/// `text` (an element's text, as [`interface_sources`] gives it) in the D-Bus introspection
/// vocabulary alone: elements and attributes of other vocabularies (`<doc:doc>`,
/// `<tp:docstring>`, `tp:type`, `xmlns:…` declarations) are left out, each left-out element
/// with the white space that led up to it on its line; everything else stays as written,
/// comments and annotations included. sd-bus's parser (busctl) refuses anything more. A
/// signal's `<arg direction="in">` (which the format does not allow, and Flatpak's files have)
/// loses its `direction`: GDBus refuses the whole document over it, sd-bus warns.
pub(crate) fn in_dbus_vocabulary(text: &str) -> String {
    let foreign = |name: &[u8]| name.contains(&b':');
    let mut out = String::with_capacity(text.len());
    // Where the text not yet copied starts.
    let mut copied = 0usize;
    // Inside a left-out element: how deep.
    let mut skipping = 0usize;
    // Inside a `<signal>`, whose args go out by definition.
    let mut in_signal = false;
    for (position, event, end) in spanned_events(text) {
        match event {
            Event::Start(ref element) if element.name().as_ref() == b"signal" => in_signal = true,
            Event::End(ref element) if element.name().as_ref() == b"signal" => in_signal = false,
            _ => {}
        }
        let left_out = |element: &BytesStart<'_>, key: &[u8], value: &[u8]| {
            foreign(key)
                || key == b"xmlns"
                || (in_signal
                    && element.name().as_ref() == b"arg"
                    && key == b"direction"
                    && value == b"in")
        };
        match event {
            Event::Start(_) | Event::Empty(_) | Event::End(_) if skipping > 0 => {
                match event {
                    Event::Start(_) => skipping += 1,
                    Event::End(_) => skipping -= 1,
                    _ => {}
                }
                if skipping == 0 {
                    copied = end;
                }
            }
            Event::Start(ref element) | Event::Empty(ref element)
                if foreign(element.name().as_ref()) =>
            {
                // Leave out the element and the indentation (and line break) before it.
                let line_start = text[copied..position]
                    .rfind('\n')
                    .map(|i| copied + i)
                    .filter(|&i| text[i..position].trim().is_empty())
                    .unwrap_or(position);
                out.push_str(&text[copied..line_start]);
                copied = end;
                if matches!(event, Event::Start(_)) {
                    skipping = 1;
                }
            }
            Event::Start(ref element) | Event::Empty(ref element)
                if element
                    .attributes()
                    .flatten()
                    .any(|a| left_out(element, a.key.as_ref(), &a.value)) =>
            {
                out.push_str(&text[copied..position]);
                out.push('<');
                out.push_str(&String::from_utf8_lossy(element.name().as_ref()));
                for attribute in element.attributes().flatten() {
                    let key = attribute.key.as_ref();
                    if left_out(element, key, &attribute.value) {
                        continue;
                    }
                    let value = String::from_utf8_lossy(&attribute.value).replace('"', "&quot;");
                    out.push_str(&format!(" {}=\"{value}\"", String::from_utf8_lossy(key)));
                }
                out.push_str(if matches!(event, Event::Empty(_)) {
                    "/>"
                } else {
                    ">"
                });
                copied = end;
            }
            _ => {}
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// The events of `xml`, each with the byte offsets where it starts and ends, up to the end or
/// the first fault (the document parsed before; what was read so far is used).
fn spanned_events(xml: &str) -> impl Iterator<Item = (usize, Event<'_>, usize)> {
    let mut reader = Reader::from_str(xml);
    std::iter::from_fn(move || {
        let start = reader.buffer_position() as usize;
        match reader.read_event() {
            Ok(Event::Eof) | Err(_) => None,
            Ok(event) => Some((start, event, reader.buffer_position() as usize)),
        }
    })
}

/// `text` with up to `indent` leading spaces taken off every line but the first.
fn dedent(text: &str, indent: usize) -> String {
    let lines: Vec<&str> = text
        .split('\n')
        .enumerate()
        .map(|(i, line)| {
            if i == 0 {
                return line;
            }
            let spaces = line.len() - line.trim_start_matches(' ').len();
            &line[spaces.min(indent)..]
        })
        .collect();
    lines.join("\n")
}

/// The value of the attribute `name` of `element`, unescaped, where it has one.
pub(crate) fn attribute(element: &BytesStart<'_>, name: &str) -> Option<String> {
    element
        .try_get_attribute(name)
        .ok()
        .flatten()
        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
}

/// The `xmlns:PREFIX="URI"` declarations of `element`.
fn namespaces(element: &BytesStart<'_>) -> Vec<(String, String)> {
    element
        .attributes()
        .flatten()
        .filter_map(|a| {
            let key = String::from_utf8_lossy(a.key.as_ref()).into_owned();
            let prefix = key.strip_prefix("xmlns:")?.to_owned();
            let value = a.unescape_value().ok()?.into_owned();
            Some((prefix, value))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interface_keeps_its_comment_and_text_and_declares_its_prefixes() {
        let xml = "<node xmlns:doc=\"urn:doc\">\n  <!-- About a.B. -->\n  <interface name=\"a.B\">\n    <method name=\"m\"><doc:doc>Hi</doc:doc></method>\n  </interface>\n  <interface name=\"a.C\"/>\n</node>";
        let sources = interface_sources(xml);
        assert_eq!(
            sources["a.B"],
            "<!-- About a.B. -->\n<interface xmlns:doc=\"urn:doc\" name=\"a.B\">\n  <method name=\"m\"><doc:doc>Hi</doc:doc></method>\n</interface>"
        );
        assert_eq!(sources["a.C"], "<interface name=\"a.C\"/>");
    }

    #[test]
    fn served_text_keeps_the_dbus_vocabulary_and_drops_the_rest() {
        let text = "<!-- About a.B. -->\n<interface xmlns:doc=\"urn:doc\" xmlns:tp=\"urn:tp\" name=\"a.B\">\n  <doc:doc><doc:para>Hi</doc:para></doc:doc>\n  <method name=\"m\">\n    <tp:docstring>More.</tp:docstring>\n    <arg name=\"x\" type=\"(ss)\" tp:type=\"Pair\"/>\n    <!-- kept -->\n    <annotation name=\"org.qtproject.QtDBus.QtTypeName.In0\" value=\"Pair\"/>\n  </method>\n  <tp:struct name=\"Pair\"/>\n</interface>";
        assert_eq!(
            in_dbus_vocabulary(text),
            "<!-- About a.B. -->\n<interface name=\"a.B\">\n  <method name=\"m\">\n    <arg name=\"x\" type=\"(ss)\"/>\n    <!-- kept -->\n    <annotation name=\"org.qtproject.QtDBus.QtTypeName.In0\" value=\"Pair\"/>\n  </method>\n</interface>"
        );
    }

    #[test]
    fn a_signal_arg_loses_a_direction_in_and_a_method_arg_keeps_it() {
        let text = "<interface name=\"a.B\">\n  <method name=\"m\"><arg type=\"s\" direction=\"in\"/></method>\n  <signal name=\"S\">\n    <arg type=\"a{sv}\" name=\"options\" direction=\"in\"/>\n    <arg type=\"s\" direction=\"out\"/>\n  </signal>\n</interface>";
        assert_eq!(
            in_dbus_vocabulary(text),
            "<interface name=\"a.B\">\n  <method name=\"m\"><arg type=\"s\" direction=\"in\"/></method>\n  <signal name=\"S\">\n    <arg type=\"a{sv}\" name=\"options\"/>\n    <arg type=\"s\" direction=\"out\"/>\n  </signal>\n</interface>"
        );
    }
}
