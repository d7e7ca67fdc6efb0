//! Ids for slow requests, unique for the life of the service.

use std::sync::atomic::{AtomicU64, Ordering};

/// A slow request's id: a random tag of the process that made it and a counter, written
/// `<tag>-<n>` on the bus. Sixteen bytes, so that a pending request does not carry a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct RequestId {
    instance: u32,
    number: u64,
}

impl RequestId {
    /// Its counter, unique within the process.
    pub(super) fn number(self) -> u64 {
        self.number
    }
}

impl std::fmt::Display for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:08x}-{}", self.instance, self.number)
    }
}

/// Hands out ids `<instance>-<n>`: a random tag of this process, then a counter, so that an
/// id is never reused, not even by a restarted service.
#[derive(Debug)]
pub(super) struct RequestIds {
    instance: u32,
    next: AtomicU64,
}

impl Default for RequestIds {
    /// A fresh sequence with a random instance tag.
    fn default() -> Self {
        Self {
            instance: rand::random(),
            next: AtomicU64::new(1),
        }
    }
}

impl RequestIds {
    /// The next id.
    pub(super) fn next_id(&self) -> RequestId {
        self.id(self.next.fetch_add(1, Ordering::Relaxed))
    }

    /// The id with counter `number`, of this sequence.
    pub(super) fn id(&self, number: u64) -> RequestId {
        RequestId {
            instance: self.instance,
            number,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_do_not_repeat() {
        let ids = RequestIds::default();
        let drawn: std::collections::HashSet<String> =
            (0..1000).map(|_| ids.next_id().to_string()).collect();
        assert_eq!(drawn.len(), 1000);
        assert_ne!(
            RequestIds::default().next_id().to_string(),
            RequestIds::default().next_id().to_string()
        );
    }
}
