//! Properties end to end over a private bus: a service implements the generated trait's
//! getters and setters, a client reads and writes them through the generated proxy, and
//! change notification follows `EmitsChangedSignal`.

mod support;

use std::path::Path;

use dbus_xml_codegen::Builder;
use support::{GeneratedCrate, printed};

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
    krate.write("src/api.rs", &code);
    krate.write("src/main.rs", MAIN);
    let build = krate.cargo("build", &["--quiet"]);
    assert!(build.status.success(), "{}", printed(&build));

    let bus = test_bus::PrivateBus::open(None).expect("a private dbus-daemon");
    let run = krate.cargo("run", &["--quiet", "--", bus.address()]);
    assert!(run.status.success(), "{}", printed(&run));
    assert_eq!(
        String::from_utf8_lossy(&run.stdout),
        "model T-1000\ntarget 20\nchanged 21.5\nchanged 22.5\ntarget 22.5\nmode eco\nchanged 17\n\
         mode set by the client: true\n\
         batch org.example.Thermostat changed [\"Target=18.\"] invalidated [\"Mode\"]\n"
    );
}
