package io.kubefuncs.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The functions of a cluster, for the dashboard: the pods in the gateway's namespace that carry the
 * function chart's labels, grouped by {@code kubefuncs.io/function}, each up when Kubernetes calls
 * it ready, with its restart count. Asked of the Kubernetes API with the pod's service account (the
 * gateway chart grants it get/list on pods only when the dashboard is on).
 */
final class KubernetesFunctions implements Supplier<List<FunctionStatus>> {
  /** The function chart's pods: namespace-wide, whichever release installed them. */
  static final String SELECTOR =
      "app.kubernetes.io/component=function,app.kubernetes.io/part-of=kubefuncs";

  static final String FUNCTION_LABEL = "kubefuncs.io/function";
  private static final Path ACCOUNT = Path.of("/var/run/secrets/kubernetes.io/serviceaccount");
  private static final Duration TIMEOUT = Duration.ofSeconds(2);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI pods;
  private final Path token;
  private final HttpClient http;

  private KubernetesFunctions(URI pods, Path token, SSLContext tls) {
    this.pods = pods;
    this.token = token;
    this.http = HttpClient.newBuilder().sslContext(tls).connectTimeout(TIMEOUT).build();
  }

  /**
   * Within a pod with a readable service account (token, namespace, CA), the functions of its
   * namespace; otherwise null, and the dashboard shows nsqd's consumers instead.
   */
  static Supplier<List<FunctionStatus>> inPod(Map<String, String> env) {
    String host = env.get("KUBERNETES_SERVICE_HOST");
    Path token = ACCOUNT.resolve("token");
    if (host == null || !Files.isReadable(token)) {
      return null;
    }
    try {
      String namespace = Files.readString(ACCOUNT.resolve("namespace")).strip();
      String port = env.getOrDefault("KUBERNETES_SERVICE_PORT", "443");
      URI pods =
          URI.create(
              "https://"
                  + (host.contains(":") ? "[" + host + "]" : host)
                  + ":"
                  + port
                  + "/api/v1/namespaces/"
                  + namespace
                  + "/pods?labelSelector="
                  + URLEncoder.encode(SELECTOR, StandardCharsets.UTF_8));
      return new KubernetesFunctions(pods, token, trusting(ACCOUNT.resolve("ca.crt")));
    } catch (IOException | GeneralSecurityException e) {
      // The gateway still serves; its dashboard then shows nsqd's consumers instead of the pods.
      System.getLogger(KubernetesFunctions.class.getName())
          .log(
              System.Logger.Level.WARNING,
              "dashboard: cannot read the service account at {0} ({1}); the functions' pods will not be shown",
              ACCOUNT,
              e.getMessage());
      return null;
    }
  }

  private static SSLContext trusting(Path caFile) throws IOException, GeneralSecurityException {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    try (InputStream in = Files.newInputStream(caFile)) {
      int i = 0;
      for (var cert : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        trust.setCertificateEntry("ca-" + i++, cert);
      }
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, tmf.getTrustManagers(), null);
    return tls;
  }

  @Override
  public List<FunctionStatus> get() {
    try {
      // Read each time: the kubelet rotates projected tokens.
      String bearer = Files.readString(token).strip();
      HttpResponse<byte[]> r =
          http.send(
              HttpRequest.newBuilder(pods)
                  .timeout(TIMEOUT)
                  .header("Authorization", "Bearer " + bearer)
                  .header("Accept", "application/json")
                  .build(),
              HttpResponse.BodyHandlers.ofByteArray());
      if (r.statusCode() != 200) {
        throw new IllegalStateException(
            "the Kubernetes API answered "
                + r.statusCode()
                + " to listing pods"
                + (r.statusCode() == 403
                    ? ": the gateway's Role (dashboard.enabled) grants get and list on pods"
                    : ""));
      }
      return fromPodList(JSON.readTree(r.body()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list pods: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** A PodList, as the API serves it, grouped by function; a terminating pod is not up. */
  static List<FunctionStatus> fromPodList(JsonNode podList) {
    Map<String, List<FunctionStatus.Replica>> byFunction = new TreeMap<>();
    for (JsonNode pod : podList.path("items")) {
      JsonNode meta = pod.path("metadata");
      String function = meta.path("labels").path(FUNCTION_LABEL).asText("");
      if (function.isEmpty()) {
        continue;
      }
      boolean ready = false;
      for (JsonNode condition : pod.path("status").path("conditions")) {
        if (condition.path("type").asText().equals("Ready")) {
          ready = condition.path("status").asText().equals("True");
        }
      }
      int restarts = 0;
      for (JsonNode container : pod.path("status").path("containerStatuses")) {
        restarts += container.path("restartCount").asInt();
      }
      boolean up = ready && meta.path("deletionTimestamp").isMissingNode();
      byFunction
          .computeIfAbsent(function, f -> new ArrayList<>())
          .add(new FunctionStatus.Replica(meta.path("name").asText(), up, restarts));
    }
    List<FunctionStatus> out = new ArrayList<>();
    byFunction.forEach(
        (name, replicas) -> {
          replicas.sort((a, b) -> a.name().compareTo(b.name()));
          out.add(new FunctionStatus(name, replicas));
        });
    return out;
  }
}
