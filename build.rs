//! Generates the server trait and client proxy from the interface XML into `OUT_DIR`.

fn main() {
    let generated = dbus_xml_codegen::Builder::new()
        .service("com.larry-price.test")
        // Each member's rustdoc says the release that added it.
        .released("interfaces/released")
        .compile("interfaces/com.larry_price.test.RandomData.xml");
    if let Err(error) = generated {
        eprintln!("error: {error}");
        std::process::exit(1);
    }
}
