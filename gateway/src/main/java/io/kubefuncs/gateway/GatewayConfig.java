package io.kubefuncs.gateway;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * @param listenHost empty for every interface
 * @param routesFile the YAML/JSON routes file, watched for changes
 * @param nsqdAddress the nsqd to publish to ({@code host:4150})
 * @param lookupdAddresses nsqlookupd HTTP addresses; empty to use the one nsqd only
 * @param gatewayId names the gateway's return topic; the hostname by default
 * @param defaultTimeout for routes that set none
 * @param maxBodyBytes larger request bodies get 413
 * @param exposeFunctionErrors whether a 502 carries the function's error text
 */
public record GatewayConfig(
    String listenHost,
    int listenPort,
    Path routesFile,
    String nsqdAddress,
    List<String> lookupdAddresses,
    String gatewayId,
    Duration defaultTimeout,
    int maxBodyBytes,
    boolean exposeFunctionErrors,
    Duration reloadInterval) {}
