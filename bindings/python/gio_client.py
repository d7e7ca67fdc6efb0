#!/usr/bin/python3
"""A Python client of the random-data service whose proxy is built at run time from
interfaces/com.larry_price.test.RandomData.xml (Gio.DBusNodeInfo): GDBus checks each call's
arguments and each reply against the XML.

Usage: gio_client.py ADDRESS BITS [--slow]
Prints "Your random number is: N"; exits 1 on a D-Bus error, 3 if no result arrives in 30 s.
"""

import os
import sys

from gi.repository import Gio, GLib

XML = os.path.join(os.path.dirname(__file__), "..", "..", "interfaces",
                   "com.larry_price.test.RandomData.xml")
INTERFACE = "com.larry_price.test.RandomData"


def main():
    address, bits, slow = sys.argv[1], int(sys.argv[2]), "--slow" in sys.argv[3:]
    with open(XML) as xml:
        interface_info = Gio.DBusNodeInfo.new_for_xml(xml.read()).lookup_interface(INTERFACE)
    connection = Gio.DBusConnection.new_for_address_sync(
        address,
        Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT
        | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION,
        None, None)
    proxy = Gio.DBusProxy.new_sync(
        connection, Gio.DBusProxyFlags.DO_NOT_LOAD_PROPERTIES, interface_info,
        "com.larry-price.test", "/com/larry_price/test/RandomData", INTERFACE, None)

    try:
        if not slow:
            (number,) = proxy.call_sync("quick", GLib.Variant("(i)", (bits,)),
                                        Gio.DBusCallFlags.NONE, -1, None).unpack()
        else:
            number = slow_number(proxy, bits)
    except GLib.Error as error:
        print("gio_client: %s" % error.message, file=sys.stderr)
        sys.exit(1)
    if number is None:
        print("gio_client: no result in time", file=sys.stderr)
        sys.exit(3)
    print("Your random number is: %s" % number)


def slow_number(proxy, bits):
    loop = GLib.MainLoop()
    outcome = {}

    def on_signal(_proxy, _sender, signal, parameters):
        thread_id, result = parameters.unpack()
        if signal == "slow_result" and thread_id == outcome.get("id"):
            outcome["result"] = result
            loop.quit()

    # Subscribe before calling, so that the result cannot be missed.
    proxy.connect("g-signal", on_signal)
    (outcome["id"],) = proxy.call_sync("slow", GLib.Variant("(i)", (bits,)),
                                       Gio.DBusCallFlags.NONE, -1, None).unpack()
    GLib.timeout_add_seconds(30, loop.quit)
    loop.run()
    return outcome.get("result")


if __name__ == "__main__":
    main()
