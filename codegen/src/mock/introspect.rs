//! What a mock's object says of itself: the files' interfaces as the files have them (in the
//! D-Bus vocabulary alone), the standard interfaces it serves (the control interface among
//! them), and the nodes below it.

use std::collections::BTreeSet;

use super::Shared;
use super::dispatch::below;
use super::state::State;

/// The standard interfaces every object serves.
const STANDARD: &str = r#"  <interface name="org.freedesktop.DBus.Peer">
    <method name="Ping"/>
    <method name="GetMachineId">
      <arg name="machine_uuid" type="s" direction="out"/>
    </method>
  </interface>
  <interface name="org.freedesktop.DBus.Introspectable">
    <method name="Introspect">
      <arg name="xml_data" type="s" direction="out"/>
    </method>
  </interface>
  <interface name="org.freedesktop.DBus.Properties">
    <method name="Get">
      <arg name="interface_name" type="s" direction="in"/>
      <arg name="property_name" type="s" direction="in"/>
      <arg name="value" type="v" direction="out"/>
    </method>
    <method name="GetAll">
      <arg name="interface_name" type="s" direction="in"/>
      <arg name="properties" type="a{sv}" direction="out"/>
    </method>
    <method name="Set">
      <arg name="interface_name" type="s" direction="in"/>
      <arg name="property_name" type="s" direction="in"/>
      <arg name="value" type="v" direction="in"/>
    </method>
    <signal name="PropertiesChanged">
      <arg name="interface_name" type="s"/>
      <arg name="changed_properties" type="a{sv}"/>
      <arg name="invalidated_properties" type="as"/>
    </signal>
  </interface>
"#;

/// The ObjectManager interface, where the object is the mock's manager.
const OBJECT_MANAGER: &str = r#"  <interface name="org.freedesktop.DBus.ObjectManager">
    <method name="GetManagedObjects">
      <arg name="object_paths_interfaces_and_properties" type="a{oa{sa{sv}}}" direction="out"/>
    </method>
    <signal name="InterfacesAdded">
      <arg name="object_path" type="o"/>
      <arg name="interfaces_and_properties" type="a{sa{sv}}"/>
    </signal>
    <signal name="InterfacesRemoved">
      <arg name="object_path" type="o"/>
      <arg name="interfaces" type="as"/>
    </signal>
  </interface>
"#;

/// The introspection XML of the object at `path`.
pub(crate) fn xml(shared: &Shared, state: &State, path: &str) -> String {
    let mut xml = String::from(
        "<!DOCTYPE node PUBLIC \"-//freedesktop//DTD D-BUS Object Introspection 1.0//EN\"\n \
         \"http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd\">\n<node>\n",
    );
    if let Some(served) = state.objects.get(path) {
        xml.push_str(STANDARD);
        xml.push_str(super::control::XML);
        if state.manager.as_deref() == Some(path) {
            xml.push_str(OBJECT_MANAGER);
        }
        for interface in served {
            let Some((document, _)) = shared.contracts.interface(&interface.name) else {
                continue;
            };
            let text = document.interface_xml(&interface.name).unwrap_or_default();
            for line in crate::source::in_dbus_vocabulary(text).lines() {
                xml.push_str("  ");
                xml.push_str(line);
                xml.push('\n');
            }
        }
    } else if state.manager.as_deref() == Some(path) {
        xml.push_str(STANDARD);
        xml.push_str(OBJECT_MANAGER);
    }
    let prefix = below(path);
    let children: BTreeSet<&str> = state
        .objects
        .keys()
        .filter_map(|p| p.strip_prefix(&prefix))
        .filter_map(|rest| rest.split('/').next())
        .filter(|child| !child.is_empty())
        .collect();
    for child in children {
        xml.push_str(&format!("  <node name=\"{child}\"/>\n"));
    }
    xml.push_str("</node>\n");
    xml
}
