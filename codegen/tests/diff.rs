//! `dbus-xml-codegen diff OLD NEW`, table-driven: every rule of API compatibility, each on a
//! pair of files made from one base file (two interfaces, a DOCTYPE entity, unnamed
//! arguments) by the edits in the table, run through the command as a user would.

use std::path::Path;
use std::process::{Command, Output};

/// The file that every pair starts from.
const BASE: &str = r#"<!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd" [
  <!ENTITY ERRORS "org.example.Shop1.Error">
]>
<node name="/org/example/Shop">
  <interface name="org.example.Shop1">
    <method name="Buy">
      <arg name="item" type="s" direction="in"/>
      <arg type="u" direction="in"/>
      <arg name="receipt" type="o" direction="out"/>
      <annotation name="org.example.Errors" value="&ERRORS;.SoldOut"/>
    </method>
    <method name="Ping"/>
    <method name="Log">
      <arg name="line" type="s" direction="in"/>
    </method>
    <signal name="Sold">
      <arg name="item" type="s"/>
      <arg type="u"/>
    </signal>
    <property name="Open" type="b" access="read"/>
    <property name="Motto" type="s" access="readwrite"/>
    <property name="Secret" type="s" access="write"/>
    <property name="Name" type="s" access="read">
      <annotation name="org.freedesktop.DBus.Property.EmitsChangedSignal" value="const"/>
    </property>
    <property name="Stock" type="u" access="read">
      <annotation name="org.freedesktop.DBus.Property.EmitsChangedSignal" value="invalidates"/>
    </property>
  </interface>
  <interface name="org.example.Till">
    <method name="Total">
      <arg name="sum" type="t" direction="out"/>
    </method>
  </interface>
</node>
"#;

use Expect::{Both, Breaking, Compatible, Forward};

/// One expected line of output: the end of its place, and part of what it says; the variant
/// says whom the difference breaks.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// Old clients of NEW (and not new clients of OLD).
    Breaking(&'static str, &'static str),
    /// Nobody.
    Compatible(&'static str, &'static str),
    /// Only new clients of OLD (forward compatibility).
    Forward(&'static str, &'static str),
    /// Both.
    Both(&'static str, &'static str),
}

impl Expect {
    /// Whether old clients of NEW can fail, whether new clients of OLD can, and the line's
    /// place and text.
    fn parts(self) -> (bool, bool, &'static str, &'static str) {
        match self {
            Breaking(place, what) => (true, false, place, what),
            Compatible(place, what) => (false, false, place, what),
            Forward(place, what) => (false, true, place, what),
            Both(place, what) => (true, true, place, what),
        }
    }
}

/// One pair: the edits (replace the first, exact occurrence) that make OLD and NEW from the
/// base file, and every difference that `diff` must report.
struct Case {
    name: &'static str,
    old: &'static [(&'static str, &'static str)],
    new: &'static [(&'static str, &'static str)],
    expect: &'static [Expect],
}

const SHOP: &str = "interface org.example.Shop1";
const NO_REPLY: &str = r#"<annotation name="org.freedesktop.DBus.Method.NoReply" value="true"/>"#;
const LOG: &str = r#"<arg name="line" type="s" direction="in"/>"#;

const CASES: &[Case] = &[
    Case {
        name: "nothing changed",
        old: &[],
        new: &[],
        expect: &[],
    },
    Case {
        name: "an interface added",
        old: &[],
        new: &[(
            "</node>",
            "<interface name=\"org.example.Wishlist\"/>\n</node>",
        )],
        expect: &[Forward("interface org.example.Wishlist", "added")],
    },
    Case {
        name: "an interface removed",
        old: &[],
        new: &[(
            "<interface name=\"org.example.Till\">",
            "<interface name=\"org.example.Till2\">",
        )],
        expect: &[
            Breaking("interface org.example.Till", "removed"),
            Forward("interface org.example.Till2", "added"),
        ],
    },
    Case {
        name: "a method added",
        old: &[],
        new: &[(
            "<method name=\"Ping\"/>",
            "<method name=\"Ping\"/><method name=\"Refund\"/>",
        )],
        expect: &[Forward("method Refund", "added")],
    },
    Case {
        name: "a method removed",
        old: &[],
        new: &[("<method name=\"Ping\"/>", "")],
        expect: &[Breaking("method Ping", "removed")],
    },
    Case {
        name: "a method renamed",
        old: &[],
        new: &[("<method name=\"Ping\"/>", "<method name=\"Hello\"/>")],
        expect: &[Both("method Ping", "renamed to `Hello`")],
    },
    Case {
        name: "a signal added",
        old: &[],
        new: &[(
            "<method name=\"Ping\"/>",
            "<method name=\"Ping\"/><signal name=\"Closed\"/>",
        )],
        expect: &[Forward("signal Closed", "added")],
    },
    Case {
        name: "a signal removed",
        old: &[(
            "<method name=\"Ping\"/>",
            "<method name=\"Ping\"/><signal name=\"Closed\"/>",
        )],
        new: &[],
        expect: &[Breaking("signal Closed", "removed")],
    },
    Case {
        name: "a property added",
        old: &[],
        new: &[(
            "<property name=\"Open\"",
            "<property name=\"Address\" type=\"s\" access=\"read\"/>\n    <property name=\"Open\"",
        )],
        expect: &[Forward("property Address", "added")],
    },
    Case {
        name: "a property removed",
        old: &[],
        new: &[(
            "<property name=\"Motto\" type=\"s\" access=\"readwrite\"/>",
            "",
        )],
        expect: &[Breaking("property Motto", "removed")],
    },
    Case {
        name: "an argument added",
        old: &[],
        new: &[(
            LOG,
            r#"<arg name="line" type="s" direction="in"/><arg name="level" type="y" direction="in"/>"#,
        )],
        expect: &[Both(
            "method Log",
            "signature changed from (in s) to (in s, in y)",
        )],
    },
    Case {
        name: "an in argument's type changed",
        old: &[],
        new: &[(
            r#"<arg name="item" type="s" direction="in"/>"#,
            r#"<arg name="item" type="x" direction="in"/>"#,
        )],
        expect: &[Both(
            "method Buy",
            "signature changed from (in s, in u, out o) to (in x, in u, out o)",
        )],
    },
    Case {
        name: "an out argument's type changed",
        old: &[],
        new: &[(
            r#"<arg name="receipt" type="o" direction="out"/>"#,
            r#"<arg name="receipt" type="s" direction="out"/>"#,
        )],
        expect: &[Both("method Buy", "replies it cannot decode")],
    },
    Case {
        name: "an argument's direction changed",
        old: &[],
        new: &[(LOG, r#"<arg name="line" type="s" direction="out"/>"#)],
        expect: &[Both(
            "method Log",
            "signature changed from (in s) to (out s)",
        )],
    },
    Case {
        name: "a signal argument's type changed",
        old: &[],
        new: &[("<arg type=\"u\"/>", "<arg type=\"t\"/>")],
        expect: &[Both(
            "signal Sold",
            "signature changed from (out s, out u) to (out s, out t)",
        )],
    },
    Case {
        name: "an argument renamed",
        old: &[],
        new: &[(
            r#"<arg name="item" type="s" direction="in"/>"#,
            r#"<arg name="article" type="s" direction="in"/>"#,
        )],
        expect: &[Compatible(
            "method Buy",
            "argument 1 renamed from `item` to `article`",
        )],
    },
    Case {
        name: "an unnamed argument named",
        old: &[],
        new: &[("<arg type=\"u\"/>", "<arg name=\"count\" type=\"u\"/>")],
        expect: &[Compatible(
            "signal Sold",
            "argument 2 renamed from (unnamed) to `count`",
        )],
    },
    Case {
        name: "a property's type changed",
        old: &[],
        new: &[(
            r#"<property name="Open" type="b""#,
            r#"<property name="Open" type="s""#,
        )],
        expect: &[Both("property Open", "type changed from b to s")],
    },
    Case {
        name: "access read to readwrite",
        old: &[],
        new: &[(
            r#"<property name="Open" type="b" access="read"/>"#,
            r#"<property name="Open" type="b" access="readwrite"/>"#,
        )],
        expect: &[Forward(
            "property Open",
            "access changed from read to readwrite",
        )],
    },
    Case {
        name: "access readwrite to read",
        old: &[],
        new: &[(
            r#"type="s" access="readwrite"/>"#,
            r#"type="s" access="read"/>"#,
        )],
        expect: &[Breaking(
            "property Motto",
            "access changed from readwrite to read",
        )],
    },
    Case {
        name: "access readwrite to write",
        old: &[],
        new: &[(
            r#"type="s" access="readwrite"/>"#,
            r#"type="s" access="write"/>"#,
        )],
        expect: &[Both(
            "property Motto",
            "access changed from readwrite to write",
        )],
    },
    Case {
        name: "access write to readwrite",
        old: &[],
        new: &[(
            r#"<property name="Secret" type="s" access="write"/>"#,
            r#"<property name="Secret" type="s" access="readwrite"/>"#,
        )],
        expect: &[Both(
            "property Secret",
            "access changed from write to readwrite",
        )],
    },
    Case {
        name: "NoReply added",
        old: &[],
        new: &[(
            LOG,
            "<arg name=\"line\" type=\"s\" direction=\"in\"/>\n      <annotation name=\"org.freedesktop.DBus.Method.NoReply\" value=\"true\"/>",
        )],
        expect: &[Both(
            "method Log",
            "org.freedesktop.DBus.Method.NoReply added",
        )],
    },
    Case {
        name: "NoReply removed",
        old: &[
            (
                "<method name=\"Ping\"/>",
                "<method name=\"Ping\">ANNOTATION</method>",
            ),
            ("ANNOTATION", NO_REPLY),
        ],
        new: &[],
        expect: &[Both(
            "method Ping",
            "org.freedesktop.DBus.Method.NoReply removed",
        )],
    },
    Case {
        name: "Deprecated added",
        old: &[],
        new: &[(
            "<method name=\"Ping\"/>",
            "<method name=\"Ping\"><annotation name=\"org.freedesktop.DBus.Deprecated\" value=\"true\"/></method>",
        )],
        expect: &[Compatible("method Ping", "deprecated")],
    },
    Case {
        name: "Deprecated removed",
        old: &[(
            "<interface name=\"org.example.Till\">",
            "<interface name=\"org.example.Till\"><annotation name=\"org.freedesktop.DBus.Deprecated\" value=\"true\"/>",
        )],
        new: &[],
        expect: &[Compatible(
            "interface org.example.Till",
            "no longer deprecated",
        )],
    },
    Case {
        name: "EmitsChangedSignal true to invalidates",
        old: &[],
        new: &[(
            r#"<property name="Open" type="b" access="read"/>"#,
            r#"<property name="Open" type="b" access="read"><annotation name="org.freedesktop.DBus.Property.EmitsChangedSignal" value="invalidates"/></property>"#,
        )],
        expect: &[Breaking(
            "property Open",
            "from \"true\" to \"invalidates\"",
        )],
    },
    Case {
        name: "EmitsChangedSignal invalidates to false",
        old: &[],
        new: &[(r#"value="invalidates""#, r#"value="false""#)],
        expect: &[Breaking(
            "property Stock",
            "from \"invalidates\" to \"false\"",
        )],
    },
    Case {
        name: "EmitsChangedSignal const to true",
        old: &[],
        new: &[(r#"value="const""#, r#"value="true""#)],
        expect: &[Breaking("property Name", "from \"const\" to \"true\"")],
    },
    Case {
        name: "EmitsChangedSignal invalidates to true (the default)",
        old: &[],
        new: &[(
            r#"<annotation name="org.freedesktop.DBus.Property.EmitsChangedSignal" value="invalidates"/>"#,
            "",
        )],
        expect: &[Forward(
            "property Stock",
            "from \"invalidates\" to \"true\"",
        )],
    },
    Case {
        name: "EmitsChangedSignal true to const",
        old: &[],
        new: &[(
            r#"<property name="Open" type="b" access="read"/>"#,
            r#"<property name="Open" type="b" access="read"><annotation name="org.freedesktop.DBus.Property.EmitsChangedSignal" value="const"/></property>"#,
        )],
        expect: &[Forward("property Open", "from \"true\" to \"const\"")],
    },
    Case {
        name: "EmitsChangedSignal false on the interface weakens its properties",
        old: &[],
        new: &[(
            "<interface name=\"org.example.Shop1\">",
            "<interface name=\"org.example.Shop1\"><annotation name=\"org.freedesktop.DBus.Property.EmitsChangedSignal\" value=\"false\"/>",
        )],
        expect: &[
            Breaking("property Open", "from \"true\" to \"false\""),
            Breaking("property Motto", "from \"true\" to \"false\""),
            Breaking("property Secret", "from \"true\" to \"false\""),
        ],
    },
    Case {
        name: "another annotation's value changed, through the DOCTYPE entity",
        old: &[],
        new: &[(
            r#"<!ENTITY ERRORS "org.example.Shop1.Error">"#,
            r#"<!ENTITY ERRORS "org.example.Shop.Error">"#,
        )],
        expect: &[Compatible(
            "method Buy",
            "annotation org.example.Errors changed from \"org.example.Shop1.Error.SoldOut\" to \"org.example.Shop.Error.SoldOut\"",
        )],
    },
];

fn edited(edits: &[(&str, &str)]) -> String {
    edits.iter().fold(BASE.to_owned(), |xml, (from, to)| {
        assert!(xml.contains(from), "the base file has no {from:?}");
        xml.replacen(from, to, 1)
    })
}

fn diff(dir: &Path, old: &str, new: &str, extra: &[&str]) -> Output {
    let (old_path, new_path) = (dir.join("old.xml"), dir.join("new.xml"));
    std::fs::write(&old_path, old).unwrap();
    std::fs::write(&new_path, new).unwrap();
    Command::new(env!("CARGO_BIN_EXE_dbus-xml-codegen"))
        .arg("diff")
        .args([&old_path, &new_path])
        .args(extra)
        .output()
        .expect("dbus-xml-codegen runs")
}

#[test]
fn every_rule_is_classified_right() {
    assert!(CASES.len() >= 25, "the table covers too few pairs");
    let dir = std::env::temp_dir().join(format!("dbus-xml-diff-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut failures = Vec::new();
    for case in CASES {
        let output = diff(&dir, &edited(case.old), &edited(case.new), &[]);
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let lines: Vec<&str> = stdout
            .lines()
            .filter(|l| l.starts_with("breaking: ") || l.starts_with("compatible: "))
            .collect();
        let mut problems = Vec::new();
        if lines.len() != case.expect.len() {
            problems.push(format!(
                "{} differences, expected {}",
                lines.len(),
                case.expect.len()
            ));
        }
        for expect in case.expect {
            let (old_break, new_break, place, what) = expect.parts();
            let class = if old_break { "breaking" } else { "compatible" };
            let prefix = if place.starts_with("interface ") {
                format!("{class}: {place}: ")
            } else {
                format!("{class}: {SHOP}, {place}: ")
            };
            let found = lines.iter().any(|line| {
                line.starts_with(&prefix)
                    && line.contains(what)
                    && old_break == line.contains("; old clients: ")
                    && new_break == line.contains("; new clients of the old version: ")
            });
            if !found {
                let whom = match (old_break, new_break) {
                    (true, true) => "breaking both ways",
                    (true, false) => "breaking old clients only",
                    (false, true) => "breaking new clients only",
                    (false, false) => "breaking nobody",
                };
                problems.push(format!("no line `{prefix}…{what}…`, {whom}"));
            }
        }
        let count = |pick: fn((bool, bool, &str, &str)) -> bool| {
            case.expect.iter().filter(|e| pick(e.parts())).count()
        };
        let (breaking, forward) = (count(|p| p.0), count(|p| p.1));
        if output.status.code() != Some(i32::from(breaking > 0)) {
            problems.push(format!("exit {:?}", output.status.code()));
        }
        let mut count_line = format!(
            "{breaking} breaking, {} compatible",
            case.expect.len() - breaking
        );
        if forward > 0 {
            count_line += &format!("; {forward} break new clients of the old version");
        }
        if stdout.lines().last() != Some(count_line.as_str()) {
            problems.push(format!("last line is not `{count_line}`"));
        }
        if !problems.is_empty() {
            failures.push(format!("{}: {}\n{stdout}", case.name, problems.join("; ")));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_breaking_change_names_the_next_interface_version_as_the_remedy() {
    let dir = std::env::temp_dir().join(format!("dbus-xml-remedy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let new = edited(&[("<method name=\"Ping\"/>", "")]);
    let output = diff(&dir, BASE, &new, &[]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(
            "remedy: org.example.Shop1 changed incompatibly: serve the new API as org.example.Shop2"
        ),
        "{stdout}"
    );

    let json = diff(&dir, BASE, &new, &["--json"]);
    assert_eq!(json.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(report["breaking"], 1);
    assert_eq!(report["differences"][0]["class"], "breaking");
    assert_eq!(report["differences"][0]["member"], "method Ping");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_unreadable_file_exits_2_with_its_line_and_column() {
    let dir = std::env::temp_dir().join(format!("dbus-xml-broken-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let broken = BASE.replacen("<method name=\"Ping\"/>", "<method name=\"Ping\">", 1);
    let output = diff(&dir, BASE, &broken, &[]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let located = format!("{}:", dir.join("new.xml").display());
    assert!(stderr.contains(&located), "{stderr}");
    let after = stderr.split(&located).nth(1).unwrap_or("");
    assert!(
        after.split(':').take(2).all(|n| n.parse::<u32>().is_ok()),
        "no LINE:COL in {stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The lines of `diff OLD NEW` that report a difference, and its exit code.
fn reported(old: &str, new: &str) -> (Option<i32>, Vec<String>) {
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("dbus-xml-diff-{}-{call}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let output = diff(&dir, old, new, &[]);
    let _ = std::fs::remove_dir_all(&dir);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let lines = stdout
        .lines()
        .filter(|l| l.starts_with("breaking:") || l.starts_with("compatible:"))
        .map(str::to_owned)
        .collect();
    (output.status.code(), lines)
}

const TREE: &str = include_str!("fixtures/org.example.Tree.xml");

#[test]
fn a_change_below_the_root_node_is_reported_with_its_node() {
    let grow_in = r#"<arg name="name" type="s" direction="in"/>"#;
    let changed = TREE.replacen(grow_in, r#"<arg name="name" type="i" direction="in"/>"#, 1);
    assert_ne!(changed, TREE);
    assert_eq!(
        reported(TREE, &changed),
        (
            Some(1),
            vec![
                "breaking: node /org/example/Tree/branch, interface org.example.Branch, method \
                 Grow: signature changed from (in s, out o) to (in i, out o); old clients: calls \
                 fail with org.freedesktop.DBus.Error.InvalidArgs; new clients of the old \
                 version: calls fail with org.freedesktop.DBus.Error.InvalidArgs"
                    .to_owned()
            ]
        )
    );
}

#[test]
fn a_removed_child_object_is_breaking_and_an_added_one_compatible() {
    let leaf = &TREE[TREE.find("    <node name=\"leaf\">").unwrap()..];
    let leaf = &leaf[..leaf.find("</node>").unwrap() + "</node>\n".len()];
    let without_leaf = TREE.replacen(leaf, "", 1);
    let (code, lines) = reported(TREE, &without_leaf);
    assert_eq!(code, Some(1));
    assert_eq!(
        lines,
        [
            "breaking: node /org/example/Tree/branch/leaf: node removed; old clients: calls to \
             the object fail with org.freedesktop.DBus.Error.UnknownObject (or UnknownMethod, by \
             the service's library)"
        ]
    );
    assert_eq!(
        reported(&without_leaf, TREE),
        (
            Some(0),
            vec![
                "compatible: node /org/example/Tree/branch/leaf: node added; new clients of the \
                 old version: calls to the object fail with \
                 org.freedesktop.DBus.Error.UnknownObject (or UnknownMethod, by the service's \
                 library)"
                    .to_owned()
            ]
        )
    );
}

const COMPONENT: &str = include_str!("fixtures/org.kde.example.Component.xml");

#[test]
fn overloads_pair_by_in_signature() {
    assert_eq!(reported(COMPONENT, COMPONENT), (Some(0), vec![]));
    let second = r#"    <method name="lookup">
      <arg type="s" direction="out"/>
      <arg name="name" type="s" direction="in"/>
      <arg name="context" type="s" direction="in"/>
    </method>
"#;
    let without_second = COMPONENT.replacen(second, "", 1);
    assert_ne!(without_second, COMPONENT);
    assert_eq!(
        reported(COMPONENT, &without_second),
        (
            Some(1),
            vec![
                "breaking: interface org.kde.example.Component, method lookup(ss): removed; old \
                 clients: calls with these arguments fail with \
                 org.freedesktop.DBus.Error.InvalidArgs"
                    .to_owned()
            ]
        )
    );
    assert_eq!(
        reported(&without_second, COMPONENT),
        (
            Some(0),
            vec![
                "compatible: interface org.kde.example.Component, method lookup(ss): added; new \
                 clients of the old version: calls with these arguments fail with \
                 org.freedesktop.DBus.Error.InvalidArgs"
                    .to_owned()
            ]
        )
    );
}

#[test]
fn against_a_git_revision_reads_the_old_file_from_history() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("diff-against");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("api")).unwrap();
    let git = |args: &[&str]| {
        let output = Command::new("git")
            .arg("-C")
            .arg(&dir)
            .args(["-c", "user.name=Test", "-c", "user.email=test@example.org"])
            .args(args)
            .output()
            .expect("git runs");
        assert!(
            output.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    let file = dir.join("api/shop.xml");
    git(&["init", "-q"]);
    std::fs::write(&file, BASE).unwrap();
    git(&["add", "api/shop.xml"]);
    git(&["commit", "-q", "-m", "v1"]);
    git(&["tag", "v1"]);
    std::fs::write(&file, edited(&[("<method name=\"Ping\"/>", "")])).unwrap();

    let against = |revision: &str| {
        Command::new(env!("CARGO_BIN_EXE_dbus-xml-codegen"))
            .args(["diff", "--against", revision])
            .arg(&file)
            .output()
            .expect("dbus-xml-codegen runs")
    };
    let output = against("v1");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("breaking: interface org.example.Shop1, method Ping"),
        "{stdout}"
    );

    let unknown = against("v9");
    assert_eq!(unknown.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&unknown.stderr);
    assert!(stderr.contains("git show v9:./shop.xml"), "{stderr}");
}

#[test]
fn forward_fails_where_new_clients_of_the_old_version_fail() {
    let dir = std::env::temp_dir().join(format!("dbus-xml-forward-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let new = edited(&[(
        "<method name=\"Ping\"/>",
        "<method name=\"Ping\"/><method name=\"Pong\"/>",
    )]);
    assert_eq!(diff(&dir, BASE, &new, &[]).status.code(), Some(0));
    let output = diff(&dir, BASE, &new, &["--forward"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains(
            "compatible: interface org.example.Shop1, method Pong: added; new clients of the old \
             version: calls fail with org.freedesktop.DBus.Error.UnknownMethod"
        ),
        "{stdout}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn accepted_breaks_and_unstable_interfaces_are_reported_without_failing() {
    let dir = std::env::temp_dir().join(format!("dbus-xml-policy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let accepted = dir.join("new.accepted-breaks");
    let _ = std::fs::remove_file(&accepted);
    let new = edited(&[("<method name=\"Ping\"/>", "")]);
    assert_eq!(diff(&dir, BASE, &new, &[]).status.code(), Some(1));

    // A break listed with its reason beside NEW: reported as accepted, exit 0; an entry that
    // matches nothing is named.
    std::fs::write(
        &accepted,
        "# breaks made on purpose\n\
         accept: interface org.example.Shop1, method Ping: removed\n\
         because: nobody pings a shop (issue 7)\n\
         accept: interface org.example.Till, method Total: removed\n\
         because: not yet\n",
    )
    .unwrap();
    let output = diff(&dir, BASE, &new, &[]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains(
            "breaking (accepted: nobody pings a shop (issue 7)): interface org.example.Shop1, \
             method Ping: removed; old clients: calls fail"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "new.accepted-breaks: accepts a break this comparison does not have: interface \
             org.example.Till, method Total: removed"
        ),
        "{stdout}"
    );
    assert_eq!(
        stdout.lines().last(),
        Some("0 breaking, 0 compatible, 1 breaking but waived")
    );

    // A malformed list is a named error, exit 2.
    std::fs::write(
        &accepted,
        "accept: interface org.example.Shop1, method Ping: removed\n",
    )
    .unwrap();
    let output = diff(&dir, BASE, &new, &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr.contains("new.accepted-breaks:1: an `accept:` without its `because:` line"),
        "{stderr}"
    );
    std::fs::remove_file(&accepted).unwrap();

    // An interface marked unstable, by annotation or by name: its breaks do not fail.
    let annotation = r#"<annotation name="rs.dbus_xml_codegen.Unstable" value="true"/>"#;
    let marked = |xml: &str| {
        xml.replacen(
            r#"<interface name="org.example.Shop1">"#,
            &format!(r#"<interface name="org.example.Shop1">{annotation}"#),
            1,
        )
    };
    let output = diff(&dir, &marked(BASE), &marked(&new), &[]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("breaking (unstable interface: does not fail): interface org.example.Shop1, method Ping: removed"),
        "{stdout}"
    );
    let renamed = |xml: &str| xml.replace("org.example.Till", "org.example.Unstable.Till");
    let till_gone = edited(&[("<method name=\"Total\">", "<method name=\"Sum\">")]);
    assert_eq!(
        diff(&dir, &renamed(BASE), &renamed(&till_gone), &[])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(diff(&dir, BASE, &till_gone, &[]).status.code(), Some(1));
    let _ = std::fs::remove_dir_all(&dir);
}
