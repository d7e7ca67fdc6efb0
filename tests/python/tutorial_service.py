#!/usr/bin/python3
"""The original tutorial's service, in its own style: dbus-python, a GLib main loop, and a
thread per slow request that sleeps one tick per bit and then emits slow_result with its
thread id. Used by the tests (interoperability, the contract check) and as the benchmark's
baseline; it keeps the original's shape, not its defects' fixes.

Usage: tutorial_service.py ADDRESS [TICK_SECONDS]
"""

import random
import sys
import threading
import time

import dbus
import dbus.service
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib

BUS_NAME = "com.larry-price.test"
OBJECT_PATH = "/com/larry_price/test/RandomData"
INTERFACE = "com.larry_price.test.RandomData"


class RandomData(dbus.service.Object):
    def __init__(self, bus_name, tick):
        super().__init__(bus_name, OBJECT_PATH)
        self.tick = tick

    @dbus.service.method(INTERFACE, in_signature="i", out_signature="s")
    def quick(self, bits):
        return str(random.getrandbits(bits))

    @dbus.service.method(INTERFACE, in_signature="i", out_signature="s")
    def slow(self, bits):
        thread = threading.Thread(target=self.slow_worker, args=(bits,), daemon=True)
        thread.start()
        return str(thread.ident)

    def slow_worker(self, bits):
        number = 0
        for _ in range(bits):
            time.sleep(self.tick)
            number = (number << 1) | random.getrandbits(1)
        thread_id = str(threading.get_ident())
        GLib.idle_add(self.slow_result, thread_id, str(number))

    @dbus.service.signal(INTERFACE, signature="ss")
    def slow_result(self, thread_id, result):
        pass


def main():
    address = sys.argv[1]
    tick = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
    DBusGMainLoop(set_as_default=True)
    bus = dbus.bus.BusConnection(address)
    name = dbus.service.BusName(BUS_NAME, bus, do_not_queue=True)
    RandomData(name, tick)
    print("serving", flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
