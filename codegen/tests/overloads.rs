//! Overloaded methods (one name, several in-signatures, as Qt and KDE export them), end to
//! end over a private bus: the generated adapter serves each overload from its own trait
//! method, `gdbus call` reaches each one by the types of its arguments, a call that fits none
//! gets InvalidArgs, and the generated proxy calls each overload through a function of its own.

mod support;

use std::process::Command;

use dbus_xml_codegen::Builder;
use support::{GeneratedCrate, printed};

const FILE: &str = "org.kde.example.Component.xml";
const XML: &str = include_str!("fixtures/org.kde.example.Component.xml");
const NAME: &str = "org.example.Component";

const MAIN: &str = r#"mod api {
    include!("api.rs");
}

use api::component_client::ComponentProxy;
use api::component_server::{Component, ComponentCall, ComponentServer};
use zbus::fdo;

/// Every overload answers with its own name and what it was given.
struct Service;

impl Component for Service {
    type Error = fdo::Error;

    async fn shortcut_names(&self, _call: &ComponentCall<'_>) -> fdo::Result<Vec<String>> {
        Ok(vec!["shortcutNames()".into()])
    }

    async fn shortcut_names_with_context(
        &self,
        context: String,
        _call: &ComponentCall<'_>,
    ) -> fdo::Result<Vec<String>> {
        Ok(vec![format!("shortcutNames({context})")])
    }

    async fn lookup(&self, name: String, _call: &ComponentCall<'_>) -> fdo::Result<String> {
        Ok(format!("lookup({name})"))
    }

    async fn lookup_with_name_and_context(
        &self,
        name: String,
        context: String,
        _call: &ComponentCall<'_>,
    ) -> fdo::Result<String> {
        Ok(format!("lookup({name}, {context})"))
    }

    async fn lookup_with_name_and_context_and_timestamp(
        &self,
        name: String,
        context: String,
        timestamp: i64,
        _call: &ComponentCall<'_>,
    ) -> fdo::Result<String> {
        Ok(format!("lookup({name}, {context}, {timestamp})"))
    }

    async fn unique_name(&self) -> fdo::Result<String> {
        Ok("component".into())
    }
}

#[tokio::main]
async fn main() -> zbus::Result<()> {
    let address = std::env::args().nth(1).expect("a bus address");
    if std::env::args().nth(2).as_deref() == Some("serve") {
        let _server = zbus::connection::Builder::address(address.as_str())
            .name(api::SERVICE_NAME)
            .serve_at(api::OBJECT_PATH, ComponentServer::new(Service))
            .build()
            .await?;
        println!("ready");
        std::future::pending::<()>().await;
    }
    let client = zbus::connection::Builder::address(address.as_str()).build().await?;
    let proxy = ComponentProxy::new(&client).await?;
    println!("{:?}", proxy.shortcut_names().await?);
    println!("{:?}", proxy.shortcut_names_with_context("work").await?);
    println!("{}", proxy.lookup("a").await?);
    println!("{}", proxy.lookup_with_name_and_context("a", "b").await?);
    println!("{}", proxy.lookup_with_name_and_context_and_timestamp("a", "b", -7).await?);
    Ok(())
}
"#;

/// `gdbus call` of the method `method` of the component with `args` (GVariant text): its
/// answer, or its error. (gdbus warns on stderr where the introspection's first method of
/// the name has other arguments; the warning is not the answer.)
fn gdbus_call(address: &str, method: &str, args: &[&str]) -> Result<String, String> {
    let output = Command::new("gdbus")
        .args(["call", "--address", address, "--dest", NAME])
        .args(["--object-path", "/org/example/Component", "--timeout", "20"])
        .args(["--method", &format!("org.kde.example.Component.{method}")])
        .args(args)
        .output()
        .expect("gdbus runs (Debian package libglib2.0-bin; scripts/prerequisites installs it)");
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

#[test]
fn each_overload_is_served_reached_by_gdbus_and_called_through_the_proxy() {
    let code = Builder::new()
        .service(NAME)
        .generate(std::path::Path::new(FILE), XML)
        .expect("the fixture generates");
    let krate = GeneratedCrate::new("overloads");
    krate.build_program(&code, MAIN);

    let bus = test_bus::PrivateBus::open(None).expect("a private bus");
    let _served = krate.serve("overloads", &bus, &["serve"]);

    let address = bus.address();
    for (method, args, answer) in [
        ("shortcutNames", &[][..], "(['shortcutNames()'],)"),
        ("shortcutNames", &["work"][..], "(['shortcutNames(work)'],)"),
        ("lookup", &["a"][..], "('lookup(a)',)"),
        ("lookup", &["a", "b"][..], "('lookup(a, b)',)"),
        (
            "lookup",
            &["a", "b", "int64 -7"][..],
            "('lookup(a, b, -7)',)",
        ),
    ] {
        assert_eq!(
            gdbus_call(address, method, args),
            Ok(answer.to_owned()),
            "{method} {args:?}"
        );
    }
    let error = gdbus_call(address, "lookup", &["a", "b", "int64 1", "true"]).unwrap_err();
    assert!(
        error.contains("org.freedesktop.DBus.Error.InvalidArgs"),
        "{error}"
    );

    let run = krate.cargo("run", &["--quiet", "--", address]);
    assert!(run.status.success(), "{}", printed(&run));
    assert_eq!(
        String::from_utf8_lossy(&run.stdout),
        "[\"shortcutNames()\"]\n[\"shortcutNames(work)\"]\nlookup(a)\nlookup(a, b)\nlookup(a, b, -7)\n",
        "{}",
        printed(&run)
    );
}
