package io.kubefuncs.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The cluster flags of {@code deploy} and {@code status}: which kubeconfig, namespace and kubectl.
 */
final class ClusterOptions {
  @Option(
      names = {"-n", "--namespace"},
      paramLabel = "NAMESPACE",
      description = "The functions' namespace (default: the kubeconfig's).")
  String namespace;

  @Option(
      names = "--kubeconfig",
      paramLabel = "FILE",
      description = "The cluster (default: $KUBECONFIG, else ~/.kube/config).")
  Path kubeconfig;

  @Option(
      names = "--kubectl",
      defaultValue = "kubectl",
      paramLabel = "PATH",
      description = "kubectl (default: from the PATH).")
  String kubectl;

  /** kubectl and, unless {@code helm} is null, helm, checked to be there. */
  ClusterTools tools(String helm) {
    return ClusterTools.of(kubectl, helm, kubeconfig);
  }

  /** {@code --namespace}, or the kubeconfig's. */
  String namespace(ClusterTools tools) {
    return namespace != null ? namespace : tools.currentNamespace();
  }
}
