//! The README's quick start, built as a user would: its files, as the README shows them, in a
//! fresh crate outside the workspace, with this crate as a path build-dependency.

mod support;

use support::{GeneratedCrate, printed};

const README: &str = include_str!("../README.md");

/// The files that the README marks with `<!-- file: PATH -->` before a fenced block.
fn files_in_readme() -> Vec<(String, String)> {
    let mut files = Vec::new();
    let mut lines = README.lines();
    while let Some(line) = lines.next() {
        let Some(path) = line
            .strip_prefix("<!-- file: ")
            .and_then(|rest| rest.strip_suffix(" -->"))
        else {
            continue;
        };
        let fence = lines.next().expect("a fenced block after the marker");
        assert!(fence.starts_with("```"), "no fenced block after {line}");
        let body: Vec<&str> = lines.by_ref().take_while(|l| *l != "```").collect();
        files.push((path.to_owned(), body.join("\n") + "\n"));
    }
    files
}

#[test]
fn the_quick_start_builds_as_a_fresh_crate() {
    let files = files_in_readme();
    let names: Vec<&str> = files.iter().map(|(path, _)| path.as_str()).collect();
    assert_eq!(
        names,
        [
            "interfaces/org.example.Counter.xml",
            "Cargo.toml",
            "build.rs",
            "src/main.rs",
            "tests/client_logic.rs"
        ]
    );
    let (_, dependencies) = &files[1];
    // The published versions, as the README gives them, become this checkout.
    let this_crate = format!("path = \"{}\"", env!("CARGO_MANIFEST_DIR"));
    let runtime = format!("path = \"{}/../runtime\"", env!("CARGO_MANIFEST_DIR"));
    let dependencies = dependencies
        .replace(
            "dbus-xml-runtime = { version = \"0.1\" }",
            &format!("dbus-xml-runtime = {{ {runtime} }}"),
        )
        .replace("version = \"0.1\"", &this_crate);
    assert!(dependencies.contains(&this_crate), "{dependencies}");
    assert!(dependencies.contains(&runtime), "{dependencies}");
    let krate = GeneratedCrate::with_manifest("readme-quick-start", &dependencies);
    for (path, contents) in &files[2..] {
        krate.write(path, contents);
    }
    krate.write(&files[0].0, &files[0].1);

    let output = krate.cargo(
        "clippy",
        &["--quiet", "--all-targets", "--", "-D", "warnings"],
    );
    assert!(output.status.success(), "{}", printed(&output));
    // The unit test of client logic with a fake runs, and both of its tests pass.
    let output = krate.cargo("test", &["--quiet", "--test", "client_logic"]);
    assert!(output.status.success(), "{}", printed(&output));
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("test result: ok. 2 passed"),
        "{}",
        printed(&output)
    );
}
