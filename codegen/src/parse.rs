//! Reading an introspection XML file into `zbus_xml`'s tree, with errors that name the file
//! and, where the parser knows it, the line and column.

use std::path::Path;

use zbus_xml::Node;

use crate::Error;

/// Parses the introspection document `xml`, read from `path`.
pub fn parse_document(path: &Path, xml: &str) -> Result<Node<'static>, Error> {
    Node::from_reader(xml.as_bytes()).map_err(|error| match error {
        zbus_xml::Error::Xml(xml_error) => {
            let (line, column) = line_and_column(xml, xml_error.position());
            Error::Xml {
                path: path.to_owned(),
                line,
                column,
                message: xml_error.message().to_owned(),
            }
        }
        other => Error::Invalid {
            path: path.to_owned(),
            message: other.to_string(),
        },
    })
}

/// The 1-based line and column of byte `offset` in `text`.
fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text.as_bytes()[..offset.min(text.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_become_lines_and_columns() {
        let text = "ab\ncd\nef";
        assert_eq!(line_and_column(text, 0), (1, 1));
        assert_eq!(line_and_column(text, 4), (2, 2));
        assert_eq!(line_and_column(text, 6), (3, 1));
    }
}
