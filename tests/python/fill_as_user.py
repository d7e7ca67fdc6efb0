#!/usr/bin/env python3
"""Takes every place one Unix user can get: opens connections one after another and sends slow
calls on each until the service refuses, and stops at a connection refused at its first call
(or after MAX_CONNECTIONS). Prints `accepted N`, then `refused: ERROR_NAME: MESSAGE`, then
keeps its connections, and so its requests, until its standard input closes.

Usage: fill_as_user.py ADDRESS BITS MAX_CONNECTIONS
"""
import sys

import dbus

SERVICE = "com.larry-price.test"
PATH = "/com/larry_price/test/RandomData"
INTERFACE = "com.larry_price.test.RandomData"


def main():
    address, bits, max_connections = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    connections = []  # kept open: the service cancels the requests of a connection that closes
    accepted, refusal = 0, None
    for _ in range(max_connections):
        bus = dbus.bus.BusConnection(address)
        connections.append(bus)
        proxy = bus.get_object(SERVICE, PATH)
        taken = 0
        while True:
            try:
                proxy.slow(bits, dbus_interface=INTERFACE)
                taken += 1
            except dbus.DBusException as error:
                refusal = "%s: %s" % (error.get_dbus_name(), error.get_dbus_message())
                break
        accepted += taken
        if taken == 0:
            break
    print("accepted %d" % accepted)
    print("refused: %s" % refusal, flush=True)
    sys.stdin.read()


if __name__ == "__main__":
    main()
