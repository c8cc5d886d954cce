package io.kubefuncs.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A PodList as the Kubernetes API serves it (trimmed to the fields read), grouped into functions.
 */
class KubernetesFunctionsTest {
  private static final String POD_LIST =
      """
      {"kind": "PodList", "apiVersion": "v1", "items": [
        {"metadata": {"name": "kf-pong-7d9-b", "labels": {"kubefuncs.io/function": "pong"}},
         "status": {"conditions": [{"type": "Ready", "status": "False"}],
                    "containerStatuses": [{"name": "function", "ready": false, "restartCount": 3}]}},
        {"metadata": {"name": "kf-pong-7d9-a", "labels": {"kubefuncs.io/function": "pong"}},
         "status": {"conditions": [{"type": "PodScheduled", "status": "True"}, {"type": "Ready", "status": "True"}],
                    "containerStatuses": [{"name": "function", "ready": true, "restartCount": 0}]}},
        {"metadata": {"name": "kf-greeter-5c-x", "labels": {"kubefuncs.io/function": "greeter"},
                      "deletionTimestamp": "2026-12-05T01:00:00Z"},
         "status": {"conditions": [{"type": "Ready", "status": "True"}],
                    "containerStatuses": [{"name": "function", "ready": true, "restartCount": 1}]}},
        {"metadata": {"name": "unlabelled", "labels": {}}, "status": {}}
      ]}
      """;

  @Test
  void podsAreGroupedByFunctionUpWhenReadyAndNotTerminating() throws Exception {
    List<FunctionStatus> functions =
        KubernetesFunctions.fromPodList(new ObjectMapper().readTree(POD_LIST));

    assertThat(functions)
        .containsExactly(
            new FunctionStatus(
                "greeter", List.of(new FunctionStatus.Replica("kf-greeter-5c-x", false, 1))),
            new FunctionStatus(
                "pong",
                List.of(
                    new FunctionStatus.Replica("kf-pong-7d9-a", true, 0),
                    new FunctionStatus.Replica("kf-pong-7d9-b", false, 3))));
  }
}
