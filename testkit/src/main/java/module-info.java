/** Real nsqd and nsqlookupd for tests, with JUnit 5 extensions. */
module io.kubefuncs.testkit {
  requires transitive org.junit.jupiter.api;
  // NsqdStats and RuntimeContract hand out JsonNode.
  requires transitive com.fasterxml.jackson.databind;
  // Optional, as in the pom: NettyLeakCheck does nothing without Netty.
  requires static io.netty.buffer;
  requires static io.netty.common;
  requires java.net.http;
  requires jdk.httpserver;

  exports io.kubefuncs.testkit;

  // Found by JUnit's extension autodetection in every module's tests.
  provides org.junit.jupiter.api.extension.Extension with
      io.kubefuncs.testkit.NettyLeakCheck;
}
