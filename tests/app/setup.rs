//! README's two commands set up a fresh machine: `scripts/demo` and `scripts/test` check what
//! they need from Debian, and where something is missing (and may not be installed) they name
//! the tool, its package and the apt-get line, instead of failing later with "command not
//! found".

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::run_with_timeout;

/// A PATH on which every program of this machine is found but `hidden`: the folders that
/// hold it are replaced by a folder of links to all their other programs.
fn path_without(hidden: &str, links: &Path) -> String {
    let path = std::env::var_os("PATH").expect("a PATH");
    let mut dirs: Vec<PathBuf> = Vec::new();
    for dir in std::env::split_paths(&path) {
        if !dir.join(hidden).exists() {
            dirs.push(dir);
            continue;
        }
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let link = links.join(entry.file_name());
            if entry.file_name() != hidden && !link.exists() {
                std::os::unix::fs::symlink(entry.path(), link).expect("a link");
            }
        }
    }
    dirs.push(links.to_owned());
    std::env::join_paths(dirs).unwrap().into_string().unwrap()
}

/// Runs `script --check` with `hidden` off the PATH and installing turned off.
async fn check_without(script: &str, hidden: &str) -> (Option<i32>, String) {
    let links = tempfile::tempdir().unwrap();
    let mut command = Command::new(Path::new(env!("CARGO_MANIFEST_DIR")).join(script));
    command
        .arg("--check")
        .env("PATH", path_without(hidden, links.path()))
        .env("RANDOM_DATA_NO_INSTALL", "1");
    let output = run_with_timeout(command).await;
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test]
async fn the_test_command_names_a_missing_tool_and_its_package() {
    let (code, stderr) = check_without("scripts/test", "gdbus-codegen").await;
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("gdbus-codegen (Debian package libglib2.0-dev-bin)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("sudo apt-get install -y libglib2.0-dev-bin"),
        "{stderr}"
    );
}

#[tokio::test]
async fn the_demo_names_a_missing_tool_and_its_package() {
    let (code, stderr) = check_without("scripts/demo", "dbus-run-session").await;
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("dbus-run-session (Debian package dbus-daemon)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("sudo apt-get install -y dbus-daemon"),
        "{stderr}"
    );
}

#[tokio::test]
async fn with_everything_there_both_checks_pass() {
    for script in ["scripts/test", "scripts/demo"] {
        let mut command = Command::new(Path::new(env!("CARGO_MANIFEST_DIR")).join(script));
        command.arg("--check").env("RANDOM_DATA_NO_INSTALL", "1");
        let output = run_with_timeout(command).await;
        assert!(output.status.success(), "{script}: {output:?}");
    }
}
