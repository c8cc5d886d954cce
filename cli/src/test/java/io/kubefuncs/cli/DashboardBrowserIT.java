package io.kubefuncs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The dashboard in a real browser (Debian's headless Chromium) against the README's quick start run
 * by {@code kubefuncs dev}: the dev broker, the gateway and the pong function. The page shows the
 * function and its replica up, the route, the topic's channel with its consumer; a click on Invoke
 * sends a request through the gateway, and it appears in the live log with its status and on the
 * route's latency chart. Requests made with any client are in the log too. The screenshot goes to
 * target/dashboard/ (docs/images/dashboard.png is a copy).
 */
class DashboardBrowserIT {
  private static final Path SHOTS = Repo.ROOT.resolve("cli/target/dashboard");
  private static final Duration LIVE = Duration.ofSeconds(10);

  @BeforeAll
  static void chromiumIsInstalled() {
    Chromium.assumeInstalled();
  }

  @Test
  void showsTheStackAndAnInvokeAppearsInTheLiveLog() throws Exception {
    int port = Ports.free();
    try (KubefuncsProcess dev = KubefuncsProcess.startDev(Repo.ROOT, port)) {
      dev.awaitOut(line -> line.startsWith("ready in"), Duration.ofSeconds(60));
      URI dashboard =
          URI.create(
              dev.out().stream()
                  .filter(l -> l.strip().startsWith("dashboard "))
                  .findFirst()
                  .orElseThrow(() -> new AssertionError("no dashboard line in " + dev))
                  .strip()
                  .substring("dashboard".length())
                  .strip());

      // Requests from outside the page are in its log too; more than a chart holds, so that the
      // first one, a cold JVM's, is off the chart in the screenshot.
      HttpClient http = HttpClient.newHttpClient();
      for (int i = 0; i < 70; i++) {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/test/warm-up-" + i))
                    .timeout(Duration.ofSeconds(10))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
      }

      try (Chromium browser = Chromium.start(1400, 1000)) {
        browser.open(dashboard);
        browser.waitUntil("document.getElementById('connection').textContent === 'Live'", LIVE);
        browser.waitUntil(
            "document.querySelector('#functions tbody').innerText.includes('1/1')", LIVE);
        assertThat(browser.text("#functions tbody")).contains("test", "1/1", "test-0 up");
        assertThat(browser.text("#routes tbody")).contains("/test/", "test", "30 s");
        browser.waitUntil(
            "[...document.querySelectorAll('#topics tbody tr')].some(r => r.innerText.includes('default'))",
            LIVE);
        assertThat(
                browser
                    .evaluate(
                        "[...document.querySelectorAll('#topics tbody tr')]"
                            + ".find(r => r.querySelector('th')?.innerText === 'test').innerText")
                    .asText())
            .as("the test topic's row: channel default, its one consumer")
            .matches("(?s)test\\s+default\\s+0\\s+0\\s+0\\s+0\\s+1\\s+0");

        browser.type("#invoke-path", "/test/from-the-browser");
        browser.click("#invoke-form button[type=submit]");

        browser.waitUntil(
            "document.getElementById('invoke-result').innerText.includes('pong')", LIVE);
        assertThat(browser.text("#invoke-result")).contains("Answer 200", "pong");
        browser.waitUntil(
            "document.querySelector('#log tbody').innerText.includes('/test/from-the-browser')",
            LIVE);
        String row =
            browser
                .evaluate(
                    "[...document.querySelectorAll('#log tbody tr')]"
                        + ".find(r => r.innerText.includes('/test/from-the-browser')).innerText")
                .asText();
        assertThat(row)
            .matches("(?s).*GET\\s+/test/from-the-browser\\s+/test/\\s+200\\s+[0-9.]+ ms.*");
        assertThat(browser.evaluate("document.querySelectorAll('#routes svg rect').length").asInt())
            .as("the route's latency chart: a bar for each of its last 60 requests")
            .isEqualTo(60);
        assertThat(browser.evaluate("document.querySelectorAll('#log tbody tr').length").asInt())
            .as("the warm-up requests and the invoke")
            .isEqualTo(71);

        // The keyboard does what the mouse does: Enter in the path field invokes again.
        browser.type("#invoke-path", "/test/from-the-keyboard");
        browser.press("Enter", 13);
        browser.waitUntil(
            "document.querySelector('#log tbody').innerText.includes('/test/from-the-keyboard')",
            LIVE);
        // A request no route takes is in the log too, in red.
        browser.type("#invoke-path", "/nowhere");
        browser.click("#invoke-form button[type=submit]");
        browser.waitUntil(
            "document.querySelector('#log tbody tr')?.innerText.includes('no route')", LIVE);
        assertThat(browser.text("#log tbody tr")).contains("/nowhere", "404");
        assertThat(browser.text("#invoke-result")).contains("Answer 404", "no_route");
        browser.evaluate("window.scrollTo(0, 0)");
        browser.screenshot(SHOTS.resolve("dashboard.png"));

        assertThat(
                browser
                    .evaluate(
                        "[...document.querySelectorAll('input, select, textarea')].every(e => e.labels.length > 0)")
                    .asBoolean())
            .as("every form field has a label")
            .isTrue();
        assertThat(
                browser
                    .evaluate(
                        "document.querySelectorAll('header, main').length === 2"
                            + " && [...document.querySelectorAll('section')].every(s => document.getElementById(s.getAttribute('aria-labelledby')))")
                    .asBoolean())
            .as("landmarks, each section named by its heading")
            .isTrue();
        assertThat(
                browser
                    .evaluate("document.querySelector('#log tbody').getAttribute('aria-live')")
                    .asText())
            .isEqualTo("polite");
        assertThat(browser.pageErrors()).as("errors in the page").isEmpty();
      }
    }
  }
}
