#!/usr/bin/python3
"""A client written the way the original Python tutorial writes it (dbus-python, a GLib
main loop, add_signal_receiver, then a call to slow), with the tutorial's id check fixed:
it takes only the result that carries the id of its own request.

Usage: tutorial_client.py ADDRESS BITS
"""

import sys

import dbus
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib

BUS_NAME = "com.larry-price.test"
OBJECT_PATH = "/com/larry_price/test/RandomData"
INTERFACE = "com.larry_price.test.RandomData"


def main():
    address, bits = sys.argv[1], int(sys.argv[2])
    DBusGMainLoop(set_as_default=True)
    bus = dbus.bus.BusConnection(address)
    loop = GLib.MainLoop()
    outcome = {}
    my_id = {}

    def handle_result(thread_id, result):
        if "id" in my_id and thread_id == my_id["id"]:
            outcome["result"] = result
            loop.quit()

    bus.add_signal_receiver(
        handle_result,
        signal_name="slow_result",
        dbus_interface=INTERFACE,
        path=OBJECT_PATH,
    )
    random_data = bus.get_object(BUS_NAME, OBJECT_PATH)
    quick = random_data.get_dbus_method("quick", INTERFACE)
    slow = random_data.get_dbus_method("slow", INTERFACE)

    print("Your quick random number is: %s" % quick(bits))
    my_id["id"] = slow(bits)
    GLib.timeout_add_seconds(20, loop.quit)
    loop.run()
    if "result" not in outcome:
        print("no slow_result for request %s" % my_id["id"], file=sys.stderr)
        sys.exit(3)
    print("Your random number is: %s" % outcome["result"])


if __name__ == "__main__":
    main()
