//! `check --recursive` over a tree of objects: the file's declarations laid over the live
//! tree, and what the live tree's `org.freedesktop.DBus.ObjectManager` announces held to
//! them.
//!
//! A file like UDisks2's or bolt's declares at its root the interfaces of objects that come
//! and go below the manager, and names none of their paths; a file like a tree fixture names
//! its child nodes. [`declared_like`] serves both: a live object is compared with the file's
//! node of its path where the file names one, else with the file's interfaces of the names
//! it carries.

use std::collections::{BTreeSet, HashMap};

use crate::compare::{Difference, Report, STANDARD_INTERFACES};
use crate::wire::{Interface, Node};

/// The interface that publishes a tree.
pub(crate) const OBJECT_MANAGER: &str = "org.freedesktop.DBus.ObjectManager";

/// The file's tree `file` in the shape of the live tree `live`, and the file's interfaces
/// that no live object carries where the live root manages its objects (they are not
/// compared: a tree need not hold an object of every kind at every moment).
///
/// Each live object below the root gets the file's node of its path where the file names
/// one, else a node with the file's interfaces that it carries. The root keeps the file's
/// root, less the interfaces that it does not carry itself but objects below it do (the
/// file's root declared them for those).
pub(crate) fn declared_like(file: &Node, live: &Node) -> (Node, Vec<String>) {
    let live_nodes = live.walk();
    let carried_below: BTreeSet<&str> = live_nodes[1..]
        .iter()
        .flat_map(|node| node.interfaces.iter().map(|i| i.name.as_str()))
        .collect();
    let at_live_root = |name: &str| live.interfaces.iter().any(|i| i.name == name);
    // A manager whose tree carries none of the file's interfaces is no tree of this file.
    let manages = at_live_root(OBJECT_MANAGER)
        && file
            .all_interfaces()
            .iter()
            .any(|i| at_live_root(&i.name) || carried_below.contains(i.name.as_str()));
    let mut declared = file.clone();
    let mut not_carried = Vec::new();
    declared.interfaces.retain(|interface| {
        let name = interface.name.as_str();
        if at_live_root(name) {
            return true;
        }
        if carried_below.contains(name) {
            return false;
        }
        if manages {
            not_carried.push(interface.name.clone());
            return false;
        }
        true
    });
    let catalogue = file.all_interfaces();
    for node in &live_nodes[1..] {
        if file.find(&node.path).is_some() {
            continue;
        }
        let interfaces = catalogue
            .iter()
            .filter(|declared| node.interfaces.iter().any(|i| i.name == declared.name))
            .map(|declared| (*declared).clone())
            .collect();
        insert(&mut declared, &node.path, interfaces);
    }
    (declared, not_carried)
}

/// Places a node with `interfaces` at `path` below `root`, with empty nodes on the way where
/// there are none.
fn insert(root: &mut Node, path: &str, interfaces: Vec<Interface>) {
    let mut node = root;
    let mut walked = String::new();
    for element in path.split('/') {
        if !walked.is_empty() {
            walked.push('/');
        }
        walked.push_str(element);
        let index = match node.children.iter().position(|c| c.path == walked) {
            Some(index) => index,
            None => {
                node.children.push(Node {
                    name: Some(element.to_owned()),
                    path: walked.clone(),
                    interfaces: Vec::new(),
                    children: Vec::new(),
                });
                node.children.len() - 1
            }
        };
        node = &mut node.children[index];
    }
    node.interfaces = interfaces;
}

/// The interfaces and properties that `GetManagedObjects` answered, by object path.
pub(crate) type Managed = HashMap<String, HashMap<String, HashMap<String, String>>>;

/// Reads `GetManagedObjects` of the manager `path` of `destination`: for each object, each
/// interface's properties with the signatures of their values.
pub(crate) async fn managed_objects(
    connection: &zbus::Connection,
    destination: &str,
    path: &str,
) -> zbus::Result<Managed> {
    let manager = zbus::fdo::ObjectManagerProxy::builder(connection)
        .destination(destination.to_owned())
        .path(path.to_owned())
        .build()
        .await?;
    let objects = manager.get_managed_objects().await?;
    Ok(objects
        .into_iter()
        .map(|(path, interfaces)| {
            let interfaces = interfaces
                .into_iter()
                .map(|(name, properties)| {
                    let signatures = properties
                        .into_iter()
                        .map(|(name, value)| (name, value.value_signature().to_string()))
                        .collect();
                    (name.to_string(), signatures)
                })
                .collect();
            (path.to_string(), interfaces)
        })
        .collect())
}

/// Holds what the manager at the root of `live` announced (`managed`) to the file's
/// declarations (`declared`, shaped by [`declared_like`]) and to the live tree: every object
/// below the root that carries interfaces is listed, no object is listed without interfaces,
/// and every readable property that the file declares is announced with its type.
pub(crate) fn compare_managed(
    declared: &Node,
    live: &Node,
    managed: &Managed,
    report: &mut Report,
) {
    let root = live.object_path_of("");
    for node in &live.walk()[1..] {
        let path = live.object_path_of(&node.path);
        let own = node
            .interfaces
            .iter()
            .any(|i| !STANDARD_INTERFACES.contains(&i.name.as_str()));
        if own && !managed.contains_key(&path) {
            report.differences.push(Difference::at(
                (Some(path), None, None),
                "object not listed by GetManagedObjects".into(),
                Some(format!(
                    "clients of the object manager at {root} never see this object"
                )),
            ));
        }
    }
    let mut paths: Vec<&String> = managed.keys().collect();
    paths.sort();
    for path in paths {
        let interfaces = &managed[path];
        if interfaces.is_empty() {
            report.differences.push(Difference::at(
                (Some(path.clone()), None, None),
                "listed by GetManagedObjects without interfaces".into(),
                None,
            ));
            continue;
        }
        let relative = path
            .strip_prefix(root.trim_end_matches('/'))
            .unwrap_or(path)
            .trim_start_matches('/');
        let Some(node) = declared.find(relative) else {
            continue;
        };
        for interface in &node.interfaces {
            let Some(announced) = interfaces.get(&interface.name) else {
                continue;
            };
            announced_properties(path, interface, announced, report);
        }
    }
}

/// Holds the properties announced for `interface` of the object `path` to its declaration.
fn announced_properties(
    path: &str,
    interface: &Interface,
    announced: &HashMap<String, String>,
    report: &mut Report,
) {
    for property in interface.properties.iter().filter(|p| p.access.read()) {
        let place = (
            Some(path.to_owned()),
            Some(interface.name.clone()),
            Some(format!("property {}", property.name)),
        );
        let declared = property.signature.to_string();
        match announced.get(&property.name) {
            None => report.differences.push(Difference::at(
                place,
                "missing from GetManagedObjects".into(),
                Some(
                    "clients of the object manager find the property unset (GDBus's \
                     cached getter returns NULL)"
                        .into(),
                ),
            )),
            Some(signature) if *signature != declared => report.differences.push(Difference::at(
                place,
                format!("announced as type {signature}, declared {declared}"),
                Some("clients of the object manager cannot read the value".into()),
            )),
            Some(_) => {}
        }
    }
}
