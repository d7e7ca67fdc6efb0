//! The app's API, guarded: the working interface XML breaks no client of a released version,
//! and the Markdown reference in docs/ is the one the XML gives today.

use std::path::{Path, PathBuf};

use dbus_xml_codegen::Releases;
use dbus_xml_codegen::compare::Class;
use dbus_xml_codegen::policy::Policy;
use dbus_xml_codegen::{Builder, Document, compare};

const XML: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/interfaces/com.larry_price.test.RandomData.xml"
);
const RELEASED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/interfaces/released");
const REFERENCE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/docs/com.larry_price.test.RandomData.md"
);

/// The interface XML of every release, one file per release.
fn released() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(RELEASED)
        .expect("interfaces/released")
        .map(|entry| entry.expect("an entry").path())
        .collect();
    files.sort();
    files
}

/// The gate that CI runs with `diff --forward`: against every release, no difference breaks
/// old clients of the working XML or new clients of the release, unless the accepted-breaks
/// file beside the XML gives its reason; and every entry of that file is still needed by
/// some release.
#[test]
fn the_working_xml_breaks_no_client_of_a_release_that_the_policy_does_not_accept() {
    let working = Document::read(XML).unwrap();
    let policy = Policy::beside(Path::new(XML)).unwrap();
    assert!(
        policy.file.is_some(),
        "the app keeps its accepted breaks beside its XML"
    );
    let releases = released();
    assert!(releases.len() >= 2, "{releases:?}");
    let mut unused: Option<Vec<String>> = None;
    for release in releases {
        let old = Document::read(&release).unwrap();
        let mut report = compare::compare(old.root(), working.root());
        let unmatched: Vec<String> = policy
            .apply(&mut report)
            .into_iter()
            .map(|a| a.difference.clone())
            .collect();
        assert!(
            !report.fails(true),
            "{} → working XML:\n{report}",
            release.display()
        );
        unused = Some(match unused {
            None => unmatched,
            Some(before) => before
                .into_iter()
                .filter(|a| unmatched.contains(a))
                .collect(),
        });
    }
    assert_eq!(
        unused,
        Some(Vec::new()),
        "accepted breaks that no release has"
    );
}

#[test]
fn the_reference_in_docs_is_current() {
    let mut document = Document::read(XML).unwrap();
    document.document_since(&Releases::read(Path::new(RELEASED), Path::new(XML)).unwrap());
    let expected = Builder::new()
        .markdown_reference(Path::new(XML), &document)
        .unwrap();
    let committed = std::fs::read_to_string(REFERENCE).unwrap_or_default();
    assert!(
        committed == expected,
        "docs/com.larry_price.test.RandomData.md is out of date; regenerate it with\n  \
         cargo run -q -p dbus-xml-codegen -- doc interfaces/com.larry_price.test.RandomData.xml \
         --released interfaces/released > docs/com.larry_price.test.RandomData.md"
    );
}

/// `diff` of the app's own 0.1.0 → 0.2.0: nothing breaks old clients of 0.2.0, and each of
/// the three added members breaks a new client of a 0.1.0 service that relies on it, with
/// what that client sees.
#[test]
fn the_0_2_change_is_judged_both_ways() {
    let release = |version: &str| {
        Document::read(format!(
            "{RELEASED}/com.larry_price.test.RandomData-{version}.xml"
        ))
        .unwrap()
    };
    let report = compare::compare(release("0.1.0").root(), release("0.2.0").root());
    let judged: Vec<(&str, Class, Class, &str)> = report
        .differences
        .iter()
        .map(|d| {
            (
                d.member.as_deref().unwrap_or(""),
                d.class,
                d.class_for_new_clients,
                d.new_clients_see.as_deref().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        judged,
        [
            (
                "method slow_with_progress",
                Class::Compatible,
                Class::Breaking,
                "calls fail with org.freedesktop.DBus.Error.UnknownMethod"
            ),
            (
                "property bit_interval_ms",
                Class::Compatible,
                Class::Breaking,
                "Get and Set fail (org.freedesktop.DBus.Error.UnknownProperty or InvalidArgs, by \
                 the service's library)"
            ),
            (
                "signal slow_progress",
                Class::Compatible,
                Class::Breaking,
                "the signal never comes; its handlers never run"
            ),
        ]
    );
    assert!(!report.fails(false));
    assert!(report.fails(true), "without the policy, --forward fails");
}
