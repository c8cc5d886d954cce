package io.kubefuncs.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One entry of a functions file as {@code kubefuncs dev} runs it: the function chart's settings
 * with its defaults applied, and the {@code local} block the chart ignores.
 *
 * @param env the function's own variables in order (the chart's {@code env}, then
 *     {@code local.env}; a later one of the same name wins, as in a pod), after those the chart sets
 * @param command {@code local.command}: the program and its arguments
 * @param dir where {@code command} runs: {@code local.dir}, by default the functions file's folder
 * @param grace how long a replica may take to stop after SIGTERM before it is killed (the chart's
 *     {@code terminationGracePeriodSeconds})
 */
record FunctionSpec(
    String name,
    String topic,
    String channel,
    int replicas,
    Map<String, String> env,
    List<String> command,
    Path dir,
    Duration grace) {}
