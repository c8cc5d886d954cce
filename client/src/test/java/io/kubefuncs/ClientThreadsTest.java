package io.kubefuncs;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.StringValue;
import io.kubefuncs.testkit.NsqExtension;
import io.kubefuncs.testkit.NsqdStats;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Which thread completes the futures a client returns: the executor the caller chose, by default a
 * virtual thread, never an NSQ I/O thread, for an answer, a timeout and a publish alike. Real nsqd;
 * each stage is added before the result can exist (the function waits for a latch, the timeout is
 * far ahead), so that it runs where the future completes rather than where it was added.
 */
class ClientThreadsTest {
  @RegisterExtension static NsqExtension nsq = NsqExtension.nsqd();

  private static Client function;
  private static final CountDownLatch answer = new CountDownLatch(1);
  private static final ExecutorService mine =
      Executors.newSingleThreadExecutor(r -> new Thread(r, "the-callers-executor"));

  @BeforeAll
  static void pongFunction() {
    function = client("fn").build();
    function
        .on(
            "held",
            "default",
            msg -> {
              answer.await(10, TimeUnit.SECONDS);
              msg.respond(StringValue.of("pong"));
            })
        .ready()
        .join();
  }

  @AfterAll
  static void close() {
    function.close();
    mine.shutdownNow();
  }

  private static Client.Builder client(String id) {
    return Client.builder()
        .nsqd(nsq.nsqdProcess().tcpAddress())
        .clientId(id)
        .registry(new PrometheusRegistry());
  }

  @Test
  void answersTimeoutsAndPublishesCompleteOnAVirtualThreadByDefault() {
    try (Client caller = client("default-executor").build()) {
      caller.connect().join();
      CompletableFuture<Thread> answered =
          caller
              .call("held", StringValue.of("ping"), Duration.ofSeconds(10))
              .thenApply(m -> Thread.currentThread());
      CompletableFuture<Thread> timedOut =
          caller
              .call("nobody-home", StringValue.of("ping"), Duration.ofMillis(300))
              .handle((m, e) -> e instanceof TimeoutException ? Thread.currentThread() : null);
      CompletableFuture<Thread> emitted =
          caller
              .emit("nobody-home", StringValue.of("ping"))
              .thenApply(id -> Thread.currentThread());
      answer.countDown();

      for (CompletableFuture<Thread> f : List.of(answered, timedOut, emitted)) {
        Thread t = f.join();
        assertThat(t).as("the completing thread").isNotNull();
        assertThat(t.isVirtual()).as(t + " is virtual").isTrue();
        assertThat(t.getName()).isEqualTo("kubefuncs-completion");
      }
    }
  }

  @Test
  void theBuildersExecutorAndACallsOwnExecutorAreUsed() {
    ExecutorService other =
        Executors.newSingleThreadExecutor(r -> new Thread(r, "the-clients-executor"));
    try (Client caller = client("own-executor").executor(other).build()) {
      caller.connect().join();
      CompletableFuture<String> byClient =
          caller
              .call("nobody-home", StringValue.of("ping"), Duration.ofMillis(300))
              .handle((m, e) -> Thread.currentThread().getName());
      CompletableFuture<String> byCall =
          caller
              .call("nobody-home", StringValue.of("ping"), Duration.ofMillis(300), mine)
              .handle((m, e) -> Thread.currentThread().getName());
      CompletableFuture<String> emitByCall =
          caller
              .emit("nobody-home", StringValue.of("ping"), mine)
              .handle((m, e) -> Thread.currentThread().getName());

      assertThat(byClient.join()).isEqualTo("the-clients-executor");
      assertThat(byCall.join()).isEqualTo("the-callers-executor");
      assertThat(emitByCall.join()).isEqualTo("the-callers-executor");
    } finally {
      other.shutdownNow();
    }
  }

  /**
   * A server that hands the client its event loops (the gateway) and calls from them gets each call
   * published, answered and completed on the loop it came from: its own producer connection and
   * return topic per loop, so no request wakes another thread.
   */
  @Test
  void callsFromTheClientsOwnEventLoopsArePublishedAndAnsweredOnThem() {
    MultiThreadIoEventLoopGroup group =
        new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    function.on("loops", "default", msg -> msg.respond(StringValue.of("pong"))).ready().join();
    try (Client caller = client("loops").eventLoopGroup(group).build()) {
      caller.connect().join();
      List<EventLoop> loops = new ArrayList<>();
      group.forEach(e -> loops.add((EventLoop) e));
      // One call from the first loop, two from the second: the counts tell the lanes apart.
      List<CompletableFuture<Boolean>> onTheirLoop = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        EventLoop loop = loops.get(Math.min(i, 1));
        onTheirLoop.add(
            CompletableFuture.supplyAsync(
                    () ->
                        caller
                            .call("loops", StringValue.of("ping"), Duration.ofSeconds(10), loop)
                            .thenApply(m -> loop.inEventLoop()),
                    loop)
                .thenCompose(f -> f));
      }
      onTheirLoop.forEach(f -> assertThat(f.join()).as("completed on its own loop").isTrue());

      String nsqd = nsq.nsqdProcess().httpUrl();
      assertThat(NsqdStats.publishCountsByConnection(nsqd, "loops"))
          .as("each loop's calls went out on a connection of its own")
          .containsExactlyInAnyOrder(1L, 2L);
      assertThat(NsqdStats.messageCountsOfTopicsStartingWith(nsqd, "rpc-loops-").values())
          .as("and came back on a return topic of its own")
          .containsExactlyInAnyOrder(1L, 2L);
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  @Test
  void aSubscriptionsReadinessCompletesOnTheClientsExecutor() {
    try (Client c = client("subscriber").executor(mine).build()) {
      CompletableFuture<String> ready =
          c.on("threads-ready", "default", msg -> {})
              .ready()
              .thenApply(v -> Thread.currentThread().getName());
      assertThat(ready.join()).isEqualTo("the-callers-executor");
    }
  }
}
