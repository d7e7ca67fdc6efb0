//! The generated adapter implements `zbus::object_server::Interface` by forwarding every
//! method to zbus's own `#[interface]` code but the introspection. zbus documents that trait as
//! unstable across minor versions: this test reads the trait in the zbus that the workspace
//! builds against and fails, naming the methods, when its methods are not exactly those the
//! adapter implements. (A new method with a default body would otherwise be skipped silently.)

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use dbus_xml_codegen::Builder;

/// The source folder of the zbus that this workspace builds against.
fn zbus_source() -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    // This machine's packages only, so that nothing needs downloading.
    let rustc = Command::new("rustc")
        .arg("-vV")
        .output()
        .expect("rustc runs");
    let host = String::from_utf8_lossy(&rustc.stdout)
        .lines()
        .find_map(|line| line.strip_prefix("host: ").map(str::to_owned))
        .expect("rustc names its host");
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--offline"])
        .args(["--filter-platform", &host])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let zbus = metadata["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .find(|p| p["name"] == "zbus")
        .expect("zbus among the packages");
    let manifest = zbus["manifest_path"].as_str().expect("a manifest path");
    eprintln!("zbus {} at {manifest}", zbus["version"]);
    Path::new(manifest).parent().unwrap().to_owned()
}

/// The names of the `fn`s in the block that starts at the first line containing `opening`.
fn functions_in_block(source: &str, opening: &str) -> BTreeSet<String> {
    let start = source
        .find(opening)
        .unwrap_or_else(|| panic!("no `{opening}`"));
    let mut depth = 0i32;
    let mut names = BTreeSet::new();
    for line in source[start..].lines() {
        let trimmed = line.trim_start();
        let declaration = trimmed
            .strip_prefix("async fn ")
            .or_else(|| trimmed.strip_prefix("fn "));
        if depth == 1
            && let Some(rest) = declaration
        {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            names.insert(name);
        }
        depth += line.matches('{').count() as i32 - line.matches('}').count() as i32;
        if depth == 0 && line.contains('}') {
            break;
        }
    }
    names
}

#[test]
fn the_adapter_implements_exactly_the_methods_of_zbus_interface_trait() {
    let trait_source =
        std::fs::read_to_string(zbus_source().join("src/object_server/interface/mod.rs"))
            .expect("zbus's Interface trait source");
    let in_zbus = functions_in_block(&trait_source, "pub trait Interface:");

    let generated = Builder::new()
        .generate_file(Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/org.example.Counter.xml"
        )))
        .expect("the fixture generates");
    let in_adapter = functions_in_block(
        &generated,
        "zbus::object_server::Interface for CounterServer<T>",
    );

    assert!(in_zbus.contains("introspect_to_writer"), "{in_zbus:?}");
    assert_eq!(
        in_adapter, in_zbus,
        "zbus's Interface trait changed: the generated adapter (server.rs, interface_impl) must \
         forward exactly its methods"
    );
}
