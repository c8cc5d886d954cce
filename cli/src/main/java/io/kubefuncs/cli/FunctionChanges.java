package io.kubefuncs.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an edit of the functions file changes in what {@code kubefuncs dev} runs, function by
 * function, as Helm would change the Deployments: new functions start, removed ones stop, a new
 * replica count scales a function without touching its running replicas, and any other change
 * (command, env, topic...) replaces its replicas.
 *
 * @param added functions that were not running
 * @param removed running functions the file no longer lists
 * @param scaled functions whose replica count alone changed, as the file now has them
 * @param changed functions changed otherwise, as the file now has them
 */
record FunctionChanges(
    List<FunctionSpec> added,
    List<FunctionSpec> removed,
    List<FunctionSpec> scaled,
    List<FunctionSpec> changed) {

  static FunctionChanges between(List<FunctionSpec> running, List<FunctionSpec> edited) {
    Map<String, FunctionSpec> before = new LinkedHashMap<>();
    running.forEach(fn -> before.put(fn.name(), fn));
    List<FunctionSpec> added = new ArrayList<>();
    List<FunctionSpec> scaled = new ArrayList<>();
    List<FunctionSpec> changed = new ArrayList<>();
    for (FunctionSpec fn : edited) {
      FunctionSpec old = before.remove(fn.name());
      if (old == null) {
        added.add(fn);
      } else if (!withoutReplicas(old).equals(withoutReplicas(fn))) {
        changed.add(fn);
      } else if (old.replicas() != fn.replicas()) {
        scaled.add(fn);
      }
    }
    return new FunctionChanges(added, List.copyOf(before.values()), scaled, changed);
  }

  boolean isEmpty() {
    return added.isEmpty() && removed.isEmpty() && scaled.isEmpty() && changed.isEmpty();
  }

  private static FunctionSpec withoutReplicas(FunctionSpec fn) {
    return new FunctionSpec(
        fn.name(),
        fn.topic(),
        fn.channel(),
        0,
        fn.env(),
        fn.command(),
        fn.dir(),
        fn.grace(),
        fn.build(),
        fn.watch());
  }
}
