//! The real client of a spec, and the strictest kind: systemd's `hostnamectl` (sd-bus) reads
//! `org.freedesktop.hostname1` with one `Properties.GetAll("")`, as every client built on
//! sd-bus's property mapping does. Served by generated code through `dbus_xml_runtime::serve_at`,
//! it prints the host's names; served with zbus's own `Properties`, it fails.
//!
//! hostnamectl talks to the system bus only when the machine was booted with systemd
//! (`/run/systemd/system` exists): the test gives it a private system bus
//! (`DBUS_SYSTEM_BUS_ADDRESS`) and, in a mount namespace of its own (a fresh `/run`), that
//! folder. That needs root (CI runs as root); elsewhere the test is skipped, and says so.

mod support;

use std::path::PathBuf;
use std::process::Command;

use dbus_xml_codegen::{Builder, Document};
use support::GeneratedCrate;

/// What hostnamectl also reads, of systemd's manager (the part of
/// `org.freedesktop.systemd1.Manager` it maps).
const SYSTEMD1: &str = r#"<node name="/org/freedesktop/systemd1">
 <interface name="org.freedesktop.systemd1.Manager">
  <property name="Virtualization" type="s" access="read"/>
  <property name="Architecture" type="s" access="read">
   <annotation name="org.freedesktop.DBus.Property.EmitsChangedSignal" value="const"/>
  </property>
 </interface>
</node>
"#;

const MAIN: &str = r#"mod api {
    include!("api.rs");
}

use api::hostname1::hostname1_server::{Hostname1, Hostname1Server};
use api::systemd1_manager::manager_server::{Manager, ManagerServer};
use zbus::fdo;

struct Systemd;

impl Manager for Systemd {
    type Error = fdo::Error;

    async fn virtualization(&self) -> fdo::Result<String> {
        Ok("kvm".into())
    }

    async fn architecture(&self) -> fdo::Result<String> {
        Ok("x86-64".into())
    }
}

struct Host;

impl Hostname1 for Host {
    type Error = fdo::Error;

    async fn hostname(&self) -> fdo::Result<String> {
        Ok("rust-box".into())
    }

    async fn static_hostname(&self) -> fdo::Result<String> {
        Ok("rust-box".into())
    }

    async fn chassis(&self) -> fdo::Result<String> {
        Ok("server".into())
    }

    async fn kernel_name(&self) -> fdo::Result<String> {
        Ok("Linux".into())
    }

    async fn kernel_release(&self) -> fdo::Result<String> {
        Ok("6.1.0-generated".into())
    }

    async fn operating_system_pretty_name(&self) -> fdo::Result<String> {
        Ok("Generated GNU/Linux 1".into())
    }
}

#[tokio::main]
async fn main() -> zbus::Result<()> {
    let mut args = std::env::args().skip(1);
    let address = args.next().expect("a bus address");
    let connection = zbus::connection::Builder::address(address.as_str()).build().await?;
    let path = "/org/freedesktop/hostname1";
    if args.next().as_deref() == Some("--zbus-properties") {
        connection.object_server().at(path, Hostname1Server::new(Host)).await?;
    } else {
        dbus_xml_runtime::serve_at(&connection, path, Hostname1Server::new(Host)).await?;
    }
    let systemd = "/org/freedesktop/systemd1";
    dbus_xml_runtime::serve_at(&connection, systemd, ManagerServer::new(Systemd)).await?;
    connection.request_name("org.freedesktop.hostname1").await?;
    connection.request_name("org.freedesktop.systemd1").await?;
    println!("ready");
    std::future::pending::<()>().await;
    Ok(())
}
"#;

/// `hostnamectl status` against the private bus, as if the machine ran systemd: its stdout,
/// or its stderr where it failed.
fn hostnamectl(bus: &test_bus::PrivateBus) -> Result<String, String> {
    let output = Command::new("timeout")
        .args([
            "20",
            "unshare",
            "--mount",
            "--propagation",
            "private",
            "sh",
            "-c",
        ])
        .arg(
            "mount -t tmpfs none /run && mkdir -p /run/systemd/system && \
             exec hostnamectl status",
        )
        .env("DBUS_SYSTEM_BUS_ADDRESS", bus.address())
        .output()
        .expect("timeout, unshare and hostnamectl run (Debian: coreutils, util-linux, systemd)");
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

#[test]
fn hostnamectl_reads_a_generated_hostname1_through_get_all_of_every_interface() {
    use std::os::unix::fs::MetadataExt;
    let root = std::fs::metadata("/proc/self").expect("/proc").uid() == 0;
    assert!(
        root || std::env::var_os("CI").is_none(),
        "CI runs the tests as root, so that hostnamectl can be given a mount namespace"
    );
    if !root {
        test_bus::skip(
            "hostnamectl",
            "it needs root, for a mount namespace where /run/systemd/system exists",
        );
        return;
    }
    let hostname1 = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/org.freedesktop.hostname1.xml"
    ));
    let systemd1 = PathBuf::from("org.freedesktop.systemd1.Manager.xml");
    let builder = Builder::new().default_impls(true);
    let files = [
        (
            hostname1.clone(),
            builder.read(&hostname1).expect("hostname1 reads"),
        ),
        (
            systemd1.clone(),
            Document::parse(&systemd1, SYSTEMD1).expect("systemd1 parses"),
        ),
    ];
    let code = builder
        .generate_together("hostnamed", &files)
        .expect("hostname1 and systemd1 generate");
    let krate = GeneratedCrate::new("hostname1");
    krate.build_program(&code, MAIN);

    let bus = test_bus::PrivateBus::open(None).expect("a private bus");
    let served = krate.serve("hostname1", &bus, &[]);
    let status = hostnamectl(&bus).expect("hostnamectl reads the generated service");
    for line in [
        "Static hostname: rust-box",
        "Chassis: server",
        "Operating System: Generated GNU/Linux 1",
        "Kernel: Linux 6.1.0-generated",
        "Virtualization: kvm",
        "Architecture: x86-64",
    ] {
        assert!(status.contains(line), "no `{line}` in:\n{status}");
    }
    drop(served);

    // The same service with zbus's own Properties: sd-bus's GetAll("") is refused.
    let bus = test_bus::PrivateBus::open(None).expect("a private bus");
    let _served = krate.serve("hostname1", &bus, &["--zbus-properties"]);
    let refused = hostnamectl(&bus).expect_err("zbus refuses GetAll(\"\")");
    assert!(refused.contains("nterface name"), "{refused}");
}
