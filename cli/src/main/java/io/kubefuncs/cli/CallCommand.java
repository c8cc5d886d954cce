package io.kubefuncs.cli;

import com.google.protobuf.ByteString;
import com.google.protobuf.BytesValue;
import com.google.protobuf.StringValue;
import io.kubefuncs.Client;
import io.kubefuncs.Delivery;
import io.kubefuncs.FunctionErrorException;
import io.kubefuncs.internal.Durations;
import io.kubefuncs.proto.Empty;
import io.kubefuncs.proto.HTTPRequest;
import io.kubefuncs.proto.HTTPResponse;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code kubefuncs call TOPIC}: one call through NSQ, as the gateway makes them. The answer's body
 * goes to standard output, anything about it (HTTP status and headers, payload type) to standard
 * error, so that the body can be piped.
 */
@Command(
    name = "call",
    sortOptions = false,
    description = {
      "Calls the function consuming TOPIC once, through NSQ, and prints its answer.",
      "Exit codes: 0 answered, 3 no answer in time, 4 the function failed, 5 nsqd unreachable, 2 bad usage."
    })
final class CallCommand implements Callable<Integer> {
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

  @Parameters(index = "0", paramLabel = "TOPIC", description = "The topic the function consumes.")
  String topic;

  @Option(
      names = {"-d", "--data"},
      paramLabel = "TEXT|@FILE|-",
      description =
          "The payload: text, @file for a file's bytes, or - for standard input (default: none).")
  String data;

  @Option(
      names = "--http",
      arity = "2",
      paramLabel = "METHOD PATH",
      description =
          "Send an HTTP request, as the gateway does (e.g. --http GET /test/hello), with --data as its body.")
  List<String> http;

  @Option(
      names = {"-H", "--header"},
      paramLabel = "NAME:VALUE",
      description = "With --http: a request header (repeatable).")
  List<String> headers = new ArrayList<>();

  @Option(
      names = "--nsqd",
      defaultValue = "127.0.0.1:4150",
      paramLabel = "HOST:PORT",
      description =
          "The nsqd to publish to, its TCP address (default: ${DEFAULT-VALUE}, where kubefuncs dev's broker listens).")
  String nsqd;

  @Option(
      names = "--lookupd",
      paramLabel = "HOST:PORT",
      description =
          "nsqlookupd HTTP address, when the answer may come through other nsqds than --nsqd.")
  String lookupd;

  @Option(
      names = "--timeout",
      defaultValue = "30s",
      paramLabel = "DURATION",
      description = "How long to wait for the answer (default: ${DEFAULT-VALUE}).")
  String timeout;

  @Spec CommandSpec spec;

  private final InputStream stdin;

  CallCommand() {
    this(System.in);
  }

  CallCommand(InputStream stdin) {
    this.stdin = stdin;
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Duration wait = duration();
    Address.parse("--nsqd", nsqd);
    com.google.protobuf.Message payload = payload(body());
    CliLogging.warningsOnly();

    Client.Builder b =
        Client.builder().nsqd(nsqd).clientId("kubefuncs-call").registry(new PrometheusRegistry());
    if (lookupd != null) {
      b.lookupd(Address.parse("--lookupd", lookupd).toString());
    }
    try (Client client = b.build()) {
      try {
        client.connect().get(CONNECT_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
      } catch (ExecutionException | TimeoutException e) {
        err.println(
            "kubefuncs call: cannot connect to nsqd "
                + nsqd
                + (lookupd == null ? "" : " and nsqlookupd " + lookupd)
                + ": "
                + reason(e)
                + ". Is kubefuncs dev (or nsqd) running? Point at another with --nsqd.");
        return ExitCodes.NO_CONNECTION;
      }
      Delivery answer;
      try {
        answer = client.call(topic, payload, wait).get();
      } catch (ExecutionException e) {
        if (e.getCause() instanceof TimeoutException) {
          err.println(
              "kubefuncs call: no answer on topic "
                  + topic
                  + " within "
                  + timeout
                  + ". Does a function consume it? kubefuncs dev lists what runs; --timeout waits longer.");
          return ExitCodes.TIMEOUT;
        }
        if (e.getCause() instanceof FunctionErrorException failed) {
          err.println("kubefuncs call: " + failed.getMessage());
          return ExitCodes.FUNCTION_ERROR;
        }
        err.println("kubefuncs call: cannot publish to nsqd " + nsqd + ": " + reason(e));
        return ExitCodes.NO_CONNECTION;
      }
      print(answer, out, err);
      return ExitCodes.OK;
    }
  }

  private Duration duration() {
    try {
      Duration d = Durations.parse(timeout);
      if (!d.isZero() && !d.isNegative()) {
        return d;
      }
    } catch (IllegalArgumentException e) {
      // reported below
    }
    throw new InvalidInputException(
        "--timeout must be a positive duration like 500ms, 30s or 2m, got '" + timeout + "'");
  }

  private byte[] body() throws IOException {
    if (data == null) {
      return new byte[0];
    }
    if (data.equals("-")) {
      return stdin.readAllBytes();
    }
    if (data.startsWith("@")) {
      try {
        return Files.readAllBytes(Path.of(data.substring(1)));
      } catch (NoSuchFileException e) {
        throw new InvalidInputException("--data " + data + ": no such file");
      }
    }
    return data.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * An {@code HTTPRequest} with {@code --http}, else the bytes as a {@code
   * google.protobuf.BytesValue}.
   */
  private com.google.protobuf.Message payload(byte[] body) {
    if (http == null) {
      if (!headers.isEmpty()) {
        throw new InvalidInputException("--header needs --http: only an HTTP request has headers");
      }
      return BytesValue.of(ByteString.copyFrom(body));
    }
    if (!http.get(1).startsWith("/")) {
      throw new InvalidInputException(
          "--http " + http.get(0) + " " + http.get(1) + ": the path must start with '/'");
    }
    HTTPRequest.Builder request =
        HTTPRequest.newBuilder()
            .setMethod(http.get(0).toUpperCase(Locale.ROOT))
            .setUrl(http.get(1))
            .setBody(ByteString.copyFrom(body));
    for (String header : headers) {
      int colon = header.indexOf(':');
      if (colon <= 0) {
        throw new InvalidInputException("--header must be NAME:VALUE, got '" + header + "'");
      }
      request.putHeaders(header.substring(0, colon).strip(), header.substring(colon + 1).strip());
    }
    return request.build();
  }

  private static void print(Delivery answer, PrintWriter out, PrintWriter err) {
    if (answer.isPayload(HTTPResponse.class)) {
      HTTPResponse response = answer.payload(HTTPResponse.class);
      err.println("HTTP " + (response.getStatus() == 0 ? 200 : response.getStatus()));
      response.getHeadersMap().forEach((name, value) -> err.println(name + ": " + value));
      out.print(response.getBody().toStringUtf8());
    } else if (answer.isPayload(BytesValue.class)) {
      out.print(answer.payload(BytesValue.class).getValue().toStringUtf8());
    } else if (answer.isPayload(StringValue.class)) {
      out.print(answer.payload(StringValue.class).getValue());
    } else if (answer.isPayload(Empty.class)) {
      err.println("(answered with Empty: the function returned without a response)");
    } else {
      err.println(
          "(answered with a "
              + answer.payloadType()
              + " of "
              + answer.payloadBytes().length
              + " bytes)");
    }
    out.flush();
  }

  private static String reason(Exception e) {
    Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
    return cause instanceof TimeoutException
        ? "no answer within " + CONNECT_TIMEOUT.toSeconds() + " s"
        : String.valueOf(cause.getMessage());
  }
}
