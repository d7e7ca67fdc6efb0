//! Several files generated together into one module ([`Builder::compile_together`]): each
//! file's items in a module of its own, and one `object_manager` typed over the interfaces
//! of all of them, for APIs that keep one interface a file (NetworkManager, ModemManager,
//! MPRIS).

use std::path::{Path, PathBuf};

use proc_macro2::Ident;
use quote::{format_ident, quote};

use crate::generate::formatted;
use crate::type_table::Shared;
use crate::{Builder, Document, Error, names};

impl Builder {
    /// Generates the files at `xml_paths` together into `NAME.rs` in the output folder
    /// (`OUT_DIR`), rewritten only when it changes: each file's module inside a module of
    /// its own, named after what sets the file's name apart from the others'
    /// (`org.freedesktop.NetworkManager.Device.Wired.xml` beside
    /// `org.freedesktop.NetworkManager.xml` is `device_wired`; the shared name's last element
    /// where nothing is left, `network_manager`), and with [`Builder::object_manager`] one
    /// module `object_manager` whose `watch` types every interface of every file. Returns
    /// the path written.
    pub fn compile_together<P: AsRef<Path>>(
        &self,
        name: &str,
        xml_paths: impl IntoIterator<Item = P>,
    ) -> Result<PathBuf, Error> {
        let mut files = Vec::new();
        for path in xml_paths {
            let path = path.as_ref();
            files.push((path.to_owned(), self.load(path)?));
        }
        let code = self.generate_together(name, &files)?;
        self.write(Path::new(&format!("{name}.rs")), &code)
    }

    /// The formatted module for `files` (each read from its path) generated together, as
    /// [`Builder::compile_together`] writes it; `name` labels it.
    pub fn generate_together(
        &self,
        name: &str,
        files: &[(PathBuf, Document)],
    ) -> Result<String, Error> {
        let paths: Vec<&Path> = files.iter().map(|(path, _)| path.as_path()).collect();
        let modules = file_modules(&paths);
        // A file may name the Telepathy types that another defines.
        let shared: Vec<Shared> = files
            .iter()
            .zip(&modules)
            .flat_map(|((_, document), module)| Shared::of_file(module, &document.telepathy))
            .collect();
        let mut clients_of = Vec::new();
        let mut items = Vec::new();
        for ((path, document), module) in files.iter().zip(&modules) {
            let first = clients_of.len();
            let (file_items, _) = self.items(path, document, &shared, &mut clients_of)?;
            for client in &mut clients_of[first..] {
                client.file = Some(module.clone());
            }
            let doc = format!(" What `{}` declares.", path.display());
            items.push(quote! {
                #[doc = #doc]
                pub mod #module {
                    #(#file_items)*
                }
            });
        }
        items.extend(self.object_manager_module(&clients_of));
        formatted(&items, Path::new(name))
    }
}

/// A module name for each file: its name's dot-separated elements after those that all the
/// files' names share, in snake case; the last shared element where none is left.
fn file_modules(paths: &[&Path]) -> Vec<Ident> {
    let stems: Vec<Vec<String>> = paths
        .iter()
        .map(|path| {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default();
            let stem = name.strip_suffix(".xml").unwrap_or(&name);
            stem.split('.').map(str::to_owned).collect()
        })
        .collect();
    let shortest = stems.iter().map(Vec::len).min().unwrap_or(0);
    let mut shared = (0..shortest)
        .take_while(|&i| stems.iter().all(|stem| stem[i] == stems[0][i]))
        .count();
    // One file, or files of one name: its last element sets it apart.
    if stems.iter().all(|stem| stem.len() == shared) && shared > 0 {
        shared -= 1;
    }
    stems
        .iter()
        .map(|stem| {
            let rest = if stem.len() > shared {
                &stem[shared..]
            } else {
                &stem[stem.len().saturating_sub(1)..]
            };
            format_ident!("{}", names::snake_case(&rest.join("_")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_file_is_named_by_what_sets_it_apart() {
        let paths = [
            "i/org.freedesktop.NetworkManager.xml",
            "i/org.freedesktop.NetworkManager.Device.xml",
            "i/org.freedesktop.NetworkManager.Device.Wired.xml",
            "i/org.freedesktop.NetworkManager.Device.Statistics.xml",
        ];
        let paths: Vec<&Path> = paths.iter().map(Path::new).collect();
        let modules: Vec<String> = file_modules(&paths).iter().map(Ident::to_string).collect();
        assert_eq!(
            modules,
            [
                "network_manager",
                "device",
                "device_wired",
                "device_statistics"
            ]
        );
        let one: Vec<String> = file_modules(&[Path::new("org.mpris.MediaPlayer2.xml")])
            .iter()
            .map(Ident::to_string)
            .collect();
        assert_eq!(one, ["media_player2"]);
    }
}
