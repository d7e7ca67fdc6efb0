/* The bus's floor: a trivial sd-bus server that owns com.larry-price.test and answers
 * com.larry_price.test.RandomData.quick(i bits) -> s with a constant, on the bus at the
 * address given as its one argument. The benchmark builds it (cc + pkg-config libsystemd)
 * and measures it beside the app, in the same run. SIGTERM ends it. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-bus.h>

static int quick(sd_bus_message *call, void *userdata, sd_bus_error *error) {
    int32_t bits;
    int r = sd_bus_message_read(call, "i", &bits);
    if (r < 0)
        return r;
    /* Five digits, as long as the app's answer to quick(16) at most. */
    return sd_bus_reply_method_return(call, "s", "40731");
}

static const sd_bus_vtable random_data[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_METHOD_WITH_NAMES("quick", "i", SD_BUS_PARAM(bits), "s", SD_BUS_PARAM(result), quick,
                             SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_VTABLE_END,
};

static int fail(const char *what, int r) {
    fprintf(stderr, "quick-server-c: %s: %s\n", what, strerror(-r));
    return 1;
}

int main(int argc, char **argv) {
    sd_bus *bus = NULL;
    int r;
    if (argc != 2) {
        fprintf(stderr, "usage: quick-server-c BUS_ADDRESS\n");
        return 2;
    }
    if ((r = sd_bus_new(&bus)) < 0)
        return fail("sd_bus_new", r);
    if ((r = sd_bus_set_address(bus, argv[1])) < 0)
        return fail("sd_bus_set_address", r);
    if ((r = sd_bus_set_bus_client(bus, 1)) < 0)
        return fail("sd_bus_set_bus_client", r);
    if ((r = sd_bus_start(bus)) < 0)
        return fail("connecting to the bus", r);
    r = sd_bus_add_object_vtable(bus, NULL, "/com/larry_price/test/RandomData",
                                 "com.larry_price.test.RandomData", random_data, NULL);
    if (r < 0)
        return fail("sd_bus_add_object_vtable", r);
    if ((r = sd_bus_request_name(bus, "com.larry-price.test", 0)) < 0)
        return fail("requesting com.larry-price.test", r);
    for (;;) {
        r = sd_bus_process(bus, NULL);
        if (r < 0)
            return fail("sd_bus_process", r);
        if (r > 0)
            continue;
        r = sd_bus_wait(bus, UINT64_MAX);
        if (r < 0)
            return fail("sd_bus_wait", r);
    }
}
