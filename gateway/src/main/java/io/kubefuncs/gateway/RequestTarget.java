package io.kubefuncs.gateway;

import java.util.ArrayList;
import java.util.List;

/**
 * The request target as routes and functions see it: origin-form ({@code /path?query}) with the dot
 * segments of the path removed (RFC 3986 section 5.2.4), {@code %2E} counting as a dot, so that
 * {@code /test/../admin} is {@code /admin} and never reaches the route of {@code /test/}.
 */
final class RequestTarget {
  private RequestTarget() {}

  /**
   * {@code target} normalised; null when it is neither origin-form ({@code /...}) nor an
   * absolute-form {@code http://} or {@code https://} URL (RFC 9112 section 3.2), the form a client
   * sends to a proxy and servers must accept.
   */
  static String normalise(String target) {
    String t = target;
    if (!t.startsWith("/")) {
      t = pathOfAbsolute(t);
      if (t == null) {
        return null;
      }
    }
    int q = t.indexOf('?');
    int end = q < 0 ? t.length() : q;
    if (!mayHaveDots(t, end)) {
      return t; // what nearly every request is: nothing to remove, nothing allocated
    }
    String normal = removeDotSegments(decodeDots(t.substring(0, end)));
    return q < 0 ? normal : normal + t.substring(q);
  }

  private static boolean mayHaveDots(String target, int end) {
    for (int i = 0; i < end; i++) {
      char c = target.charAt(i);
      if (c == '.' || c == '%') {
        return true;
      }
    }
    return false;
  }

  /** The path and query of an absolute-form target; "/" when it has no path. */
  private static String pathOfAbsolute(String target) {
    int authority = target.indexOf("://");
    if (authority < 0) {
      return null;
    }
    String scheme = target.substring(0, authority);
    if (!scheme.equalsIgnoreCase("http") && !scheme.equalsIgnoreCase("https")) {
      return null;
    }
    int start = authority + 3;
    int end = start;
    while (end < target.length() && "/?#".indexOf(target.charAt(end)) < 0) {
      end++;
    }
    if (end == start) {
      return null; // no host
    }
    if (end == target.length() || target.charAt(end) == '#') {
      return "/";
    }
    return target.charAt(end) == '?' ? "/" + target.substring(end) : target.substring(end);
  }

  /**
   * {@code %2E} and {@code %2e} as the dot they stand for: RFC 3986 section 6.2.2.2 makes them the
   * same.
   */
  private static String decodeDots(String path) {
    StringBuilder b = null;
    int copied = 0;
    for (int i = path.indexOf('%'); i >= 0 && i + 2 < path.length(); i = path.indexOf('%', i + 1)) {
      if (path.charAt(i + 1) == '2' && (path.charAt(i + 2) == 'e' || path.charAt(i + 2) == 'E')) {
        if (b == null) {
          b = new StringBuilder(path.length());
        }
        b.append(path, copied, i).append('.');
        copied = i + 3;
      }
    }
    return b == null ? path : b.append(path, copied, path.length()).toString();
  }

  /** RFC 3986 section 5.2.4 for a path that starts with '/'. */
  static String removeDotSegments(String path) {
    String[] segments = path.substring(1).split("/", -1);
    List<String> out = new ArrayList<>(segments.length);
    for (int i = 0; i < segments.length; i++) {
      String s = segments[i];
      boolean last = i == segments.length - 1;
      if (s.equals("..")) {
        if (!out.isEmpty()) {
          out.remove(out.size() - 1);
        }
      } else if (!s.equals(".")) {
        out.add(s);
        continue;
      }
      if (last) {
        out.add(""); // "/a/b/.." is "/a/": the path still ends in a directory
      }
    }
    return "/" + String.join("/", out);
  }
}
