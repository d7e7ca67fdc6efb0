#!/usr/bin/env python3
"""Calls quick the two ways dbus-python allows: the tutorial's default style, which sends no
interface header, and with the interface named. Prints one line for each.

Usage: interface_header.py ADDRESS BITS
"""
import sys

import dbus

SERVICE = "com.larry-price.test"
PATH = "/com/larry_price/test/RandomData"
INTERFACE = "com.larry_price.test.RandomData"


def main():
    address, bits = sys.argv[1], int(sys.argv[2])
    bus = dbus.bus.BusConnection(address)
    proxy = bus.get_object(SERVICE, PATH)
    try:
        print("default style: %s" % proxy.quick(bits))
    except dbus.DBusException as error:
        print("default style: %s: %s" % (error.get_dbus_name(), error.get_dbus_message()))
    print("interface named: %s" % proxy.quick(bits, dbus_interface=INTERFACE))


if __name__ == "__main__":
    main()
