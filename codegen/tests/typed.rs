//! Typed values end to end over a private bus (fixtures/org.example.Jukebox.xml, with the
//! overlay in fixtures/overlays/): Telepathy's enums, flags, structs and mappings, this
//! toolkit's own `Enum`/`Struct`/`Type` annotations and GLib bytestrings become Rust types
//! on both sides, and the wire stays the file's: the generated proxy and `gdbus call` (GLib's
//! own reading of each signature) talk to the generated server alike. A value the enum does
//! not know arrives as `Unknown(raw)` and goes back as it came, or, where the service asks
//! with `known()`, is refused with `InvalidArgs` naming it; flags keep unknown bits. The
//! overlay's `EmitsChangedSignal` takes effect: a change is announced by name alone.

mod support;

use std::path::Path;
use std::process::Command;

use dbus_xml_codegen::Builder;
use support::{GeneratedCrate, printed};

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/org.example.Jukebox.xml"
);
const OVERLAY: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/overlays/org.example.Jukebox.xml"
);

const MAIN: &str = r#"mod api {
    include!("api.rs");
}

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use api::jukebox_client::JukeboxProxy;
use api::jukebox_server::{Jukebox, JukeboxCall, JukeboxServer};
use api::types::{Bytestring, LoopStatus, PlaybackStatus, Position, Quality, Repeat, Track, TrackFlags};
use futures_util::StreamExt;
use zbus::fdo;

#[derive(Default)]
struct Service {
    quality: Mutex<Quality>,
    repeat: Mutex<Repeat>,
    loop_status: Mutex<LoopStatus>,
    library: Mutex<HashMap<String, Track>>,
}

impl Jukebox for Service {
    type Error = fdo::Error;

    async fn play(&self, track: Track, call: &JukeboxCall<'_>) -> fdo::Result<PlaybackStatus> {
        call.signals().track_changed(&track, &PlaybackStatus::Playing).await?;
        self.library.lock().unwrap().insert(track.title.clone(), track);
        Ok(PlaybackStatus::Playing)
    }

    async fn queue(&self, tracks: Vec<Track>, _call: &JukeboxCall<'_>) -> fdo::Result<HashMap<String, Vec<Track>>> {
        let mut by_quality: HashMap<String, Vec<Track>> = HashMap::new();
        for track in tracks {
            by_quality.entry(format!("{:?}", track.quality)).or_default().push(track);
        }
        Ok(by_quality)
    }

    async fn rate(&self, title: String, quality: Quality, _call: &JukeboxCall<'_>) -> fdo::Result<HashMap<String, Quality>> {
        // Known or not, the value goes back as it came.
        Ok(HashMap::from([(title, quality)]))
    }

    async fn set_quality(&self, quality: Quality, _call: &JukeboxCall<'_>) -> fdo::Result<()> {
        // Only a quality this jukebox knows.
        *self.quality.lock().unwrap() = quality.known()?;
        Ok(())
    }

    async fn mark(&self, _title: String, flags: TrackFlags, _call: &JukeboxCall<'_>) -> fdo::Result<TrackFlags> {
        Ok(flags)
    }

    async fn mount(&self, device: Bytestring, _call: &JukeboxCall<'_>) -> fdo::Result<String> {
        Ok(device.as_path().display().to_string())
    }

    async fn playback_status(&self) -> fdo::Result<PlaybackStatus> {
        Ok(PlaybackStatus::Paused)
    }

    async fn quality(&self) -> fdo::Result<Quality> {
        Ok(*self.quality.lock().unwrap())
    }

    async fn set_quality_property(&self, value: Quality, _call: &JukeboxCall<'_>) -> fdo::Result<()> {
        *self.quality.lock().unwrap() = value.known()?;
        Ok(())
    }

    async fn library(&self) -> fdo::Result<HashMap<String, Track>> {
        Ok(self.library.lock().unwrap().clone())
    }

    async fn repeat(&self) -> fdo::Result<Repeat> {
        Ok(*self.repeat.lock().unwrap())
    }

    async fn set_repeat(&self, value: Repeat, _call: &JukeboxCall<'_>) -> fdo::Result<()> {
        *self.repeat.lock().unwrap() = value;
        Ok(())
    }

    async fn position(&self) -> fdo::Result<Position> {
        Ok(Position { elapsed: 61_000_000, length: 200_000_000 })
    }

    async fn loop_status(&self) -> fdo::Result<LoopStatus> {
        Ok(self.loop_status.lock().unwrap().clone())
    }

    async fn set_loop_status(&self, value: LoopStatus, _call: &JukeboxCall<'_>) -> fdo::Result<()> {
        *self.loop_status.lock().unwrap() = value;
        Ok(())
    }

    async fn device(&self) -> fdo::Result<Bytestring> {
        Ok(Bytestring::from("/dev/sda"))
    }

    async fn symlinks(&self) -> fdo::Result<Vec<Bytestring>> {
        Ok(vec!["/dev/disk/by-id/ata-1".into(), "/dev/disk/by-label/Music".into()])
    }

    async fn fingerprint(&self) -> fdo::Result<Vec<u8>> {
        Ok(vec![0xca, 0xfe, 0])
    }
}

async fn client(address: &str) -> zbus::Result<()> {
    let connection = zbus::connection::Builder::address(address).build().await?;
    // Uncached: a property read right after its set asks the service, rather than the cache,
    // which follows PropertiesChanged and may not have it yet.
    let jukebox = JukeboxProxy::builder(&connection)
        .cache_properties(zbus::proxy::CacheProperties::No)
        .build()
        .await?;
    let mut changes = jukebox.receive_track_changed().await?;
    let track = Track { title: "Song".into(), quality: Quality::Lossless, flags: TrackFlags::LIVE | TrackFlags::FAVOURITE };
    println!("play {:?}", jukebox.play(&track).await?);
    let signal = tokio::time::timeout(Duration::from_secs(10), changes.next())
        .await
        .expect("TrackChanged within 10 s of Play, which emits it")
        .expect("the signal stream");
    let args = signal.args()?;
    println!("signal {:?} {:?}", args.track(), args.status());
    let queued = jukebox
        .queue(&[track.clone(), Track { title: "Demo".into(), quality: Quality::Low, flags: TrackFlags::empty() }])
        .await?;
    let mut queued: Vec<_> = queued.into_iter().collect();
    queued.sort_by(|a, b| a.0.cmp(&b.0));
    println!("queue {queued:?}");
    println!("rate {:?}", jukebox.rate("Song", Quality::Unknown(9)).await?);
    println!("set quality 9: {}", jukebox.set_quality(Quality::Unknown(9)).await.unwrap_err());
    jukebox.set_quality(Quality::High).await?;
    println!("quality {:?}", jukebox.quality().await?);
    let marked = jukebox.mark("Song", TrackFlags::EXPLICIT | TrackFlags(0x100)).await?;
    println!("mark {marked:?} explicit {} unknown {:#x}", marked.contains(TrackFlags::EXPLICIT), marked.unknown_bits());
    println!("mount {}", jukebox.mount(&Bytestring::from("/dev/sdb")).await?);
    // Owned text and paths convert too.
    assert_eq!(Bytestring::from(String::from("/dev/sdb")), Bytestring::from("/dev/sdb"));
    let path = std::path::PathBuf::from("/dev/sdb");
    assert_eq!(Bytestring::from(path.clone()), Bytestring::from(path.as_path()));
    println!("status {:?}", jukebox.playback_status().await?);
    println!("library {:?}", jukebox.library().await?);
    jukebox.set_repeat(Repeat::All).await?;
    println!("repeat {:?}", jukebox.repeat().await?);
    println!("position {:?}", jukebox.position().await?);
    // The overlay's EmitsChangedSignal: the change is announced by name, without its value.
    let properties = fdo::PropertiesProxy::builder(&connection)
        .destination("org.example.Jukebox")
        .path("/org/example/Jukebox")
        .build()
        .await?;
    let mut announced = properties.receive_properties_changed().await?;
    jukebox.set_loop_status(&LoopStatus::Playlist).await?;
    println!("loop {:?}", jukebox.loop_status().await?);
    let change = tokio::time::timeout(Duration::from_secs(10), announced.next())
        .await
        .expect("PropertiesChanged within 10 s of setting LoopStatus")
        .expect("the signal stream");
    let args = change.args()?;
    let values: Vec<&str> = args.changed_properties().keys().copied().collect();
    println!("announced values {values:?} names {:?}", args.invalidated_properties());
    let device = jukebox.device().await?;
    println!("device {} {:?}", device.as_path().display(), device.as_bytes());
    let links: Vec<String> = jukebox.symlinks().await?.iter().map(|l| l.to_str().unwrap_or("?").to_owned()).collect();
    println!("symlinks {links:?}");
    println!("fingerprint {:?}", jukebox.fingerprint().await?);
    Ok(())
}

#[tokio::main]
async fn main() -> zbus::Result<()> {
    let mut args = std::env::args().skip(1);
    let address = args.next().expect("a bus address");
    if args.next().as_deref() == Some("client") {
        return client(&address).await;
    }
    let _service = zbus::connection::Builder::address(address.as_str())
        .name("org.example.Jukebox")
        .serve_at("/org/example/Jukebox", JukeboxServer::new(Service::default()))
        .build()
        .await?;
    println!("ready");
    std::future::pending::<()>().await;
    Ok(())
}
"#;

/// `gdbus call` (or another gdbus command) on the jukebox: its stdout, or its stderr where
/// it fails.
fn gdbus(bus: &test_bus::PrivateBus, command: &str, args: &[&str]) -> String {
    let output = Command::new("gdbus")
        .args([command, "--address", bus.address()])
        .args([
            "--dest",
            "org.example.Jukebox",
            "--object-path",
            "/org/example/Jukebox",
        ])
        .args(args)
        .output()
        .expect("gdbus runs");
    let text = if output.status.success() {
        output.stdout
    } else {
        output.stderr
    };
    String::from_utf8_lossy(&text).trim().to_owned()
}

fn method(bus: &test_bus::PrivateBus, name: &str, args: &[&str]) -> String {
    let method = format!("org.example.Jukebox.{name}");
    let mut all = vec!["--method", method.as_str()];
    all.extend(args);
    gdbus(bus, "call", &all)
}

fn property(bus: &test_bus::PrivateBus, name: &str) -> String {
    method_on_properties(bus, "Get", &[name])
}

fn method_on_properties(bus: &test_bus::PrivateBus, name: &str, args: &[&str]) -> String {
    let method = format!("org.freedesktop.DBus.Properties.{name}");
    let mut all = vec!["--method", method.as_str(), "org.example.Jukebox"];
    all.extend(args);
    gdbus(bus, "call", &all)
}

#[test]
fn typed_values_round_trip_between_the_generated_server_the_proxy_and_gdbus() {
    let code = Builder::new()
        .annotate(OVERLAY)
        .generate_file(Path::new(FIXTURE))
        .expect("the fixture generates");
    let krate = GeneratedCrate::new("typed_values");
    krate.build_program(&code, MAIN);
    let bus = test_bus::PrivateBus::open(None).expect("a private dbus-daemon");
    let _served = krate.serve("typed_values", &bus, &[]);

    let client = Command::new(krate.binary("typed_values"))
        .args([bus.address(), "client"])
        .output()
        .expect("the client runs");
    assert!(client.status.success(), "{}", printed(&client));
    let song = "Track { title: \"Song\", quality: Lossless, flags: TrackFlags(LIVE | FAVOURITE) }";
    let demo = "Track { title: \"Demo\", quality: Low, flags: TrackFlags(0x0) }";
    let expected = [
        "play Playing".to_owned(),
        format!("signal {song} Playing"),
        format!("queue [(\"Lossless\", [{song}]), (\"Low\", [{demo}])]"),
        "rate {\"Song\": Unknown(9)}".to_owned(),
        "set quality 9: org.freedesktop.DBus.Error.InvalidArgs: 9 is not a value of Quality (it \
         has: 0 (Low), 1 (High), 2 (Lossless))"
            .to_owned(),
        "quality High".to_owned(),
        "mark TrackFlags(EXPLICIT | 0x100) explicit true unknown 0x100".to_owned(),
        "mount /dev/sdb".to_owned(),
        "status Paused".to_owned(),
        format!("library {{\"Song\": {song}}}"),
        "repeat All".to_owned(),
        "position Position { elapsed: 61000000, length: 200000000 }".to_owned(),
        "loop Playlist".to_owned(),
        "announced values [] names [\"LoopStatus\"]".to_owned(),
        "device /dev/sda [47, 100, 101, 118, 47, 115, 100, 97]".to_owned(),
        "symlinks [\"/dev/disk/by-id/ata-1\", \"/dev/disk/by-label/Music\"]".to_owned(),
        "fingerprint [202, 254, 0]".to_owned(),
    ];
    assert_eq!(
        String::from_utf8_lossy(&client.stdout)
            .lines()
            .collect::<Vec<_>>(),
        expected,
        "{}",
        printed(&client)
    );

    // GLib reads and writes the same wire: named types are their signatures.
    assert_eq!(
        method(&bus, "Play", &["('Gig', 1, 3)"]),
        "('Playing',)",
        "a struct of GLib's in, a string enum out"
    );
    assert_eq!(
        method(&bus, "Queue", &["[('Gig', 1, 3)]"]),
        "({'High': [('Gig', uint32 1, uint32 3)]},)"
    );
    // GLib names the type of the first entry alone, and a hash map's order is its own.
    let library = property(&bus, "Library").replace("uint32 ", "");
    for entry in ["'Song': ('Song', 2, 6)", "'Gig': ('Gig', 1, 3)"] {
        assert!(library.contains(entry), "no {entry} in {library}");
    }
    // An integer the enum does not name: kept and answered as it came.
    assert_eq!(
        method(&bus, "Rate", &["Song", "7"]),
        "({'Song': uint32 7},)"
    );
    // …or refused by name where the service takes only what it knows; it goes on serving.
    let refused = method(&bus, "SetQuality", &["7"]);
    assert!(
        refused.contains(
            "org.freedesktop.DBus.Error.InvalidArgs: 7 is not a value of Quality (it has: 0 \
             (Low), 1 (High), 2 (Lossless))"
        ),
        "{refused}"
    );
    let refused = method_on_properties(&bus, "Set", &["Quality", "<uint32 7>"]);
    assert!(refused.contains("InvalidArgs"), "{refused}");
    assert_eq!(property(&bus, "Quality"), "(<uint32 1>,)");
    // A string the enum does not name is kept too, and read back as it was set.
    method_on_properties(&bus, "Set", &["LoopStatus", "<'Shuffle'>"]);
    assert_eq!(property(&bus, "LoopStatus"), "(<'Shuffle'>,)");
    // Flags keep bits that the file does not name.
    assert_eq!(method(&bus, "Mark", &["Song", "0x11"]), "(uint32 17,)");
    // Bytestrings end in a NUL on the wire, as GLib writes and reads them: `b'…'`.
    assert_eq!(property(&bus, "Device"), "(<b'/dev/sda'>,)");
    assert_eq!(
        property(&bus, "Symlinks"),
        "(<[b'/dev/disk/by-id/ata-1', b'/dev/disk/by-label/Music']>,)"
    );
    assert_eq!(method(&bus, "Mount", &["b'/dev/sdc'"]), "('/dev/sdc',)");
    // Raw bytes marked as GDBus marks them stay raw: ca fe 00 is sent as it is (GLib prints
    // bytes with one NUL at the end as a bytestring; an added NUL would print as an array).
    assert_eq!(property(&bus, "Fingerprint"), r"(<b'\312\376'>,)");
    assert_eq!(
        property(&bus, "Position"),
        "(<(int64 61000000, int64 200000000)>,)"
    );
    assert_eq!(property(&bus, "Repeat"), "(<uint32 2>,)");
    assert_eq!(property(&bus, "PlaybackStatus"), "(<'Paused'>,)");

    // The typed server is the file on the wire: the contract check finds no difference.
    let check = Command::new(env!("CARGO_BIN_EXE_dbus-xml-codegen"))
        .args([
            "check",
            FIXTURE,
            "--strict",
            "--dest",
            "org.example.Jukebox",
        ])
        .args(["--path", "/org/example/Jukebox", "--address", bus.address()])
        .output()
        .expect("dbus-xml-codegen runs");
    assert!(check.status.success(), "{}", printed(&check));
    assert!(
        String::from_utf8_lossy(&check.stdout).contains("0 breaking, 0 compatible"),
        "{}",
        printed(&check)
    );
}
