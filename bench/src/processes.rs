//! The processes a benchmark run starts (a bus, the services) and what `/proc` says of them.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use random_data::SERVICE_NAME;
use test_bus::PrivateBus;
use tokio::process::{Child, Command};

/// The private bus the run measures on: the machine's session-bus configuration, with its
/// generous limits.
pub fn start_bus() -> std::io::Result<PrivateBus> {
    PrivateBus::session()
}

/// A new connection to `bus`, whose calls may wait long under load.
pub async fn connect(bus: &PrivateBus) -> zbus::Result<zbus::Connection> {
    zbus::connection::Builder::address(bus.address())
        .method_timeout(Duration::from_secs(60))
        .build()
        .await
}

/// A service process under measurement.
pub struct Service {
    child: Child,
}

impl Service {
    /// Starts `program` with `args`, under `wrapper` (a command line such as
    /// `heaptrack -o FILE`) if given, and waits until it owns the service's name on `bus`.
    /// Under a wrapper, the figures read from `/proc` are the wrapper's.
    pub async fn start(
        bus: &PrivateBus,
        program: &Path,
        args: &[&str],
        wrapper: Option<&str>,
    ) -> zbus::Result<Self> {
        let mut words = wrapper.unwrap_or_default().split_whitespace();
        let mut command = match words.next() {
            Some(wrapper) => {
                let mut command = Command::new(wrapper);
                command.args(words).arg(program);
                command
            }
            None => Command::new(program),
        };
        let child = command
            .args(args)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| {
                zbus::Error::Failure(format!("cannot start {}: {e}", program.display()))
            })?;
        test_bus::wait_for_name(&connect(bus).await?, SERVICE_NAME).await?;
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
        status_mib(&self.status_path("status"), "VmHWM")
    }

    /// Resident memory now, in MiB.
    pub fn rss_mib(&self) -> f64 {
        status_mib(&self.status_path("status"), "VmRSS")
    }

    /// Stops it.
    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

/// A memory field (`VmRSS`, `VmHWM`) of a `/proc/…/status` file, in MiB.
pub fn status_mib(status_file: &str, field: &str) -> f64 {
    let status = std::fs::read_to_string(status_file).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|value| value.trim().trim_end_matches(" kB").parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0)
}
