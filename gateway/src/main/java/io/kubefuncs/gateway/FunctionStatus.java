package io.kubefuncs.gateway;

import java.util.List;

/**
 * A function as the dashboard shows it: its replicas, each up or not, and how often it restarted.
 */
public record FunctionStatus(String name, List<Replica> replicas) {
  public FunctionStatus {
    replicas = List.copyOf(replicas);
  }

  /**
   * @param up running and answering its health check
   */
  public record Replica(String name, boolean up, int restarts) {}
}
