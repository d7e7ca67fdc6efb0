//! Bindings for other languages from the same XML, end to end against the Rust service: a C
//! client on gdbus-codegen's bindings, and a Python client whose proxy is built at run time.

use crate::common;

use std::process::Command;

use common::{
    PYGOBJECT, PrivateBus, debian_python, debian_tool, fits, printed_number, run_with_timeout,
};

#[tokio::test]
async fn a_c_client_on_gdbus_codegen_bindings_calls_quick_and_slow() {
    // What bindings/c/build.sh runs.
    debian_tool("gdbus-codegen", "libglib2.0-dev-bin");
    debian_tool("gcc", "gcc");
    let mut gio = debian_tool("pkg-config", "pkg-config");
    let found = gio.args(["--exists", "gio-unix-2.0"]).status();
    assert!(
        found.is_ok_and(|status| status.success()),
        "this test needs GIO's headers, from the Debian package libglib2.0-dev"
    );
    let out_dir = tempfile::tempdir().unwrap();
    let mut build = Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/bindings/c/build.sh"));
    build.arg(out_dir.path());
    let built = run_with_timeout(build).await;
    assert!(built.status.success(), "{built:?}");

    let mut bus = PrivateBus::start_watched().await;
    let _service = bus.start_service().await;
    let client = out_dir.path().join("random-data-c");
    for (args, bits) in [(&["24"][..], 24), (&["7", "--slow"][..], 7)] {
        let mut c = Command::new(&client);
        c.args(args).env("DBUS_SESSION_BUS_ADDRESS", bus.address());
        assert!(
            fits(&printed_number(&run_with_timeout(c).await), bits),
            "{args:?}"
        );
    }
    // The bindings check types too: bits out of range is the service's InvalidArgs.
    let mut c = Command::new(&client);
    c.args(["0"]).env("DBUS_SESSION_BUS_ADDRESS", bus.address());
    let refused = run_with_timeout(c).await;
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("bits must be between 1 and 4096"));
    bus.assert_contract_kept().await;
}

#[tokio::test]
async fn a_python_client_with_a_proxy_built_from_the_xml_calls_quick_and_slow() {
    let mut bus = PrivateBus::start_watched().await;
    let _service = bus.start_service().await;
    for (args, bits) in [(&["33"][..], 33), (&["5", "--slow"][..], 5)] {
        let mut python = debian_python(&[PYGOBJECT]);
        python
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/bindings/python/gio_client.py"
            ))
            .arg(bus.address())
            .args(args);
        assert!(
            fits(&printed_number(&run_with_timeout(python).await), bits),
            "{args:?}"
        );
    }
    bus.assert_contract_kept().await;
}
