//! The numbers are uniform and of the requested width: chi-square tests over many `quick` and
//! `slow` results, on every bit position and on the values of small numbers.
//!
//! Thresholds are at p = 10^-6, so that a correct generator fails a run about once in a
//! million, while a stuck or biased bit, or a width off by one, fails every time.

use crate::common;

use std::collections::HashMap;

use common::{PrivateBus, WAIT};
use futures_util::StreamExt;
use num_bigint::BigUint;
use tokio::task::JoinSet;

/// Chi-square with 1 degree of freedom at p = 10^-6.
const CHI2_1_DOF: f64 = 23.93;
/// Chi-square with 15 degrees of freedom at p = 10^-6 (Wilson–Hilferty).
const CHI2_15_DOF: f64 = 57.4;

fn chi_square(observed: &[usize], expected: f64) -> f64 {
    observed
        .iter()
        .map(|&o| (o as f64 - expected).powi(2) / expected)
        .sum()
}

/// Checks that each of the `width` bit positions is set in about half of `numbers`.
fn assert_every_bit_is_fair(numbers: &[BigUint], width: u64) {
    let n = numbers.len();
    for position in 0..width {
        let ones = numbers.iter().filter(|x| x.bit(position)).count();
        let statistic = chi_square(&[ones, n - ones], n as f64 / 2.0);
        assert!(
            statistic < CHI2_1_DOF,
            "bit {position} of {width} was set in {ones} of {n} numbers (chi-square {statistic:.1})"
        );
    }
    assert!(
        numbers.iter().all(|x| x.bits() <= width),
        "a number is wider than {width} bits"
    );
}

/// `count` results of `quick(bits)`, asked 64 at a time on one connection (the bus allows a
/// connection 128 calls awaiting replies).
async fn quick_numbers(bus: &PrivateBus, bits: i32, count: usize) -> Vec<BigUint> {
    const IN_FLIGHT: usize = 64;
    let proxy = bus.proxy().await;
    let mut callers = JoinSet::new();
    for caller in 0..IN_FLIGHT {
        let proxy = proxy.clone();
        let calls = (caller..count).step_by(IN_FLIGHT).count();
        callers.spawn(async move {
            let mut numbers = Vec::with_capacity(calls);
            for _ in 0..calls {
                numbers.push(proxy.quick(bits).await.unwrap().parse::<BigUint>().unwrap());
            }
            numbers
        });
    }
    callers.join_all().await.into_iter().flatten().collect()
}

#[tokio::test]
async fn quick_numbers_are_uniform_on_every_bit_and_value() {
    let bus = PrivateBus::start().await;
    let _service = bus.start_service().await;

    assert_every_bit_is_fair(&quick_numbers(&bus, 8, 4000).await, 8);
    // Wide numbers: the top bits and the lowest are as fair as the rest.
    for width in [65u64, 1000] {
        let numbers = quick_numbers(&bus, width as i32, 2000).await;
        let shifted: Vec<BigUint> = numbers.iter().map(|x| x >> (width - 8)).collect();
        assert_every_bit_is_fair(&shifted, 8);
        let low: Vec<BigUint> = numbers.iter().map(|x| x % 256u32).collect();
        assert_every_bit_is_fair(&low, 8);
    }

    let values = quick_numbers(&bus, 4, 3200).await;
    let mut counts: HashMap<u32, usize> = HashMap::new();
    for value in &values {
        *counts.entry(u32::try_from(value).unwrap()).or_default() += 1;
    }
    let observed: Vec<usize> = (0..16)
        .map(|v| counts.get(&v).copied().unwrap_or(0))
        .collect();
    let statistic = chi_square(&observed, 200.0);
    assert!(
        statistic < CHI2_15_DOF,
        "4-bit values {observed:?} (chi-square {statistic:.1})"
    );
}

#[tokio::test]
async fn slow_numbers_are_uniform_on_every_bit() {
    let bus = PrivateBus::start().await;
    let _service = bus.start_service_with(&["--bit-interval", "1ms"]).await;
    let proxy = bus.proxy().await;
    let mut results = proxy.receive_slow_result().await.unwrap();

    // Results are read while requests go out: zbus queues only so many unread signals before
    // it stops reading the connection (replies included).
    const COUNT: usize = 600;
    let collector = tokio::spawn(async move {
        let mut numbers = Vec::new();
        while numbers.len() < COUNT {
            let signal = results.next().await.unwrap();
            numbers.push(signal.args().unwrap().result().parse::<BigUint>().unwrap());
        }
        numbers
    });
    for _ in 0..COUNT {
        proxy.slow(8).await.unwrap();
    }
    let numbers = tokio::time::timeout(WAIT, collector)
        .await
        .expect("all slow results in time")
        .unwrap();
    assert_every_bit_is_fair(&numbers, 8);
}
