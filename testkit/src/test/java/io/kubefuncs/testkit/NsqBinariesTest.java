package io.kubefuncs.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NsqBinariesTest {
  @Test
  void missingNsqdIsAnErrorThatSaysWhereItLookedAndWhatToRun(@TempDir Path empty) {
    NsqBinaries nowhere = new NsqBinaries(empty.toString(), null, "");
    assertThatThrownBy(() -> NsqdProcess.builder().binaries(nowhere).start())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("Cannot find the NSQ program 'nsqd'")
        .hasMessageContaining(
            "system property kubefuncs.nsq.bin="
                + empty
                + ": no executable "
                + empty.resolve("nsqd"))
        .hasMessageContaining("environment variable KUBEFUNCS_NSQ_BIN: not set")
        .hasMessageContaining("PATH: empty")
        .hasMessageContaining("scripts/install-nsq");
  }

  @Test
  void missingNsqlookupdNamesEveryPathDirectory(@TempDir Path empty) {
    NsqBinaries nowhere = new NsqBinaries(null, empty.toString(), empty + ":/nonexistent");
    assertThatThrownBy(() -> NsqLookupdProcess.builder().binaries(nowhere).start())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("'nsqlookupd'")
        .hasMessageContaining("system property kubefuncs.nsq.bin: not set")
        .hasMessageContaining("environment variable KUBEFUNCS_NSQ_BIN=" + empty)
        .hasMessageContaining("PATH=" + empty + ":/nonexistent")
        .hasMessageContaining("scripts/install-nsq");
  }

  @Test
  void systemPropertyComesFirstThenEnvironmentThenPath() {
    String bin = System.getProperty(NsqBinaries.PROPERTY);
    assertThat(bin).as("surefire passes -D%s", NsqBinaries.PROPERTY).isNotBlank();
    Path nsqd = Path.of(bin, "nsqd");
    assertThat(new NsqBinaries(bin, "/nonexistent", "/nonexistent").find("nsqd")).isEqualTo(nsqd);
    assertThat(new NsqBinaries("/nonexistent", bin, "/nonexistent").find("nsqd")).isEqualTo(nsqd);
    assertThat(new NsqBinaries(null, null, "/nonexistent:" + bin).find("nsqd")).isEqualTo(nsqd);
    assertThat(NsqBinaries.locate("to_nsq")).isEqualTo(Path.of(bin, "to_nsq"));
  }
}
