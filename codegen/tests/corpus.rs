//! Real-world interface files and the fixtures: every one generates, or is refused with a
//! located error, and all that generate compile under `clippy -D warnings` in one crate that
//! depends on zbus alone (tokio and futures-util only to run things).
//!
//! The corpus is `/usr/share/dbus-1/interfaces` plus the folders in `DBUS_XML_CORPUS`
//! (colon-separated); `.ci/run` fills one from Debian packages (`scripts/fetch-corpus`).

mod support;

use std::path::PathBuf;

use dbus_xml_codegen::{Builder, Error};
use support::{GeneratedCrate, printed};

/// Files that are not well-formed XML upstream, and must be refused, not generated.
const KNOWN_MALFORMED: &[(&str, &str)] = &[(
    "net.reactivated.Fprint.Device.xml",
    "uses the entity &FINGER_ALREADY_ENROLLED; that its DOCTYPE does not declare",
)];

/// Fewer files than this in `DBUS_XML_CORPUS` means the corpus was not fetched.
const FETCHED_CORPUS_MINIMUM: usize = 100;

fn xml_files_in(dir: &std::path::Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .map(|entry| entry.expect("a folder entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "xml"))
        .collect()
}

fn corpus() -> Vec<PathBuf> {
    let mut files = xml_files_in("/usr/share/dbus-1/interfaces".as_ref());
    if let Ok(dirs) = std::env::var("DBUS_XML_CORPUS") {
        let fetched: Vec<PathBuf> = std::env::split_paths(&dirs)
            .flat_map(|dir| xml_files_in(&dir))
            .collect();
        assert!(
            fetched.len() >= FETCHED_CORPUS_MINIMUM,
            "DBUS_XML_CORPUS={dirs} holds {} files; was it fetched?",
            fetched.len()
        );
        files.extend(fetched);
    }
    files.sort_by_key(|path| path.file_name().map(|n| n.to_owned()));
    files.dedup_by_key(|path| path.file_name().map(|n| n.to_owned()));
    files
}

#[test]
fn real_world_interfaces_generate_and_compile_without_warnings() {
    let files = corpus();
    assert!(!files.is_empty(), "no interface files at all");
    let krate = GeneratedCrate::new("corpus");
    let mut lib = String::new();
    let mut refused = Vec::new();
    // The fixtures add what the corpus lacks: wide structs, Telepathy types, Qt and GDBus
    // annotations, deep nesting, clashing names, an empty interface.
    let fixtures = xml_files_in(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures").as_ref());
    assert!(fixtures.len() >= 6, "{fixtures:?}");
    for (index, file) in files.iter().chain(&fixtures).enumerate() {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        match Builder::new().generate_file(file) {
            Ok(code) => {
                krate.write(&format!("src/m{index}.rs"), &code);
                lib.push_str(&format!(
                    "/// `{name}`\npub mod m{index} {{\n    include!(\"m{index}.rs\");\n}}\n"
                ));
            }
            Err(error) => refused.push((name, error)),
        }
    }
    eprintln!(
        "corpus: {} files, {} generated, {} refused",
        files.len(),
        files.len() - refused.len(),
        refused.len()
    );
    for (name, error) in &refused {
        eprintln!("refused {name}: {error}");
        let known = KNOWN_MALFORMED.iter().any(|(known, _)| known == name);
        assert!(known, "{name} was refused: {error}");
        match error {
            Error::Xml { location, .. } => assert!(location.line_column.is_some(), "{error}"),
            other => panic!("{name}: expected a located XML error, got {other}"),
        }
    }

    krate.write("src/lib.rs", &lib);
    let output = krate.cargo("clippy", &["--quiet", "--", "-D", "warnings"]);
    assert!(output.status.success(), "{}", printed(&output));
}
