package io.kubefuncs.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class RequestRingTest {
  @Test
  void keepsTheLatestEntriesAndAReaderResumesWhereItLeftOff() {
    RequestRing ring = new RequestRing(5); // rounded up to 8
    IntStream.range(0, 3).forEach(i -> ring.record("GET", "/a/" + i, "/a/", 200, i));

    RequestRing.Page first = ring.since(0);
    assertThat(first.entries())
        .extracting(RequestRing.Entry::path)
        .containsExactly("/a/0", "/a/1", "/a/2");
    assertThat(first.next()).isEqualTo(3);

    IntStream.range(3, 20).forEach(i -> ring.record("GET", "/a/" + i, null, 404, i));
    RequestRing.Page later = ring.since(first.next());
    assertThat(later.entries()).as("a reader that fell behind gets what is still held").hasSize(8);
    assertThat(later.entries().getFirst().seq()).isEqualTo(12);
    assertThat(later.entries().getLast().path()).isEqualTo("/a/19");
    assertThat(ring.since(later.next()).entries()).isEmpty();
  }

  @Test
  void recordsFromManyThreadsWithoutLosingOrMixingEntries() throws Exception {
    RequestRing ring = new RequestRing(4096);
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> threads =
        IntStream.range(0, 4)
            .mapToObj(
                t ->
                    Thread.ofPlatform()
                        .start(
                            () -> {
                              try {
                                go.await();
                              } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                              }
                              for (int i = 0; i < 1000; i++) {
                                ring.record("GET", "/t" + t + "/" + i, "/t" + t + "/", 200, i);
                              }
                            }))
            .toList();
    go.countDown();
    for (Thread t : threads) {
      t.join();
    }
    List<RequestRing.Entry> all = ring.since(0).entries();
    assertThat(all).hasSize(4000);
    assertThat(all)
        .extracting(RequestRing.Entry::seq)
        .containsExactlyElementsOf(IntStream.range(0, 4000).mapToObj(i -> (long) i).toList());
    assertThat(all).allSatisfy(e -> assertThat(e.path()).startsWith(e.route()));
  }
}
