//! Pipelined calls: replies come back in the order the calls were sent (the generated
//! adapter serves one call of an interface at a time by default; see README, "Dispatch"),
//! and slow calls from new callers all start.

use crate::common;

use std::collections::HashMap;
use std::num::NonZeroU32;

use common::{PrivateBus, WAIT};
use futures_util::StreamExt;
use random_data::random_data_server::INTERFACE_NAME;
use random_data::{OBJECT_PATH, SERVICE_NAME};
use zbus::message::{Message, Type};

/// Calls sent at once on one connection: under dbus-daemon's default limit of pending
/// replies per connection (128, without a configuration that raises it).
const CALLS: usize = 100;

/// Rounds of pipelined calls.
const ROUNDS: usize = 20;

#[tokio::test]
async fn replies_to_pipelined_quick_calls_keep_their_order() {
    let mut bus = PrivateBus::start_watched().await;
    let _service = bus.start_service().await;
    let connection = bus.connect().await;
    let mut replies = zbus::MessageStream::from(&connection);
    let mut overtaken = 0;
    for _ in 0..ROUNDS {
        overtaken += pipelined_round(&connection, &mut replies).await;
    }
    eprintln!(
        "{ROUNDS} rounds of {CALLS} pipelined calls: {overtaken} replies overtook an earlier one"
    );
    assert_eq!(overtaken, 0, "replies came back out of order");
    bus.assert_contract_kept().await;
}

/// Sends `CALLS` quick calls at once and reads their replies; returns how many replies came
/// before that of a call sent earlier.
async fn pipelined_round(
    connection: &zbus::Connection,
    replies: &mut zbus::MessageStream,
) -> usize {
    // Wide and narrow numbers in turn, so that calls take unequal times.
    let mut position_of = HashMap::<NonZeroU32, usize>::new();
    for position in 0..CALLS {
        let bits: i32 = if position % 2 == 0 { 4096 } else { 1 };
        let call = Message::method_call(OBJECT_PATH, "quick")
            .destination(SERVICE_NAME)
            .interface(INTERFACE_NAME)
            .build(&(bits,))
            .unwrap();
        position_of.insert(call.primary_header().serial_num(), position);
        connection.send(&call).await.unwrap();
    }

    let mut order = Vec::with_capacity(CALLS);
    tokio::time::timeout(WAIT, async {
        while order.len() < CALLS {
            let message = replies.next().await.expect("the stream goes on").unwrap();
            let header = message.header();
            if message.message_type() == Type::Error {
                panic!("a call failed: {message:?}");
            }
            if let Some(position) = header.reply_serial().and_then(|s| position_of.get(&s)) {
                order.push(*position);
            }
        }
    })
    .await
    .expect("every reply in time");
    order.windows(2).filter(|pair| pair[1] < pair[0]).count()
}

/// Slow calls pipelined by new callers all start at once. The service asks the bus for each
/// new caller's Unix user while more calls queue up behind it; asked on the serving connection,
/// the answer waited behind the queue and the calls failed after 25 s.
#[tokio::test]
async fn pipelined_slow_calls_from_new_callers_all_start() {
    let mut bus = PrivateBus::start_watched().await;
    let _service = bus.start_service().await;
    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let proxy = bus.proxy().await;
        for _ in 0..CALLS {
            let proxy = proxy.clone();
            calls.spawn(async move { proxy.slow(1).await });
        }
    }
    let ids = tokio::time::timeout(WAIT, calls.join_all())
        .await
        .expect("every slow call is answered in time");
    let started = ids.iter().filter(|id| id.is_ok()).count();
    assert_eq!(
        started,
        8 * CALLS,
        "{:?}",
        ids.iter().find(|id| id.is_err())
    );
    bus.assert_contract_kept().await;
}
