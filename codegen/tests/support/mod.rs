//! A throwaway crate that includes generated code and depends on zbus and the runtime alone
//! (plus tokio where it runs something), built with cargo the way a user's crate would be.
//! And the corpus of interface files that the corpus-wide tests read.

#![allow(dead_code)] // Each test binary uses its own part of this module.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// How long one cargo run of a generated crate may take.
const CARGO_TIMEOUT: Duration = Duration::from_secs(20 * 60);

/// What generated crates depend on: the zbus the generator targets, and the runtime crate
/// of this workspace.
pub(crate) const DEPENDENCIES: &str = concat!(
    r#"zbus = { version = "=6.2.1", default-features = false, features = ["tokio", "proxy", "service"] }
dbus-xml-runtime = { path = ""#,
    env!("CARGO_MANIFEST_DIR"),
    r#"/../runtime" }
"#
);

/// A crate in the test's temporary folder.
pub(crate) struct GeneratedCrate {
    dir: PathBuf,
}

impl GeneratedCrate {
    /// A fresh crate called `name`, with an empty `src/`, that depends on zbus, tokio and
    /// futures-util.
    pub(crate) fn new(name: &str) -> Self {
        Self::with_manifest(
            name,
            &format!(
                r#"[dependencies]
{DEPENDENCIES}tokio = {{ version = "1", features = ["rt-multi-thread", "macros", "time"] }}
futures-util = {{ version = "0.3", default-features = false }}
"#
            ),
        )
    }

    /// A fresh crate called `name`, with an empty `src/`, whose manifest has `sections`
    /// (dependencies and the like) after its `[package]`.
    pub(crate) fn with_manifest(name: &str, sections: &str) -> Self {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
        let _ = std::fs::remove_dir_all(dir.join("src"));
        std::fs::create_dir_all(dir.join("src")).expect("the crate folder");
        let manifest = format!(
            r#"[package]
name = "{name}"
version = "0.0.0"
edition = "2024"
publish = false

{sections}
# Not part of the project's workspace.
[workspace]
"#
        );
        let krate = Self { dir };
        krate.write("Cargo.toml", &manifest);
        // The workspace's lock file, so that the crate builds against the same versions.
        let lock = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.lock");
        std::fs::copy(lock, krate.dir.join("Cargo.lock")).expect("the workspace's Cargo.lock");
        krate
    }

    /// The path of the crate's binary `name`, once built.
    pub(crate) fn binary(&self, name: &str) -> PathBuf {
        Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("generated-crates-target/debug")
            .join(name)
    }

    /// Writes the generated module `api` as `src/api.rs` and `main` as `src/main.rs`, and builds
    /// them, failing the test with cargo's output where they do not build.
    pub(crate) fn build_program(&self, api: &str, main: &str) {
        self.write("src/api.rs", api);
        self.write("src/main.rs", main);
        let build = self.cargo("build", &["--quiet"]);
        assert!(build.status.success(), "{}", printed(&build));
    }

    /// Runs the built program with the address of `bus` as its argument, failing the test
    /// unless it succeeds.
    pub(crate) fn run_on(&self, bus: &test_bus::PrivateBus) -> Output {
        let run = self.cargo("run", &["--quiet", "--", bus.address()]);
        assert!(run.status.success(), "{}", printed(&run));
        run
    }

    /// Starts the built binary `name` with the address of `bus` and `args`, and waits for it
    /// to print `ready` (it serves from then on); it is killed when the value drops.
    pub(crate) fn serve(&self, name: &str, bus: &test_bus::PrivateBus, args: &[&str]) -> Served {
        let (served, line) = self.start(name, bus, args);
        assert_eq!(
            line.trim(),
            "ready",
            "{name} printed this instead of `ready`"
        );
        served
    }

    /// Starts the built binary `name` with the address of `bus` and `args`, and waits for the
    /// first line it prints; it is killed when the value drops.
    pub(crate) fn start(
        &self,
        name: &str,
        bus: &test_bus::PrivateBus,
        args: &[&str],
    ) -> (Served, String) {
        let mut child = Command::new(self.binary(name))
            .arg(bus.address())
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("the program {name} runs: {e}"));
        let stdout = child.stdout.take().expect("piped");
        let served = Served(child);
        let line = first_line(stdout, test_bus::WAIT);
        (served, line)
    }

    /// The crate's name (and its binary's).
    pub(crate) fn name(&self) -> String {
        self.dir
            .file_name()
            .expect("a crate folder has a name")
            .to_string_lossy()
            .into_owned()
    }

    /// Writes `contents` to `path` in the crate, making its folder if need be.
    pub(crate) fn write(&self, path: &str, contents: &str) {
        let path = self.dir.join(path);
        std::fs::create_dir_all(path.parent().expect("a file has a folder")).expect("a folder");
        std::fs::write(path, contents).expect("a file of the crate");
    }

    /// Runs `cargo COMMAND ARGS` in the crate, offline, with a target folder that all
    /// generated crates share.
    pub(crate) fn cargo(&self, command: &str, args: &[&str]) -> Output {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("generated-crates-target");
        let mut child = Command::new(cargo)
            .args([command, "--offline"])
            .args(args)
            .current_dir(&self.dir)
            .env("CARGO_TARGET_DIR", target)
            .env_remove("RUSTFLAGS")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("cargo runs");
        let started = Instant::now();
        while child.try_wait().expect("cargo's status").is_none() {
            if started.elapsed() > CARGO_TIMEOUT {
                let _ = child.kill();
                panic!("cargo {command} {args:?} took longer than {CARGO_TIMEOUT:?}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        child.wait_with_output().expect("cargo's output")
    }
}

/// The names of `xml`'s elements and attributes that are not in the D-Bus introspection
/// vocabulary (prefixed ones, and namespace declarations), in document order.
pub(crate) fn other_vocabularies(xml: &str) -> Vec<String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut found = Vec::new();
    while let Ok(event) = reader.read_event() {
        match event {
            Event::Eof => break,
            Event::Start(element) | Event::Empty(element) => {
                let names = std::iter::once(element.name().as_ref().to_vec()).chain(
                    element
                        .attributes()
                        .flatten()
                        .map(|a| a.key.as_ref().to_vec()),
                );
                found.extend(
                    names
                        .filter(|n| n.contains(&b':') || n == b"xmlns")
                        .map(|n| String::from_utf8_lossy(&n).into_owned()),
                );
            }
            _ => {}
        }
    }
    found
}

/// `xml`'s D-Bus introspection vocabulary in a canonical form, one item a line: elements with
/// their attributes sorted, text and comments with their white space trimmed; elements and
/// attributes of other vocabularies (prefixed ones, namespace declarations) left out, and a
/// signal arg's `direction="in"` (not allowed by the format; signal args go out).
pub(crate) fn canonical_xml(xml: &str) -> String {
    use quick_xml::events::{BytesStart, Event};
    fn foreign(name: &[u8]) -> bool {
        name.contains(&b':') || name == b"xmlns"
    }
    fn start(element: &BytesStart<'_>, in_signal: bool) -> String {
        let signal_arg = in_signal && element.name().as_ref() == b"arg";
        let mut attributes: Vec<String> = element
            .attributes()
            .flatten()
            .filter(|a| !foreign(a.key.as_ref()))
            .filter(|a| !(signal_arg && a.key.as_ref() == b"direction" && *a.value == *b"in"))
            .map(|a| {
                let key = String::from_utf8_lossy(a.key.as_ref()).into_owned();
                let value = a
                    .unescape_value()
                    .map(|v| v.into_owned())
                    .unwrap_or_default();
                format!("{key}={value:?}")
            })
            .collect();
        attributes.sort();
        let name = String::from_utf8_lossy(element.name().as_ref()).into_owned();
        format!("<{name} {}>", attributes.join(" "))
    }
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut items = Vec::new();
    // Inside an element of another vocabulary: how deep.
    let mut skipping = 0usize;
    let mut in_signal = false;
    loop {
        let event = reader.read_event();
        if skipping > 0 {
            match event {
                Ok(Event::Start(_)) => skipping += 1,
                Ok(Event::End(_)) => skipping -= 1,
                Ok(Event::Eof) | Err(_) => break,
                _ => {}
            }
            continue;
        }
        match event {
            Ok(Event::Start(element)) if foreign(element.name().as_ref()) => skipping = 1,
            Ok(Event::Empty(element)) if foreign(element.name().as_ref()) => {}
            Ok(Event::Eof) => break,
            Ok(Event::Start(element)) => {
                in_signal |= element.name().as_ref() == b"signal";
                items.push(start(&element, in_signal));
            }
            Ok(Event::Empty(element)) => {
                items.push(start(&element, in_signal));
                items.push(format!(
                    "</{}>",
                    String::from_utf8_lossy(element.name().as_ref())
                ));
            }
            Ok(Event::End(element)) => {
                in_signal &= element.name().as_ref() != b"signal";
                items.push(format!(
                    "</{}>",
                    String::from_utf8_lossy(element.name().as_ref())
                ));
            }
            Ok(Event::Text(text)) => {
                let text = String::from_utf8_lossy(&text).trim().to_owned();
                if !text.is_empty() {
                    items.push(text);
                }
            }
            Ok(Event::Comment(text)) => {
                let lines: Vec<String> = String::from_utf8_lossy(&text)
                    .lines()
                    .map(|l| l.trim().to_owned())
                    .filter(|l| !l.is_empty())
                    .collect();
                items.push(format!("<!-- {} -->", lines.join(" ")));
            }
            Ok(other) => items.push(format!("{other:?}")),
            Err(error) => {
                items.push(format!("(not well-formed: {error})"));
                break;
            }
        }
    }
    items.join("\n")
}

/// Reads the first line of `output`, failing the test if none comes within `timeout`.
pub(crate) fn first_line(output: impl std::io::Read + Send + 'static, timeout: Duration) -> String {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let read = std::io::BufRead::read_line(&mut std::io::BufReader::new(output), &mut line);
        let _ = sender.send(read.map(|_| line));
    });
    receiver
        .recv_timeout(timeout)
        .expect("a first line in time")
        .expect("a first line")
}

/// What a command printed, for an assertion message.
pub(crate) fn printed(output: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A program serving on a test's bus, killed when dropped.
pub(crate) struct Served(pub(crate) std::process::Child);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs `dbus-xml-codegen ARGS --address ADDRESS-OF-BUS`, bounded by [`test_bus::WAIT`]: its
/// exit code, and what it printed on stdout and then stderr.
pub(crate) async fn codegen_on(bus: &test_bus::PrivateBus, args: &[&str]) -> (Option<i32>, String) {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_dbus-xml-codegen"))
        .args(args)
        .args(["--address", bus.address()])
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(test_bus::WAIT, output)
        .await
        .expect("dbus-xml-codegen ends in time")
        .expect("dbus-xml-codegen runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    (
        output.status.code(),
        stdout + &String::from_utf8_lossy(&output.stderr),
    )
}

/// Fewer files than this in `DBUS_XML_CORPUS` means the corpus was not fetched.
const FETCHED_CORPUS_MINIMUM: usize = 100;

fn xml_files_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|entry| entry.expect("a folder entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "xml"))
        .collect();
    files.sort();
    files
}

/// The corpus, then the fixtures, which add what the corpus lacks: wide structs, Telepathy
/// types, Qt and GDBus annotations, doc styles, deep nesting, clashing names, an empty
/// interface.
pub(crate) fn corpus() -> Vec<PathBuf> {
    let mut files = xml_files_in("/usr/share/dbus-1/interfaces".as_ref());
    if let Ok(dirs) = std::env::var("DBUS_XML_CORPUS") {
        let fetched: Vec<PathBuf> = std::env::split_paths(&dirs)
            .flat_map(|dir| xml_files_in(&dir))
            .collect();
        assert!(
            fetched.len() >= FETCHED_CORPUS_MINIMUM,
            "DBUS_XML_CORPUS={dirs} holds {} files; was it fetched?",
            fetched.len()
        );
        files.extend(fetched);
    }
    files.sort_by_key(|path| path.file_name().map(|n| n.to_owned()));
    files.dedup_by_key(|path| path.file_name().map(|n| n.to_owned()));
    let fixtures = xml_files_in(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures").as_ref());
    assert!(fixtures.len() >= 6, "{fixtures:?}");
    files.extend(fixtures);
    files
}

/// `dbus-xml-codegen monitor FILES --dest NAME --address ADDR`, the command as users run it,
/// watching a test's bus until [`Monitored::finish`] interrupts it.
pub(crate) struct Monitored {
    child: std::process::Child,
}

impl Monitored {
    /// Starts the monitor and waits until it watches (it says so on stderr).
    pub(crate) fn start(files: &[PathBuf], dest: &str, address: &str) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_dbus-xml-codegen"))
            .arg("monitor")
            .args(files)
            .args(["--dest", dest, "--address", address])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("dbus-xml-codegen monitor starts");
        let stderr = test_bus::Lines::of(child.stderr.take().expect("piped stderr"));
        let said = stderr.next_before(Instant::now() + test_bus::WAIT);
        assert!(
            said.as_deref().is_some_and(|s| s.contains("watching")),
            "the monitor did not say it watches within {:?} (it said {said:?}; is the bus up?)",
            test_bus::WAIT
        );
        Self { child }
    }

    /// Interrupts the monitor (as Ctrl-C does) and returns its exit code and what it printed.
    pub(crate) fn finish(mut self) -> (Option<i32>, String) {
        let interrupted = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(interrupted.success());
        let stdout = self.child.stdout.take().expect("piped stdout");
        let lines = test_bus::Lines::of(stdout);
        let deadline = Instant::now() + test_bus::WAIT;
        let mut printed = String::new();
        while let Some(line) = lines.next_before(deadline) {
            printed.push_str(&line);
            printed.push('\n');
        }
        let code = self.child.try_wait().ok().flatten().and_then(|s| s.code());
        let code = code.or_else(|| {
            std::thread::sleep(Duration::from_millis(100));
            let _ = self.child.kill();
            self.child.wait().ok().and_then(|s| s.code())
        });
        (code, printed)
    }
}
