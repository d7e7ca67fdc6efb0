#!/usr/bin/python3
"""Watches a tree with GDBus's own GDBusObjectManagerClient (through PyGObject), a client that
nobody in this project wrote, and prints what it sees, one flushed line each:

    present PATH INTERFACE [PROPERTY=VALUE ...]      (each object's interfaces at the start)
    ready
    object-added PATH INTERFACE [PROPERTY=VALUE ...] (one line per interface of the object)
    interface-added PATH INTERFACE [PROPERTY=VALUE ...]
    interface-removed PATH INTERFACE
    object-removed PATH

Usage: watch_tree.py ADDRESS NAME MANAGER_PATH. Ends when its stdin closes.
"""

import sys

import gi

gi.require_version("Gio", "2.0")
from gi.repository import Gio, GLib  # noqa: E402

address, name, manager_path = sys.argv[1:4]


def say(*words):
    print(*words, flush=True)


def described(interface):
    """The interface's name and its properties as the client cached them, sorted."""
    names = sorted(interface.get_cached_property_names() or [])
    values = [f"{n}={interface.get_cached_property(n).unpack()}" for n in names]
    return " ".join([interface.get_interface_name(), *values])


def interfaces(obj):
    return sorted(obj.get_interfaces(), key=lambda i: i.get_interface_name())


connection = Gio.DBusConnection.new_for_address_sync(
    address,
    Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT
    | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION,
    None,
    None,
)
manager = Gio.DBusObjectManagerClient.new_sync(
    connection,
    Gio.DBusObjectManagerClientFlags.NONE,
    name,
    manager_path,
    None,
    None,
    None,
)
for obj in sorted(manager.get_objects(), key=lambda o: o.get_object_path()):
    for interface in interfaces(obj):
        say("present", obj.get_object_path(), described(interface))
say("ready")

manager.connect(
    "object-added",
    lambda _, obj: [
        say("object-added", obj.get_object_path(), described(i)) for i in interfaces(obj)
    ],
)
manager.connect(
    "object-removed", lambda _, obj: say("object-removed", obj.get_object_path())
)
manager.connect(
    "interface-added",
    lambda _, obj, i: say("interface-added", obj.get_object_path(), described(i)),
)
manager.connect(
    "interface-removed",
    lambda _, obj, i: say("interface-removed", obj.get_object_path(), i.get_interface_name()),
)

loop = GLib.MainLoop()
GLib.io_add_watch(
    GLib.IOChannel.unix_new(sys.stdin.fileno()),
    GLib.PRIORITY_DEFAULT,
    GLib.IOCondition.IN | GLib.IOCondition.HUP,
    lambda *_: loop.quit(),
)
loop.run()
