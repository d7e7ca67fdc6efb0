//! Dictionaries that keep their entries in the order they were made, as sd-bus and GDBus
//! services send them (a `HashMap` sends them in an order that changes from run to run).

use std::collections::HashMap;
use std::hash::Hash;

use zbus::export::serde::ser::{Serialize, SerializeMap, Serializer};

/// A D-Bus dictionary (`a{KV}`) whose entries go on the wire in the order of the vector.
#[derive(Debug, Clone, PartialEq)]
pub struct Ordered<K, V>(pub Vec<(K, V)>);

impl<K, V> Default for Ordered<K, V> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<K, V> Ordered<K, V> {
    /// A dictionary with room for `capacity` entries.
    pub fn with_capacity(capacity: usize) -> Self {
        Self(Vec::with_capacity(capacity))
    }

    /// Adds an entry after the others.
    pub fn push(&mut self, key: K, value: V) {
        self.0.push((key, value));
    }

    /// The entries, in order.
    pub fn iter(&self) -> impl Iterator<Item = &(K, V)> {
        self.0.iter()
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<K: Eq + Hash, V> From<Ordered<K, V>> for HashMap<K, V> {
    fn from(ordered: Ordered<K, V>) -> Self {
        ordered.0.into_iter().collect()
    }
}

// The signature is the one of the `HashMap` of the same keys and values.
impl<K: zbus::Basic + Eq + Hash, V: zbus::Type> zbus::Type for Ordered<K, V> {
    const SIGNATURE: &'static zbus::Signature = <HashMap<K, V> as zbus::Type>::SIGNATURE;
}

impl<K: Serialize, V: Serialize> Serialize for Ordered<K, V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in &self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

/// The properties of one interface (or of every interface of an object), in order: what
/// `Properties.GetAll` answers.
pub type PropertyMap = Ordered<String, zbus::OwnedVariant>;

/// The interfaces of one object with their properties, in order (`a{sa{sv}}`).
pub type InterfaceMap = Ordered<zbus::names::OwnedInterfaceName, PropertyMap>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_go_on_the_wire_in_the_order_given_and_read_back_as_a_map() {
        let mut ordered = PropertyMap::default();
        for (name, value) in [("Zeta", 1u32), ("Alpha", 2), ("Mu", 3)] {
            ordered.push(name.to_owned(), zbus::OwnedVariant::from(value));
        }
        let context = zbus::wire::serialized::Context::new(zbus::wire::LE, 0);
        let encoded = zbus::wire::to_bytes(context, &ordered).expect("a{sv} encodes");
        let bytes: &[u8] = &encoded;
        let order: Vec<usize> = ["Zeta", "Alpha", "Mu"]
            .iter()
            .map(|name| {
                bytes
                    .windows(name.len())
                    .position(|window| window == name.as_bytes())
                    .expect("each key is in the message")
            })
            .collect();
        assert!(order.windows(2).all(|pair| pair[0] < pair[1]), "{order:?}");
        let (decoded, _): (HashMap<String, zbus::OwnedVariant>, _) =
            encoded.deserialize().expect("reads back as a{sv}");
        assert_eq!(decoded.len(), 3);
        assert_eq!(
            <Ordered<String, u8> as zbus::Type>::SIGNATURE.to_string(),
            "a{sy}"
        );
    }
}
