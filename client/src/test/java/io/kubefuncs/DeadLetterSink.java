package io.kubefuncs;

import com.google.protobuf.InvalidProtocolBufferException;
import io.kubefuncs.nsq.NsqConsumer;
import io.kubefuncs.proto.DeadLetter;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A plain NSQ consumer of a dead-letter topic, independent of the SDK under test. */
final class DeadLetterSink implements AutoCloseable {
  private final NsqConsumer consumer;
  private final List<DeadLetter> letters = new CopyOnWriteArrayList<>();
  private final List<byte[]> undecodable = new CopyOnWriteArrayList<>();

  DeadLetterSink(String nsqdTcpAddress, String deadLetterTopic) {
    consumer =
        NsqConsumer.builder(deadLetterTopic, "inspect")
            .nsqd(nsqdTcpAddress)
            .handler(
                m -> {
                  try {
                    letters.add(DeadLetter.parseFrom(m.body()));
                  } catch (InvalidProtocolBufferException e) {
                    undecodable.add(m.body());
                  }
                })
            .build()
            .start();
    consumer.ready().join();
  }

  List<DeadLetter> letters() {
    return letters;
  }

  /** Bodies on the dead-letter topic that were not DeadLetter messages at all. */
  List<byte[]> undecodable() {
    return undecodable;
  }

  @Override
  public void close() {
    consumer.close();
  }
}
