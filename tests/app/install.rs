//! `scripts/install` into scratch folders (`DESTDIR`), as a packager runs it: the man pages
//! render with `man -l`, the completions load in bash, `systemd-analyze security
//! --offline=yes` rates both hardened units, and the installed files agree on the names they
//! share.

use crate::common;

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use common::{debian_tool, key_values as values};
use random_data::SERVICE_NAME;

/// The most exposure `systemd-analyze security` (0 to 10) may give the installed units.
const MOST_EXPOSURE: f64 = 1.5;

/// The files of one `scripts/install` run, under a scratch `DESTDIR`.
struct Installed {
    destdir: tempfile::TempDir,
    prefix: &'static str,
}

impl Installed {
    /// Runs `scripts/install ARGS PREFIX` with `DESTDIR` a fresh folder, on an unoptimised
    /// build.
    async fn run(args: &[&str], prefix: &'static str) -> Self {
        let destdir = tempfile::tempdir().unwrap();
        let mut install = Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/install"));
        install
            .args(args)
            .arg(prefix)
            .env("DESTDIR", destdir.path())
            .env("RANDOM_DATA_PROFILE", "dev");
        // It builds first: give it the time of a build.
        let output = common::run_within(install, Duration::from_secs(600)).await;
        assert!(
            output.status.success(),
            "scripts/install failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        Self { destdir, prefix }
    }

    /// Where the file installed as `path` (absolute, or relative to the prefix) is.
    fn path(&self, path: &str) -> PathBuf {
        let absolute = if path.starts_with('/') {
            path.to_owned()
        } else {
            format!("{}/{path}", self.prefix)
        };
        self.destdir.path().join(absolute.trim_start_matches('/'))
    }

    /// The text of the file installed as `path`.
    fn read(&self, path: &str) -> String {
        let file = self.path(path);
        std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
    }

    /// The exposure `systemd-analyze security --offline=yes` gives the unit installed as
    /// `path`, with its drop-ins.
    fn exposure(&self, path: &str) -> f64 {
        let output = debian_tool("systemd-analyze", "systemd")
            .args(["security", "--offline=yes"])
            .arg(self.path(path))
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        stdout
            .lines()
            .find_map(|line| {
                line.split_once("Overall exposure level for ")?
                    .1
                    .split_once(": ")
            })
            .and_then(|(_, rating)| rating.split_whitespace().next()?.parse().ok())
            .unwrap_or_else(|| panic!("no exposure in {stdout}"))
    }
}

#[tokio::test]
async fn the_man_pages_render_and_the_completions_load() {
    let installed = Installed::run(&[], "/usr/local").await;
    for (page, expected) in [
        (
            "share/man/man1/random-data.1",
            ["--slow", "random-data-service(8)"],
        ),
        (
            "share/man/man8/random-data-service.8",
            ["--max-pending-per-user", "random-data(1)"],
        ),
    ] {
        let output = debian_tool("man", "man-db")
            .arg("-l")
            .arg(installed.path(page))
            .env("LC_ALL", "C")
            .env("MANWIDTH", "100")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "man -l {page}: {output:?}");
        for words in ["NAME", "SYNOPSIS", "OPTIONS", "SEE ALSO"]
            .iter()
            .chain(&expected)
        {
            assert!(text.contains(words), "{page} lacks {words}:\n{text}");
        }
    }
    for command in ["random-data", "random-data-service"] {
        let completion = installed.path(&format!("share/bash-completion/completions/{command}"));
        let output = Command::new("bash")
            .args(["-c", "source \"$1\" && complete -p \"$2\"", "bash"])
            .arg(&completion)
            .arg(command)
            .output()
            .unwrap();
        let registered = String::from_utf8_lossy(&output.stdout);
        assert!(
            registered.starts_with("complete ") && registered.trim_end().ends_with(command),
            "{command}: {output:?}"
        );
        for other in [
            format!("share/zsh/site-functions/_{command}"),
            format!("share/fish/vendor_completions.d/{command}.fish"),
        ] {
            assert!(installed.read(&other).contains("--help"), "{other}");
        }
    }
}

#[tokio::test]
async fn both_units_are_hardened_and_the_system_unit_rates_at_most_1_5() {
    let system = Installed::run(&["--system"], "/usr").await;
    let session = Installed::run(&[], "/home/someone/.local").await;
    let system_exposure = system.exposure("lib/systemd/system/random-data.service");
    // Offline, the user unit is rated as if the system ran it as root (no User=).
    let session_exposure = session.exposure("share/systemd/user/random-data.service");
    eprintln!("exposure: system unit {system_exposure}, user unit {session_exposure}");
    assert!(system_exposure <= MOST_EXPOSURE, "{system_exposure}");
    assert!(session_exposure <= MOST_EXPOSURE, "{session_exposure}");
}

#[tokio::test]
async fn the_installed_files_agree_on_the_names_they_share() {
    let system = Installed::run(&["--system"], "/usr").await;
    let activation = system.read("share/dbus-1/system-services/com.larry-price.test.service");
    let unit = system.read("lib/systemd/system/random-data.service");
    assert_eq!(values(&activation, "Name"), [SERVICE_NAME]);
    assert_eq!(values(&unit, "BusName"), [SERVICE_NAME]);
    assert_eq!(
        values(&activation, "Exec"),
        ["/usr/bin/random-data-service --system"]
    );
    assert_eq!(values(&unit, "ExecStart"), values(&activation, "Exec"));
    assert!(system.path("bin/random-data-service").is_file());
    assert_eq!(
        values(&activation, "SystemdService"),
        ["random-data.service"]
    );
    // One user everywhere: the one sysusers.d makes, the unit runs as, the policy lets own.
    assert_eq!(values(&activation, "User"), ["random-data"]);
    assert_eq!(values(&unit, "User"), ["random-data"]);
    let sysusers = system.read("lib/sysusers.d/random-data.conf");
    assert!(sysusers.lines().any(|l| l.starts_with("u random-data ")));
    let policy = system.read("/usr/share/dbus-1/system.d/com.larry-price.test.conf");
    assert!(policy.contains(&format!(
        "<policy user=\"random-data\">\n    <allow own=\"{SERVICE_NAME}\"/>"
    )));
    // Each man: reference is an installed page.
    for reference in values(&unit, "Documentation")[0].split_whitespace() {
        let (name, section) = reference
            .strip_prefix("man:")
            .and_then(|page| page.strip_suffix(')')?.split_once('('))
            .unwrap_or_else(|| panic!("not a man page: {reference}"));
        assert!(
            system
                .path(&format!("share/man/man{section}/{name}.{section}"))
                .is_file(),
            "{reference}"
        );
    }

    let session = Installed::run(&[], "/home/someone/.local").await;
    let activation = session.read("share/dbus-1/services/com.larry-price.test.service");
    let unit = session.read("share/systemd/user/random-data.service");
    assert_eq!(
        values(&activation, "Exec"),
        ["/home/someone/.local/bin/random-data-service"]
    );
    assert_eq!(values(&unit, "ExecStart"), values(&activation, "Exec"));
    assert_eq!(
        values(&activation, "SystemdService"),
        ["random-data.service"]
    );
    assert!(values(&unit, "User").is_empty());
}
