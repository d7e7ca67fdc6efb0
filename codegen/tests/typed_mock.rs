//! The typed mock that `Builder::build_mock` generates: served with the adapter like any
//! implementation, it answers the values a test sets (else its types' defaults) and records
//! each call and property set, with its arguments, in order; the generated proxy is its
//! client over a private bus.

mod support;

use std::path::Path;

use dbus_xml_codegen::Builder;
use support::GeneratedCrate;

const MAIN: &str = r#"mod api {
    include!("api.rs");
}

use std::sync::Arc;

use api::contract_client::ContractProxy;
use api::contract_server::{ContractMock, ContractServer};

#[tokio::main]
async fn main() -> zbus::Result<()> {
    let address = std::env::args().nth(1).expect("a bus address");
    let mock = Arc::new(ContractMock::default());
    mock.values.lock().unwrap().frob = Some("fine".to_owned());
    mock.values.lock().unwrap().count = Some(3);
    let service = zbus::connection::Builder::address(address.as_str()).build().await?;
    dbus_xml_runtime::serve_at(&service, "/org/example/Contract", ContractServer::from_arc(mock.clone())).await?;
    service.request_name("org.example.Contract").await?;

    let client = zbus::connection::Builder::address(address.as_str()).build().await?;
    // Uncached: each read asks the mock (a cache would wait for PropertiesChanged).
    let proxy = ContractProxy::builder(&client)
        .cache_properties(zbus::proxy::CacheProperties::No)
        .build()
        .await?;
    println!("frob {}", proxy.frob(5).await?);
    println!("count {}", proxy.count().await?);
    println!("label {:?}", proxy.label().await?);
    proxy.set_label("x").await?;
    println!("label {:?}", proxy.label().await?);
    mock.values.lock().unwrap().frob = None;
    println!("frob {:?}", proxy.frob(6).await?);
    println!("calls {:?}", mock.take_calls());
    println!("calls {:?}", mock.take_calls());
    Ok(())
}
"#;

#[test]
fn the_typed_mock_answers_set_values_and_records_calls_in_order() {
    let xml = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/monitor/org.example.Contract.xml"
    ));
    let code = Builder::new()
        .service("org.example.Contract")
        .build_mock(true)
        .generate_file(xml)
        .expect("the fixture generates");
    let krate = GeneratedCrate::new("typed_mock");
    krate.build_program(&code, MAIN);
    let bus = test_bus::PrivateBus::open(None).expect("a private dbus-daemon");
    let run = krate.run_on(&bus);
    assert_eq!(
        String::from_utf8_lossy(&run.stdout),
        "frob fine\ncount 3\nlabel \"\"\nlabel \"x\"\nfrob \"\"\n\
         calls [Frob { level: 5 }, SetLabel { value: \"x\" }, Frob { level: 6 }]\ncalls []\n"
    );
}
