//! Fairness between Unix users: one user who opens many connections and fills every place it
//! can still leaves room for another user. The callers really are two Unix users (`nobody` and
//! `daemon`, through `setpriv`), so this test needs root; CI runs as root.

use crate::common;

use std::path::Path;
use std::process::Stdio;

use common::{DBUS_PYTHON, PrivateBus, WAIT, debian_python, debian_tool, fits, printed_number};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};

/// `program` run as the Unix user `user` and group `group`, with no other groups.
fn as_user(user: &str, group: &str, program: &Path) -> std::process::Command {
    let mut command = debian_tool("setpriv", "util-linux");
    command
        .args(["--reuid", user, "--regid", group, "--clear-groups", "--"])
        .arg(program);
    command
}

#[tokio::test]
async fn a_user_with_many_connections_leaves_room_for_another_user() {
    if !common::may_change_user() {
        return;
    }
    let bus = PrivateBus::open_to_every_user().await;
    // Without the cap per user, the first user would take all 14 places.
    let limits = [
        "--max-pending-per-caller",
        "5",
        "--max-pending-per-user",
        "12",
        "--max-pending",
        "14",
    ];
    let _service = bus
        .start_service_with(&[&limits[..], &["--bit-interval", "100ms"]].concat())
        .await;
    // The callers' files, where other users can read them whatever folder the repository is in.
    let (scratch, copies) = common::copies_for_user(
        "nobody",
        "nogroup",
        &[
            Path::new(env!("CARGO_BIN_EXE_random-data")),
            Path::new(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/python/fill_as_user.py"
            )),
        ],
    );
    let [client, filler] = &copies[..] else {
        unreachable!("two copies")
    };

    // nobody takes every place it can: 600 bits at 100 ms a bit keep each pending for a minute.
    let python = debian_python(&[DBUS_PYTHON]).get_program().to_owned();
    let mut first_user =
        tokio::process::Command::from(as_user("nobody", "nogroup", Path::new(&python)));
    let mut first_user = first_user
        .args([filler.to_str().unwrap(), bus.address(), "600", "50"])
        .current_dir(scratch.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the first user's caller starts");
    let mut lines = BufReader::new(first_user.stdout.take().unwrap()).lines();
    let mut report = Vec::new();
    while report.len() < 2 {
        let line = tokio::time::timeout(WAIT, lines.next_line())
            .await
            .expect("the first user reports in time")
            .unwrap();
        let Some(line) = line else {
            let mut stderr = String::new();
            first_user
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut stderr)
                .await
                .unwrap();
            panic!("the first user's caller ended after {report:?}: {stderr}");
        };
        report.push(line);
    }
    assert_eq!(report[0], "accepted 12", "{report:?}");
    assert_eq!(
        report[1],
        "refused: com.larry_price.test.RandomData.Error.Busy: Unix user 65534 has 12 slow \
         requests pending, the limit per user (--max-pending-per-user)"
    );

    // daemon, another user, still gets its slow request while nobody's are all pending.
    let mut second_user = as_user("daemon", "daemon", client);
    second_user
        .args(["4", "--slow", "--address", bus.address()])
        .current_dir(scratch.path());
    let output = common::run_with_timeout(second_user).await;
    assert!(fits(&printed_number(&output), 4));
    assert_eq!(
        first_user.try_wait().unwrap(),
        None,
        "the first user's connections stay open, and so its requests pending"
    );
}
