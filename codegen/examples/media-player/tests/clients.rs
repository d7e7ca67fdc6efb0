//! The example player, served on a private bus and driven by clients nobody here wrote:
//! `busctl` (sd-bus), `gdbus` (GDBus), Qt's `qdbus`, and `playerctl` (the MPRIS world's own
//! tool), while `dbus-monitor` watches what it announces.

use std::process::{Child, Command, Output, Stdio};
use std::time::Instant;

use test_bus::{Lines, PrivateBus, WAIT};

const NAME: &str = "org.mpris.MediaPlayer2.codegen_example";
const PATH: &str = "/org/mpris/MediaPlayer2";
const PLAYER: &str = "org.mpris.MediaPlayer2.Player";
/// Where Debian's qdbus-qt6 puts Qt's `qdbus` (off PATH).
const QDBUS: &str = "/usr/lib/qt6/bin/qdbus";

/// The example player, serving on a private bus of its own; killed when dropped.
struct Running {
    bus: PrivateBus,
    player: Child,
}

impl Running {
    fn start() -> Self {
        let bus = PrivateBus::open(None).expect("a private dbus-daemon");
        let mut player = Command::new(env!("CARGO_BIN_EXE_media-player-example"))
            .args(["--address", bus.address()])
            .stdout(Stdio::piped())
            .spawn()
            .expect("the example player starts");
        let lines = Lines::of(player.stdout.take().expect("piped stdout"));
        let first = lines.next_before(Instant::now() + WAIT);
        assert_eq!(
            first.as_deref(),
            Some(format!("serving {NAME} at {PATH}").as_str()),
            "the player prints that it serves once it owns its name; it did not within {WAIT:?} \
             (its stderr says why, e.g. the name was taken)"
        );
        Self { bus, player }
    }

    /// Runs `program` with `args` against the private bus (as its session bus), bounded by
    /// `timeout`.
    fn output(&self, program: &str, args: &[&str]) -> Output {
        let output = Command::new("timeout")
            .arg(WAIT.as_secs().to_string())
            .arg(program)
            .args(args)
            .env("DBUS_SESSION_BUS_ADDRESS", self.bus.address())
            .output()
            .unwrap_or_else(|e| panic!("{program} runs: {e}"));
        assert_ne!(
            output.status.code(),
            Some(124),
            "{program} {args:?} did not finish within {WAIT:?}: the player or the bus stopped answering"
        );
        output
    }

    /// What `program` printed, having succeeded.
    fn run(&self, program: &str, args: &[&str]) -> String {
        let output = self.output(program, args);
        assert!(
            output.status.success(),
            "{program} {args:?} failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("UTF-8 output")
    }

    fn busctl(&self, args: &[&str]) -> String {
        let address = format!("--address={}", self.bus.address());
        self.run("busctl", &[&[address.as_str()], args].concat())
    }

    fn gdbus_call(&self, method: &str, args: &[&str]) -> Output {
        let base = ["call", "--address", self.bus.address(), "--dest", NAME];
        let target = ["--object-path", PATH, "--method", method];
        self.output("gdbus", &[&base[..], &target, args].concat())
    }

    /// A property of the player interface, as gdbus prints it.
    fn gdbus_get(&self, property: &str) -> String {
        let output = self.gdbus_call("org.freedesktop.DBus.Properties.Get", &[PLAYER, property]);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("UTF-8 output")
    }

    fn qdbus(&self, args: &[&str]) -> Output {
        self.output(QDBUS, &[&[NAME, PATH], args].concat())
    }

    fn playerctl(&self, args: &[&str]) -> String {
        self.run("playerctl", &[&["--player=codegen_example"], args].concat())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.player.kill();
        let _ = self.player.wait();
    }
}

#[test]
fn busctl_lists_the_object_drives_the_player_and_reads_its_properties() {
    let running = Running::start();
    assert!(running.busctl(&["tree", NAME]).contains(PATH));
    let listing = running.busctl(&["introspect", NAME, PATH, PLAYER]);
    assert!(listing.contains(".PlayPause"), "{listing}");
    assert!(listing.contains(".Metadata"), "{listing}");

    running.busctl(&["call", NAME, PATH, PLAYER, "Next"]);
    let status = running.busctl(&["get-property", NAME, PATH, PLAYER, "PlaybackStatus"]);
    assert_eq!(status, "s \"Playing\"\n");
    // The a{sv} property, read by sd-bus.
    let metadata = running.busctl(&["get-property", NAME, PATH, PLAYER, "Metadata"]);
    assert!(
        metadata.contains("\"xesam:title\" s \"Properties Changed\""),
        "{metadata}"
    );

    running.busctl(&["set-property", NAME, PATH, PLAYER, "Volume", "d", "0.25"]);
    let volume = running.busctl(&["get-property", NAME, PATH, PLAYER, "Volume"]);
    assert_eq!(volume, "d 0.25\n");
    // The setter keeps the volume within 0.0..=1.0.
    running.busctl(&["set-property", NAME, PATH, PLAYER, "Volume", "d", "7"]);
    let volume = running.busctl(&["get-property", NAME, PATH, PLAYER, "Volume"]);
    assert_eq!(volume, "d 1\n");
    // Not a number: refused, and the volume stays.
    let nan = running.output(
        "busctl",
        &[
            &format!("--address={}", running.bus.address()),
            "set-property",
            NAME,
            PATH,
            PLAYER,
            "Volume",
            "d",
            "nan",
        ],
    );
    let refused = String::from_utf8_lossy(&nan.stderr);
    assert!(refused.contains("a volume is a number"), "NaN: {refused}");
    let volume = running.busctl(&["get-property", NAME, PATH, PLAYER, "Volume"]);
    assert_eq!(volume, "d 1\n");
}

#[test]
fn gdbus_seeks_and_a_zero_rate_pauses_through_the_setter() {
    let running = Running::start();
    let address = running.bus.address().to_owned();
    let introspection = running.run(
        "gdbus",
        &[
            "introspect",
            "--address",
            &address,
            "--dest",
            NAME,
            "--object-path",
            PATH,
        ],
    );
    assert!(
        introspection.contains("interface org.mpris.MediaPlayer2.Player"),
        "{introspection}"
    );
    assert!(
        introspection.contains("Seek(in  x Offset)"),
        "{introspection}"
    );

    assert!(
        running
            .gdbus_call(&format!("{PLAYER}.Play"), &[])
            .status
            .success()
    );
    let seek = running.gdbus_call(&format!("{PLAYER}.Seek"), &["--", "30000000"]);
    assert!(
        seek.status.success(),
        "{}",
        String::from_utf8_lossy(&seek.stderr)
    );
    assert_eq!(running.gdbus_get("Position"), "(<int64 30000000>,)\n");

    // MPRIS: setting Rate to 0.0 pauses and leaves the rate. The setter announces the new
    // status with its call context.
    let set = ["org.mpris.MediaPlayer2.Player", "Rate", "<0.0>"];
    let zero = running.gdbus_call("org.freedesktop.DBus.Properties.Set", &set);
    assert!(
        zero.status.success(),
        "{}",
        String::from_utf8_lossy(&zero.stderr)
    );
    assert_eq!(running.gdbus_get("PlaybackStatus"), "(<'Paused'>,)\n");
    assert_eq!(running.gdbus_get("Rate"), "(<1.0>,)\n");

    // A rate out of range is a named error, and the player goes on.
    let set = ["org.mpris.MediaPlayer2.Player", "Rate", "<5.0>"];
    let refused = running.gdbus_call("org.freedesktop.DBus.Properties.Set", &set);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success());
    assert!(
        stderr.contains("org.freedesktop.DBus.Error.InvalidArgs"),
        "{stderr}"
    );
    assert!(stderr.contains("Rate 5 is outside 0.5..=2"), "{stderr}");
    assert_eq!(running.gdbus_get("Rate"), "(<1.0>,)\n");
}

#[test]
fn qdbus_lists_reads_and_calls_by_full_name_and_is_refused_the_short_form() {
    let running = Running::start();
    let listing = running.qdbus(&[]);
    let listing = String::from_utf8_lossy(&listing.stdout);
    assert!(
        listing.contains("method void org.mpris.MediaPlayer2.Player.PlayPause()"),
        "{listing}"
    );
    assert!(
        listing.contains("property readwrite double org.mpris.MediaPlayer2.Player.Volume"),
        "{listing}"
    );
    assert!(
        listing.contains("signal void org.mpris.MediaPlayer2.Player.Seeked(qlonglong Position)")
    );

    let identity = running.qdbus(&["org.mpris.MediaPlayer2.Identity"]);
    assert_eq!(
        String::from_utf8_lossy(&identity.stdout),
        "dbus-xml-codegen example player\n"
    );
    assert!(
        running
            .qdbus(&["org.mpris.MediaPlayer2.Player.PlayPause"])
            .status
            .success()
    );
    let status = running.qdbus(&["org.mpris.MediaPlayer2.Player.PlaybackStatus"]);
    assert_eq!(String::from_utf8_lossy(&status.stdout), "Playing\n");

    // qdbus's short form sends no interface: zbus refuses it (as GDBus and sd-bus services
    // do, with other names; README says so), and the player goes on.
    let short = running.qdbus(&["PlayPause"]);
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&short.stdout),
        String::from_utf8_lossy(&short.stderr)
    );
    assert!(!short.status.success(), "{said}");
    assert!(said.contains("Missing interface"), "{said}");
    let status = running.qdbus(&["org.mpris.MediaPlayer2.Player.PlaybackStatus"]);
    assert_eq!(String::from_utf8_lossy(&status.stdout), "Playing\n");
}

#[test]
fn playerctl_finds_plays_skips_and_reads_metadata_and_volume() {
    let running = Running::start();
    let players = running.run("playerctl", &["--list-all"]);
    assert!(players.lines().any(|p| p == "codegen_example"), "{players}");
    assert_eq!(running.playerctl(&["status"]), "Stopped\n");
    running.playerctl(&["next"]);
    assert_eq!(
        running.playerctl(&["metadata", "xesam:title"]),
        "Properties Changed\n"
    );
    assert_eq!(
        running.playerctl(&["metadata", "xesam:artist"]),
        "The Signatures\n"
    );
    assert_eq!(running.playerctl(&["status"]), "Playing\n");
    running.playerctl(&["play-pause"]);
    assert_eq!(running.playerctl(&["status"]), "Paused\n");
    running.playerctl(&["volume", "0.4"]);
    assert_eq!(running.playerctl(&["volume"]), "0.400000\n");
}

#[test]
fn a_new_track_goes_out_in_one_properties_changed() {
    let running = Running::start();
    let rule =
        "type='signal',interface='org.freedesktop.DBus.Properties',member='PropertiesChanged'";
    let mut monitor = Command::new("dbus-monitor")
        .args(["--address", running.bus.address(), rule])
        .stdout(Stdio::piped())
        .spawn()
        .expect("dbus-monitor starts");
    let lines = Lines::of(monitor.stdout.take().expect("piped stdout"));
    let deadline = Instant::now() + WAIT;
    // dbus-monitor sees NameLost when it has become a monitor: from then on it sees all.
    while !lines
        .next_before(deadline)
        .is_some_and(|line| line.contains("member=NameLost"))
    {
        assert!(
            Instant::now() < deadline,
            "dbus-monitor did not become a monitor within {WAIT:?}"
        );
    }
    running.busctl(&["call", NAME, PATH, PLAYER, "Next"]);
    // Then a change of its own, so that the first message is whole once this one shows.
    running.busctl(&["call", NAME, PATH, PLAYER, "Pause"]);

    let mut seen = String::new();
    while !seen.contains("string \"Paused\"") {
        let line = lines.next_before(deadline).unwrap_or_else(|| {
            panic!(
                "no PropertiesChanged from the player within {WAIT:?}; dbus-monitor showed:\n{seen}"
            )
        });
        seen.push_str(&line);
        seen.push('\n');
    }
    let _ = monitor.kill();
    let _ = monitor.wait();
    // One message a `signal …` line and what follows it.
    let messages: Vec<&str> = seen.split("\nsignal ").collect();
    let with_metadata: Vec<&&str> = messages
        .iter()
        .filter(|m| m.contains("string \"Metadata\""))
        .collect();
    assert_eq!(
        with_metadata.len(),
        1,
        "one signal announces the new track: {seen}"
    );
    let batch = with_metadata[0];
    assert!(batch.contains("member=PropertiesChanged"), "{batch}");
    assert!(
        batch.contains("string \"org.mpris.MediaPlayer2.Player\""),
        "{batch}"
    );
    assert!(
        batch.contains("string \"Properties Changed\""),
        "the new title: {batch}"
    );
    assert!(
        batch.contains("string \"PlaybackStatus\""),
        "the same signal carries the status: {batch}"
    );
}

#[test]
fn quit_ends_the_player() {
    let mut running = Running::start();
    let quit = running.gdbus_call("org.mpris.MediaPlayer2.Quit", &[]);
    assert!(
        quit.status.success(),
        "{}",
        String::from_utf8_lossy(&quit.stderr)
    );
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(status) = running.player.try_wait().expect("the player's status") {
            assert!(status.success(), "{status}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the player did not end within {WAIT:?} of Quit"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}
