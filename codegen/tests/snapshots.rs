//! The shape of generated code, pinned: a change to it shows up as a snapshot diff to review
//! (`cargo insta review`, or `INSTA_UPDATE=always cargo test` and read the diff in git).

use std::path::Path;

use dbus_xml_codegen::Builder;

fn generated(name: &str, xml: &str) -> String {
    Builder::new()
        .service("org.example.Service")
        .generate(Path::new(name), xml)
        .expect("the fixture generates")
}

#[test]
fn kitchen_sink() {
    let xml = include_str!("fixtures/kitchen_sink.xml");
    insta::assert_snapshot!(generated("kitchen_sink.xml", xml));
}

#[test]
fn counter() {
    let xml = include_str!("fixtures/org.example.Counter.xml");
    insta::assert_snapshot!(generated("org.example.Counter.xml", xml));
}
