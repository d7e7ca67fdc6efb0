//! Evolving an API through the XML: a method added to the XML but not implemented is a
//! compile error that names it; once implemented, the regenerated proxy calls it over a bus.

mod support;

use std::path::Path;

use dbus_xml_codegen::Builder;
use support::{GeneratedCrate, printed};

/// A small interface as a user keeps it.
const V1: &str = include_str!("fixtures/org.example.Counter.xml");

/// The interface with one more method, as a user would add it.
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

/// The start of a `main` that serves the service on the bus at its first argument and makes
/// `proxy`, a client of it.
const SERVE_THEN_PROXY: &str = r#"    let address = std::env::args().nth(1).expect("a bus address");
    let _service = zbus::connection::Builder::address(address.as_str())
        .name(api::SERVICE_NAME)
        .serve_at(api::OBJECT_PATH, CounterServer::new(Service))
        .build()
        .await?;
    let client = zbus::connection::Builder::address(address.as_str()).build().await?;
    let proxy = CounterProxy::new(&client).await?;
"#;

/// A crate whose `src/api.rs` is the module generated from the evolved XML, and whose
/// `src/main.rs` implements `methods` on top of the first version's members.
fn service_crate(name: &str, methods: &str, main_body: &str) -> GeneratedCrate {
    service_crate_from(Builder::new(), name, methods, main_body)
}

/// [`service_crate`], with the generator's settings in `builder`.
fn service_crate_from(
    builder: Builder,
    name: &str,
    methods: &str,
    main_body: &str,
) -> GeneratedCrate {
    let code = builder
        .service("org.example.Counter")
        .generate(Path::new("org.example.Counter.v2.xml"), &v2())
        .expect("the evolved XML generates");
    let krate = GeneratedCrate::new(name);
    krate.write("src/api.rs", &code);
    krate.write(
        "src/main.rs",
        &format!(
            r#"mod api {{
    include!("api.rs");
}}

use api::counter_client::CounterProxy;
use api::counter_server::{{Counter, CounterCall, CounterServer}};
use zbus::fdo;

struct Service;

impl Counter for Service {{
    type Error = fdo::Error;

    async fn add(&self, amount: u32, _call: &CounterCall<'_>) -> fdo::Result<u64> {{
        Ok(amount.into())
    }}

    async fn step(&self) -> fdo::Result<u32> {{
        Ok(1)
    }}

    async fn set_step(&self, _value: u32, _call: &CounterCall<'_>) -> fdo::Result<()> {{
        Ok(())
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
        "    let _ = CounterServer::new(Service);\n    let _ = CounterProxy::new;\n    Ok(())\n",
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
    async fn describe(&self, topic: String, _call: &CounterCall<'_>) -> fdo::Result<String> {
        Ok(format!("{topic} are counted"))
    }
"#,
        &format!(
            "{SERVE_THEN_PROXY}{}",
            r#"    println!("{}", proxy.describe("bits").await?);
    Ok(())
"#
        ),
    );
    let build = krate.cargo("build", &["--quiet"]);
    assert!(build.status.success(), "{}", printed(&build));

    let bus = test_bus::PrivateBus::open(None).expect("a private dbus-daemon");
    let run = krate.cargo("run", &["--quiet", "--", bus.address()]);
    assert!(run.status.success(), "{}", printed(&run));
    assert_eq!(String::from_utf8_lossy(&run.stdout), "bits are counted\n");
}

#[test]
fn with_default_bodies_an_unimplemented_method_answers_not_supported() {
    let krate = service_crate_from(
        Builder::new().default_impls(true),
        "evolve-default-bodies",
        "",
        &format!(
            "{SERVE_THEN_PROXY}{}",
            r#"    println!("{}", proxy.add(2).await?);
    match proxy.describe("bits").await {
        Err(zbus::Error::FDO(error)) => println!("{error}"),
        other => println!("unexpected: {other:?}"),
    }
    Ok(())
"#
        ),
    );
    let bus = test_bus::PrivateBus::open(None).expect("a private dbus-daemon");
    let run = krate.cargo("run", &["--quiet", "--", bus.address()]);
    assert!(run.status.success(), "{}", printed(&run));
    assert_eq!(
        String::from_utf8_lossy(&run.stdout),
        "2\norg.freedesktop.DBus.Error.NotSupported: method `describe` of `org.example.Counter` is not implemented by this service\n"
    );
}

/// With the released versions of the file beside it, each member's rustdoc and Markdown
/// reference say the release that added it; an `org.gtk.GDBus.Since` annotation wins.
#[test]
fn docs_say_the_release_that_added_each_member() {
    let dir = std::env::temp_dir().join(format!("dbus-xml-since-{}", std::process::id()));
    let released = dir.join("released");
    std::fs::create_dir_all(&released).unwrap();
    std::fs::write(released.join("org.example.Counter-1.0.0.xml"), V1).unwrap();
    std::fs::write(released.join("org.example.Counter-1.10.0.xml"), v2()).unwrap();
    // Another file's release, which must not count.
    std::fs::write(released.join("org.example.Other-0.1.xml"), v2()).unwrap();
    let since = r#"<annotation name="org.gtk.GDBus.Since" value="0.9"/>"#;
    let working = v2()
        .replacen(
            r#"<property name="Step" type="u" access="readwrite"/>"#,
            &format!(r#"<property name="Step" type="u" access="readwrite">{since}</property>"#),
            1,
        )
        .replacen(
            "  </interface>",
            "    <method name=\"reset\"/>\n  </interface>",
            1,
        );
    let xml = dir.join("org.example.Counter.xml");
    std::fs::write(&xml, &working).unwrap();

    let builder = Builder::new().released(&released);
    let code = builder.generate_file(&xml).unwrap();
    // The rustdoc of a function: the doc lines right before `fn NAME(`.
    let docs_of = |name: &str| -> Vec<String> {
        let lines: Vec<&str> = code.lines().collect();
        let at = lines
            .iter()
            .position(|l| l.trim_start().starts_with(&format!("fn {name}(")))
            .unwrap_or_else(|| panic!("no fn {name} in\n{code}"));
        lines[..at]
            .iter()
            .rev()
            .skip_while(|l| !l.trim_start().starts_with("///"))
            .take_while(|l| l.trim_start().starts_with("///"))
            .map(|l| l.trim().to_owned())
            .collect()
    };
    assert!(
        docs_of("add").contains(&"/// Since 1.0.0.".to_owned()),
        "{:?}",
        docs_of("add")
    );
    assert!(docs_of("describe").contains(&"/// Since 1.10.0.".to_owned()));
    assert!(docs_of("reset").contains(&"/// Not yet released.".to_owned()));
    assert!(
        docs_of("step").contains(&"/// Since 0.9.".to_owned()),
        "{:?}",
        docs_of("step")
    );

    let document = builder.read(&xml).unwrap();
    let markdown = dbus_xml_codegen::Builder::new()
        .markdown_reference(&xml, &document)
        .unwrap();
    for expected in [
        "Since 1.0.0.",
        "Since 1.10.0.",
        "Not yet released.",
        "Since 0.9.",
    ] {
        assert!(markdown.contains(expected), "{expected}:\n{markdown}");
    }
    assert!(!markdown.contains("org.gtk.GDBus.Since"), "{markdown}");
    let _ = std::fs::remove_dir_all(&dir);
}
