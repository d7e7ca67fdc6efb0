//! The baselines a run measures beside the app, which no change to the app can move: a C
//! server on sd-bus (the bus's and a C library's floor) and a hand-written `#[zbus::interface]`
//! (zbus's floor), each answering `quick` with a constant; and the app's generated adapter
//! around the same constant, to show what the generated layer adds to zbus's.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::processes::Service;
use crate::sibling_binary;
use test_bus::PrivateBus;

/// A server of `quick` that answers a constant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Floor {
    /// `bench/c/quick_server.c`, on sd-bus.
    C,
    /// A hand-written `#[zbus::interface]` (`random-data-floor zbus`).
    Zbus,
    /// The generated adapter around a constant (`random-data-floor generated`).
    Generated,
}

/// Where the floors' programs are.
pub(crate) struct Floors {
    c_server: PathBuf,
    rust_server: PathBuf,
}

impl Floors {
    /// Builds the C server beside this binary, and finds `random-data-floor`.
    pub(crate) fn build() -> zbus::Result<Self> {
        let rust_server = sibling_binary("random-data-floor")?;
        let c_server = rust_server.with_file_name("quick-server-c");
        compile_c_server(&c_server)?;
        Ok(Self {
            c_server,
            rust_server,
        })
    }

    /// Starts `floor` on `bus` (under `wrapper`, if given) and waits until it owns the name.
    pub(crate) async fn start(
        &self,
        floor: Floor,
        bus: &PrivateBus,
        wrapper: Option<&str>,
    ) -> zbus::Result<Service> {
        let address = bus.address();
        match floor {
            Floor::C => Service::start(bus, &self.c_server, &[address], wrapper).await,
            Floor::Zbus => {
                Service::start(bus, &self.rust_server, &["zbus", address], wrapper).await
            }
            Floor::Generated => {
                Service::start(bus, &self.rust_server, &["generated", address], wrapper).await
            }
        }
    }
}

/// Compiles `bench/c/quick_server.c` to `output` with the system's C compiler and libsystemd.
fn compile_c_server(output: &Path) -> zbus::Result<()> {
    let source = concat!(env!("CARGO_MANIFEST_DIR"), "/c/quick_server.c");
    let failure = |what: String| zbus::Error::Failure(what);
    let flags = Command::new("pkg-config")
        .args(["--cflags", "--libs", "libsystemd"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .ok_or_else(|| {
            failure(
                "the C floor needs sd-bus's headers: pkg-config finds no libsystemd \
                 (Debian package libsystemd-dev; scripts/prerequisites installs it)"
                    .into(),
            )
        })?;
    let flags = String::from_utf8_lossy(&flags.stdout);
    let compiled = Command::new("cc")
        .args(["-O2", "-o"])
        .arg(output)
        .arg(source)
        .args(flags.split_whitespace())
        .output()
        .map_err(|e| failure(format!("cannot run cc to build the C floor: {e}")))?;
    if compiled.status.success() {
        Ok(())
    } else {
        Err(failure(format!(
            "cc could not build {source}:\n{}",
            String::from_utf8_lossy(&compiled.stderr)
        )))
    }
}
