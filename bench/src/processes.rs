//! The processes a benchmark run starts (a bus, the services) and what `/proc` says of them.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use random_data::SERVICE_NAME;
use test_bus::PrivateBus;
use tokio::process::{Child, Command};

/// The private bus the run measures on: the machine's session-bus configuration, with its
/// generous limits.
pub(crate) fn start_bus() -> std::io::Result<PrivateBus> {
    PrivateBus::session()
}

/// A new connection to `bus`, whose calls may wait long under load.
pub(crate) async fn connect(bus: &PrivateBus) -> zbus::Result<zbus::Connection> {
    zbus::connection::Builder::address(bus.address())
        .method_timeout(Duration::from_secs(60))
        .build()
        .await
}

/// Where the services of this run write their logs.
pub(crate) fn service_log() -> std::path::PathBuf {
    std::env::temp_dir().join(format!(
        "random-data-bench-{}-services.log",
        std::process::id()
    ))
}

/// A service process under measurement.
pub(crate) struct Service {
    child: Child,
}

impl Service {
    /// Starts `program` with `args`, under `wrapper` (a command line such as
    /// `heaptrack -o FILE`) if given, and waits until it owns the service's name on `bus`.
    /// Under a wrapper, the figures read from `/proc` are the wrapper's.
    pub(crate) async fn start(
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
        // The services' own default filter (`info`), as users run them: a filter that hides
        // zbus's per-call span would hide what it costs. Their logs go to one file per run.
        let log = service_log();
        let stderr = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .map_err(|e| zbus::Error::Failure(format!("cannot open {}: {e}", log.display())))?;
        let child = command
            .args(args)
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(stderr)
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| {
                zbus::Error::Failure(format!("cannot start {}: {e}", program.display()))
            })?;
        test_bus::wait_for_name(&connect(bus).await?, SERVICE_NAME)
            .await
            .map_err(|e| {
                zbus::Error::Failure(format!(
                    "{} did not start: {e}; its log is {}",
                    program.display(),
                    log.display()
                ))
            })?;
        Ok(Self { child })
    }

    fn status_path(&self, file: &str) -> String {
        format!(
            "/proc/{}/{file}",
            self.child.id().expect("the service runs")
        )
    }

    /// CPU time (user + system) used so far, in seconds.
    pub(crate) fn cpu_seconds(&self) -> f64 {
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
    pub(crate) fn peak_rss_mib(&self) -> f64 {
        status_mib(&self.status_path("status"), "VmHWM")
    }

    /// Resident memory now, in MiB.
    pub(crate) fn rss_mib(&self) -> f64 {
        status_mib(&self.status_path("status"), "VmRSS")
    }

    /// Asks it to stop (SIGTERM) and waits up to `limit` for it to exit, so that a wrapper
    /// such as valgrind writes its report.
    pub(crate) async fn terminate(mut self, limit: Duration) -> zbus::Result<()> {
        let pid = self.child.id().expect("the service runs").to_string();
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .is_ok_and(|status| status.success());
        if !sent {
            return Err(zbus::Error::Failure(format!(
                "cannot send SIGTERM to the service (pid {pid})"
            )));
        }
        tokio::time::timeout(limit, self.child.wait())
            .await
            .map_err(|_| {
                zbus::Error::Failure(format!(
                    "the service did not exit within {limit:?} of SIGTERM (under valgrind, \
                     writing its report takes a while on a loaded machine)"
                ))
            })?
            .map_err(|e| zbus::Error::Failure(format!("cannot wait for the service: {e}")))?;
        Ok(())
    }

    /// Stops it.
    pub(crate) async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

/// A memory field (`VmRSS`, `VmHWM`) of a `/proc/…/status` file, in MiB.
pub(crate) fn status_mib(status_file: &str, field: &str) -> f64 {
    let status = std::fs::read_to_string(status_file).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|value| value.trim().trim_end_matches(" kB").parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0)
}
