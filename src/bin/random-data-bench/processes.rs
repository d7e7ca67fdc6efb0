//! The processes a benchmark run starts (a bus, the services) and what `/proc` says of them.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use random_data::BUS_NAME;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// How long a process may take to start or stop.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// A private `dbus-daemon` with the session bus's configuration (and its generous limits).
pub struct Bus {
    _daemon: Child,
    /// Its address.
    pub address: String,
}

impl Bus {
    /// Starts one and reads its address.
    pub async fn start() -> std::io::Result<Self> {
        let mut daemon = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()?;
        let mut address = String::new();
        let stdout = daemon.stdout.take().expect("piped stdout");
        tokio::time::timeout(
            START_TIMEOUT,
            BufReader::new(stdout).read_line(&mut address),
        )
        .await
        .map_err(|_| std::io::Error::other("dbus-daemon printed no address"))??;
        Ok(Self {
            _daemon: daemon,
            address: address.trim().to_owned(),
        })
    }

    /// A new connection to it.
    pub async fn connect(&self) -> zbus::Result<zbus::Connection> {
        zbus::connection::Builder::address(self.address.as_str())
            .method_timeout(Duration::from_secs(60))
            .build()
            .await
    }
}

/// A service process under measurement.
pub struct Service {
    child: Child,
}

impl Service {
    /// Starts `program` with `args` and waits until it owns the service's name on `bus`.
    pub async fn start(bus: &Bus, program: &Path, args: &[&str]) -> zbus::Result<Self> {
        let child = Command::new(program)
            .args(args)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| {
                zbus::Error::Failure(format!("cannot start {}: {e}", program.display()))
            })?;
        let connection = bus.connect().await?;
        let dbus = zbus::fdo::DBusProxy::new(&connection).await?;
        let waited = tokio::time::timeout(START_TIMEOUT, async {
            while !dbus.name_has_owner(BUS_NAME.try_into()?).await? {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            Ok::<_, zbus::Error>(())
        });
        waited.await.map_err(|_| {
            zbus::Error::Failure(format!("{} did not take the name", program.display()))
        })??;
        Ok(Self { child })
    }

    fn status_path(&self, file: &str) -> String {
        format!(
            "/proc/{}/{file}",
            self.child.id().expect("the service runs")
        )
    }

    /// CPU time (user + system) used so far, in seconds.
    pub fn cpu_seconds(&self) -> f64 {
        let stat = std::fs::read_to_string(self.status_path("stat")).unwrap_or_default();
        // Fields after the command name, which is in parentheses and may hold spaces.
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map(|(_, rest)| rest.split_whitespace().collect())
            .unwrap_or_default();
        // utime and stime are fields 14 and 15 of stat(5), in clock ticks of 1/100 s on Linux.
        let ticks = |index: usize| {
            fields
                .get(index)
                .and_then(|f| f.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        (ticks(11) + ticks(12)) / 100.0
    }

    /// Peak resident memory so far, in MiB.
    pub fn peak_rss_mib(&self) -> f64 {
        let status = std::fs::read_to_string(self.status_path("status")).unwrap_or_default();
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|value| value.trim().trim_end_matches(" kB").parse::<f64>().ok())
            .map_or(0.0, |kib| kib / 1024.0)
    }

    /// Stops it.
    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}
