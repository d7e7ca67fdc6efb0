//! No argument makes the service fail: every `i32` for `quick` and `slow` gets a number of
//! that width or `InvalidArgs`, and bodies of the wrong type get `InvalidArgs`; the service
//! answers after each. Bounded by proptest's case count (`PROPTEST_CASES`).

use crate::common;

use common::{PrivateBus, fits};
use proptest::prelude::*;
use random_data::random_data_server::INTERFACE_NAME;
use random_data::{OBJECT_PATH, RandomDataProxy, SERVICE_NAME};
use zbus::fdo;

/// What a call with `bits` must get: a number of that width, or InvalidArgs out of range.
fn check_reply(bits: i32, reply: zbus::Result<String>) -> Result<(), TestCaseError> {
    let valid = (1..=4096).contains(&bits);
    match reply {
        Ok(number) if valid => {
            let number: num_bigint::BigUint = number.parse().unwrap();
            prop_assert!(fits(&number, bits as u32));
        }
        Err(zbus::Error::FDO(error)) if !valid => {
            prop_assert!(matches!(*error, fdo::Error::InvalidArgs(_)), "{error:?}");
        }
        other => prop_assert!(false, "bits {bits}: unexpected {other:?}"),
    }
    Ok(())
}

/// A private bus with the service on it, a proxy, and a runtime to drive them from proptest's
/// synchronous cases.
struct Fixture {
    runtime: tokio::runtime::Runtime,
    _bus: PrivateBus,
    _service: common::RunningService,
    connection: zbus::Connection,
    proxy: RandomDataProxy<'static>,
}

fn fixture() -> Fixture {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (bus, service, connection, proxy) = runtime.block_on(async {
        let bus = PrivateBus::start().await;
        let service = bus.start_service().await;
        let connection = bus.connect().await;
        let proxy = RandomDataProxy::new(&connection).await.unwrap();
        (bus, service, connection, proxy)
    });
    Fixture {
        runtime,
        _bus: bus,
        _service: service,
        connection,
        proxy,
    }
}

#[test]
fn every_bits_value_gets_a_number_or_invalid_args() {
    let fixture = fixture();
    let edges = prop_oneof![
        any::<i32>(),
        -2i32..=2,
        4090i32..=4100,
        Just(i32::MIN),
        Just(i32::MAX)
    ];
    proptest!(|(bits in edges)| {
        fixture.runtime.block_on(async {
            check_reply(bits, fixture.proxy.quick(bits).await)?;
            // slow replies with an id; its number comes later and is tested elsewhere.
            let slow = fixture.proxy.slow(bits.min(4)).await.map(|_| "0".to_owned());
            check_reply(bits.min(4), slow)
        })?;
    });
}

/// Calls `method` with `body`, whatever its type.
async fn call_with<B>(connection: &zbus::Connection, method: &str, body: &B) -> zbus::Result<String>
where
    B: zbus::export::serde::Serialize + zbus::Type,
{
    let reply = connection
        .call_method(
            Some(SERVICE_NAME),
            OBJECT_PATH,
            Some(INTERFACE_NAME),
            method,
            body,
        )
        .await?;
    reply.body().deserialize::<String>()
}

#[test]
fn bodies_of_the_wrong_type_get_invalid_args() {
    let fixture = fixture();
    let methods = prop::sample::select(vec!["quick", "slow"]);
    // No NUL: D-Bus strings cannot hold one, and the bus drops a connection that sends it.
    proptest!(|(text in "[^\u{0}]{0,40}", number in any::<u64>(), flag in any::<bool>(), method in methods)| {
        fixture.runtime.block_on(async {
            let connection = &fixture.connection;
            let replies = [
                call_with(connection, method, &(text.as_str(),)).await,
                call_with(connection, method, &(number,)).await,
                call_with(connection, method, &(flag, text.as_str())).await,
                call_with(connection, method, &(1i32, 2i32)).await,
            ];
            for reply in replies {
                match reply {
                    Err(zbus::Error::FDO(error)) => {
                        prop_assert!(matches!(*error, fdo::Error::InvalidArgs(_)), "{error:?}")
                    }
                    other => prop_assert!(false, "{method}: unexpected {other:?}"),
                }
            }
            check_reply(8, fixture.proxy.quick(8).await)
        })?;
    });
}
