package io.kubefuncs.cli;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Debian's headless Chromium, driven over the Chrome DevTools Protocol with the JDK's own
 * WebSocket: navigate, wait for the page to show something, click and type as a person does (real
 * mouse and keyboard events at the element, not {@code element.click()}), and take screenshots. The
 * flags keep it off the network (no updates, sync or QUIC), which it would otherwise try at start.
 * Exceptions the page throws are collected, for a test to assert none.
 */
final class Chromium implements AutoCloseable {
  static final Path BINARY =
      Path.of(System.getenv().getOrDefault("KUBEFUNCS_CHROMIUM", "/usr/bin/chromium"));
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(10);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Process process;
  private final Path profile;
  private final WebSocket socket;
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
  private final List<String> pageErrors = new CopyOnWriteArrayList<>();

  /**
   * Skips the calling test when Chromium is not installed, except under CI, where it must be
   * (scripts/test installs it).
   */
  static void assumeInstalled() {
    if (Files.isExecutable(BINARY)) {
      return;
    }
    String why =
        BINARY
            + " is missing: the dashboard's browser test needs Debian's chromium (apt-get install chromium),"
            + " or KUBEFUNCS_CHROMIUM set to a Chromium binary";
    if ("true".equals(System.getenv("CI"))) {
      Assertions.fail(why);
    }
    Assumptions.abort(why);
  }

  static Chromium start(int width, int height) throws IOException, InterruptedException {
    Path profile = Files.createTempDirectory("kubefuncs-chromium-");
    Process p =
        new ProcessBuilder(
                BINARY.toString(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--user-data-dir=" + profile,
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
                "--window-size=" + width + "," + height,
                "about:blank")
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    try {
      String devtools = devtoolsAddress(p);
      return new Chromium(p, profile, pageSocket(devtools));
    } catch (IOException | RuntimeException | InterruptedException e) {
      p.destroyForcibly();
      deleteTree(profile);
      throw e;
    }
  }

  /**
   * {@code host:port} of the DevTools endpoint, from the line Chromium prints on stderr once it
   * listens.
   */
  private static String devtoolsAddress(Process p) throws IOException {
    CompletableFuture<String> found = new CompletableFuture<>();
    List<String> seen = new CopyOnWriteArrayList<>();
    Thread.ofPlatform()
        .daemon()
        .name("chromium-stderr")
        .start(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                  seen.add(line);
                  int at = line.indexOf("DevTools listening on ws://");
                  if (at >= 0) {
                    String rest = line.substring(at + "DevTools listening on ws://".length());
                    found.complete(rest.substring(0, rest.indexOf('/')));
                  }
                }
              } catch (IOException e) {
                // the process ended: reported below
              }
              found.completeExceptionally(
                  new IOException("chromium exited before listening: " + String.join("\n", seen)));
            });
    try {
      return found.get(20, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new IOException(e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException | InterruptedException e) {
      throw new IOException(
          "chromium did not open its DevTools port within 20 s: " + String.join("\n", seen), e);
    }
  }

  /** The WebSocket of the tab Chromium opened. */
  private static URI pageSocket(String devtools) throws IOException, InterruptedException {
    HttpResponse<String> list =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://" + devtools + "/json/list"))
                    .timeout(COMMAND_TIMEOUT)
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    for (JsonNode target : JSON.readTree(list.body())) {
      if (target.path("type").asText().equals("page")) {
        return URI.create(target.path("webSocketDebuggerUrl").asText());
      }
    }
    throw new IOException("chromium has no page open: " + list.body());
  }

  private Chromium(Process process, Path profile, URI page) {
    this.process = process;
    this.profile = profile;
    this.socket =
        HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(page, new Listener()).join();
    send("Runtime.enable", Map.of());
    send("Page.enable", Map.of());
  }

  /** Opens {@code url} and waits for its load event. */
  void open(URI url) {
    send("Page.navigate", Map.of("url", url.toString()));
    waitUntil("document.readyState === 'complete'", Duration.ofSeconds(10));
  }

  /** The value of a JavaScript expression in the page; a promise is awaited. */
  JsonNode evaluate(String expression) {
    JsonNode r =
        send(
            "Runtime.evaluate",
            Map.of("expression", expression, "returnByValue", true, "awaitPromise", true));
    if (r.has("exceptionDetails")) {
      throw new IllegalStateException(expression + " threw: " + r.path("exceptionDetails"));
    }
    return r.path("result").path("value");
  }

  String text(String selector) {
    return evaluate("document.querySelector(" + quote(selector) + ")?.innerText ?? ''").asText();
  }

  /** Waits until the expression is true in the page. */
  void waitUntil(String expression, Duration timeout) {
    await(expression)
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(50))
        .until(() -> evaluate(expression).asBoolean());
  }

  /** A left click at the middle of the element, as the mouse does it: pressed, then released. */
  void click(String selector) {
    JsonNode box =
        evaluate(
            "(() => { const e = document.querySelector("
                + quote(selector)
                + "); e.scrollIntoView({block: 'center'});"
                + " const r = e.getBoundingClientRect(); return {x: r.x + r.width / 2, y: r.y + r.height / 2}; })()");
    for (String type : List.of("mousePressed", "mouseReleased")) {
      send(
          "Input.dispatchMouseEvent",
          Map.of(
              "type",
              type,
              "x",
              box.path("x").asDouble(),
              "y",
              box.path("y").asDouble(),
              "button",
              "left",
              "clickCount",
              1));
    }
  }

  /** Clicks into a field, selects what it holds, and types {@code text} over it. */
  void type(String selector, String text) {
    click(selector);
    evaluate("document.querySelector(" + quote(selector) + ").select()");
    send("Input.insertText", Map.of("text", text));
  }

  /** Presses and releases a key, Enter or Tab, say, in the focused element. */
  void press(String key, int keyCode) {
    for (String type : List.of("keyDown", "keyUp")) {
      // A keyDown with text is what types: Enter's is a carriage return, which submits a form.
      send(
          "Input.dispatchKeyEvent",
          Map.of(
              "type",
              type,
              "key",
              key,
              "code",
              key,
              "windowsVirtualKeyCode",
              keyCode,
              "text",
              type.equals("keyDown") && key.equals("Enter") ? "\r" : ""));
    }
  }

  /** What the window shows, as a PNG. */
  void screenshot(Path file) throws IOException {
    JsonNode shot = send("Page.captureScreenshot", Map.of("format", "png"));
    Files.createDirectories(file.getParent());
    Files.write(file, Base64.getDecoder().decode(shot.path("data").asText()));
  }

  /** What the page threw or logged as an error, each as one line. */
  List<String> pageErrors() {
    return List.copyOf(pageErrors);
  }

  private JsonNode send(String method, Map<String, Object> params) {
    int id = ids.incrementAndGet();
    CompletableFuture<JsonNode> answer = new CompletableFuture<>();
    pending.put(id, answer);
    ObjectNode command = JSON.createObjectNode().put("id", id).put("method", method);
    command.set("params", JSON.valueToTree(params));
    socket.sendText(command.toString(), true).join();
    try {
      JsonNode r = answer.get(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      if (r.has("error")) {
        throw new IllegalStateException(method + " failed: " + r.path("error"));
      }
      return r.path("result");
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException(method + " got no answer within " + COMMAND_TIMEOUT, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } finally {
      pending.remove(id);
    }
  }

  private static String quote(String s) {
    try {
      return JSON.writeValueAsString(s);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Answers go to the command that waits for them; of the events, only the page's errors are kept.
   */
  private final class Listener implements WebSocket.Listener {
    private final StringBuilder parts = new StringBuilder();

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      parts.append(data);
      if (last) {
        try {
          JsonNode message = JSON.readTree(parts.toString());
          if (message.has("id")) {
            CompletableFuture<JsonNode> waiting = pending.get(message.path("id").asInt());
            if (waiting != null) {
              waiting.complete(message);
            }
          } else if (message.path("method").asText().equals("Runtime.exceptionThrown")) {
            pageErrors.add(message.path("params").path("exceptionDetails").toString());
          } else if (message.path("method").asText().equals("Runtime.consoleAPICalled")
              && message.path("params").path("type").asText().equals("error")) {
            pageErrors.add("console.error: " + message.path("params").path("args"));
          }
        } catch (IOException e) {
          pageErrors.add("unreadable DevTools message: " + e.getMessage());
        }
        parts.setLength(0);
      }
      ws.request(1);
      return null;
    }
  }

  @Override
  public void close() throws IOException, InterruptedException {
    socket.abort();
    List<ProcessHandle> helpers = process.descendants().toList();
    process.destroy();
    helpers.forEach(ProcessHandle::destroy);
    if (!process.waitFor(5, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
    for (ProcessHandle h : helpers) {
      h.onExit().orTimeout(5, TimeUnit.SECONDS).exceptionally(e -> h).join();
    }
    deleteTree(profile);
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
