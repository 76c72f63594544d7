package dev.hypnos.sidecarclient.dns;

import java.util.Objects;

/**
 * One endpoint address as written by an operator, in Thanos's forms:
 *
 * <ul>
 *   <li>{@code host:port} ({@link Kind#STATIC}): dialled as given; a host name is resolved by gRPC.
 *   <li>{@code dns+host:port} ({@link Kind#DNS}): A and AAAA lookup, every address one endpoint.
 *       The port is required.
 *   <li>{@code dnssrv+_name._tcp.domain[:port]} ({@link Kind#DNSSRV}): SRV lookup, then an address
 *       lookup of every target; the SRV port unless a port is given.
 *   <li>{@code dnssrvnoa+_name._tcp.domain[:port]} ({@link Kind#DNSSRVNOA}): SRV lookup, targets
 *       used as host names without an address lookup.
 * </ul>
 *
 * @param spec the text as written
 * @param kind how it is resolved
 * @param host host name, IP address or SRV name (IPv6 without brackets)
 * @param port port, or -1 when none was given (allowed only for the SRV kinds)
 */
public record AddressSpec(String spec, Kind kind, String host, int port) {
  /** How a spec is turned into addresses. */
  public enum Kind {
    STATIC(""),
    DNS("dns+"),
    DNSSRV("dnssrv+"),
    DNSSRVNOA("dnssrvnoa+");

    private final String prefix;

    Kind(String prefix) {
      this.prefix = prefix;
    }

    /** The prefix that selects this kind ({@code ""} for static addresses). */
    public String prefix() {
      return prefix;
    }
  }

  public AddressSpec {
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(host, "host");
    if (port < -1 || port > 65535) {
      throw new IllegalArgumentException("endpoint address \"" + spec + "\": port " + port + " is outside 0-65535");
    }
  }

  /** Whether addresses come from DNS, so the spec is re-resolved periodically. */
  public boolean isDynamic() {
    return kind != Kind.STATIC;
  }

  /**
   * Parses a spec.
   *
   * @throws IllegalArgumentException naming the spec: unknown {@code xxx+} prefix, missing port
   *     where one is required, a port that is not a number, an empty host
   */
  public static AddressSpec parse(String spec) {
    Objects.requireNonNull(spec, "spec");
    String s = spec.strip();
    Kind kind = Kind.STATIC;
    int plus = s.indexOf('+');
    if (plus >= 0) {
      String prefix = s.substring(0, plus + 1);
      kind = switch (prefix) {
        case "dns+" -> Kind.DNS;
        case "dnssrv+" -> Kind.DNSSRV;
        case "dnssrvnoa+" -> Kind.DNSSRVNOA;
        default -> throw new IllegalArgumentException("endpoint address \"" + spec + "\": unknown lookup prefix \""
            + prefix + "\" (expected dns+, dnssrv+ or dnssrvnoa+)");
      };
      s = s.substring(plus + 1);
    }
    String host;
    int port = -1;
    if (s.startsWith("[")) {
      int close = s.indexOf(']');
      if (close < 0) {
        throw new IllegalArgumentException("endpoint address \"" + spec + "\": missing ']' after IPv6 address");
      }
      host = s.substring(1, close);
      String rest = s.substring(close + 1);
      if (!rest.isEmpty()) {
        if (!rest.startsWith(":")) {
          throw new IllegalArgumentException("endpoint address \"" + spec + "\": expected ':port' after ']'");
        }
        port = parsePort(spec, rest.substring(1));
      }
    } else {
      int colon = s.lastIndexOf(':');
      if (colon >= 0 && s.indexOf(':') != colon) {
        throw new IllegalArgumentException("endpoint address \"" + spec + "\": an IPv6 address needs brackets, as in [::1]:10901");
      }
      if (colon >= 0) {
        host = s.substring(0, colon);
        port = parsePort(spec, s.substring(colon + 1));
      } else {
        host = s;
      }
    }
    if (host.isEmpty()) {
      throw new IllegalArgumentException("endpoint address \"" + spec + "\": empty host");
    }
    if (port < 0 && (kind == Kind.STATIC || kind == Kind.DNS)) {
      throw new IllegalArgumentException("endpoint address \"" + spec + "\": missing port (expected "
          + kind.prefix() + "host:port)");
    }
    return new AddressSpec(spec, kind, host, port);
  }

  private static int parsePort(String spec, String text) {
    int port;
    try {
      port = Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("endpoint address \"" + spec + "\": port \"" + text + "\" is not a number", e);
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("endpoint address \"" + spec + "\": port " + port + " is outside 0-65535");
    }
    return port;
  }

  /** {@code host:port}, with brackets around an IPv6 literal. */
  public static String joinHostPort(String host, int port) {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }

  @Override
  public String toString() {
    return spec;
  }
}
