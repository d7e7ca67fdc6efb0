//! Bad XML fails with an error that names the file and says what is wrong.

use std::path::Path;

use dbus_xml_codegen::{Builder, Error};

fn generate(xml: &str) -> Result<String, Error> {
    Builder::new().generate(Path::new("interfaces/broken.xml"), xml)
}

#[test]
fn malformed_xml_names_the_file_line_and_column() {
    let xml =
        "<node>\n  <interface name=\"a.b.C\">\n    <method name=\"m\">\n  </interface>\n</node>\n";
    let error = generate(xml).unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, Error::Xml { line: 4, .. }), "{error:?}");
    assert!(message.starts_with("interfaces/broken.xml:4:"), "{message}");
}

#[test]
fn an_invalid_signature_names_the_file_and_the_signature() {
    let xml = r#"<node><interface name="a.b.C"><method name="m"><arg name="x" type="z" direction="in"/></method></interface></node>"#;
    let message = generate(xml).unwrap_err().to_string();
    assert!(message.starts_with("interfaces/broken.xml: "), "{message}");
    assert!(
        message.contains("signature") || message.contains("`z`"),
        "{message}"
    );
}

#[test]
fn an_invalid_interface_name_is_refused() {
    let xml = r#"<node><interface name="no dots"><method name="m"/></interface></node>"#;
    let message = generate(xml).unwrap_err().to_string();
    assert!(message.starts_with("interfaces/broken.xml: "), "{message}");
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
fn the_project_interface_generates_a_server_and_a_client_module() {
    let xml_path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../interfaces/com.larry_price.test.RandomData.xml");
    let code = Builder::new().generate_file(&xml_path).unwrap();
    for expected in [
        "pub mod random_data_server",
        "pub trait RandomData: Send + Sync + 'static",
        "pub struct RandomDataServer<T: RandomData>",
        "#[zbus(name = \"quick\", out_args(\"result\"))]",
        "#[zbus(signal, name = \"slow_result\")]",
        "pub async fn slow_result(",
        "pub mod random_data_client",
    ] {
        assert!(
            code.contains(expected),
            "{expected:?} missing from:\n{code}"
        );
    }
}
