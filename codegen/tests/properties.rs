//! Properties end to end over a private bus: a service implements the generated trait's
//! getters and setters, a client reads and writes them through the generated proxy, and
//! change notification follows `EmitsChangedSignal`.

mod support;

use std::path::Path;

use dbus_xml_codegen::Builder;
use support::GeneratedCrate;

const XML: &str = r#"<node name="/org/example/Thermostat">
  <interface name="org.example.Thermostat">
    <property name="Target" type="d" access="readwrite"/>
    <property name="Mode" type="s" access="readwrite">
      <annotation name="org.freedesktop.DBus.Property.EmitsChangedSignal" value="invalidates"/>
    </property>
    <property name="Model" type="s" access="read">
      <annotation name="org.freedesktop.DBus.Property.EmitsChangedSignal" value="const"/>
    </property>
    <method name="Bump">
      <arg name="by" type="d" direction="in"/>
    </method>
    <method name="Reset"/>
  </interface>
</node>
"#;

const MAIN: &str = r#"mod api {
    include!("api.rs");
}

use std::sync::Mutex;
use std::time::Duration;

use api::thermostat_client::ThermostatProxy;
use api::thermostat_server::{Thermostat, ThermostatCall, ThermostatChanges, ThermostatServer};
use futures_util::StreamExt;
use zbus::fdo;

struct Service {
    target: Mutex<f64>,
    mode: Mutex<String>,
    mode_set_by: Mutex<Option<String>>,
}

impl Thermostat for Service {
    type Error = fdo::Error;

    async fn bump(&self, by: f64, call: &ThermostatCall<'_>) -> fdo::Result<()> {
        let target = {
            let mut target = self.target.lock().unwrap();
            *target += by;
            *target
        };
        call.signals().target_changed(target).await?;
        Ok(())
    }

    async fn reset(&self, call: &ThermostatCall<'_>) -> fdo::Result<()> {
        *self.target.lock().unwrap() = 18.0;
        *self.mode.lock().unwrap() = "off".into();
        // Both changes in one PropertiesChanged.
        let changes = ThermostatChanges { target: Some(18.0), mode: true };
        call.signals().properties_changed(&changes).await?;
        Ok(())
    }

    async fn target(&self) -> fdo::Result<f64> {
        Ok(*self.target.lock().unwrap())
    }

    async fn set_target(&self, value: f64, _call: &ThermostatCall<'_>) -> fdo::Result<()> {
        *self.target.lock().unwrap() = value;
        Ok(())
    }

    async fn mode(&self) -> fdo::Result<String> {
        Ok(self.mode.lock().unwrap().clone())
    }

    async fn set_mode(&self, value: String, call: &ThermostatCall<'_>) -> fdo::Result<()> {
        // A setter has the call's context: who set it, and the signals of the object.
        *self.mode_set_by.lock().unwrap() = call.sender().map(|s| s.to_string());
        if value == "eco" {
            *self.target.lock().unwrap() = 17.0;
            call.signals().target_changed(17.0).await?;
        }
        *self.mode.lock().unwrap() = value;
        Ok(())
    }

    async fn model(&self) -> fdo::Result<String> {
        Ok("T-1000".into())
    }
}

#[tokio::main]
async fn main() -> zbus::Result<()> {
    let address = std::env::args().nth(1).expect("a bus address");
    let service = std::sync::Arc::new(Service {
        target: Mutex::new(20.0),
        mode: Mutex::new("auto".into()),
        mode_set_by: Mutex::new(None),
    });
    let _service = zbus::connection::Builder::address(address.as_str())
        .name("org.example.Thermostat")
        .serve_at("/org/example/Thermostat", ThermostatServer::from_arc(service.clone()))
        .build()
        .await?;
    let client = zbus::connection::Builder::address(address.as_str()).build().await?;
    let proxy = ThermostatProxy::new(&client).await?;
    let mut changes = proxy.receive_target_changed().await;
    // The proxy's cache follows PropertiesChanged, so a value is read back once announced.
    let mut announced = async |expected: f64| -> zbus::Result<()> {
        let wait = Duration::from_secs(10);
        loop {
            let change = tokio::time::timeout(wait, changes.next()).await.expect("a change in time");
            if change.expect("the stream").get().await? == expected {
                println!("changed {expected}");
                return Ok(());
            }
        }
    };

    println!("model {}", proxy.model().await?);
    println!("target {}", proxy.target().await?);
    // Set through the bus: zbus announces the new value by itself.
    proxy.set_target(21.5).await?;
    announced(21.5).await?;
    // Changed by the service: it announces the value with the generated signal handle.
    proxy.bump(1.0).await?;
    announced(22.5).await?;
    println!("target {}", proxy.target().await?);
    // Mode announces only that it changed; the new value is fetched.
    let mut mode_changes = proxy.receive_mode_changed().await;
    proxy.set_mode("eco").await?;
    loop {
        let wait = Duration::from_secs(10);
        let change = tokio::time::timeout(wait, mode_changes.next()).await.expect("a change in time");
        let mode = change.expect("the stream").get().await?;
        if mode == "eco" {
            println!("mode {mode}");
            break;
        }
    }
    // The setter announced another property through its call context.
    announced(17.0).await?;
    let set_by = service.mode_set_by.lock().unwrap().clone();
    println!("mode set by the client: {}", set_by.as_deref() == client.unique_name().map(|n| n.as_str()));
    // A batch: one PropertiesChanged with a new value and an invalidated property.
    let properties = fdo::PropertiesProxy::builder(&client)
        .destination("org.example.Thermostat")
        .path("/org/example/Thermostat")
        .build()
        .await?;
    let mut signals = properties.receive_properties_changed().await?;
    proxy.reset().await?;
    let wait = Duration::from_secs(10);
    let signal = tokio::time::timeout(wait, signals.next()).await.expect("a signal in time");
    let signal = signal.expect("the stream");
    let args = signal.args()?;
    let mut changed: Vec<String> = args.changed_properties().iter().map(|(k, v)| format!("{k}={v}")).collect();
    changed.sort();
    println!("batch {} changed {changed:?} invalidated {:?}", args.interface_name(), args.invalidated_properties());
    Ok(())
}
"#;

#[test]
fn properties_are_read_written_and_announced_through_the_generated_code() {
    let code = Builder::new()
        .service("org.example.Thermostat")
        .generate(Path::new("thermostat.xml"), XML)
        .expect("the XML generates");
    let krate = GeneratedCrate::new("properties");
    krate.build_program(&code, MAIN);

    let bus = test_bus::PrivateBus::open(None).expect("a private dbus-daemon");
    let run = krate.run_on(&bus);
    assert_eq!(
        String::from_utf8_lossy(&run.stdout),
        "model T-1000\ntarget 20\nchanged 21.5\nchanged 22.5\ntarget 22.5\nmode eco\nchanged 17\n\
         mode set by the client: true\n\
         batch org.example.Thermostat changed [\"Target=18.\"] invalidated [\"Mode\"]\n"
    );
}

const UNSET_XML: &str = r#"<node>
  <interface name="org.example.Unset">
    <property name="Name" type="s" access="read"/>
    <property name="Count" type="u" access="read"/>
    <property name="Tags" type="as" access="read"/>
    <property name="Extras" type="a{sv}" access="read"/>
    <property name="Home" type="o" access="read"/>
    <property name="Pair" type="(sib)" access="read"/>
    <property name="Anything" type="v" access="read"/>
  </interface>
</node>
"#;

const UNSET_MAIN: &str = r#"mod api {
    include!("api.rs");
}

use api::unset_server::{Unset, UnsetServer};
use zbus::fdo;

/// A service that implements none of its properties.
struct Service;

impl Unset for Service {
    type Error = fdo::Error;
}

#[tokio::main]
async fn main() -> zbus::Result<()> {
    let address = std::env::args().nth(1).expect("a bus address");
    // A service shows the notices of default bodies by enabling their target.
    if std::env::args().nth(2).as_deref() == Some("--notices") {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("dbus_xml_runtime::defaults=info"))
            .with_writer(std::io::stderr)
            .without_time()
            .init();
    }
    let _service = zbus::connection::Builder::address(address.as_str())
        .name("org.example.Unset")
        .serve_at("/org/example/Unset", UnsetServer::new(Service))
        .build()
        .await?;
    let client = zbus::connection::Builder::address(address.as_str()).build().await?;
    let properties = fdo::PropertiesProxy::builder(&client)
        .destination("org.example.Unset")
        .path("/org/example/Unset")
        .build()
        .await?;
    let interface = zbus::names::InterfaceName::from_static_str_unchecked("org.example.Unset");
    for round in 0..2 {
        for name in ["Name", "Count", "Tags", "Extras", "Home", "Pair", "Anything"] {
            match properties.get(interface.clone(), name).await {
                Ok(value) => println!("{round} Get {name} = {}", zbus::Variant::from(value)),
                Err(error) => println!("{round} Get {name}: {}", zbus::DBusError::name(&error)),
            }
        }
    }
    let mut all: Vec<String> = properties.get_all(interface).await?.into_keys().collect();
    all.sort();
    println!("GetAll {all:?}");
    Ok(())
}
"#;

#[test]
fn with_default_bodies_unimplemented_properties_answer_their_types_default_and_say_so_once() {
    let code = Builder::new()
        .default_impls(true)
        .generate(Path::new("unset.xml"), UNSET_XML)
        .expect("the XML generates");
    let krate = GeneratedCrate::with_manifest(
        "unset_properties",
        &format!(
            "[dependencies]\n{}{}",
            support::DEPENDENCIES,
            r#"tokio = { version = "1", features = ["rt-multi-thread", "macros"] }
tracing-subscriber = { version = "0.3", default-features = false, features = ["std", "fmt", "env-filter"] }
"#
        ),
    );
    krate.build_program(&code, UNSET_MAIN);

    let bus = test_bus::PrivateBus::open(None).expect("a private dbus-daemon");
    let run = krate.run_on(&bus);
    let stdout = String::from_utf8_lossy(&run.stdout);
    for round in 0..2 {
        for expected in [
            "Get Name = \"\"",
            "Get Count = uint32 0",
            "Get Tags = @as []",
            "Get Extras = @a{sv} {}",
            "Get Home = objectpath \"/\"",
            "Get Pair = (\"\", 0, false)",
            "Get Anything: org.freedesktop.DBus.Error.NotSupported",
        ] {
            let line = format!("{round} {expected}");
            assert!(
                stdout.lines().any(|l| l == line),
                "no `{line}` in:\n{stdout}"
            );
        }
    }
    // GetAll (and so GetManagedObjects) agrees with Get: only the variant, which has no
    // default value, is left out.
    assert!(
        stdout.contains(r#"GetAll ["Count", "Extras", "Home", "Name", "Pair", "Tags"]"#),
        "{stdout}"
    );
    // Nothing on stderr unless the service asks for the notices.
    let quiet = String::from_utf8_lossy(&run.stderr);
    assert!(!quiet.contains("is not implemented"), "{quiet}");
    // Asked: one line per property at its first use, though each was read three times.
    let run = std::process::Command::new(krate.binary("unset_properties"))
        .args([bus.address(), "--notices"])
        .output()
        .expect("the built program runs");
    assert!(run.status.success(), "{}", support::printed(&run));
    let stderr = String::from_utf8_lossy(&run.stderr);
    for name in [
        "Name", "Count", "Tags", "Extras", "Home", "Pair", "Anything",
    ] {
        let said = format!("the property `{name}` of `org.example.Unset` is not implemented");
        let lines = stderr.lines().filter(|l| l.contains(&said)).count();
        assert_eq!(lines, 1, "{name}: {stderr}");
    }
    assert!(stderr.contains("`Count` of `org.example.Unset` is not implemented by this service: answering its type's default value"), "{stderr}");
    assert!(stderr.contains("`Anything` of `org.example.Unset` is not implemented by this service: answering NotSupported"), "{stderr}");
}
