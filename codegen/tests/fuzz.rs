//! No input makes the XML front end panic: arbitrary text, the kitchen-sink fixture mutated at
//! random, and interfaces assembled from random names and type signatures all either generate
//! or fail with an error. Bounded: proptest's case count (256 each by default,
//! `PROPTEST_CASES` to change it).

use std::path::Path;

use dbus_xml_codegen::Builder;
use proptest::prelude::*;

const FIXTURE: &str = include_str!("fixtures/kitchen_sink.xml");

fn generate(xml: &str) {
    // Ok or Err are both fine; a panic fails the property.
    let _ = Builder::new().generate(Path::new("fuzz.xml"), xml);
}

/// `text` with `removed` characters from character `at` replaced by `inserted`.
fn splice(text: &str, at: usize, removed: usize, inserted: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let at = at % (chars.len() + 1);
    let end = (at + removed).min(chars.len());
    chars[..at]
        .iter()
        .chain(inserted.chars().collect::<Vec<_>>().iter())
        .chain(&chars[end..])
        .collect()
}

proptest! {
    #[test]
    fn arbitrary_text_does_not_panic(text in ".{0,400}") {
        generate(&text);
    }

    #[test]
    fn a_mutated_fixture_does_not_panic(
        at in 0usize..20_000,
        removed in 0usize..40,
        inserted in prop::sample::select(vec!["", "<", ">", "\"", "&", "&lt;", "]]>", "<!--", "<arg", "/>", "</node>", "type=\"", "a{", "(", "\u{0}", "é"]),
    ) {
        generate(&splice(FIXTURE, at, removed, inserted));
    }

    #[test]
    fn random_names_and_signatures_do_not_panic(
        interface in "[a-zA-Z_.0-9-]{0,20}",
        member in "[a-zA-Z_0-9 -]{0,12}",
        arg in "[a-zA-Z_0-9-]{0,8}",
        signature in "[ybnqiuxtdsogvhamz{}()]{0,10}",
        direction in prop::sample::select(vec!["in", "out", "sideways", ""]),
        kind in prop::sample::select(vec!["method", "signal", "property"]),
    ) {
        let xml = match kind {
            "property" => format!(
                r#"<node><interface name="{interface}"><property name="{member}" type="{signature}" access="read"/></interface></node>"#
            ),
            _ => format!(
                r#"<node><interface name="{interface}"><{kind} name="{member}"><arg name="{arg}" type="{signature}" direction="{direction}"/></{kind}></interface></node>"#
            ),
        };
        generate(&xml);
    }
}
