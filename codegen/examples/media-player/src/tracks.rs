//! The player's fixed playlist, and the MPRIS metadata of a track.

use std::collections::HashMap;

use zbus::{ObjectPath, OwnedVariant};

/// One track of the playlist.
pub(crate) struct Track {
    pub(crate) title: &'static str,
    pub(crate) artist: &'static str,
    /// Its length in microseconds, as MPRIS counts time.
    pub(crate) length: i64,
}

/// What the player plays, in order.
pub(crate) const PLAYLIST: [Track; 3] = [
    Track {
        title: "Introspection",
        artist: "The Signatures",
        length: 185_000_000,
    },
    Track {
        title: "Properties Changed",
        artist: "The Signatures",
        length: 242_000_000,
    },
    Track {
        title: "No Reply",
        artist: "Bus Daemon",
        length: 97_000_000,
    },
];

/// The D-Bus object path that names track `index` in `mpris:trackid`.
pub(crate) fn track_id(index: usize) -> ObjectPath<'static> {
    ObjectPath::try_from(format!("/org/example/codegen_example/track/{index}"))
        .expect("a path of plain elements is an object path")
}

/// The MPRIS metadata of track `index`: an `a{sv}` of `mpris:` and `xesam:` entries.
pub(crate) fn metadata(index: usize) -> zbus::Result<HashMap<String, OwnedVariant>> {
    let track = &PLAYLIST[index];
    Ok(HashMap::from([
        (
            "mpris:trackid".to_owned(),
            OwnedVariant::from(track_id(index)),
        ),
        ("mpris:length".to_owned(), OwnedVariant::from(track.length)),
        (
            "xesam:title".to_owned(),
            OwnedVariant::from(zbus::Str::from(track.title)),
        ),
        // A list of artists: built from anything serializable.
        (
            "xesam:artist".to_owned(),
            zbus::as_variant::to_owned_variant(&vec![track.artist])?,
        ),
    ]))
}
