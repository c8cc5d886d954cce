package io.kubefuncs.gateway;

import java.time.Duration;

/**
 * Requests whose path starts with {@code prefix} go to {@code topic}.
 *
 * @param timeout how long to wait for the function's answer before a 504
 * @param async answer 202 at once and publish without a return topic
 */
public record Route(String prefix, String topic, Duration timeout, boolean async) {}
