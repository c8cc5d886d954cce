/** The in-memory NSQ stand-in for one machine: {@code DevBroker} and its JUnit 5 extension. */
module io.kubefuncs.devbroker {
  // Optional, as in the pom: only DevBrokerExtension needs JUnit, and a project that uses it has
  // JUnit already; kubefuncs dev runs the broker without it. Not transitive: javac would then want
  // JUnit to compile the cli too.
  requires static org.junit.jupiter.api;
  requires com.fasterxml.jackson.databind;
  requires io.netty.buffer;
  requires io.netty.codec;
  requires io.netty.codec.http;
  requires io.netty.common;
  requires io.netty.handler;
  requires io.netty.transport;
  requires java.management;

  exports io.kubefuncs.devbroker;

  // Jackson writes the HTTP APIs' answers from records.
  opens io.kubefuncs.devbroker to
      com.fasterxml.jackson.databind;
}
