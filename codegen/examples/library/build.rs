//! Generates the library's interfaces, with the module `object_manager` for its tree.

fn main() {
    let generated = dbus_xml_codegen::Builder::new()
        .service("org.example.Library1")
        .object_manager(true)
        .compile("interfaces/org.example.Library1.xml");
    if let Err(error) = generated {
        eprintln!("error: {error}");
        std::process::exit(1);
    }
}
