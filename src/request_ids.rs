//! Ids for slow requests, unique for the life of the service.

use std::sync::atomic::{AtomicU64, Ordering};

/// Hands out ids `<instance>-<n>`: a random tag of this process, then a counter, so that an
/// id is never reused, not even by a restarted service.
#[derive(Debug)]
pub struct RequestIds {
    instance: u32,
    next: AtomicU64,
}

impl RequestIds {
    /// A fresh sequence with a random instance tag.
    pub fn new() -> Self {
        Self {
            instance: rand::random(),
            next: AtomicU64::new(1),
        }
    }

    /// The next id.
    pub fn next_id(&self) -> String {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        format!("{:08x}-{n}", self.instance)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_do_not_repeat() {
        let ids = RequestIds::new();
        let drawn: std::collections::HashSet<String> = (0..1000).map(|_| ids.next_id()).collect();
        assert_eq!(drawn.len(), 1000);
        assert_ne!(RequestIds::new().next_id(), RequestIds::new().next_id());
    }
}
