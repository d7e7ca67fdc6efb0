//! One file as the emitters and `doc` read it, built once: its interfaces as the bus sees
//! them with the overlays' annotations laid over, its named types, and the model of each
//! interface (Rust names resolved, module stems distinct). `generate` and `doc` both start
//! here, so they cannot show different types for one argument.

use std::path::Path;

use crate::type_table::{Shared, Table};
use crate::{Document, Error, Location, Overlay, model, wire};

/// The model of one file.
pub(crate) struct FileModel {
    /// Every node's interfaces, in document order (one that several nodes carry, once), with
    /// the overlays' annotations.
    pub wire: Vec<wire::Interface>,
    /// The file's named types.
    pub table: Table,
    /// The model of each chosen interface, in the order of `wire`.
    pub interfaces: Vec<model::Interface>,
}

impl FileModel {
    /// The model of `document`, read from `path`, with `overlays` laid over it in order, of
    /// the interfaces that `chosen` picks; the file may refer to the `shared` definitions of
    /// files generated with it.
    pub(crate) fn build(
        path: &Path,
        document: &Document,
        overlays: &[Overlay],
        shared: &[Shared],
        chosen: impl Fn(&wire::Interface) -> bool,
    ) -> Result<Self, Error> {
        let mut wire: Vec<wire::Interface> = document
            .root()
            .all_interfaces()
            .into_iter()
            .cloned()
            .collect();
        for overlay in overlays {
            overlay.apply(&mut wire)?;
        }
        let table =
            Table::build(&document.telepathy, shared, &wire).map_err(|message| Error::Invalid {
                location: Location::file(path),
                message,
            })?;
        let mut interfaces = Vec::new();
        for wire_interface in wire.iter().filter(|i| chosen(i)) {
            let interface = model::interface(wire_interface, &document.docs, &table).map_err(
                |model::Unsupported(what)| Error::Unsupported {
                    location: Location::file(path),
                    interface: wire_interface.name.clone(),
                    what,
                },
            )?;
            interfaces.push(interface);
        }
        model::distinct_module_stems(&mut interfaces);
        Ok(Self {
            wire,
            table,
            interfaces,
        })
    }

    /// The wire interface that `interface` (one of [`FileModel::interfaces`]) models.
    pub(crate) fn wire_of(&self, interface: &model::Interface) -> &wire::Interface {
        self.wire
            .iter()
            .find(|w| w.name == interface.wire)
            .expect("a modelled interface is one of the file's")
    }
}
