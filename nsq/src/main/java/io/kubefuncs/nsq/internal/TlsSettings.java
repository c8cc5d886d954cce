package io.kubefuncs.nsq.internal;

import io.kubefuncs.nsq.NsqTls;
import java.nio.file.Path;

/**
 * TLS to nsqd as functions and the gateway take it: an on/off switch, a CA file, a client
 * certificate and key, and a server name, each a text setting under a name (an environment
 * variable, a flag) that errors give. Unset is {@code null} or blank.
 */
public final class TlsSettings {
  private TlsSettings() {}

  /** One setting: the name it was given under, and its text. */
  public record Setting(String name, String value) {
    boolean isSet() {
      return value != null && !value.isBlank();
    }
  }

  /**
   * A setting is wrong; {@link #setting()} names it, the message says why (and starts with the
   * name).
   */
  public static final class InvalidSettingException extends IllegalArgumentException {
    private final String setting;
    private final String reason;

    InvalidSettingException(String setting, String reason) {
      super(setting + ": " + reason);
      this.setting = setting;
      this.reason = reason;
    }

    public String setting() {
      return setting;
    }

    /** The message without the setting's name. */
    public String reason() {
      return reason;
    }
  }

  /**
   * Checks the settings and reads the files: {@code null} when TLS is off.
   *
   * @throws InvalidSettingException for a switch that is not true or false, a file setting without
   *     TLS on, a certificate without its key or a key without its certificate, or a file that is
   *     missing, unreadable or not PEM
   */
  public static NsqTls read(
      Setting enabled, Setting caFile, Setting certFile, Setting keyFile, Setting serverName) {
    String on = enabled.isSet() ? enabled.value().strip() : "false";
    if (!on.equals("true") && !on.equals("false")) {
      throw new InvalidSettingException(enabled.name(), "must be true or false, got '" + on + "'");
    }
    if (on.equals("false")) {
      for (Setting s : new Setting[] {caFile, certFile, keyFile, serverName}) {
        if (s.isSet()) {
          throw new InvalidSettingException(
              s.name(),
              "is set but "
                  + enabled.name()
                  + " is not true: set "
                  + enabled.name()
                  + "=true to use TLS to nsqd, or unset "
                  + s.name());
        }
      }
      return null;
    }
    if (certFile.isSet() != keyFile.isSet()) {
      Setting missing = certFile.isSet() ? keyFile : certFile;
      Setting given = certFile.isSet() ? certFile : keyFile;
      throw new InvalidSettingException(
          missing.name(),
          "is not set but "
              + given.name()
              + " is: a client certificate needs its key, set both or neither");
    }
    NsqTls.Builder b = NsqTls.builder();
    apply(caFile, () -> b.caFile(Path.of(caFile.value().strip())));
    apply(certFile, () -> b.certFile(Path.of(certFile.value().strip())));
    apply(keyFile, () -> b.keyFile(Path.of(keyFile.value().strip())));
    apply(serverName, () -> b.serverName(serverName.value().strip()));
    try {
      return b.build();
    } catch (IllegalArgumentException e) {
      throw new InvalidSettingException(certFile.name() + "/" + keyFile.name(), e.getMessage());
    }
  }

  private static void apply(Setting setting, Runnable use) {
    if (!setting.isSet()) {
      return;
    }
    try {
      use.run();
    } catch (IllegalArgumentException e) {
      throw new InvalidSettingException(setting.name(), e.getMessage());
    }
  }
}
