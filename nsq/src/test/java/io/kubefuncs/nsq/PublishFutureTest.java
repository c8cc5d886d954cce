package io.kubefuncs.nsq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * A publish's future counts the callers blocked on it, which is what lets the shared I/O threads
 * poll for them, and keeps CompletableFuture's behaviour otherwise. Counts are compared with the
 * count before each test, as other tests' callers share it.
 */
class PublishFutureTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  private static CompletableFuture<Object> inThread(ThrowingCall call) {
    CompletableFuture<Object> outcome = new CompletableFuture<>();
    Thread.ofPlatform()
        .start(
            () -> {
              try {
                outcome.complete(call.run());
              } catch (Throwable t) {
                outcome.complete(t);
              }
            });
    return outcome;
  }

  private interface ThrowingCall {
    Object run() throws Exception;
  }

  @Test
  void aCallerBlockedInJoinIsCountedUntilThePublishIsAnswered() {
    int before = PublishFuture.blockedCallers();
    PublishFuture f = new PublishFuture();
    CompletableFuture<Object> joined = inThread(() -> String.valueOf(f.join()));

    await().atMost(WAIT).until(() -> PublishFuture.blockedCallers() == before + 1);
    assertThat(joined).isNotDone();
    f.complete(null);

    assertThat(joined.join()).isEqualTo("null");
    assertThat(PublishFuture.blockedCallers()).isEqualTo(before);
  }

  @Test
  void aCallerBlockedInGetIsCountedUntilItsPublishFails() {
    int before = PublishFuture.blockedCallers();
    PublishFuture f = new PublishFuture();
    CompletableFuture<Object> got = inThread(f::get);

    await().atMost(WAIT).until(() -> PublishFuture.blockedCallers() == before + 1);
    NsqConnectionException refused = new NsqConnectionException("nsqd is gone");
    f.completeExceptionally(refused);

    assertThat((Throwable) got.join()).isInstanceOf(ExecutionException.class).hasCause(refused);
    assertThat(PublishFuture.blockedCallers()).isEqualTo(before);
  }

  @Test
  void aCallerWhoseWaitTimesOutIsNoLongerCounted() {
    int before = PublishFuture.blockedCallers();
    PublishFuture f = new PublishFuture();

    assertThatThrownBy(() -> f.get(20, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
    assertThat(PublishFuture.blockedCallers()).isEqualTo(before);
  }

  @Test
  void anAnsweredPublishIsReturnedAsCompletableFutureReturnsIt() throws Exception {
    PublishFuture done = new PublishFuture();
    done.complete(null);
    PublishFuture failed = new PublishFuture();
    failed.completeExceptionally(new NsqErrorException("127.0.0.1:4150", "E_BAD_TOPIC", ""));

    assertThat(done.join()).isNull();
    assertThat(done.get(1, TimeUnit.SECONDS)).isNull();
    assertThatThrownBy(failed::join)
        .isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(NsqErrorException.class);
    assertThatThrownBy(failed::get)
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(NsqErrorException.class);
    // What is derived from a publish is a plain future: only the publish itself counts callers.
    assertThat(done.thenApply(v -> 1)).isExactlyInstanceOf(CompletableFuture.class);
  }
}
