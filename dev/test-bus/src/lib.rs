//! A private `dbus-daemon` for tests and benchmarks, so that they never touch the machine's own
//! buses. Every wait here has a timeout ([`WAIT`]); the daemon is killed when the value drops.
//!
//! Dev-only: the app's tests, the generator's tests and the benchmark share it.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// How long any single wait on a bus or a process may take.
pub const WAIT: Duration = Duration::from_secs(20);

/// A policy that lets anyone own and call anything.
const OPEN_POLICY: &str = r#"
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>"#;

/// A `dbus-daemon` of its own, stopped when dropped.
pub struct PrivateBus {
    daemon: Child,
    address: String,
    _config_dir: Option<tempfile::TempDir>,
}

impl PrivateBus {
    /// A bus with an open policy (anyone may own and call anything), listening in a fresh
    /// folder; `services` is a folder of D-Bus activation files to start services from.
    pub fn open(services: Option<&Path>) -> std::io::Result<Self> {
        let service_dir = services
            .map(|d| format!("<servicedir>{}</servicedir>", d.display()))
            .unwrap_or_default();
        Self::with_config(|dir| config("session", dir, &format!("{service_dir}{OPEN_POLICY}")))
    }

    /// A bus with an open policy that every Unix user may connect to, not only the one
    /// running it.
    pub fn open_to_every_user() -> std::io::Result<Self> {
        Self::with_config_for_every_user(|dir| {
            let every_user = r#"<policy context="default"><allow user="*"/></policy>"#;
            config("session", dir, &format!("{OPEN_POLICY}{every_user}"))
        })
    }

    /// Like [`PrivateBus::with_config`], with the socket's folder readable by every Unix
    /// user; the configuration must still admit them (`<allow user="*"/>`).
    pub fn with_config_for_every_user(
        write_config: impl FnOnce(&Path) -> String,
    ) -> std::io::Result<Self> {
        use std::os::unix::fs::PermissionsExt;
        let mut made_readable = Ok(());
        let bus = Self::with_config(|dir| {
            made_readable = std::fs::set_permissions(dir, PermissionsExt::from_mode(0o755));
            write_config(dir)
        })?;
        made_readable.map(|()| bus)
    }

    /// A bus with the machine's session-bus configuration and its generous limits
    /// (`dbus-daemon --session`), for measurements.
    pub fn session() -> std::io::Result<Self> {
        Self::spawn(&["--session".to_owned()], None)
    }

    /// A bus with the configuration that `write_config` returns for a bus whose socket is in
    /// the given folder (see [`config`]).
    pub fn with_config(write_config: impl FnOnce(&Path) -> String) -> std::io::Result<Self> {
        let config_dir = tempfile::tempdir()?;
        let config_file = config_dir.path().join("bus.conf");
        std::fs::write(&config_file, write_config(config_dir.path()))?;
        let config = format!("--config-file={}", config_file.display());
        Self::spawn(&[config], Some(config_dir))
    }

    /// Starts `dbus-daemon ARGS` and reads the address it prints.
    fn spawn(args: &[String], config_dir: Option<tempfile::TempDir>) -> std::io::Result<Self> {
        let mut daemon = Command::new("dbus-daemon")
            .args(args)
            .args(["--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| {
                std::io::Error::new(
                    e.kind(),
                    format!("cannot run dbus-daemon (Debian package dbus-daemon): {e}"),
                )
            })?;
        let stdout = daemon.stdout.take().expect("piped stdout");
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            let mut first_line = String::new();
            let read = BufReader::new(stdout).read_line(&mut first_line);
            let _ = sender.send(read.map(|_| first_line));
        });
        let address = match receiver.recv_timeout(WAIT) {
            Ok(Ok(line)) if !line.trim().is_empty() => line.trim().to_owned(),
            outcome => {
                let _ = daemon.kill();
                let _ = daemon.wait();
                return Err(std::io::Error::other(format!(
                    "dbus-daemon printed no address within {WAIT:?}: {outcome:?}"
                )));
            }
        };
        Ok(Self {
            daemon,
            address,
            _config_dir: config_dir,
        })
    }

    /// The bus's D-Bus address.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// A new connection to this bus, whose method calls time out after [`WAIT`].
    pub async fn connect(&self) -> zbus::Result<zbus::Connection> {
        zbus::connection::Builder::address(self.address())
            .method_timeout(WAIT)
            .build()
            .await
    }

    /// Kills the daemon, as if the bus went away.
    pub fn kill(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

impl Drop for PrivateBus {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A bus configuration of type `bus_type` (`session`, `system`) that listens in `dir`, with
/// `body` (policies, includes, service folders) inside `<busconfig>`.
pub fn config(bus_type: &str, dir: &Path, body: &str) -> String {
    format!(
        r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>{bus_type}</type>
  <listen>unix:dir={}</listen>
  <auth>EXTERNAL</auth>
  {body}
</busconfig>
"#,
        dir.display()
    )
}

/// Waits, up to [`WAIT`], until someone owns `name` on the bus of `connection`.
pub async fn wait_for_name(connection: &zbus::Connection, name: &str) -> zbus::Result<()> {
    let dbus = zbus::fdo::DBusProxy::new(connection).await?;
    let name = zbus::names::BusName::try_from(name)?;
    tokio::time::timeout(WAIT, async {
        while !dbus.name_has_owner(name.clone()).await? {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        Ok(())
    })
    .await
    .map_err(|_| zbus::Error::Failure(format!("nobody took the name {name} within {WAIT:?}")))?
}

/// The lines a child process prints, read by a thread so that every wait on them has a
/// timeout.
pub struct Lines(mpsc::Receiver<String>);

impl Lines {
    /// Reads `stream` (a child's piped stdout) line by line.
    pub fn of(stream: impl std::io::Read + Send + 'static) -> Self {
        let (send, receive) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        Self(receive)
    }

    /// The next line before `deadline`, or `None` when none came.
    pub fn next_before(&self, deadline: std::time::Instant) -> Option<String> {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        self.0.recv_timeout(left).ok()
    }
}

/// The variable that names the file where skipped tests are listed (`scripts/test` sets it
/// and counts them in its closing line, so that a skipped test is never counted as passed).
pub const SKIPPED_TESTS: &str = "SKIPPED_TESTS";

/// Says that the test `test` cannot run here and why: on stderr, and as a line of the file
/// that [`SKIPPED_TESTS`] names, where it is set. The test then returns without asserting.
pub fn skip(test: &str, reason: &str) {
    eprintln!("skipped: {test}: {reason}");
    if let Some(file) = std::env::var_os(SKIPPED_TESTS) {
        use std::io::Write;
        let listed = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&file)
            .and_then(|mut file| writeln!(file, "{test}: {reason}"));
        if let Err(error) = listed {
            eprintln!("the skipped test could not be listed in {file:?}: {error}");
        }
    }
}
