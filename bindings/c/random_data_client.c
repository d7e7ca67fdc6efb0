/* A C client of the random-data service, on GDBus bindings that gdbus-codegen generates from
 * interfaces/com.larry_price.test.RandomData.xml (see bindings/c/build.sh).
 *
 * Usage: random-data-c BITS [--slow]   (uses DBUS_SESSION_BUS_ADDRESS)
 * Prints "Your random number is: N"; exits 1 on a D-Bus error, 3 if no result arrives in 30 s.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "random-data-generated.h"

typedef struct {
    GMainLoop *loop;
    gchar *request_id;
    gchar *result;
} SlowRequest;

/* Takes only the slow_result that carries our own request id. */
static void on_slow_result(RandomDataRandomData *proxy, const gchar *thread_id,
                           const gchar *result, gpointer user_data) {
    SlowRequest *request = user_data;
    (void)proxy;
    if (request->request_id != NULL && strcmp(thread_id, request->request_id) == 0) {
        request->result = g_strdup(result);
        g_main_loop_quit(request->loop);
    }
}

static gboolean on_timeout(gpointer user_data) {
    g_main_loop_quit(((SlowRequest *)user_data)->loop);
    return G_SOURCE_REMOVE;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s BITS [--slow]\n", argv[0]);
        return 2;
    }
    gint bits = atoi(argv[1]);
    gboolean slow = argc > 2 && strcmp(argv[2], "--slow") == 0;
    GError *error = NULL;
    RandomDataRandomData *proxy = random_data_random_data_proxy_new_for_bus_sync(
        G_BUS_TYPE_SESSION, G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES, "com.larry-price.test",
        "/com/larry_price/test/RandomData", NULL, &error);
    if (proxy == NULL) {
        fprintf(stderr, "random-data-c: %s\n", error->message);
        return 1;
    }

    gchar *number = NULL;
    if (!slow) {
        if (!random_data_random_data_call_quick_sync(proxy, bits, &number, NULL, &error)) {
            fprintf(stderr, "random-data-c: %s\n", error->message);
            return 1;
        }
    } else {
        SlowRequest request = {g_main_loop_new(NULL, FALSE), NULL, NULL};
        /* Subscribe before calling, so that the result cannot be missed. */
        g_signal_connect(proxy, "slow-result", G_CALLBACK(on_slow_result), &request);
        if (!random_data_random_data_call_slow_sync(proxy, bits, &request.request_id, NULL,
                                                    &error)) {
            fprintf(stderr, "random-data-c: %s\n", error->message);
            return 1;
        }
        g_timeout_add_seconds(30, on_timeout, &request);
        g_main_loop_run(request.loop);
        if (request.result == NULL) {
            fprintf(stderr, "random-data-c: no result for request %s\n", request.request_id);
            return 3;
        }
        number = request.result;
    }
    printf("Your random number is: %s\n", number);
    return 0;
}
