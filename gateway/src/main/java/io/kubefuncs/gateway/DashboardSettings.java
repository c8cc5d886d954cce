package io.kubefuncs.gateway;

import java.util.List;
import java.util.function.Supplier;

/**
 * Where the gateway serves its dashboard, on a port of its own: the public port never serves it, so
 * it can stay on loopback (or a port-forward) while the gateway faces the world.
 *
 * @param listenHost empty for every interface
 * @param listenPort 0 for any free port
 * @param functions the functions and their replicas, asked once a second while someone watches;
 *     null when the gateway cannot know them, and the dashboard shows nsqd's consumers instead
 */
public record DashboardSettings(
    String listenHost, int listenPort, Supplier<List<FunctionStatus>> functions) {}
