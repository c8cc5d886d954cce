package io.kubefuncs.nsq.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HostPortTest {
  @Test
  void parsesTheFormsNsqToolsAccept() {
    assertThat(HostPort.parse("127.0.0.1:4150", "nsqd")).isEqualTo(new HostPort("127.0.0.1", 4150));
    assertThat(HostPort.parse("http://lookupd:4161/", "lookupd"))
        .isEqualTo(new HostPort("lookupd", 4161));
    assertThat(HostPort.parse("[::1]:4150", "nsqd").toString()).isEqualTo("[::1]:4150");
  }

  @Test
  void isAKeyByHostAndPort() {
    HostPort a = HostPort.parse("nsqd-0.nsqd:4150", "nsqd");
    assertThat(a)
        .isEqualTo(new HostPort("nsqd-0.nsqd", 4150))
        .hasSameHashCodeAs(new HostPort("nsqd-0.nsqd", 4150));
    assertThat(a)
        .isNotEqualTo(new HostPort("nsqd-0.nsqd", 4151))
        .isNotEqualTo(new HostPort("nsqd-1.nsqd", 4150));
    assertThat(a).isNotEqualTo("nsqd-0.nsqd:4150");
  }

  @Test
  void rejectsWithTheSettingsName() {
    assertThatThrownBy(() -> HostPort.parse("localhost", "nsqd address"))
        .hasMessage("nsqd address 'localhost' must be host:port");
    assertThatThrownBy(() -> HostPort.parse("h:99999", "nsqd address"))
        .hasMessageContaining("outside 1-65535");
    assertThatThrownBy(() -> HostPort.parse("h:x", "nsqd address"))
        .hasMessageContaining("not a number");
    assertThatThrownBy(() -> HostPort.parse("bad host!:4161", "nsqlookupd address"))
        .hasMessage(
            "nsqlookupd address 'bad host!:4161' has host 'bad host!', which is not a host name or IP address");
  }
}
