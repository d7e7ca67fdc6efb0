//! The generator's entry point for `build.rs`: settings, then `compile` (load → generate →
//! write if changed).

use std::path::{Path, PathBuf};

use crate::file_model::FileModel;
use crate::{Document, Error, Location, Warning, wire};

/// The namespace prefix of Telepathy's extensions to the introspection format.
const TELEPATHY: &str = "tp";

impl Default for Builder {
    fn default() -> Self {
        Self::new()
    }
}

/// Settings for one run of the generator.
#[derive(Debug, Clone)]
pub struct Builder {
    pub(crate) service: Option<String>,
    /// The object path set with [`Builder::object_path`].
    pub(crate) object_path: Option<String>,
    /// Namespace prefixes whose ignored elements are not warned about (see
    /// [`Builder::quiet_vocabulary`]).
    pub(crate) quiet: Vec<String>,
    pub(crate) out_dir: Option<PathBuf>,
    pub(crate) default_impls: bool,
    /// Set with [`Builder::build_mock`].
    pub(crate) build_mock: bool,
    pub(crate) build_server: bool,
    pub(crate) build_client: bool,
    /// The interfaces set with [`Builder::interfaces`].
    pub(crate) interfaces: Option<Vec<String>>,
    /// The folder set with [`Builder::released`].
    pub(crate) released: Option<PathBuf>,
    /// Set with [`Builder::object_manager`].
    pub(crate) object_manager: bool,
    /// The overlays set with [`Builder::annotate`] and [`Builder::annotate_with`], in order.
    pub(crate) overlays: Vec<OverlaySource>,
}

/// Where an overlay comes from: a file read at generation, or one already read.
#[derive(Debug, Clone)]
pub(crate) enum OverlaySource {
    File(PathBuf),
    Read(crate::Overlay),
}

impl Builder {
    /// A generator with no default service, writing to `OUT_DIR`, quiet about Telepathy's
    /// documentation elements.
    pub fn new() -> Self {
        Self {
            service: None,
            object_path: None,
            quiet: vec![TELEPATHY.to_owned()],
            out_dir: None,
            default_impls: false,
            build_mock: false,
            build_server: true,
            build_client: true,
            interfaces: None,
            released: None,
            object_manager: false,
            overlays: Vec::new(),
        }
    }

    /// Lays the annotations of the overlay file at `path` over the interface file's elements
    /// for generation (see [`crate::Overlay`]): a vendor's file stays as it is, and so do
    /// `Introspect()`, `check` and `diff`. Call it again for more overlays; a later one wins.
    pub fn annotate(mut self, path: impl Into<PathBuf>) -> Self {
        self.overlays.push(OverlaySource::File(path.into()));
        self
    }

    /// Lays an overlay already read over the file's elements, as [`Builder::annotate`] does
    /// with a file: for an overlay held as text (`Overlay::parse("inline", XML)?`) or built
    /// by a tool. Overlays apply in the order they were given, whichever way.
    pub fn annotate_with(mut self, overlay: crate::Overlay) -> Self {
        self.overlays.push(OverlaySource::Read(overlay));
        self
    }

    /// The overlays given, read, in the order given.
    pub(crate) fn overlays(&self) -> Result<Vec<crate::Overlay>, Error> {
        self.overlays
            .iter()
            .map(|overlay| match overlay {
                OverlaySource::File(path) => crate::Overlay::read(path),
                OverlaySource::Read(overlay) => Ok(overlay.clone()),
            })
            .collect()
    }

    /// The Markdown reference of `document`, read from `path` (named in its heading), as
    /// `dbus-xml-codegen doc` writes it: every interface of the file, with the overlays'
    /// annotations and the Rust names and types that [`Builder::generate`] gives them.
    pub fn markdown_reference(&self, path: &Path, document: &Document) -> Result<String, Error> {
        let model = FileModel::build(path, document, &self.overlays()?, &[], |_| true)?;
        Ok(crate::reference::markdown(path, document, &model))
    }

    /// The folder of the file's released versions (`NAME-VERSION.xml` for `NAME.xml`, e.g.
    /// `interfaces/released`): each interface and member's rustdoc then says the version that
    /// added it ("Since 0.2.0.", or "Not yet released."), unless an `org.gtk.GDBus.Since`
    /// annotation says so already (that one is always shown).
    pub fn released(mut self, folder: impl Into<PathBuf>) -> Self {
        self.released = Some(folder.into());
        self
    }

    /// Reads the file at `xml_path`, with the versions of [`Builder::released`] in its docs.
    pub fn read(&self, xml_path: &Path) -> Result<Document, Error> {
        let mut document = Document::read(xml_path)?;
        if let Some(folder) = &self.released {
            document.document_since(&crate::Releases::read(folder, xml_path)?);
        }
        Ok(document)
    }

    /// The object path that generated proxies call by default and that the module names as
    /// `OBJECT_PATH`. Without it, the root `<node name>` of the file is used where it is a
    /// plausible path of the service: two elements or more, and where the service's name is
    /// known, its first two are the name's reverse domain (`/com/larry_price/test/RandomData`
    /// for `com.larry-price.test`). A specification's file often names a placeholder of its
    /// own, such as MPRIS's `/Media_Player`, which is not taken.
    pub fn object_path(mut self, path: impl Into<String>) -> Self {
        self.object_path = Some(path.into());
        self
    }

    /// The object path the module will name: [`Builder::object_path`], else the root
    /// `<node name>` of `document` where it is plausible for the service.
    pub(crate) fn chosen_object_path<'a>(&'a self, document: &'a Document) -> Option<&'a str> {
        self.object_path.as_deref().or_else(|| {
            document
                .object_path()
                .filter(|path| plausible_object_path(path, self.service.as_deref()))
        })
    }

    /// Leaves out of the build's warnings the ignored elements of the vocabulary whose
    /// namespace prefix is `prefix` (`"tp"` for `<tp:added>`): for a file whose extra markup
    /// you know. Telepathy's (`tp`) is quiet from [`Builder::new`]: its types are read, its
    /// documentation elements (`tp:added`, `tp:rationale`, …) have no use in code. Elements of
    /// every other vocabulary are warned about.
    pub fn quiet_vocabulary(mut self, prefix: impl Into<String>) -> Self {
        self.quiet.push(prefix.into());
        self
    }

    /// What this builder reports of `document`: what the parser ignored, but the elements of
    /// quiet vocabularies; and each type definition of the file that cannot be a Rust type
    /// (it is left out, and values of it are its plain type).
    pub fn reported_warnings(&self, document: &Document) -> Vec<Warning> {
        let ignored = document.warnings().iter().filter(|warning| {
            let prefix = warning.element.split_once(':').map(|(prefix, _)| prefix);
            !prefix.is_some_and(|prefix| self.quiet.iter().any(|q| q == prefix))
        });
        let no_interfaces = std::iter::empty::<&wire::Interface>();
        let left_out = crate::type_table::Table::build(&document.telepathy, &[], no_interfaces)
            .map(|table| table.left_out)
            .unwrap_or_default();
        let left_out = left_out.into_iter().map(|(def, why)| Warning {
            message: format!(
                "the Telepathy type `{}` is left out ({why}): values of it are its plain type",
                def.name
            ),
            location: def
                .location
                .unwrap_or_else(|| Location::file(Path::new(""))),
            element: def.name,
        });
        ignored.cloned().chain(left_out).collect()
    }

    /// The well-known bus name that generated proxies call by default.
    pub fn service(mut self, service: impl Into<String>) -> Self {
        self.service = Some(service.into());
        self
    }

    /// Whether every member of the generated traits has a default body, so that a service can
    /// implement a large interface one member at a time: methods and setters answer
    /// `org.freedesktop.DBus.Error.NotSupported`; getters answer their type's default value,
    /// as gdbus-codegen's skeletons do for a property nobody set (`v` and `h`, which have
    /// none, answer `NotSupported`), and say so once per property through `tracing`
    /// (`dbus_xml_runtime::notice`). Off by default: a member of the XML that the service
    /// does not implement is then a compile error that names it. With default bodies, the
    /// trait's `Error` must convert from `zbus::fdo::Error`.
    pub fn default_impls(mut self, default_impls: bool) -> Self {
        self.default_impls = default_impls;
        self
    }

    /// Whether each server module holds a typed mock too (off by default), for tests: `NameMock`
    /// implements the server trait, records every call and property set in order
    /// (`NameMockCall`, with its arguments), and answers what its `values` hold (a method's
    /// out-values, a property's value), else its types' defaults. Served with the adapter
    /// like any implementation. With the server side only.
    pub fn build_mock(mut self, build_mock: bool) -> Self {
        self.build_mock = build_mock;
        self
    }

    /// Whether to generate the server side (trait, adapter, call context, signal handle) of
    /// every interface; on by default.
    pub fn build_server(mut self, build_server: bool) -> Self {
        self.build_server = build_server;
        self
    }

    /// Whether to generate the client side (the proxy) of every interface; on by default.
    pub fn build_client(mut self, build_client: bool) -> Self {
        self.build_client = build_client;
        self
    }

    /// Whether to generate the module `object_manager` too (off by default), for services
    /// of many objects published with `org.freedesktop.DBus.ObjectManager`, like
    /// gdbus-codegen's `--c-generate-object-manager`. Server side: `Tree`, served at a path,
    /// to which `Object`s made of generated servers are added and removed (each announced
    /// in one `InterfacesAdded` or `InterfacesRemoved`), and `Tree::object_path`, which
    /// escapes any id into a path. Client side: `watch`, the objects of a remote tree as the
    /// generated proxies (the enum `Interface`) and a stream of its `Change`s.
    pub fn object_manager(mut self, object_manager: bool) -> Self {
        self.object_manager = object_manager;
        self
    }

    /// The client side alone, for a client of a service written elsewhere: the module then
    /// holds no server code. Short for `build_server(false).build_client(true)`.
    pub fn client_only(self) -> Self {
        self.build_server(false).build_client(true)
    }

    /// The server side alone. Short for `build_server(true).build_client(false)`.
    pub fn server_only(self) -> Self {
        self.build_server(true).build_client(false)
    }

    /// Generates these interfaces of the file alone, by their names on the bus; naming one the
    /// file lacks is an error. Without it, every interface of the file but the standard
    /// `org.freedesktop.DBus.{Introspectable, Peer, Properties, ObjectManager}`, which zbus
    /// serves and calls by itself (an introspected live object lists them); name one here to
    /// have it generated.
    pub fn interfaces<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.interfaces = Some(names.into_iter().map(Into::into).collect());
        self
    }

    /// Where [`Builder::compile`] writes; `OUT_DIR` by default.
    pub fn out_dir(mut self, out_dir: impl Into<PathBuf>) -> Self {
        self.out_dir = Some(out_dir.into());
        self
    }

    /// Generates the module for the XML file at `xml_path` into the output folder, as the file
    /// name with `.rs` in place of `.xml`, and tells Cargo to rerun when the XML changes. What
    /// the XML parser ignored reaches the build as `cargo:warning=` lines. The file is
    /// rewritten only when its contents change. Returns the path written.
    pub fn compile(&self, xml_path: impl AsRef<Path>) -> Result<PathBuf, Error> {
        let xml_path = xml_path.as_ref();
        let document = self.load(xml_path)?;
        let code = self.generate_items(xml_path, &document)?.code;
        let file_name = xml_path.with_extension("rs");
        let file_name = file_name.file_name().expect("a file path has a name");
        self.write(Path::new(file_name), &code)
    }

    /// Reads the file at `xml_path` for [`Builder::compile`] and its kin, telling Cargo to
    /// rerun when it (or a released version, or an overlay) changes, and passing on what the
    /// parser ignored as `cargo:warning=` lines.
    pub(crate) fn load(&self, xml_path: &Path) -> Result<Document, Error> {
        println!("cargo:rerun-if-changed={}", xml_path.display());
        if let Some(folder) = &self.released {
            println!("cargo:rerun-if-changed={}", folder.display());
        }
        for overlay in &self.overlays {
            if let OverlaySource::File(path) = overlay {
                println!("cargo:rerun-if-changed={}", path.display());
            }
        }
        let document = self.read(xml_path)?;
        for warning in self.reported_warnings(&document) {
            println!("cargo:warning={warning}");
        }
        if let Some(warning) = self.no_object_path_warning(xml_path, &document) {
            println!("cargo:warning={warning}");
        }
        Ok(document)
    }

    /// Why the module for `document` names no `OBJECT_PATH`, where it names none and the file
    /// did not say so: a root `<node>` without a name (most specifications, every captured
    /// file) or with one that is no plausible path of the service. `<node name="/">` says
    /// that the file's objects have no fixed path (NetworkManager's and ModemManager's files:
    /// one interface a file, served at many paths), and gets no warning.
    pub(crate) fn no_object_path_warning(
        &self,
        path: &Path,
        document: &Document,
    ) -> Option<String> {
        if self.chosen_object_path(document).is_some() {
            return None;
        }
        let root = match document.object_path() {
            Some("/") => return None,
            Some(named) => format!(
                "the root <node name=\"{named}\"> is not a plausible object path of the service"
            ),
            None => "the root <node> names no path".to_owned(),
        };
        Some(format!(
            "{}: {root}, so the module names no OBJECT_PATH; give one with \
             Builder::object_path(\"/your/object\") (or `<node name=\"/\">` for a file whose \
             objects have no fixed path)",
            path.display()
        ))
    }

    /// Writes `code` as `file_name` in the output folder, if it changed; returns its path.
    pub(crate) fn write(&self, file_name: &Path, code: &str) -> Result<PathBuf, Error> {
        let out_dir = self
            .out_dir
            .clone()
            .or_else(|| std::env::var_os("OUT_DIR").map(PathBuf::from))
            .expect("OUT_DIR is set when run from build.rs; otherwise call Builder::out_dir");
        let out_path = out_dir.join(file_name);
        write_if_changed(&out_path, code)?;
        Ok(out_path)
    }
}

/// Whether `path` (a root `<node name>`) looks like an object path the service serves, not
/// a placeholder of a specification: it has two elements or more, and where the service's
/// bus name is known, its first two are the name's first two (its reverse domain, `-` read as
/// `_`): `/com/larry_price/test/RandomData` for `com.larry-price.test`, `/org/example/Counter`
/// for `org.example.Service`, but not `/Media_Player` for `org.mpris.MediaPlayer2.vlc`.
pub(crate) fn plausible_object_path(path: &str, service: Option<&str>) -> bool {
    let elements: Vec<&str> = path.split('/').filter(|e| !e.is_empty()).collect();
    if elements.len() < 2 {
        return false;
    }
    service.is_none_or(|service| {
        let domain: Vec<String> = service
            .split('.')
            .take(2)
            .map(|e| e.replace('-', "_"))
            .collect();
        domain.len() == 2 && domain.iter().zip(&elements).all(|(d, e)| d == e)
    })
}

/// Writes `contents` to `path` unless the file holds them already, so that an unchanged
/// module does not make Cargo rebuild what includes it.
fn write_if_changed(path: &Path, contents: &str) -> Result<(), Error> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == contents) {
        return Ok(());
    }
    std::fs::write(path, contents).map_err(|source| Error::Write {
        path: path.to_owned(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_and_generate_show_the_types_an_overlay_gives() {
        let xml = r#"<node><interface name="a.b.C">
            <property name="Level" type="u" access="read"/></interface></node>"#;
        let overlay = crate::Overlay::parse(
            "levels.xml",
            r#"<node><interface name="a.b.C"><property name="Level">
                 <annotation name="rs.dbus_xml_codegen.Enum" value="Level: Low High"/>
               </property></interface></node>"#,
        )
        .expect("an overlay");
        let document = Document::parse("c.xml", xml).expect("parses");
        let path = Path::new("c.xml");
        for (builder, ty) in [
            (Builder::new(), "u32"),
            (Builder::new().annotate_with(overlay), "types::Level"),
        ] {
            let doc = builder.markdown_reference(path, &document).unwrap();
            let code = builder.generate(path, xml).unwrap();
            assert!(doc.contains(&format!("`{ty}`")), "doc shows `{ty}`:\n{doc}");
            let rust = ty.replace("types::", "super::types::");
            for line in [
                format!("fn level(&self) -> zbus::Result<{rust}>;"),
                format!("async fn level(&self) -> Result<{rust}, T::Error>"),
            ] {
                assert!(code.contains(&line), "the code has `{line}`:\n{code}");
            }
        }
    }

    #[test]
    fn an_overlay_held_as_text_applies_as_a_file_does() {
        let xml = r#"<node><interface name="a.b.C">
            <method name="Old"/><method name="New"/></interface></node>"#;
        let deprecate = |member: &str| {
            let text = format!(
                r#"<node><interface name="a.b.C"><method name="{member}">
                   <annotation name="org.freedesktop.DBus.Deprecated" value="true"/>
                   </method></interface></node>"#
            );
            crate::Overlay::parse("inline.xml", &text).expect("an overlay")
        };
        let plain = Builder::new().generate(Path::new("f.xml"), xml).unwrap();
        let code = Builder::new()
            .annotate_with(deprecate("Old"))
            .generate(Path::new("f.xml"), xml)
            .unwrap();
        let deprecated = |code: &str| code.matches("#[deprecated").count();
        assert_eq!(deprecated(&plain), 0, "{plain}");
        assert!(deprecated(&code) > 0, "{code}");
        let missing = Builder::new()
            .annotate_with(deprecate("Gone"))
            .generate(Path::new("f.xml"), xml)
            .unwrap_err()
            .to_string();
        assert!(
            missing.contains("Gone") && missing.contains("inline.xml"),
            "{missing}"
        );
    }

    #[test]
    fn a_module_without_object_path_says_why_unless_the_file_says_so() {
        let warning = |xml: &str, builder: Builder| {
            let document = Document::parse(Path::new("f.xml"), xml).expect("parses");
            builder.no_object_path_warning(Path::new("f.xml"), &document)
        };
        let bare = "<node><interface name=\"a.b.C\"/></node>";
        let said = warning(bare, Builder::new()).expect("a bare root warns");
        assert!(
            said.contains("names no path") && said.contains("Builder::object_path"),
            "{said}"
        );
        assert_eq!(warning(bare, Builder::new().object_path("/a/b")), None);
        let placeholder = "<node name=\"/Media_Player\"><interface name=\"a.b.C\"/></node>";
        let said = warning(placeholder, Builder::new()).expect("a placeholder warns");
        assert!(said.contains("/Media_Player"), "{said}");
        let anywhere = "<node name=\"/\"><interface name=\"a.b.C\"/></node>";
        assert_eq!(warning(anywhere, Builder::new()), None);
    }

    #[test]
    fn a_node_name_is_an_object_path_where_it_is_plausible_for_the_service() {
        let service = Some("com.larry-price.test");
        assert!(plausible_object_path(
            "/com/larry_price/test/RandomData",
            service
        ));
        assert!(plausible_object_path(
            "/org/example/Counter",
            Some("org.example.Service")
        ));
        assert!(plausible_object_path("/org/example/Counter", None));
        assert!(!plausible_object_path("/Media_Player", None));
        assert!(!plausible_object_path(
            "/org/freedesktop/Media",
            Some("org.mpris.MediaPlayer2.vlc")
        ));
        assert!(!plausible_object_path("/", None));
    }
}
