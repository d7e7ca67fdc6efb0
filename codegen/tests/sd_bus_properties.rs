//! `org.freedesktop.DBus.Properties` as sd-bus clients read it, over a private bus: a
//! generated server with two interfaces on one object, served with `dbus_xml_runtime::serve_at`,
//! read by busctl (sd-bus), gdbus and raw calls. `GetAll("")` answers every interface's
//! properties, everything is in the file's order (which is not alphabetical), `Get("", …)`
//! finds the one interface that has a property or names the ones that do, `Set` of a read-only
//! property answers `PropertyReadOnly`, and a body wrapped in a struct is refused.

mod support;

use std::process::Command;

use dbus_xml_codegen::Builder;
use support::GeneratedCrate;

const XML: &str = r#"<node name="/org/example/Lamp">
  <interface name="org.example.Lamp">
    <property name="Zone" type="s" access="read"/>
    <property name="Brightness" type="u" access="readwrite"/>
    <property name="Model" type="s" access="read"/>
    <property name="Color" type="s" access="readwrite"/>
  </interface>
  <interface name="org.example.Lamp.Power">
    <property name="Watts" type="d" access="read"/>
    <property name="Model" type="s" access="read"/>
  </interface>
</node>
"#;

const MAIN: &str = r#"mod api {
    include!("api.rs");
}

use std::sync::Mutex;

use api::lamp_server::{Lamp, LampCall, LampServer};
use api::power_server::{Power, PowerServer};
use zbus::fdo;

struct Service {
    brightness: Mutex<u32>,
}

impl Lamp for Service {
    type Error = fdo::Error;

    async fn zone(&self) -> fdo::Result<String> {
        Ok("kitchen".into())
    }

    async fn brightness(&self) -> fdo::Result<u32> {
        Ok(*self.brightness.lock().unwrap())
    }

    async fn set_brightness(&self, value: u32, _call: &LampCall<'_>) -> fdo::Result<()> {
        if value > 100 {
            return Err(fdo::Error::InvalidArgs(format!("{value} is over 100")));
        }
        *self.brightness.lock().unwrap() = value;
        Ok(())
    }

    async fn model(&self) -> fdo::Result<String> {
        Ok("L-7".into())
    }

    async fn color(&self) -> fdo::Result<String> {
        Ok("amber".into())
    }

    async fn set_color(&self, _value: String, _call: &LampCall<'_>) -> fdo::Result<()> {
        Ok(())
    }
}

impl Power for Service {
    type Error = fdo::Error;

    async fn watts(&self) -> fdo::Result<f64> {
        Ok(4.5)
    }

    async fn model(&self) -> fdo::Result<String> {
        Ok("P-2".into())
    }
}

#[tokio::main]
async fn main() -> zbus::Result<()> {
    let address = std::env::args().nth(1).expect("a bus address");
    let service = std::sync::Arc::new(Service { brightness: Mutex::new(40) });
    let connection = zbus::connection::Builder::address(address.as_str()).build().await?;
    let path = "/org/example/Lamp";
    dbus_xml_runtime::serve_at(&connection, path, LampServer::from_arc(service.clone())).await?;
    dbus_xml_runtime::serve_at(&connection, path, PowerServer::from_arc(service)).await?;
    connection.request_name("org.example.Lamp").await?;
    println!("ready");
    std::future::pending::<()>().await;
    Ok(())
}
"#;

/// Builds the lamp service once for both tests, and starts it on `bus`.
fn serve_lamp(bus: &test_bus::PrivateBus) -> support::Served {
    static BUILT: std::sync::OnceLock<GeneratedCrate> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(build_lamp)
        .serve("sd-bus-properties", bus, &[])
}

fn build_lamp() -> GeneratedCrate {
    let code = Builder::new()
        .generate(std::path::Path::new("org.example.Lamp.xml"), XML)
        .expect("the file generates");
    let krate = GeneratedCrate::new("sd-bus-properties");
    krate.build_program(&code, MAIN);
    krate
}

/// `busctl CALL_ARGS` against the lamp: what it printed, or its error.
fn busctl(bus: &test_bus::PrivateBus, args: &[&str]) -> Result<String, String> {
    let output = Command::new("busctl")
        .arg(format!("--address={}", bus.address()))
        .args(["--no-pager", "--timeout=20"])
        .args(args)
        .output()
        .expect("busctl runs (Debian package systemd)");
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).trim().to_owned())
    }
}

/// `busctl call` of a method of `org.freedesktop.DBus.Properties` on the lamp.
fn properties_call(bus: &test_bus::PrivateBus, method_and_args: &[&str]) -> Result<String, String> {
    let call = [
        "call",
        "org.example.Lamp",
        "/org/example/Lamp",
        "org.freedesktop.DBus.Properties",
    ];
    busctl(bus, &[&call[..], method_and_args].concat())
}

#[test]
fn get_all_of_every_interface_in_declared_order_as_busctl_and_gdbus_read_it() {
    let bus = test_bus::PrivateBus::open(None).expect("a private bus");
    let _lamp = serve_lamp(&bus);

    // sd-bus's property mapping asks GetAll(""): every interface, each in the file's order.
    let all = properties_call(&bus, &["GetAll", "s", ""]).expect("GetAll(\"\") answers");
    assert_eq!(
        all,
        r#"a{sv} 6 "Zone" s "kitchen" "Brightness" u 40 "Model" s "L-7" "Color" s "amber" "Watts" d 4.5 "Model" s "P-2""#
    );
    let one = properties_call(&bus, &["GetAll", "s", "org.example.Lamp"]).expect("GetAll");
    assert_eq!(
        one,
        r#"a{sv} 4 "Zone" s "kitchen" "Brightness" u 40 "Model" s "L-7" "Color" s "amber""#
    );
    // GDBus prints a dictionary in the order it arrived.
    let gdbus = Command::new("gdbus")
        .args([
            "call",
            "--address",
            bus.address(),
            "--dest",
            "org.example.Lamp",
        ])
        .args(["--object-path", "/org/example/Lamp"])
        .args([
            "--method",
            "org.freedesktop.DBus.Properties.GetAll",
            "org.example.Lamp",
        ])
        .output()
        .expect("gdbus runs (Debian package libglib2.0-bin)");
    assert_eq!(
        String::from_utf8_lossy(&gdbus.stdout).trim(),
        "({'Zone': <'kitchen'>, 'Brightness': <uint32 40>, 'Model': <'L-7'>, 'Color': <'amber'>},)",
        "{}",
        String::from_utf8_lossy(&gdbus.stderr)
    );
    // sd-bus's introspection parser reads the runtime's Properties, and every property.
    let introspected = busctl(
        &bus,
        &["introspect", "org.example.Lamp", "/org/example/Lamp"],
    )
    .expect("introspects");
    for line in [
        ".GetAll",
        ".Zone",
        ".Watts",
        "org.freedesktop.DBus.Properties",
    ] {
        assert!(introspected.contains(line), "{line} in {introspected}");
    }
    assert_eq!(
        busctl(
            &bus,
            &[
                "get-property",
                "org.example.Lamp",
                "/org/example/Lamp",
                "org.example.Lamp.Power",
                "Watts"
            ]
        ),
        Ok("d 4.5".to_owned())
    );
}

#[test]
fn get_and_set_with_an_empty_interface_and_read_only_properties() {
    let bus = test_bus::PrivateBus::open(None).expect("a private bus");
    let _lamp = serve_lamp(&bus);

    // One interface has the property: it answers.
    assert_eq!(
        properties_call(&bus, &["Get", "ss", "", "Watts"]),
        Ok("v d 4.5".to_owned())
    );
    // Two have it: a named error that says which.
    let both = properties_call(&bus, &["Get", "ss", "", "Model"]).expect_err("ambiguous");
    assert!(
        both.contains("org.example.Lamp, org.example.Lamp.Power"),
        "{both}"
    );
    let none = properties_call(&bus, &["Get", "ss", "", "Nothing"]).expect_err("no such property");
    assert!(none.contains("Nothing"), "{none}");
    // Set of a read-only property: PropertyReadOnly, as sd-bus and GDBus answer; the service
    // goes on, and a writable property is set through "" too.
    let error = properties_call(
        &bus,
        &["Set", "ssv", "org.example.Lamp", "Zone", "s", "hall"],
    )
    .expect_err("read-only");
    assert!(error.contains("read-only"), "{error}");
    let name = raw_error_name(
        &bus,
        "Set",
        &("org.example.Lamp", "Zone", zbus::Variant::from("hall")),
    );
    assert_eq!(
        name.as_deref(),
        Some("org.freedesktop.DBus.Error.PropertyReadOnly")
    );
    properties_call(&bus, &["Set", "ssv", "", "Brightness", "u", "70"]).expect("Set through \"\"");
    assert_eq!(
        properties_call(&bus, &["Get", "ss", "org.example.Lamp", "Brightness"]),
        Ok("v u 70".to_owned())
    );
    // The setter's own validation still answers.
    let refused = properties_call(
        &bus,
        &["Set", "ssv", "org.example.Lamp", "Brightness", "u", "700"],
    )
    .expect_err("over 100");
    assert!(refused.contains("700 is over 100"), "{refused}");
    // A body wrapped in a struct is not the method's arguments.
    let wrapped = raw_error_name(&bus, "GetAll", &(("org.example.Lamp",),));
    assert_eq!(
        wrapped.as_deref(),
        Some("org.freedesktop.DBus.Error.InvalidArgs")
    );
    let unknown = raw_error_name(&bus, "GetAll", &("org.example.Nothing",));
    assert_eq!(
        unknown.as_deref(),
        Some("org.freedesktop.DBus.Error.UnknownInterface")
    );
}

/// The name of the error that the lamp answers to `Properties.METHOD(body)`, or `None` where
/// it answers without one.
fn raw_error_name<B>(bus: &test_bus::PrivateBus, method: &str, body: &B) -> Option<String>
where
    B: zbus::export::serde::Serialize + zbus::zvariant::DynamicType + Sync,
{
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let connection = zbus::connection::Builder::address(bus.address())
            .build()
            .await
            .expect("a client connection");
        let call = connection.call_method(
            Some("org.example.Lamp"),
            "/org/example/Lamp",
            Some("org.freedesktop.DBus.Properties"),
            method,
            body,
        );
        match tokio::time::timeout(test_bus::WAIT, call)
            .await
            .expect("an answer in time")
        {
            Ok(_) => None,
            Err(zbus::Error::MethodError(name, _, _)) => Some(name.to_string()),
            // zbus reads the standard interfaces' errors as its own.
            Err(zbus::Error::FDO(error)) => Some(zbus::DBusError::name(&*error).to_string()),
            Err(other) => panic!("not a D-Bus error: {other}"),
        }
    })
}
