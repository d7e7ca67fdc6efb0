//! Generates the player's two interfaces, one module each, from the files in `interfaces/`.
//! One builder serves both: each module names the same `SERVICE_NAME` and `OBJECT_PATH`.

fn main() {
    let builder = dbus_xml_codegen::Builder::new()
        .service("org.mpris.MediaPlayer2.codegen_example")
        // MPRIS fixes the path; the files say nothing of it.
        .object_path("/org/mpris/MediaPlayer2");
    for file in [
        "interfaces/org.mpris.MediaPlayer2.xml",
        "interfaces/org.mpris.MediaPlayer2.Player.xml",
    ] {
        if let Err(error) = builder.compile(file) {
            eprintln!("error: {error}");
            std::process::exit(1);
        }
    }
}
