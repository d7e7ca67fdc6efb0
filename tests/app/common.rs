//! The fixture every test shares: a private `dbus-daemon`, the service binary on it, and the
//! client binary. Tests never touch the machine's own buses.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use dbus_xml_codegen::contract::Contracts;
use dbus_xml_codegen::monitor::{Monitor, MonitorError};
use random_data::{RandomDataProxy, SERVICE_NAME};

pub(crate) use test_bus::WAIT;

/// The tick the tests give the service, so that slow requests finish quickly.
pub(crate) const TEST_BIT_INTERVAL: &str = "10ms";

/// A private bus (the workspace's shared `test-bus`), with the app's service and client on it.
pub(crate) struct PrivateBus {
    bus: test_bus::PrivateBus,
    /// The toolkit's `monitor` of this bus, where the test watches its traffic.
    watched: Option<Watched>,
}

/// A monitor holding every message to and from the service to the app's XML, running until
/// [`PrivateBus::assert_contract_kept`] stops it.
struct Watched {
    stop: tokio::sync::oneshot::Sender<()>,
    monitor: tokio::task::JoinHandle<Result<Monitor, MonitorError>>,
}

impl PrivateBus {
    /// Starts a `dbus-daemon` of its own, listening on a socket in a fresh folder.
    pub(crate) async fn start() -> Self {
        Self::from(test_bus::PrivateBus::open(None))
    }

    /// Like [`PrivateBus::start`], with a folder of D-Bus activation files (`.service`) that
    /// the bus starts services from.
    pub(crate) async fn start_with_services(service_dir: &Path) -> Self {
        Self::from(test_bus::PrivateBus::open(Some(service_dir)))
    }

    /// Like [`PrivateBus::start`], for clients running as any Unix user.
    pub(crate) async fn open_to_every_user() -> Self {
        Self::from(test_bus::PrivateBus::open_to_every_user())
    }

    /// Like [`PrivateBus::start_with`], with the socket's folder readable by every Unix user.
    pub(crate) async fn start_for_every_user_with(config: impl FnOnce(&Path) -> String) -> Self {
        Self::from(test_bus::PrivateBus::with_config_for_every_user(config))
    }

    /// Starts a `dbus-daemon` with the configuration that `config` writes for a bus whose
    /// socket is in the given folder.
    pub(crate) async fn start_with(config: impl FnOnce(&Path) -> String) -> Self {
        Self::from(test_bus::PrivateBus::with_config(config))
    }

    /// Like [`PrivateBus::start`], with every message to and from the service held to the
    /// app's XML by the toolkit's monitor, until [`PrivateBus::assert_contract_kept`].
    pub(crate) async fn start_watched() -> Self {
        let mut bus = Self::start().await;
        let xml = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/interfaces/com.larry_price.test.RandomData.xml"
        );
        let contracts = Contracts::read([xml]).expect("the app's XML reads");
        let address = bus.address().parse().expect("a bus address");
        let running = Monitor::new(contracts, Some(SERVICE_NAME.to_owned()))
            .start(&address)
            .await
            .expect("the bus takes a monitor");
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let monitor = tokio::spawn(async move {
            let (monitor, _) = running.stop_after(stopped).await?;
            Ok(monitor)
        });
        bus.watched = Some(Watched { stop, monitor });
        bus
    }

    /// Stops the monitor that [`PrivateBus::start_watched`] started, and checks that the
    /// traffic it saw kept the app's XML (and that there was some).
    pub(crate) async fn assert_contract_kept(&mut self) {
        let Watched { stop, monitor } = self.watched.take().expect("a watched bus");
        stop.send(()).expect("the monitor is running");
        let monitor = tokio::time::timeout(WAIT, monitor)
            .await
            .expect("the monitor stops within WAIT (it waits for the bus's answer to GetId)")
            .expect("the monitor's task ends")
            .expect("the monitor watched to the end");
        let report = monitor.report();
        assert!(report.violations.is_empty(), "{report}");
        assert!(report.checked.calls > 0, "no call was checked: {report}");
    }

    fn from(started: std::io::Result<test_bus::PrivateBus>) -> Self {
        Self {
            bus: started.expect("a private dbus-daemon starts"),
            watched: None,
        }
    }

    /// Kills the bus daemon, as if the bus went away.
    pub(crate) async fn kill_daemon(&mut self) {
        self.bus.kill();
    }

    /// The bus's D-Bus address.
    pub(crate) fn address(&self) -> &str {
        self.bus.address()
    }

    /// A new client connection to this bus.
    pub(crate) async fn connect(&self) -> zbus::Connection {
        self.bus
            .connect()
            .await
            .expect("connect to the private bus")
    }

    /// A proxy for the service on a new connection to this bus.
    pub(crate) async fn proxy(&self) -> RandomDataProxy<'static> {
        RandomDataProxy::new(&self.connect().await)
            .await
            .expect("a proxy")
    }

    /// Starts the service binary on this bus and waits until it owns its name.
    pub(crate) async fn start_service(&self) -> RunningService {
        self.start_service_with(&["--bit-interval", TEST_BIT_INTERVAL])
            .await
    }

    /// Starts the service binary on this bus with `args` and waits until it owns its name.
    pub(crate) async fn start_service_with(&self, args: &[&str]) -> RunningService {
        let process = tokio::process::Command::new(env!("CARGO_BIN_EXE_random-data-service"))
            .args(["--address", self.address()])
            .args(args)
            .env("RUST_LOG", "warn")
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("the service starts");
        self.wait_for_service().await;
        RunningService { process }
    }

    /// Starts the Python tutorial service (`tests/python/tutorial_service.py`) on this bus,
    /// with a tick of `tick_seconds`, and waits until it owns its name.
    pub(crate) async fn start_python_service(&self, tick_seconds: &str) -> RunningService {
        let process = tokio::process::Command::from(debian_python(&[DBUS_PYTHON, PYGOBJECT]))
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/python/tutorial_service.py"
            ))
            .args([self.address(), tick_seconds])
            .stdout(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("the Python service starts");
        self.wait_for_service().await;
        RunningService { process }
    }

    /// Waits until someone owns the service's name.
    async fn wait_for_service(&self) {
        test_bus::wait_for_name(&self.connect().await, SERVICE_NAME)
            .await
            .expect("the service takes its name in time");
    }

    /// Starts the client binary against this bus with `args` in the background; what it did
    /// comes when it ends.
    pub(crate) fn spawn_client(&self, args: &[&str]) -> tokio::task::JoinHandle<Output> {
        let mut client = Command::new(env!("CARGO_BIN_EXE_random-data"));
        client.args(args).args(["--address", self.address()]);
        tokio::spawn(run_with_timeout(client))
    }

    /// Runs the client binary against this bus with `args` and returns what it did.
    pub(crate) async fn run_client(&self, args: &[&str]) -> Output {
        let mut client = Command::new(env!("CARGO_BIN_EXE_random-data"));
        client.args(args).args(["--address", self.address()]);
        run_with_timeout(client).await
    }

    /// Runs the toolkit's `dbus-xml-codegen check FILE --dest com.larry-price.test` against
    /// this bus with `args` (the live contract check users run) and returns what it did.
    pub(crate) async fn run_check(&self, args: &[&str]) -> Output {
        let mut check = Command::new(toolkit_command());
        check
            .arg("check")
            .args(args)
            .args(["--dest", SERVICE_NAME, "--address", self.address()]);
        run_with_timeout(check).await
    }
}

/// The toolkit's command, `dbus-xml-codegen`, which the workspace's test run builds beside the
/// app's binaries (cargo sets `CARGO_BIN_EXE_*` for a package's own binaries only).
fn toolkit_command() -> std::path::PathBuf {
    let command = Path::new(env!("CARGO_BIN_EXE_random-data")).with_file_name("dbus-xml-codegen");
    assert!(
        command.exists(),
        "{} is not built: run the tests with `cargo test --workspace` (scripts/test), or build \
         it first with `cargo build -p dbus-xml-codegen`",
        command.display()
    );
    command
}

/// A running service process, killed when dropped.
pub(crate) struct RunningService {
    pub process: tokio::process::Child,
}

impl RunningService {
    /// Sends the process the signal `name` (`TERM`, `KILL`, …).
    pub(crate) async fn signal(&self, name: &str) {
        let pid = self
            .process
            .id()
            .expect("the service is running")
            .to_string();
        let mut kill = Command::new("kill");
        kill.args([&format!("-{name}"), &pid]);
        assert!(run_with_timeout(kill).await.status.success());
    }

    /// A field of the process's `/proc/PID/status` in KiB, e.g. `VmRSS` (resident memory)
    /// or `VmHWM` (its peak).
    pub(crate) fn memory_kib(&self, field: &str) -> u64 {
        let pid = self.process.id().expect("the service is running");
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
        status
            .lines()
            .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
            .and_then(|value| value.trim().trim_end_matches(" kB").parse().ok())
            .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"))
    }

    /// Waits (up to [`WAIT`]) for the process to end; returns its exit code and what it
    /// wrote to stderr.
    pub(crate) async fn exit(self) -> (Option<i32>, String) {
        let output = tokio::time::timeout(WAIT, self.process.wait_with_output())
            .await
            .expect("the service ends in time")
            .expect("the service's output");
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }
}

/// The values of `key` in a systemd unit or a D-Bus activation file (`KEY=VALUE` lines), in
/// order.
pub(crate) fn key_values<'a>(file: &'a str, key: &str) -> Vec<&'a str> {
    file.lines()
        .filter_map(|line| line.strip_prefix(key)?.strip_prefix('='))
        .collect()
}

/// The configuration of a system bus whose socket is in `dir`: like Debian's `system.conf`
/// (every user may connect; owning names and calling methods are denied by default), plus
/// `policy` (a `<busconfig>` document such as the shipped one, written into `dir`).
pub(crate) fn system_bus_config(dir: &Path, policy: &str) -> String {
    let policy_file = dir.join("policy.conf");
    std::fs::write(&policy_file, policy).expect("the policy is written");
    let body = format!(
        r#"<policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
  </policy>
  <include>{}</include>"#,
        policy_file.display()
    );
    test_bus::config("system", dir, &body)
}

/// Runs `command` to its end, failing the test if it takes longer than [`WAIT`].
pub(crate) async fn run_with_timeout(command: Command) -> Output {
    run_within(command, WAIT).await
}

/// Runs `command` to its end, failing the test if it takes longer than `limit`.
pub(crate) async fn run_within(command: Command, limit: std::time::Duration) -> Output {
    let child = tokio::process::Command::from(command)
        .kill_on_drop(true)
        .output();
    tokio::time::timeout(limit, child)
        .await
        .unwrap_or_else(|_| panic!("the command ends within {limit:?}"))
        .expect("the command runs")
}

/// The number in the client's `Your random number is: N` line, failing the test if the client
/// failed or printed no such line.
pub(crate) fn printed_number(output: &Output) -> num_bigint::BigUint {
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the client failed: {:?}\nstdout: {stdout}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
        .lines()
        .find_map(|line| line.strip_prefix("Your random number is: "))
        .unwrap_or_else(|| panic!("no number in {stdout:?}"))
        .parse()
        .expect("a decimal number")
}

/// Whether `number` has at most `bits` bits.
pub(crate) fn fits(number: &num_bigint::BigUint, bits: u32) -> bool {
    number.bits() <= u64::from(bits)
}

/// `command` from the Debian package `package`, failing the test at once with both names
/// where it is not on PATH (`scripts/test` installs every package the tests need).
pub(crate) fn debian_tool(command: &str, package: &str) -> Command {
    let on_path = std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(command).is_file()));
    assert!(
        on_path,
        "this test needs `{command}`, from the Debian package {package} \
         (scripts/test installs it: apt-get install {package})"
    );
    Command::new(command)
}

/// Debian's python3 (`/usr/bin/python3`, where Debian's Python modules are), failing the test
/// at once, naming the package, where one of `modules` (`(module, package)`) is missing.
pub(crate) fn debian_python(modules: &[(&str, &str)]) -> Command {
    for (module, package) in modules {
        let imported = Command::new("/usr/bin/python3")
            .args(["-c", &format!("import {module}")])
            .output()
            .is_ok_and(|output| output.status.success());
        assert!(
            imported,
            "this test needs the Python module `{module}` for /usr/bin/python3, from the Debian \
             package {package} (scripts/test installs it: apt-get install {package})"
        );
    }
    Command::new("/usr/bin/python3")
}

/// Whether this process may run commands as other Unix users (it is root). Outside CI a test
/// that needs it is skipped otherwise; in CI, which runs as root, it fails.
pub(crate) fn may_change_user() -> bool {
    use std::os::unix::fs::MetadataExt;
    let root = std::fs::metadata("/proc/self").unwrap().uid() == 0;
    assert!(
        root || std::env::var_os("CI").is_none(),
        "CI runs the tests as root, so that a test can run commands as other users"
    );
    if !root {
        test_bus::skip(
            std::thread::current().name().unwrap_or("a test"),
            "it needs root, to run commands as other users",
        );
    }
    root
}

/// Copies of `files` in a fresh folder that every user may enter, for a test that runs them
/// as the Unix user `user` (group `group`): the checkout may sit in a folder that only its
/// owner may enter, as a home folder does. Fails at once, naming the folder and the user, if
/// that user still cannot read them. The copies go when the folder is dropped.
pub(crate) fn copies_for_user(
    user: &str,
    group: &str,
    files: &[&Path],
) -> (tempfile::TempDir, Vec<std::path::PathBuf>) {
    use std::os::unix::fs::PermissionsExt;
    let folder = tempfile::tempdir().expect("a scratch folder");
    std::fs::set_permissions(folder.path(), std::fs::Permissions::from_mode(0o755))
        .expect("the scratch folder opened to every user");
    let copies: Vec<_> = files
        .iter()
        .map(|file| {
            let copy = folder.path().join(file.file_name().expect("a file name"));
            std::fs::copy(file, &copy)
                .unwrap_or_else(|e| panic!("cannot copy {} for {user}: {e}", file.display()));
            copy
        })
        .collect();
    for copy in &copies {
        let readable = debian_tool("setpriv", "util-linux")
            .args(["--reuid", user, "--regid", group, "--clear-groups", "--"])
            .args(["test", "-r"])
            .arg(copy)
            .status()
            .is_ok_and(|status| status.success());
        assert!(
            readable,
            "the user {user} cannot read {} (is a folder above {} closed to other users?)",
            copy.display(),
            folder.path().display()
        );
    }
    (folder, copies)
}

/// dbus-python, for /usr/bin/python3.
pub(crate) const DBUS_PYTHON: (&str, &str) = ("dbus", "python3-dbus");
/// PyGObject (GLib's main loop, Gio), for /usr/bin/python3.
pub(crate) const PYGOBJECT: (&str, &str) = ("gi", "python3-gi");
