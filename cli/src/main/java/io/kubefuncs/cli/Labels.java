package io.kubefuncs.cli;

import java.util.Locale;

/**
 * The {@code [name]} in front of every line of {@code kubefuncs dev}, padded so that lines align.
 */
final class Labels {
  private Labels() {}

  /** {@code [name]} padded to {@code width}, then a space. */
  static String of(String name, int width) {
    return String.format(Locale.ROOT, "%-" + width + "s ", "[" + name + "]");
  }
}
