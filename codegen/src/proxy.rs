//! The client side of one interface: a `#[zbus::proxy]` trait written by `zbus_xmlgen`.

use zbus::ObjectPath;
use zbus::names::BusName;
use zbus_xml::Interface;
use zbus_xmlgen::CodeGenerator;

/// The Rust code of the client module for `interface`, as source text: zbus_xmlgen writes it,
/// and the caller parses and formats it together with the rest.
///
/// `service` and `path` become the proxy's defaults where given.
pub fn proxy_code(
    interface: &Interface<'_>,
    service: Option<&BusName<'_>>,
    path: Option<&ObjectPath<'_>>,
) -> String {
    let generator = CodeGenerator::new()
        .with_service(service)
        .with_path(path)
        .with_format(false);
    let code = generator
        .interface_code(interface)
        .expect("writing to a String cannot fail");
    format!("use zbus::proxy;\n{code}")
}
