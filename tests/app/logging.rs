//! The service's log is coloured on a terminal only, and not even there with `NO_COLOR`.

use crate::common;

use std::process::Command;

use common::{PrivateBus, debian_tool, run_with_timeout};

const ESCAPE: char = '\u{1b}';

/// What the service logs in its first second with RUST_LOG=info: on a pseudo-terminal made
/// by `script` where `terminal`, else into a pipe; with `NO_COLOR=1` where `no_color`.
async fn first_second_of_log(bus: &PrivateBus, terminal: bool, no_color: bool) -> String {
    let service = format!(
        "timeout -s TERM 1 {} --address {}",
        env!("CARGO_BIN_EXE_random-data-service"),
        bus.address()
    );
    let mut command = if terminal {
        let mut script = debian_tool("script", "bsdutils");
        script.args(["-qec", &service, "/dev/null"]);
        script
    } else {
        let mut shell = Command::new("sh");
        shell.args(["-c", &format!("{service} 2>&1")]);
        shell
    };
    command.env("RUST_LOG", "info").env_remove("NO_COLOR");
    if no_color {
        command.env("NO_COLOR", "1");
    }
    let output = run_with_timeout(command).await;
    let log = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(log.contains("serving"), "{log}");
    log
}

#[tokio::test]
async fn colour_on_a_terminal_only_and_never_with_no_color() {
    let bus = PrivateBus::start().await;
    assert!(
        first_second_of_log(&bus, true, false)
            .await
            .contains(ESCAPE)
    );
    let piped = first_second_of_log(&bus, false, false).await;
    assert!(!piped.contains(ESCAPE), "{piped:?}");
    let no_color = first_second_of_log(&bus, true, true).await;
    assert!(!no_color.contains(ESCAPE), "{no_color:?}");
}
