//! The dispatch policies, over a private bus, on a multi-threaded runtime: by default the calls
//! of an interface are served one at a time, so the replies to pipelined calls keep their
//! order; with `rs.dbus_xml_codegen.SpawnPerCall="true"` each call runs in a task of its own,
//! so two calls can be in a method at once.

mod support;

use dbus_xml_codegen::Builder;
use support::{DEPENDENCIES, GeneratedCrate, printed};

const XML: &str = include_str!("fixtures/org.example.Dispatch.xml");

const MAIN: &str = r#"mod api {
    include!("api.rs");
}

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use api::concurrent_server::{Concurrent, ConcurrentCall, ConcurrentServer};
use api::ordered_server::{Ordered, OrderedCall, OrderedServer};
use futures_util::StreamExt;
use zbus::fdo;
use zbus::message::{Message, Type};

struct Service {
    meeting: Arc<tokio::sync::Barrier>,
}

impl Ordered for Service {
    type Error = fdo::Error;

    async fn work(&self, rounds: u32, _call: &OrderedCall<'_>) -> fdo::Result<u64> {
        // Unequal work between awaits: a task per call would let short ones overtake.
        let mut sum = 0u64;
        for round in 0..rounds {
            for i in 0..20_000u64 {
                sum = sum.wrapping_add(i * i);
            }
            if round % 8 == 0 {
                tokio::task::yield_now().await;
            }
        }
        Ok(sum)
    }
}

impl Concurrent for Service {
    type Error = fdo::Error;

    async fn meet(&self, _call: &ConcurrentCall<'_>) -> fdo::Result<()> {
        self.meeting.wait().await;
        Ok(())
    }
}

#[tokio::main]
async fn main() -> zbus::Result<()> {
    let address = std::env::args().nth(1).expect("a bus address");
    let service = Arc::new(Service {
        meeting: Arc::new(tokio::sync::Barrier::new(2)),
    });
    let _server = zbus::connection::Builder::address(address.as_str())
        .name(api::SERVICE_NAME)
        .serve_at(api::OBJECT_PATH, OrderedServer::from_arc(service.clone()))
        .serve_at(api::OBJECT_PATH, ConcurrentServer::from_arc(service))
        .build()
        .await?;
    let client = zbus::connection::Builder::address(address.as_str()).build().await?;

    let mut replies = zbus::MessageStream::from(&client);
    let mut overtaken = 0;
    for _ in 0..20 {
        let mut position_of = HashMap::new();
        for position in 0..100usize {
            let rounds: u32 = if position % 2 == 0 { 40 } else { 0 };
            let call = Message::method_call(api::OBJECT_PATH, "Work")
                .destination(api::SERVICE_NAME)
                .interface(api::ordered_server::INTERFACE_NAME)
                .build(&(rounds,))?;
            position_of.insert(call.primary_header().serial_num(), position);
            client.send(&call).await?;
        }
        let mut order = Vec::new();
        while order.len() < 100 {
            let message = replies.next().await.expect("replies")?;
            assert_ne!(message.message_type(), Type::Error, "{message:?}");
            if let Some(position) = message.header().reply_serial().and_then(|s| position_of.get(&s)) {
                order.push(*position);
            }
        }
        overtaken += order.windows(2).filter(|pair| pair[1] < pair[0]).count();
    }
    println!("overtaken: {overtaken}");

    let proxy = api::concurrent_client::ConcurrentProxy::new(&client).await?;
    let both = futures_util::future::join(proxy.meet(), proxy.meet());
    match tokio::time::timeout(Duration::from_secs(20), both).await {
        Ok((first, second)) => {
            first?;
            second?;
            println!("met");
        }
        Err(_) => println!("never met"),
    }
    Ok(())
}
"#;

#[test]
fn ordered_by_default_and_concurrent_where_annotated() {
    let code = Builder::new()
        .service("org.example.Dispatch")
        .generate(std::path::Path::new("org.example.Dispatch.xml"), XML)
        .expect("the fixture generates");
    let krate = GeneratedCrate::with_manifest(
        "dispatch",
        &format!(
            "[dependencies]\n{DEPENDENCIES}{}",
            r#"tokio = { version = "1", features = ["rt-multi-thread", "macros", "time", "sync"] }
futures-util = { version = "0.3", default-features = false }
"#
        ),
    );
    krate.build_program(&code, MAIN);

    let bus = test_bus::PrivateBus::open(None).expect("a private bus");
    let run = krate.run_on(&bus);
    assert_eq!(
        String::from_utf8_lossy(&run.stdout),
        "overtaken: 0\nmet\n",
        "{}",
        printed(&run)
    );
}
