//! Real-world interface files and the fixtures, end to end:
//! - every file generates (with default bodies), or is refused with a located error;
//! - all that generate compile under `clippy -D warnings` in one crate that depends on zbus
//!   alone (tokio only to run it), each with its `object_manager` module and typed mocks;
//! - served over a private bus, every interface of every file describes itself exactly as
//!   its file does: the toolkit's check reports nothing, and each `<interface>` element equals
//!   the source's after canonical formatting (white space, attribute order).
//!
//! The corpus is `/usr/share/dbus-1/interfaces` plus the folders in `DBUS_XML_CORPUS`
//! (colon-separated); `.ci/run` fills one from Debian packages (`scripts/fetch-corpus`).

#[path = "reference/proxy.rs"]
mod proxy_reference;
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use dbus_xml_codegen::compare;
use dbus_xml_codegen::mock::Mock;
use dbus_xml_codegen::{Builder, Document, Error, GeneratedInterface, check};
use support::{DEPENDENCIES, GeneratedCrate, canonical_xml, corpus, other_vocabularies, printed};

/// Files that are not well-formed XML upstream, and must be refused, not generated.
const KNOWN_MALFORMED: &[(&str, &str)] = &[(
    "net.reactivated.Fprint.Device.xml",
    "uses the entity &FINGER_ALREADY_ENROLLED; that its DOCTYPE does not declare",
)];

/// The bus name the served corpus takes.
const SERVED_NAME: &str = "org.example.Corpus";

/// One generated file: where it came from, its module, and what generation made of each of
/// its interfaces (the standard ones left out: zbus serves those itself).
struct Generated {
    file: PathBuf,
    module: String,
    interfaces: Vec<GeneratedInterface>,
}

/// A program that serves every interface of `generated` file `m{i}` at `/m{i}`, with default
/// bodies only; or, given `--proxy-signatures`, prints where a generated proxy's signatures
/// differ from zbus_xmlgen's, and exits 1 if any do.
fn serving_program(generated: &[Generated]) -> String {
    let mut modules = String::new();
    let mut impls = String::new();
    let mut serve = String::new();
    let mut checks = String::new();
    for file in generated {
        let module = &file.module;
        let name = file.file.file_name().unwrap().to_string_lossy();
        modules.push_str(&format!(
            "/// `{name}`\nmod {module} {{\n    include!(\"{module}.rs\");\n    include!(\"{module}_proxy_signatures.rs\");\n}}\n"
        ));
        checks.push_str(&format!(
            "    problems.extend({module}::proxy_signatures::problems());\n"
        ));
        for made in &file.interfaces {
            let made = made.server.as_ref().expect("both sides are generated");
            let (server, trait_, adapter) = (&made.module, &made.trait_name, &made.adapter);
            impls.push_str(&format!(
                "impl {module}::{server}::{trait_} for Stub {{\n    type Error = zbus::fdo::Error;\n}}\n"
            ));
            serve.push_str(&format!(
                "    dbus_xml_runtime::serve_at(&connection, \"/{module}\", {module}::{server}::{adapter}::new(Stub)).await?;\n"
            ));
        }
    }
    format!(
        r#"//! Serves every interface of the corpus, each file at a path of its own.
#![allow(deprecated)]

{modules}
/// Implements every interface with the generated default bodies.
struct Stub;

{impls}
#[tokio::main]
async fn main() -> zbus::Result<()> {{
    let address = std::env::args().nth(1).expect("a bus address");
    if address == "--proxy-signatures" {{
        let mut problems: Vec<String> = Vec::new();
{checks}        for problem in &problems {{
            println!("{{problem}}");
        }}
        std::process::exit(i32::from(!problems.is_empty()));
    }}
    let connection = zbus::connection::Builder::address(address.as_str())
        .name("{SERVED_NAME}")
        .build()
        .await?;
{serve}    println!("ready");
    std::future::pending::<()>().await;
    Ok(())
}}
"#
    )
}

/// Where Debian's qdbus-qt6 puts Qt's `qdbus` (off PATH).
const QDBUS: &str = "/usr/lib/qt6/bin/qdbus";

/// What `client` printed, or why it failed; `package` is where it comes from.
fn listing(client: &mut Command, package: &str) -> Result<String, String> {
    let output = client.output().unwrap_or_else(|e| {
        panic!(
            "{client:?} runs (Debian package {package}, which scripts/prerequisites installs): {e}"
        )
    });
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

/// `busctl ARGS` on the bus at `address` (sd-bus's introspection parser, the strictest one).
fn busctl(address: &str, args: &[&str]) -> Result<String, String> {
    let mut busctl = Command::new("busctl");
    busctl
        .arg(format!("--address={address}"))
        .args(["--no-pager", "--timeout=20"])
        .args(args);
    listing(&mut busctl, "systemd")
}

/// How GDBus's and Qt's parsers list the object at `path` (`gdbus introspect`, `qdbus`); each
/// listing names every interface that has a member.
fn other_listings(
    address: &str,
    dest: &str,
    path: &str,
) -> [(&'static str, Result<String, String>); 2] {
    let mut gdbus = Command::new("timeout");
    gdbus
        .args([
            "20",
            "gdbus",
            "introspect",
            "--address",
            address,
            "--dest",
            dest,
        ])
        .args(["--object-path", path]);
    let mut qdbus = Command::new("timeout");
    qdbus
        .args(["20", QDBUS, dest, path])
        .env("DBUS_SESSION_BUS_ADDRESS", address);
    [
        ("gdbus introspect", listing(&mut gdbus, "libglib2.0-bin")),
        ("qdbus", listing(&mut qdbus, "qdbus-qt6")),
    ]
}

/// What gdbus and qdbus fail to list of `interfaces` at `path` of `dest`: each listing names
/// every interface that has a member.
fn listing_problems(
    address: &str,
    dest: &str,
    path: &str,
    interfaces: &[dbus_xml_codegen::wire::Interface],
) -> Vec<String> {
    let mut problems = Vec::new();
    for (client, listed) in other_listings(address, dest, path) {
        match listed {
            Ok(listing) => {
                for interface in interfaces {
                    let methods = interface.methods.iter().map(|m| &m.name);
                    let signals = interface.signals.iter().map(|s| &s.name);
                    let properties = interface.properties.iter().map(|p| &p.name);
                    // gdbus lists interfaces (`interface NAME {`); qdbus lists members
                    // (`method … NAME.Member(…)`), and leaves out those whose names the
                    // specification does not allow (portals' `power-saver-enabled`).
                    let mut members = methods
                        .chain(signals)
                        .chain(properties)
                        .filter(|member| {
                            let mut chars = member.chars();
                            chars
                                .next()
                                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
                        })
                        .peekable();
                    if members.peek().is_none() {
                        continue;
                    }
                    let name = &interface.name;
                    let named = listing.contains(&format!("interface {name} {{"))
                        || members.any(|member| listing.contains(&format!("{name}.{member}")));
                    if !named {
                        problems.push(format!("{client} lists no {}", interface.name));
                    }
                }
            }
            Err(error) => problems.push(format!("{client} {path}: {error}")),
        }
    }
    problems
}

/// Compares what `/m{i}` says of itself with file `m{i}`, and what busctl reads of it;
/// returns what differs.
async fn fidelity_of(
    connection: &zbus::Connection,
    address: &str,
    generated: &Generated,
) -> Vec<String> {
    let source = Document::read(&generated.file).expect("the file parsed before");
    let path = format!("/{}", generated.module);
    let live = check::introspect(connection, SERVED_NAME, &path)
        .await
        .expect("the object introspects");
    let mut problems = Vec::new();
    // The file's served interfaces (nested nodes' too), as one node of their own.
    let elements: Vec<&str> = generated
        .interfaces
        .iter()
        .map(|made| source.interface_xml(&made.interface).expect("its text"))
        .collect();
    let declared = Document::parse(
        "declared.xml",
        &format!("<node>\n{}\n</node>", elements.join("\n")),
    )
    .expect("the interface elements stand alone");
    let report = compare::compare(declared.root(), live.root());
    for difference in &report.differences {
        problems.push(format!("check: {difference}"));
    }
    match busctl(address, &["introspect", SERVED_NAME, &path]) {
        Ok(listing) => {
            for made in &generated.interfaces {
                if !listing.contains(&made.interface) {
                    problems.push(format!("busctl introspect lists no {}", made.interface));
                }
            }
        }
        Err(error) => problems.push(format!("busctl introspect {path}: {error}")),
    }
    problems.extend(listing_problems(
        address,
        SERVED_NAME,
        &path,
        &live.root().interfaces,
    ));
    for made in &generated.interfaces {
        let name = &made.interface;
        if let Some(foreign) = live.interface_xml(name).map(other_vocabularies)
            && !foreign.is_empty()
        {
            problems.push(format!("{name}: served other vocabularies: {foreign:?}"));
        }
        let want = canonical_xml(source.interface_xml(name).unwrap());
        match live.interface_xml(name).map(canonical_xml) {
            Some(got) if got == want => {}
            Some(got) => problems.push(format!("{name}: served\n{got}\ninstead of\n{want}")),
            None => problems.push(format!("{name}: not served")),
        }
    }
    problems
}

#[test]
fn real_world_interfaces_compile_with_zbus_alone_and_serve_their_xml_exactly() {
    let files = corpus();
    // zbus, and tokio only to run the program: generated code never names tokio.
    let krate = GeneratedCrate::with_manifest(
        "corpus",
        &format!(
            "[dependencies]\n{DEPENDENCIES}{}",
            r#"tokio = { version = "1", features = ["rt-multi-thread", "macros"] }
"#
        ),
    );
    let mut generated = Vec::new();
    let mut refused = Vec::new();
    let (mut unpaired, mut compared, mut incomparable) = (Vec::new(), 0, 0);
    for (index, file) in files.iter().enumerate() {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let made = Document::read(file).and_then(|document| {
            Builder::new()
                .default_impls(true)
                .object_manager(true)
                .build_mock(true)
                .generate_items(file, &document)
                .map(|made| (document, made))
        });
        match made {
            Ok((document, made)) => {
                let module = format!("m{index}");
                krate.write(&format!("src/{module}.rs"), &made.code);
                let lines = proxy_checks(file, &document, &made, &mut unpaired, &mut incomparable);
                compared += lines.len();
                let named_types = made.code.contains("\npub mod types {");
                krate.write(
                    &format!("src/{module}_proxy_signatures.rs"),
                    &proxy_reference::module(&lines, named_types),
                );
                generated.push(Generated {
                    file: file.clone(),
                    module,
                    // The standard interfaces are left out by the builder.
                    interfaces: made.interfaces,
                });
            }
            Err(error) => refused.push((name, error)),
        }
    }
    let interfaces: usize = generated.iter().map(|g| g.interfaces.len()).sum();
    eprintln!(
        "corpus: {} files, {} generated ({interfaces} interfaces), {} refused",
        files.len(),
        generated.len(),
        refused.len()
    );
    for (name, error) in &refused {
        eprintln!("refused {name}: {error}");
        let known = KNOWN_MALFORMED.iter().any(|(known, _)| known == name);
        assert!(known, "{name} was refused: {error}");
        match error {
            Error::Xml { location, .. } => assert!(location.line_column.is_some(), "{error}"),
            other => panic!("{name}: expected a located XML error, got {other}"),
        }
    }

    krate.write("src/main.rs", &serving_program(&generated));
    let clippy = krate.cargo("clippy", &["--quiet", "--", "-D", "warnings"]);
    assert!(clippy.status.success(), "{}", printed(&clippy));
    let build = krate.cargo("build", &["--quiet"]);
    assert!(build.status.success(), "{}", printed(&build));

    // zbus_xmlgen's proxies are the reference for the generated ones, on the wire.
    let signatures = Command::new(krate.binary("corpus"))
        .arg("--proxy-signatures")
        .output()
        .expect("the corpus program runs");
    eprintln!(
        "proxies against zbus_xmlgen's: {compared} signatures compared ({incomparable} not: \
         zbus_xmlgen's tuples of over 16), {} functions unpaired, {} differ",
        unpaired.len(),
        String::from_utf8_lossy(&signatures.stdout).lines().count()
    );
    assert!(unpaired.is_empty(), "{}", unpaired.join("\n"));
    assert!(signatures.status.success(), "{}", printed(&signatures));

    let bus = test_bus::PrivateBus::open(None).expect("a private bus");
    let _served = krate.serve("corpus", &bus, &[]);

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let problems: Vec<String> = runtime.block_on(async {
        let connection = bus.connect().await.expect("a connection");
        let mut problems = Vec::new();
        for file in &generated {
            for problem in fidelity_of(&connection, bus.address(), file).await {
                problems.push(format!("{}: {problem}", file.file.display()));
            }
        }
        // busctl tree walks every object through the root's introspection.
        match busctl(bus.address(), &["tree", SERVED_NAME]) {
            Ok(tree) => problems.extend(
                generated
                    .iter()
                    .filter(|file| !tree.contains(&format!("/{}", file.module)))
                    .map(|file| format!("busctl tree lists no /{}", file.module)),
            ),
            Err(error) => problems.push(format!("busctl tree: {error}")),
        }
        problems
    });
    eprintln!(
        "fidelity (zbus's check, canonical text, busctl introspect and tree, gdbus introspect, \
         qdbus): {} files, \
         {interfaces} interfaces served and compared, {} problems",
        generated.len(),
        problems.len()
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Every file mocked with no code (`dbus-xml-codegen mock`'s library), each on a connection
/// of its own at `/m`: `check --strict --recursive` finds no difference, and busctl, gdbus
/// and qdbus read every object.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_file_mocked_passes_check_strict_and_reads_in_busctl_gdbus_and_qdbus() {
    let bus = test_bus::PrivateBus::open(None).expect("a private dbus-daemon starts");
    let client = bus.connect().await.expect("the checker connects");
    let (mut mocked, mut objects, mut problems) = (0, 0, Vec::new());
    for file in corpus() {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let Ok(document) = Document::read(&file) else {
            continue; // Refused with a located error, as the generation test shows.
        };
        let root = document.root().clone();
        let mock = Mock::new([(document, Some("/m".to_owned()))]).expect("a path is given");
        let paths = mock.object_paths();
        let connection = bus.connect().await.expect("the mock connects");
        let dest = connection.unique_name().expect("a unique name").to_string();
        let (_handle, serving) = mock.serve(&connection);
        let serving = tokio::spawn(serving);
        match check::check(&client, &dest, "/m", &file, true).await {
            Ok(report) => problems.extend(
                report
                    .differences
                    .iter()
                    .map(|d| format!("{name}: check --strict: {d}")),
            ),
            Err(error) => problems.push(format!("{name}: check: {error}")),
        }
        tokio::task::block_in_place(|| {
            for path in &paths {
                let relative = path
                    .strip_prefix("/m")
                    .unwrap_or_default()
                    .trim_start_matches('/');
                let node = root
                    .find(relative)
                    .expect("each object is a node of the file");
                let interfaces: Vec<_> = node
                    .interfaces
                    .iter()
                    .filter(|i| !compare::STANDARD_INTERFACES.contains(&i.name.as_str()))
                    .cloned()
                    .collect();
                match busctl(bus.address(), &["introspect", &dest, path]) {
                    Ok(listing) => problems.extend(
                        interfaces
                            .iter()
                            .filter(|i| !listing.contains(&i.name))
                            .map(|i| {
                                format!("{name}: busctl introspect {path} lists no {}", i.name)
                            }),
                    ),
                    Err(error) => {
                        problems.push(format!("{name}: busctl introspect {path}: {error}"))
                    }
                }
                let listed = listing_problems(bus.address(), &dest, path, &interfaces);
                problems.extend(listed.into_iter().map(|p| format!("{name}: {p}")));
            }
        });
        serving.abort();
        mocked += 1;
        objects += paths.len();
    }
    eprintln!(
        "mocked: {mocked} files, {objects} objects; check --strict --recursive, busctl \
         introspect, gdbus introspect, qdbus: {} problems",
        problems.len()
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The checks of the proxies that `made` holds for `file` against zbus_xmlgen's (see
/// `reference/proxy.rs`); what cannot be paired goes to `unpaired`.
fn proxy_checks(
    file: &Path,
    document: &Document,
    made: &dbus_xml_codegen::Generated,
    unpaired: &mut Vec<String>,
    incomparable: &mut usize,
) -> Vec<String> {
    let code = syn::parse_file(&made.code).expect("generated code parses");
    let mut lines = Vec::new();
    for interface in &made.interfaces {
        let Some(client) = &interface.client else {
            continue;
        };
        // As the document holds it, entities expanded (raw zbus_xml reads no DTD).
        let xml = document
            .interface_xml(&interface.interface)
            .expect("a generated interface is in its file");
        let text = format!("<node>{xml}</node>");
        let node = match zbus_xml::Node::from_reader(text.as_bytes()) {
            Ok(node) => node,
            Err(error) => {
                let file = file.display();
                unpaired.push(format!("{file}: zbus_xml does not read it: {error}"));
                continue;
            }
        };
        let reference = &node.interfaces()[0];
        let trait_name = client
            .proxy
            .strip_suffix("Proxy")
            .expect("a proxy is `NameProxy`");
        let checks = proxy_reference::checks(&code, &client.module, trait_name, reference);
        lines.extend(checks.lines);
        unpaired.extend(
            checks
                .unpaired
                .into_iter()
                .map(|p| format!("{}: {p}", file.display())),
        );
        *incomparable += checks.incomparable.len();
    }
    lines
}

/// `xml` written out again as another tool might: every element's attributes in reverse
/// order, empty elements opened and closed, other white space between elements, and other
/// comment text. Everything the bus sees stays as it was.
fn reformatted(xml: &str) -> String {
    use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut writer = quick_xml::Writer::new(Vec::new());
    let reversed = |element: &BytesStart<'_>| {
        let name = String::from_utf8_lossy(element.name().as_ref()).into_owned();
        let mut attributes: Vec<_> = element
            .attributes()
            .map(|a| a.expect("a well-formed attribute"))
            .collect();
        attributes.reverse();
        (
            BytesStart::new(name.clone()).with_attributes(attributes),
            name,
        )
    };
    loop {
        let event = reader.read_event().expect("the file parsed before");
        let written = match event {
            Event::Eof => break,
            Event::Start(element) => Event::Start(reversed(&element).0),
            Event::Empty(element) => {
                let (start, name) = reversed(&element);
                writer.write_event(Event::Start(start)).unwrap();
                Event::End(BytesEnd::new(name))
            }
            Event::Text(text) if text.iter().all(u8::is_ascii_whitespace) => {
                Event::Text(BytesText::from_escaped("\n\t \n  "))
            }
            Event::Comment(_) => Event::Comment(BytesText::from_escaped(" reformatted ")),
            other => other,
        };
        writer.write_event(written).unwrap();
    }
    String::from_utf8(writer.into_inner()).expect("UTF-8 in, UTF-8 out")
}

#[test]
fn every_file_diffs_clean_against_itself_and_a_reformatted_copy() {
    let mut compared = 0;
    let mut problems = Vec::new();
    for file in corpus() {
        let Ok(document) = Document::read(&file) else {
            continue; // KNOWN_MALFORMED; the test above checks how it is refused.
        };
        let xml = std::fs::read_to_string(&file).unwrap();
        let copy = reformatted(&xml);
        assert_ne!(
            copy,
            xml,
            "{}: reformatting changed nothing",
            file.display()
        );
        let copy = Document::parse("reformatted.xml", &copy).unwrap_or_else(|e| {
            panic!(
                "{}: the reformatted copy does not parse: {e}",
                file.display()
            )
        });
        for (what, other) in [("itself", &document), ("its reformatted copy", &copy)] {
            let report = compare::compare(document.root(), other.root());
            if report != compare::Report::default() {
                problems.push(format!("{} against {what}:\n{report}", file.display()));
            }
        }
        compared += 1;
    }
    eprintln!("self-diff: {compared} files, each against itself and a reformatted copy");
    assert!(compared >= 6, "only {compared} files");
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}
