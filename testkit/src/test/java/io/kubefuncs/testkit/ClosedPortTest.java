package io.kubefuncs.testkit;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.BindException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import org.junit.jupiter.api.Test;

class ClosedPortTest {
  @Test
  void refusesConnectionsAndCannotBeTakenWhileHeld() throws Exception {
    try (ClosedPort closed = ClosedPort.reserve()) {
      assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), closed.port()).close())
          .isInstanceOf(ConnectException.class);
      try (ServerSocket listener = new ServerSocket()) {
        listener.setReuseAddress(true);
        assertThatThrownBy(
                () ->
                    listener.bind(
                        new InetSocketAddress(InetAddress.getLoopbackAddress(), closed.port())))
            .isInstanceOf(BindException.class);
      }
    }
  }
}
