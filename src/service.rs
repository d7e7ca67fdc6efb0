//! The service's own logic: the hand-written implementation of the generated [`RandomData`]
//! trait.

use std::time::Duration;

use crate::bits::{self, Width};
use crate::errors::ServiceError;
use crate::request_ids::RequestIds;
use crate::{RandomData, RandomDataCall};

/// How the service behaves.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// How long a slow request takes per bit.
    pub bit_interval: Duration,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        Self {
            bit_interval: Duration::from_secs(1),
        }
    }
}

/// The random-data service.
#[derive(Debug)]
pub struct Service {
    config: ServiceConfig,
    request_ids: RequestIds,
}

impl Service {
    /// A service with `config`.
    pub fn new(config: ServiceConfig) -> Self {
        Self {
            config,
            request_ids: RequestIds::new(),
        }
    }
}

/// Checks a requested width, answering a bad one with `InvalidArgs`.
fn width(bits: i32) -> Result<Width, ServiceError> {
    Width::try_from(bits).map_err(|error| ServiceError::InvalidArgs(error.to_string()))
}

impl RandomData for Service {
    type Error = ServiceError;

    async fn quick(&self, bits: i32, _call: &RandomDataCall<'_>) -> Result<String, ServiceError> {
        Ok(bits::random_number(width(bits)?).to_string())
    }

    async fn slow(&self, bits: i32, call: &RandomDataCall<'_>) -> Result<String, ServiceError> {
        let width = width(bits)?;
        let id = self.request_ids.next_id();
        let signals = call.signals();
        let tick = self.config.bit_interval;
        let request_id = id.clone();
        tokio::spawn(async move {
            let number = bits::random_number_slowly(width, tick).await;
            if let Err(error) = signals.slow_result(&request_id, &number.to_string()).await {
                tracing::warn!(%request_id, %error, "could not emit slow_result");
            }
        });
        Ok(id)
    }
}
