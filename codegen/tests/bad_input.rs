//! Bad XML fails with an error that names the file, the line and column, and the element;
//! never a panic, never a silent skip.

use std::path::Path;

use dbus_xml_codegen::{Builder, Error};

fn generate(xml: &str) -> Result<String, Error> {
    Builder::new().generate(Path::new("interfaces/broken.xml"), xml)
}

/// The error message for `xml`, which must not generate.
fn error_for(xml: &str) -> String {
    generate(xml)
        .expect_err("bad XML generated code")
        .to_string()
}

/// An interface `a.b.C` holding `members`, each line of the document on its own line.
fn interface_with(members: &str) -> String {
    format!("<node>\n  <interface name=\"a.b.C\">\n{members}\n  </interface>\n</node>\n")
}

#[test]
fn malformed_xml_names_the_file_line_and_column() {
    let xml = interface_with("    <method name=\"m\">");
    let error = generate(&xml).unwrap_err();
    match &error {
        Error::Xml { location, .. } => {
            assert_eq!(location.line_column.map(|(line, _)| line), Some(4))
        }
        other => panic!("expected an XML error, got {other:?}"),
    }
    assert!(
        error.to_string().starts_with("interfaces/broken.xml:4:"),
        "{error}"
    );
}

#[test]
fn an_invalid_signature_is_located_and_quoted() {
    let xml = interface_with(
        "    <method name=\"m\">\n      <arg name=\"x\" type=\"a{vs}\" direction=\"in\"/>\n    </method>",
    );
    let message = error_for(&xml);
    assert!(
        message.starts_with("interfaces/broken.xml:4:7: <arg name=\"x\" type=\"a{vs}\""),
        "{message}"
    );
    assert!(
        message.contains("invalid type signature `a{vs}`"),
        "{message}"
    );
}

#[test]
fn more_than_one_type_in_an_argument_is_refused() {
    let xml = interface_with("    <signal name=\"s\"><arg name=\"x\" type=\"ii\"/></signal>");
    let message = error_for(&xml);
    assert!(
        message.starts_with("interfaces/broken.xml:3:22:"),
        "{message}"
    );
    assert!(
        message.contains("not exactly one complete type"),
        "{message}"
    );
}

#[test]
fn bad_names_are_refused_with_their_element() {
    for (members, located, named) in [
        (
            "    <method name=\"has space\"/>",
            "3:5",
            "invalid name `has space`",
        ),
        (
            "    <signal name=\"9lives\"/>",
            "3:5",
            "invalid name `9lives`",
        ),
        (
            "    <property name=\"P\" type=\"s\" access=\"sometimes\"/>",
            "3:5",
            "`access` is `sometimes`",
        ),
        (
            "    <method name=\"m\"><arg type=\"s\" direction=\"sideways\"/></method>",
            "3:22",
            "`direction` is `sideways`",
        ),
        (
            "    <property name=\"P\" access=\"read\"/>",
            "3:5",
            "the `type` attribute is missing",
        ),
    ] {
        let message = error_for(&interface_with(members));
        assert!(
            message.starts_with(&format!("interfaces/broken.xml:{located}: <")),
            "{message}"
        );
        assert!(message.contains(named), "{message}");
    }
}

#[test]
fn an_invalid_interface_name_is_refused() {
    let message = error_for("<node>\n<interface name=\"nodots\"/>\n</node>");
    assert!(
        message.starts_with("interfaces/broken.xml:2:1: <interface name=\"nodots\">"),
        "{message}"
    );
}

#[test]
fn a_member_outside_an_interface_is_refused() {
    let message = error_for("<node>\n  <method name=\"m\"/>\n</node>");
    assert!(
        message.contains("<method> outside an <interface>"),
        "{message}"
    );
}

#[test]
fn an_unknown_emits_changed_value_is_unsupported() {
    let xml = interface_with(
        "    <property name=\"P\" type=\"s\" access=\"read\">\n      <annotation name=\"org.freedesktop.DBus.Property.EmitsChangedSignal\" value=\"sometimes\"/>\n    </property>",
    );
    let message = error_for(&xml);
    assert!(message.contains("interface `a.b.C`"), "{message}");
    assert!(
        message.contains("EmitsChangedSignal = \"sometimes\""),
        "{message}"
    );
}

#[test]
fn a_dict_keyed_by_doubles_is_unsupported() {
    let xml = interface_with("    <signal name=\"s\"><arg name=\"x\" type=\"a{ds}\"/></signal>");
    let message = error_for(&xml);
    assert!(message.contains("the type `a{ds}`"), "{message}");
}

#[test]
fn a_member_with_more_arguments_than_zbus_carries_is_unsupported() {
    let args = |direction: &str, count: usize| -> String {
        (0..count)
            .map(|i| format!("<arg name=\"a{i}\" type=\"u\" direction=\"{direction}\"/>"))
            .collect()
    };
    // Sixteen each way is the most, and fine.
    let widest = interface_with(&format!(
        "    <method name=\"m\">{}{}</method>\n    <signal name=\"s\">{}</signal>",
        args("in", 16),
        args("out", 16),
        args("out", 16)
    ));
    Builder::new()
        .generate(Path::new("widest.xml"), &widest)
        .expect("16 arguments each way generate");
    for (member, what) in [
        (
            format!("<method name=\"m\">{}</method>", args("in", 17)),
            "the method `m` with 17 in-arguments",
        ),
        (
            format!("<method name=\"m\">{}</method>", args("out", 17)),
            "the method `m` with 17 out-arguments",
        ),
        (
            format!("<signal name=\"s\">{}</signal>", args("out", 17)),
            "the signal `s` with 17 arguments",
        ),
    ] {
        let message = error_for(&interface_with(&member));
        assert!(message.contains("interface `a.b.C`"), "{message}");
        assert!(
            message.contains(&format!("{what} (zbus carries at most 16")),
            "{message}"
        );
    }
}

#[test]
fn a_missing_file_is_named() {
    let error = Builder::new()
        .generate_file(Path::new("no/such/file.xml"))
        .unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("no/such/file.xml: cannot read"),
        "{error}"
    );
}

#[test]
fn a_type_annotation_that_does_not_fit_names_the_member_and_why() {
    for (members, expected) in [
        (
            r#"    <method name="m"><arg name="x" type="u"><annotation name="rs.dbus_xml_codegen.Type" value="Missing"/></arg></method>"#,
            "method `m`: argument `x`: rs.dbus_xml_codegen.Type: no type `Missing` in the file",
        ),
        (
            r#"    <property name="P" type="(ii)" access="read"><annotation name="rs.dbus_xml_codegen.Struct" value="Point: x y z"/></property>"#,
            "property `P`: rs.dbus_xml_codegen.Struct: `Point: x y z` names 3 fields of a struct that has 2",
        ),
        (
            r#"    <property name="P" type="y" access="read"><annotation name="rs.dbus_xml_codegen.Enum" value="Small: Big=300"/></property>"#,
            "property `P`: rs.dbus_xml_codegen.Enum: `300` is not a `y`",
        ),
        (
            r#"    <property name="P" type="s" access="read"><annotation name="rs.dbus_xml_codegen.Flags" value="Caps: A B"/></property>"#,
            "flags of `s`: only unsigned integers",
        ),
    ] {
        let message = error_for(&interface_with(members));
        assert!(message.starts_with("interfaces/broken.xml: "), "{message}");
        assert!(message.contains(expected), "{message}");
    }
}

#[test]
fn the_command_ends_quietly_when_its_reader_goes_away() {
    // The kitchen sink's module is larger than a pipe holds: `head` is gone before the rest
    // is written.
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/kitchen_sink.xml"
    );
    let command = format!(
        "set -o pipefail; '{}' generate '{fixture}' | head -c 1 >/dev/null",
        env!("CARGO_BIN_EXE_dbus-xml-codegen")
    );
    let output = std::process::Command::new("bash")
        .args(["-c", &command])
        .output()
        .expect("bash runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(stderr, "");
}

#[test]
fn released_versions_without_a_file_are_refused_not_ignored() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_dbus-xml-codegen"))
        .args([
            "generate",
            "--dest",
            "org.example.Nobody",
            "--path",
            "/org/example",
        ])
        .args(["--released", "interfaces/released"])
        .output()
        .expect("the command runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--released"), "{stderr}");
}

#[test]
fn a_telepathy_type_that_cannot_be_a_rust_type_is_warned_about_with_its_line() {
    // `Foo_Bar` and `FooBar` would both be the Rust type `FooBar`: the second is left out.
    let xml = r#"<node xmlns:tp="http://telepathy.freedesktop.org/wiki/DbusSpec#extensions-v0">
  <interface name="a.b.C">
    <tp:enum name="Foo_Bar" type="u">
      <tp:enumvalue suffix="One" value="1"/>
    </tp:enum>
    <tp:enum name="FooBar" type="u">
      <tp:enumvalue suffix="Two" value="2"/>
    </tp:enum>
    <method name="M"><arg name="x" type="u" direction="in" tp:type="FooBar"/></method>
  </interface>
</node>
"#;
    let document = dbus_xml_codegen::Document::parse("interfaces/clash.xml", xml).expect("parses");
    // The build reports it (`cargo:warning=`), though Telepathy's vocabulary is quiet.
    let said: Vec<String> = Builder::new()
        .reported_warnings(&document)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(
        said[0].starts_with("interfaces/clash.xml:6:") && said[0].contains("`FooBar` is left out"),
        "{said:?}"
    );
    // And the argument that names it reads as its plain type.
    let code = generate(xml).expect("generates");
    assert!(code.contains("x: u32"), "{code}");
}
