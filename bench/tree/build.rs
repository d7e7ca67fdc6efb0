//! Generates the library example's interfaces, with the module `object_manager`.

fn main() {
    let generated = dbus_xml_codegen::Builder::new()
        .object_manager(true)
        .compile("../../codegen/examples/library/interfaces/org.example.Library1.xml");
    if let Err(error) = generated {
        eprintln!("error: {error}");
        std::process::exit(1);
    }
    println!("cargo::rerun-if-changed=../../codegen/examples/library/interfaces");
}
