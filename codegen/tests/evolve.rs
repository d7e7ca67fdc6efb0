//! Evolving the API through the XML: a method added to the XML but not implemented is a
//! compile error that names it; once implemented, the regenerated proxy calls it over a bus.

mod support;

use std::path::Path;

use dbus_xml_codegen::Builder;
use support::{GeneratedCrate, printed};

/// The project's interface as it was at 0.1 (quick, slow, slow_result).
const V1: &str = include_str!("../../tests/fixtures/com.larry_price.test.RandomData.v1.xml");

/// The project's interface with one more method, as a user would add it.
fn v2() -> String {
    let added = r#"    <method name="describe">
      <arg name="topic" type="s" direction="in"/>
      <arg name="text" type="s" direction="out"/>
    </method>
  </interface>"#;
    let v2 = V1.replacen("  </interface>", added, 1);
    assert_ne!(v2, V1, "the interface XML has no </interface> line");
    v2
}

/// A crate whose `src/api.rs` is the module generated from the evolved XML, and whose
/// `src/main.rs` implements `methods` on top of `quick` and `slow`.
fn service_crate(name: &str, methods: &str, main_body: &str) -> GeneratedCrate {
    let code = Builder::new()
        .service("com.larry-price.test")
        .generate(Path::new("random_data_v2.xml"), &v2())
        .expect("the evolved XML generates");
    let krate = GeneratedCrate::new(name);
    krate.write("src/api.rs", &code);
    krate.write(
        "src/main.rs",
        &format!(
            r#"mod api {{
    include!("api.rs");
}}

use api::random_data_client::RandomDataProxy;
use api::random_data_server::{{RandomData, RandomDataCall, RandomDataServer}};
use zbus::fdo;

struct Service;

impl RandomData for Service {{
    type Error = fdo::Error;

    async fn quick(&self, _bits: i32, _call: &RandomDataCall<'_>) -> fdo::Result<String> {{
        Ok("4".into())
    }}

    async fn slow(&self, _bits: i32, _call: &RandomDataCall<'_>) -> fdo::Result<String> {{
        Ok("request-1".into())
    }}
{methods}}}

#[tokio::main]
async fn main() -> zbus::Result<()> {{
{main_body}}}
"#
        ),
    );
    krate
}

#[test]
fn a_method_added_to_the_xml_but_not_implemented_fails_to_compile_naming_it() {
    let krate = service_crate(
        "evolve-unimplemented",
        "",
        "    let _ = RandomDataServer::new(Service);\n    let _ = RandomDataProxy::new;\n    Ok(())\n",
    );
    let output = krate.cargo("check", &["--quiet"]);
    assert!(!output.status.success(), "{}", printed(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("error[E0046]"), "{stderr}");
    assert!(stderr.contains("missing: `describe`"), "{stderr}");
}

#[test]
fn once_implemented_the_regenerated_proxy_calls_the_added_method() {
    let krate = service_crate(
        "evolve-implemented",
        r#"
    async fn describe(&self, topic: String, _call: &RandomDataCall<'_>) -> fdo::Result<String> {
        Ok(format!("{topic} are random"))
    }
"#,
        r#"    let address = std::env::args().nth(1).expect("a bus address");
    let _service = zbus::connection::Builder::address(address.as_str())
        .name("com.larry-price.test")
        .serve_at("/com/larry_price/test/RandomData", RandomDataServer::new(Service))
        .build()
        .await?;
    let client = zbus::connection::Builder::address(address.as_str()).build().await?;
    let proxy = RandomDataProxy::new(&client).await?;
    println!("{}", proxy.describe("bits").await?);
    Ok(())
"#,
    );
    let build = krate.cargo("build", &["--quiet"]);
    assert!(build.status.success(), "{}", printed(&build));

    let bus = test_bus::PrivateBus::open(None).expect("a private dbus-daemon");
    let run = krate.cargo("run", &["--quiet", "--", bus.address()]);
    assert!(run.status.success(), "{}", printed(&run));
    assert_eq!(String::from_utf8_lossy(&run.stdout), "bits are random\n");
}
