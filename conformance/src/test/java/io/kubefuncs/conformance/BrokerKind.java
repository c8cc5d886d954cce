package io.kubefuncs.conformance;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The brokers the suite knows; {@code -Dconformance.brokers=real} or {@code =dev} runs only one.
 */
enum BrokerKind {
  REAL("real nsqd") {
    @Override
    Broker start() {
      return RealNsq.start();
    }
  },
  DEV("dev broker") {
    @Override
    Broker start() {
      return DevNsq.start();
    }
  };

  static final String PROPERTY = "conformance.brokers";

  private final String displayName;

  BrokerKind(String displayName) {
    this.displayName = displayName;
  }

  abstract Broker start();

  String displayName() {
    return displayName;
  }

  /** The kinds named in {@value #PROPERTY} (comma separated), all of them when it is not set. */
  static List<BrokerKind> selected() {
    String names = System.getProperty(PROPERTY, "");
    if (names.isBlank()) {
      return List.of(values());
    }
    return Arrays.stream(names.split(","))
        .map(String::trim)
        .map(
            name -> {
              try {
                return valueOf(name.toUpperCase(Locale.ROOT));
              } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                    "-D"
                        + PROPERTY
                        + " names an unknown broker '"
                        + name
                        + "'; known: "
                        + Arrays.toString(values()).toLowerCase(Locale.ROOT),
                    e);
              }
            })
        .toList();
  }
}
