//! Generates the player's two interfaces, one module each, from the files in `interfaces/`.
//! One builder serves both: each module names the same `SERVICE_NAME` and `OBJECT_PATH`. The
//! player's file gets the overlay in `interfaces/overlays/` on top (`PlaybackStatus` as an
//! enum), which leaves the file itself as MPRIS has it.

fn main() {
    let builder = dbus_xml_codegen::Builder::new()
        .service("org.mpris.MediaPlayer2.codegen_example")
        // MPRIS fixes the path; the files say nothing of it.
        .object_path("/org/mpris/MediaPlayer2");
    let player = builder
        .clone()
        .annotate("interfaces/overlays/org.mpris.MediaPlayer2.Player.xml");
    for (builder, file) in [
        (builder, "interfaces/org.mpris.MediaPlayer2.xml"),
        (player, "interfaces/org.mpris.MediaPlayer2.Player.xml"),
    ] {
        if let Err(error) = builder.compile(file) {
            eprintln!("error: {error}");
            std::process::exit(1);
        }
    }
}
