package io.kubefuncs.proto;

/**
 * The {@code google.protobuf.Any} type URLs of the kubefuncs payload messages.
 *
 * <p>{@code Any.pack(message)} already produces these URLs; the constants exist for code that has
 * only the URL string in hand (dispatching on a payload's type, logging, checking a response for
 * {@link Error} without unpacking, matching what non-Java clients send) so that it does not spell
 * the wire-format prefix by hand. The prefix is part of the wire format (DESIGN.md, section 3) and
 * must stay {@value #PREFIX} for compatibility with the original kubefuncs clients.
 */
public final class TypeUrls {

  /** The prefix of every kubefuncs type URL; the message name follows it. */
  public static final String PREFIX = "type.googleapis.com/kubefuncs.";

  /** The type URL of an {@link HTTPRequest} payload. */
  public static final String HTTP_REQUEST = PREFIX + "HTTPRequest";

  /** The type URL of an {@link HTTPResponse} payload. */
  public static final String HTTP_RESPONSE = PREFIX + "HTTPResponse";

  /** The type URL of an {@link Empty} payload. */
  public static final String EMPTY = PREFIX + "Empty";

  /** The type URL of an {@link Error} payload. */
  public static final String ERROR = PREFIX + "Error";

  private TypeUrls() {}
}
