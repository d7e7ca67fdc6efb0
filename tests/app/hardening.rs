//! The service runs under its shipped sandbox: started the way `dist/system/random-data.service`
//! and `dist/hardening.conf` start it, as far as that is possible without systemd, it serves
//! quick and slow calls on a system bus and stops cleanly.
//!
//! Applied here: the unit's `ExecStart` arguments; an unprivileged user (`nobody`, standing in
//! for `random-data`, which the test does not create) under the shipped bus policy; no new
//! privileges and no capabilities (`setpriv`); an empty environment, `/` as working folder and
//! the unit's `UMask`; network, IPC and hostname namespaces (`unshare`: `PrivateNetwork`,
//! `PrivateIPC`, `ProtectHostname`). Checked on a trace of the run (`strace`), since seccomp
//! cannot be applied without systemd: every system call the service made is allowed by the
//! unit's `SystemCallFilter`, every socket it opened is allowed by `RestrictAddressFamilies`,
//! and it never asked for memory that `MemoryDenyWriteExecute` refuses. Not applied: the file
//! system sandbox (`ProtectSystem`, `PrivateTmp`, …), which the service does not touch.
//! Needs root, as in CI.

use crate::common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};

use common::{PrivateBus, WAIT, debian_tool, fits, printed_number};
use random_data::SERVICE_NAME;

const UNIT: &str = include_str!("../../dist/system/random-data.service");
const HARDENING: &str = include_str!("../../dist/hardening.conf");
const POLICY: &str = include_str!("../../dist/system/com.larry-price.test.conf");

/// The values of `key` in the unit and its drop-in, in order.
fn directive(key: &str) -> Vec<&'static str> {
    [UNIT, HARDENING]
        .iter()
        .flat_map(|file| common::key_values(file, key))
        .collect()
}

/// The system calls that a `SystemCallFilter=` word names: a set (`@name`, as
/// `systemd-analyze syscall-filter` lists it, nested sets expanded) or one call.
fn syscalls_in(word: &str) -> BTreeSet<String> {
    if !word.starts_with('@') {
        return BTreeSet::from([word.to_owned()]);
    }
    let output = debian_tool("systemd-analyze", "systemd")
        .args(["syscall-filter", word])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let listing = String::from_utf8(output.stdout).unwrap();
    listing
        .lines()
        .skip(1)
        .map(str::trim)
        .take_while(|line| !line.is_empty())
        .filter(|line| !line.starts_with('#'))
        .flat_map(syscalls_in)
        .collect()
}

/// What the unit's `SystemCallFilter=` lines allow: the calls of the allow lists, without
/// those of the lines that start with `~` (deny lists).
fn allowed_syscalls() -> BTreeSet<String> {
    let mut allowed = BTreeSet::new();
    for filter in directive("SystemCallFilter") {
        match filter.strip_prefix('~') {
            Some(denied) => {
                let denied: BTreeSet<String> =
                    denied.split_whitespace().flat_map(syscalls_in).collect();
                allowed.retain(|call| !denied.contains(call));
            }
            None => allowed.extend(filter.split_whitespace().flat_map(syscalls_in)),
        }
    }
    assert!(allowed.contains("read"), "the filter was read: {allowed:?}");
    allowed
}

/// The lines of an `strace -f` trace from the `execve` of `program` on, without the exec.
fn after_exec<'a>(trace: &'a str, program: &Path) -> Vec<&'a str> {
    let exec = format!("execve(\"{}\"", program.display());
    let lines: Vec<&str> = trace.lines().collect();
    let start = lines
        .iter()
        .rposition(|line| line.contains(&exec) && line.ends_with("= 0"))
        .unwrap_or_else(|| panic!("no {exec} in the trace"));
    lines[start + 1..].to_vec()
}

/// The name of the system call on a trace line `PID name(args) = result`, if it shows a call.
fn syscall_name(line: &str) -> Option<&str> {
    let (_, call) = line.split_once(' ')?;
    let call = call.trim_start();
    let end = call.find('(')?;
    let name = &call[..end];
    (!name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .then_some(name)
}

/// The user and group that stand in for the unit's `random-data`.
const USER: (&str, &str) = ("nobody", "nogroup");

/// Runs `service` (a copy of the binary that `USER` may run) as the unit does, on `bus`,
/// tracing its system calls into `trace`.
fn hardened_service(bus: &PrivateBus, service: &Path, trace: &Path) -> tokio::process::Child {
    let (user, group) = USER;
    let exec_start = directive("ExecStart");
    let mut args = exec_start[0].split_whitespace();
    let program = args.next().unwrap();
    assert_eq!(program, "@bindir@/random-data-service");
    let umask = directive("UMask")[0];
    assert_eq!(directive("User"), ["random-data"]);
    assert_eq!(directive("NoNewPrivileges"), ["yes"]);
    assert_eq!(directive("CapabilityBoundingSet"), [""]);
    for namespace in ["PrivateNetwork", "PrivateIPC", "ProtectHostname"] {
        assert_eq!(directive(namespace), ["yes"], "{namespace}");
    }

    let mut command = debian_tool("unshare", "util-linux");
    command
        .args(["--net", "--ipc", "--uts", "--"])
        .arg(debian_tool("strace", "strace").get_program())
        .args(["-f", "-qq", "-o"])
        .arg(trace)
        .arg("--")
        .arg(debian_tool("setpriv", "util-linux").get_program())
        .args(["--reuid", user, "--regid", group, "--clear-groups"])
        .args([
            "--no-new-privs",
            "--inh-caps=-all",
            "--bounding-set=-all",
            "--",
        ])
        .args(["/usr/bin/env", "-i"])
        .arg(format!("DBUS_SYSTEM_BUS_ADDRESS={}", bus.address()))
        .args([
            "/bin/sh",
            "-c",
            &format!("umask {umask}; cd /; exec \"$0\" \"$@\""),
        ])
        .arg(service)
        .args(args)
        .stderr(Stdio::piped());
    tokio::process::Command::from(command)
        .kill_on_drop(true)
        .spawn()
        .expect("the hardened service starts")
}

#[tokio::test]
async fn the_service_serves_within_its_sandbox() {
    if !common::may_change_user() {
        return;
    }
    // The shipped policy, for the user that stands in for random-data.
    let policy = POLICY.replace("user=\"random-data\"", "user=\"nobody\"");
    let bus =
        PrivateBus::start_for_every_user_with(|dir| common::system_bus_config(dir, &policy)).await;
    let scratch = tempfile::tempdir().unwrap();
    let trace = scratch.path().join("trace");
    // The service as the user may run it, whatever folder the repository is in.
    let (_copies, copy) = common::copies_for_user(
        USER.0,
        USER.1,
        &[Path::new(env!("CARGO_BIN_EXE_random-data-service"))],
    );
    let service = hardened_service(&bus, &copy[0], &trace);
    let connection = bus.connect().await;
    test_bus::wait_for_name(&connection, SERVICE_NAME)
        .await
        .expect("the hardened service takes its name");

    assert!(fits(&printed_number(&bus.run_client(&["64"]).await), 64));
    // The unit keeps the default tick of a second.
    let slow = bus.run_client(&["2", "--slow"]).await;
    assert!(fits(&printed_number(&slow), 2));

    let dbus = zbus::fdo::DBusProxy::new(&connection).await.unwrap();
    let name = zbus::names::BusName::try_from(SERVICE_NAME).unwrap();
    let pid = dbus.get_connection_unix_process_id(name).await.unwrap();
    let mut kill = Command::new("kill");
    kill.args(["-TERM", &pid.to_string()]);
    assert!(common::run_with_timeout(kill).await.status.success());
    let stopped = tokio::time::timeout(WAIT, service.wait_with_output())
        .await
        .expect("the service stops in time")
        .unwrap();
    assert_eq!(
        stopped.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&stopped.stderr)
    );

    let trace = std::fs::read_to_string(&trace).unwrap();
    let lines = after_exec(&trace, &copy[0]);
    let allowed = allowed_syscalls();
    let made: BTreeSet<&str> = lines.iter().filter_map(|l| syscall_name(l)).collect();
    let refused: Vec<&&str> = made.iter().filter(|c| !allowed.contains(**c)).collect();
    assert!(
        refused.is_empty(),
        "SystemCallFilter would refuse {refused:?} (the service made {made:?})"
    );
    assert_eq!(directive("RestrictAddressFamilies"), ["AF_UNIX"]);
    for line in &lines {
        let call = syscall_name(line).unwrap_or_default();
        if call == "socket" || call == "socketpair" {
            assert!(
                line.contains("(AF_UNIX,"),
                "RestrictAddressFamilies: {line}"
            );
        }
        // What MemoryDenyWriteExecute refuses: writable and executable at once, or making
        // memory executable later.
        let exec = line.contains("PROT_EXEC");
        let refused = match call {
            "mmap" => exec && line.contains("PROT_WRITE"),
            "mprotect" | "pkey_mprotect" => exec,
            _ => false,
        };
        assert!(!refused, "MemoryDenyWriteExecute: {line}");
    }
    eprintln!(
        "{} system calls of {} kinds, all allowed",
        lines.len(),
        made.len()
    );
}
