//! `dbus-xml-codegen`: generate, check, diff and document D-Bus introspection XML.
//!
//! `dbus-xml-codegen FILE.xml` (no verb) is `generate`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use dbus_xml_codegen::compare::{self, Report};
use dbus_xml_codegen::mock::Mock;
use dbus_xml_codegen::monitor::Monitor;
use dbus_xml_codegen::policy::Policy;
use dbus_xml_codegen::{Builder, Document, check};

/// Generate, check, diff and document D-Bus introspection XML.
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the Rust module generated for FILE: a zbus server trait, adapter and signal
    /// handle, and a client proxy, for every interface in it (the default verb).
    ///
    /// With --dest and --path instead of FILE, generates from the introspection of a running
    /// service: `generate --dest org.freedesktop.login1 --path /org/freedesktop/login1 --system
    /// --client-only`.
    Generate {
        /// The introspection XML file.
        #[arg(required_unless_present = "dest", conflicts_with = "dest")]
        file: Option<PathBuf>,
        /// Generate from the object --path of this running service instead of a file (the
        /// generated proxies call it by default).
        #[arg(long, requires = "path")]
        dest: Option<String>,
        /// The object to introspect, with --dest (the generated proxies call it by default).
        #[arg(long, requires = "dest")]
        path: Option<String>,
        /// With --dest: every object below --path too, each as a child node (so the module's
        /// `nodes` names their paths).
        #[arg(long, short, requires = "dest")]
        recursive: bool,
        #[command(flatten)]
        bus: BusArgs,
        /// The client side (proxies) alone.
        #[arg(long, conflicts_with = "server_only")]
        client_only: bool,
        /// The server side (traits, adapters, signal handles) alone.
        #[arg(long)]
        server_only: bool,
        /// Generate this interface alone; repeat for more [default: every interface but the
        /// standard org.freedesktop.DBus.{Introspectable, Peer, Properties, ObjectManager}].
        #[arg(long = "interface", value_name = "NAME")]
        interfaces: Vec<String>,
        #[command(flatten)]
        released: ReleasedArg,
        /// The well-known bus name that the generated proxies call by default.
        #[arg(long, conflicts_with = "dest")]
        service: Option<String>,
        /// The object path that the generated proxies call by default [default: the root
        /// `<node name>` of FILE, where it is a plausible path of the service].
        #[arg(long)]
        object_path: Option<String>,
        /// Give every trait member a default body: methods and setters answer
        /// org.freedesktop.DBus.Error.NotSupported, getters their type's default value.
        #[arg(long)]
        default_impls: bool,
        /// A typed mock beside each server trait (`NameMock`: records calls, answers set
        /// values), for tests.
        #[arg(long, conflicts_with = "client_only")]
        mock: bool,
        /// Generate the module `object_manager` too: a tree of objects with
        /// org.freedesktop.DBus.ObjectManager (server: `Tree`; client: `watch`).
        #[arg(long)]
        object_manager: bool,
        /// Lay the annotations of this overlay file over FILE's elements (types of values,
        /// `rs.dbus_xml_codegen.*`), leaving FILE as it is; repeat for more.
        #[arg(long = "annotate", value_name = "OVERLAY")]
        overlays: Vec<PathBuf>,
    },
    /// Compare a live object's introspection with FILE.
    ///
    /// Prints every difference, classed as breaking or compatible. Exit codes: 0 no breaking
    /// difference (with --strict: no difference at all), 1 a breaking difference (with
    /// --strict: any), 2 the XML or the object could not be read.
    Check {
        /// The introspection XML the object should match.
        file: PathBuf,
        /// The bus name of the object's owner.
        #[arg(long)]
        dest: String,
        /// The object's path [default: the root `<node name>` of FILE].
        #[arg(long)]
        path: Option<String>,
        /// Fail on compatible differences too.
        #[arg(long)]
        strict: bool,
        /// Check every object below the path too: each against the file's node of the same
        /// path below the root, else against the file's interfaces it carries; and, where the
        /// root serves org.freedesktop.DBus.ObjectManager, GetManagedObjects against the file
        /// (without it, the root object alone, and the report says so).
        #[arg(long, short)]
        recursive: bool,
        #[command(flatten)]
        bus: BusArgs,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Tell whether NEW is compatible with OLD, two versions of one interface file.
    ///
    /// One line per difference, `breaking: PLACE: WHAT` or `compatible: PLACE: WHAT`, with
    /// what an old client of NEW will see where it can fail, and what a new client of OLD
    /// will see where that can fail; then the remedy and a count line. Breaks of unstable
    /// interfaces, and those listed in NEW.accepted-breaks beside NEW, are reported without
    /// failing. Exit codes: 0 nothing breaking, 1 something breaking, 2 a file cannot be read.
    Diff {
        /// OLD NEW: the version that clients were written against, and the new one; with
        /// --against, NEW alone.
        #[arg(required = true, num_args = 1..=2, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Read the old version from git: NEW as it was at this revision (a tag, a branch,
        /// a commit), e.g. `diff --against v0.1.0 api.xml`.
        #[arg(long, value_name = "REV")]
        against: Option<String>,
        /// Fail also where new clients of OLD can fail (forward compatibility: a member
        /// added, access widened to write), not only where old clients of NEW can.
        #[arg(long)]
        forward: bool,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Watch a bus and hold every message to and from the service to FILEs: calls, replies,
    /// signals, PropertiesChanged, InterfacesAdded and GetManagedObjects.
    ///
    /// One line per violation (`FILE:LINE:COL: SENDER #SERIAL MESSAGE: WHAT`) as it is seen,
    /// then a summary. Without COMMAND it watches until interrupted (Ctrl-C). With `--
    /// COMMAND…` it runs COMMAND (a test suite) under the monitor, with
    /// DBUS_SESSION_BUS_ADDRESS set to --address where given, and stops when it ends. Exit
    /// codes: 0 nothing broken, 1 a violation or COMMAND failed, 2 a file or the bus could not
    /// be read.
    Monitor {
        /// The introspection XML files of the service's interfaces.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Check only messages to and from this bus name (and each unique name that owns it)
        /// [default: every message naming an interface of FILEs].
        #[arg(long)]
        dest: Option<String>,
        #[command(flatten)]
        bus: BusArgs,
        /// The command to run under the monitor, after `--`.
        #[arg(last = true, value_name = "COMMAND")]
        command: Vec<OsString>,
    },
    /// Serve a mock of the service that FILEs describe: every object of every file, with
    /// properties at their types' defaults (or from --values), methods answering default
    /// out-values (or scripted replies and errors), and the control interface
    /// org.freedesktop.DBus.Mock (python-dbusmock's) at every object.
    ///
    /// Runs until interrupted (Ctrl-C). Exit codes: 0 stopped, 2 a file or the values could
    /// not be read, or the bus refused the name.
    Mock {
        /// The introspection XML files of the service's interfaces.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// The bus name to own.
        #[arg(long)]
        dest: String,
        /// Serve every file's root node at this object path [default: each file's root
        /// `<node name>`].
        #[arg(long)]
        path: Option<String>,
        /// A JSON file of values: `{PATH: {INTERFACE: {"properties": {NAME: VALUE},
        /// "methods": {NAME: {"reply": [VALUE…]} | {"error": NAME, "message": TEXT}}}}}`.
        #[arg(long, value_name = "FILE")]
        values: Option<PathBuf>,
        /// Serve org.freedesktop.DBus.ObjectManager at this path [default: a file's root,
        /// where the file declares it or has more than one object].
        #[arg(long, value_name = "PATH")]
        object_manager: Option<String>,
        #[command(flatten)]
        bus: BusArgs,
    },
    /// Print a Markdown reference for every interface in FILE.
    Doc {
        /// The introspection XML file.
        file: PathBuf,
        #[command(flatten)]
        released: ReleasedArg,
        /// Lay the annotations of this overlay file over FILE's elements, as `generate
        /// --annotate` does, so the reference shows the types the code has; repeat for more.
        #[arg(long = "annotate", value_name = "OVERLAY")]
        overlays: Vec<PathBuf>,
    },
}

/// The released versions of FILE, for the "Since" of its docs.
#[derive(Debug, clap::Args)]
struct ReleasedArg {
    /// The folder of FILE's released versions (NAME-VERSION.xml for NAME.xml): the docs say
    /// the version that added each interface and member.
    #[arg(long, value_name = "DIR", requires = "file")]
    released: Option<PathBuf>,
}

impl ReleasedArg {
    /// `builder`, reading the released versions where the folder was given.
    fn apply(self, builder: Builder) -> Builder {
        match self.released {
            Some(folder) => builder.released(folder),
            None => builder,
        }
    }
}

/// Which bus a verb that reads a live object connects to.
#[derive(Debug, clap::Args)]
struct BusArgs {
    /// Connect to the bus at this D-Bus address instead of the session bus.
    #[arg(long, value_name = "ADDR", conflicts_with = "system")]
    address: Option<String>,
    /// Connect to the system bus instead of the session bus.
    #[arg(long)]
    system: bool,
}

impl BusArgs {
    /// A connection to the chosen bus.
    async fn connect(&self) -> zbus::Result<zbus::Connection> {
        let bus = match (&self.address, self.system) {
            (Some(address), _) => zbus::connection::Builder::address(address.as_str()),
            (None, true) => zbus::connection::Builder::system(),
            (None, false) => zbus::connection::Builder::session(),
        };
        bus.build().await
    }

    /// The chosen bus's address.
    fn address(&self) -> zbus::Result<zbus::Address> {
        match (&self.address, self.system) {
            (Some(address), _) => address.parse(),
            (None, true) => zbus::Address::system(),
            (None, false) => zbus::Address::session(),
        }
    }
}

/// Runs `work` to its end on a runtime of its own.
fn block_on<T>(work: impl Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
        .block_on(work)
}

/// The verbs; anything else first on the command line is a file for `generate`.
const VERBS: &[&str] = &[
    "generate", "check", "diff", "monitor", "mock", "doc", "help",
];

fn main() -> ExitCode {
    let mut args: Vec<OsString> = std::env::args_os().collect();
    if let Some(first) = args.get(1).and_then(|a| a.to_str())
        && !VERBS.contains(&first)
        && !first.starts_with('-')
    {
        args.insert(1, "generate".into());
    }
    match Cli::parse_from(args).command {
        Command::Generate {
            file,
            dest,
            path,
            recursive,
            bus,
            client_only,
            server_only,
            interfaces,
            service,
            object_path,
            default_impls,
            mock,
            object_manager,
            released,
            overlays,
        } => {
            if dest.is_some() && released.released.is_some() {
                eprintln!(
                    "dbus-xml-codegen generate: --released reads the released versions of FILE; \
                     with --dest there is no FILE (generate from the file to say \"Since\")"
                );
                return ExitCode::from(2);
            }
            let mut builder = Builder::new()
                .default_impls(default_impls)
                .build_mock(mock)
                .object_manager(object_manager)
                .build_server(!client_only)
                .build_client(!server_only);
            if !interfaces.is_empty() {
                builder = builder.interfaces(interfaces);
            }
            builder = released.apply(builder);
            for overlay in overlays {
                builder = builder.annotate(overlay);
            }
            if let Some(service) = service.or_else(|| dest.clone()) {
                builder = builder.service(service);
            }
            if let Some(path) = object_path.or_else(|| path.clone()) {
                builder = builder.object_path(path);
            }
            let code = match (file, dest, path) {
                (Some(file), ..) => builder.generate_file(&file).map_err(Into::into),
                (None, Some(dest), Some(path)) => block_on(async {
                    let connection = bus.connect().await?;
                    let label = PathBuf::from(format!("{dest}:{path}"));
                    let document = if recursive {
                        let xml = check::introspect_tree_xml(&connection, &dest, &path).await?;
                        Document::parse(&label, &xml)?
                    } else {
                        check::introspect(&connection, &dest, &path).await?
                    };
                    let generated = builder.generate_items(&label, &document)?;
                    Ok::<_, Box<dyn std::error::Error>>(generated.code)
                }),
                _ => unreachable!("clap requires FILE or --dest with --path"),
            };
            match code {
                Ok(code) => {
                    print_out(&code);
                    ExitCode::SUCCESS
                }
                Err(error) => {
                    eprintln!("error: {error}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Check {
            file,
            dest,
            path,
            strict,
            recursive,
            bus,
            json,
        } => {
            let report = block_on(async {
                let connection = bus.connect().await?;
                let path = match path {
                    Some(path) => path,
                    None => Document::read(&file)?
                        .object_path()
                        .map(str::to_owned)
                        .ok_or("FILE's root <node> names no object path: give --path")?,
                };
                check::check(&connection, &dest, &path, &file, recursive)
                    .await
                    .map_err(Box::<dyn std::error::Error>::from)
            });
            let report = report.map(|report| (report, Vec::new()));
            let fails = |r: &Report| r.is_breaking() || (strict && !r.differences.is_empty());
            finish("check", report, json, &fails)
        }
        Command::Diff {
            files,
            against,
            forward,
            json,
        } => {
            let (old, new) = match (files.as_slice(), against) {
                ([old, new], None) => (Document::read(old).map_err(Into::into), new),
                ([new], Some(revision)) => (at_revision(new, &revision), new),
                _ => {
                    eprintln!("dbus-xml-codegen diff: give OLD NEW, or NEW with --against REV");
                    return ExitCode::from(2);
                }
            };
            let report = old.and_then(|old| {
                let policy = Policy::beside(new)?;
                let new = Document::read(new)?;
                let mut report = compare::compare(old.root(), new.root());
                let unmatched = policy.apply(&mut report);
                let notes = unmatched
                    .into_iter()
                    .map(|a| {
                        format!(
                            "{}: accepts a break this comparison does not have: {}",
                            policy
                                .file
                                .as_deref()
                                .unwrap_or(Path::new("policy"))
                                .display(),
                            a.difference
                        )
                    })
                    .collect();
                Ok((report, notes))
            });
            finish("diff", report, json, &|r: &Report| r.fails(forward))
        }
        Command::Monitor {
            files,
            dest,
            bus,
            command,
        } => monitor(&files, dest, &bus, &command),
        Command::Mock {
            files,
            dest,
            path,
            values,
            object_manager,
            bus,
        } => {
            let settings = MockSettings {
                path: path.as_deref(),
                values: values.as_deref(),
                object_manager: object_manager.as_deref(),
            };
            mock(&files, &dest, settings, &bus)
        }
        Command::Doc {
            file,
            released,
            overlays,
        } => {
            let builder = overlays
                .into_iter()
                .fold(released.apply(Builder::new()), Builder::annotate);
            let markdown = builder
                .read(&file)
                .and_then(|document| builder.markdown_reference(&file, &document));
            match markdown {
                Ok(markdown) => {
                    print_out(&markdown);
                    ExitCode::SUCCESS
                }
                Err(error) => {
                    eprintln!("dbus-xml-codegen doc: {error}");
                    ExitCode::from(2)
                }
            }
        }
    }
}

/// `monitor`: watches the bus until interrupted, or while `command` runs.
fn monitor(
    files: &[PathBuf],
    dest: Option<String>,
    bus: &BusArgs,
    command: &[OsString],
) -> ExitCode {
    let stop = |error: &dyn std::fmt::Display| {
        eprintln!("dbus-xml-codegen monitor: {error}");
        ExitCode::from(2)
    };
    let contracts = match dbus_xml_codegen::contract::Contracts::read(files) {
        Ok(contracts) => contracts,
        Err(error) => return stop(&error),
    };
    let address = match bus.address() {
        Ok(address) => address,
        Err(error) => return stop(&format!("which bus: {error}")),
    };
    let run = block_on(async {
        let running = Monitor::new(contracts, dest)
            .start(&address)
            .await?
            .on_violation(|violation| print_out(&format!("{violation}\n")));
        if command.is_empty() {
            eprintln!("dbus-xml-codegen monitor: watching {address} until Ctrl-C");
        }
        let work = async {
            let Some((program, args)) = command.split_first() else {
                return tokio::signal::ctrl_c()
                    .await
                    .map(|()| None)
                    .map_err(|e| format!("cannot wait for Ctrl-C: {e}"));
            };
            let mut child = tokio::process::Command::new(program);
            child.args(args);
            if let Some(address) = &bus.address {
                child.env("DBUS_SESSION_BUS_ADDRESS", address);
            }
            let status = child
                .status()
                .await
                .map_err(|e| format!("cannot run {}: {e}", Path::new(program).display()))?;
            Ok(Some(status))
        };
        let (monitor, status) = running.stop_after(work).await?;
        Ok::<_, Box<dyn std::error::Error>>((monitor, status?))
    });
    let (monitor, status) = match run {
        Ok(run) => run,
        Err(error) => return stop(&error),
    };
    print_out(&format!("{}\n", monitor.report().summary()));
    let failed = status.filter(|status| !status.success());
    if let Some(status) = failed {
        eprintln!("dbus-xml-codegen monitor: the command failed ({status})");
    }
    ExitCode::from(u8::from(
        failed.is_some() || !monitor.report().violations.is_empty(),
    ))
}

/// How `mock` makes its mock.
struct MockSettings<'a> {
    path: Option<&'a str>,
    values: Option<&'a Path>,
    object_manager: Option<&'a str>,
}

/// `mock`: serves the files' mock under `dest` until interrupted.
fn mock(files: &[PathBuf], dest: &str, settings: MockSettings<'_>, bus: &BusArgs) -> ExitCode {
    let made = Mock::read(files, settings.path).and_then(|mock| {
        let mock = match settings.object_manager {
            Some(path) => mock.object_manager(path),
            None => mock,
        };
        match settings.values {
            Some(values) => mock.values_file(values),
            None => Ok(mock),
        }
    });
    let mock = match made {
        Ok(mock) => mock,
        Err(error) => {
            eprintln!("dbus-xml-codegen mock: {error}");
            return ExitCode::from(2);
        }
    };
    let paths = mock.object_paths();
    let served = block_on(async {
        let connection = bus.connect().await?;
        let (handle, serving) = mock.serve(&connection);
        let serving = tokio::spawn(serving);
        handle.request_name(dest).await?;
        eprintln!(
            "dbus-xml-codegen mock: serving {dest} ({}) until Ctrl-C",
            paths.join(", ")
        );
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = serving => {}
        }
        Ok::<_, Box<dyn std::error::Error>>(())
    });
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("dbus-xml-codegen mock: {error}");
            ExitCode::from(2)
        }
    }
}

/// The file at `path` as git has it at `revision`, in the repository that holds it.
fn at_revision(path: &Path, revision: &str) -> Result<Document, Box<dyn std::error::Error>> {
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path.file_name().ok_or("NEW names no file")?;
    // `REV:./NAME` is NAME in the folder git runs in, at REV.
    let spec = format!("{revision}:./{}", name.to_string_lossy());
    let shown = std::process::Command::new("git")
        .arg("-C")
        .arg(folder)
        .args(["show", &spec])
        .output()
        .map_err(|e| format!("git cannot run ({e}); --against needs git"))?;
    if !shown.status.success() {
        let said = String::from_utf8_lossy(&shown.stderr);
        return Err(format!("git show {spec} (in {}): {}", folder.display(), said.trim()).into());
    }
    let xml = String::from_utf8(shown.stdout).map_err(|e| format!("{spec}: not UTF-8: {e}"))?;
    Ok(Document::parse(&spec, &xml)?)
}

/// What `--json` prints: the report, with its remedies, counts and notes.
#[derive(serde::Serialize)]
struct JsonReport<'r> {
    #[serde(flatten)]
    report: &'r Report,
    remedies: Vec<String>,
    breaking: usize,
    compatible: usize,
    waived: usize,
    breaking_for_new_clients: usize,
    waived_for_new_clients: usize,
    notes: &'r [String],
}

/// Prints the report and its notes (or the error) and turns it into the exit code: 0
/// nothing that `fails`, 1 something, 2 no report.
fn finish(
    verb: &str,
    report: Result<(Report, Vec<String>), Box<dyn std::error::Error>>,
    json: bool,
    fails: &dyn Fn(&Report) -> bool,
) -> ExitCode {
    let (report, notes) = match report {
        Ok(report) => report,
        Err(error) => {
            eprintln!("dbus-xml-codegen {verb}: {error}");
            return ExitCode::from(2);
        }
    };
    if json {
        let (breaking_for_new_clients, waived_for_new_clients) =
            report.breaking_for_new_clients_count();
        let printed = JsonReport {
            report: &report,
            remedies: report.remedies(),
            breaking: report.breaking_count(),
            compatible: report.compatible_count(),
            waived: report.waived_count(),
            breaking_for_new_clients,
            waived_for_new_clients,
            notes: &notes,
        };
        let json = serde_json::to_string_pretty(&printed).expect("a report serializes");
        print_out(&format!("{json}\n"));
    } else {
        for note in &notes {
            print_out(&format!("note: {note}\n"));
        }
        print_out(&format!("{report}\n"));
    }
    ExitCode::from(u8::from(fails(&report)))
}

/// Writes `text` to stdout. A reader that went away (`generate FILE | head -1`) ends the
/// command quietly with success, as command-line tools do, rather than with a panic.
fn print_out(text: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => {}
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(error) => {
            eprintln!("dbus-xml-codegen: cannot write to stdout: {error}");
            std::process::exit(1);
        }
    }
}
