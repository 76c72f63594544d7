package dev.hypnos.core.server;

import java.net.InetSocketAddress;

/** Address parsing and printing for {@code host:port} flags. */
public final class HostPort {
  private HostPort() {}

  /**
   * Parses {@code host:port} as Go's {@code net.Listen} accepts it: {@code 0.0.0.0:10902},
   * {@code :10902} (all interfaces), {@code [::1]:10902}, {@code localhost:0}.
   *
   * @throws IllegalArgumentException naming the flag and the value when it is not host:port
   */
  public static InetSocketAddress parse(String flag, String value) {
    int colon = value.lastIndexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException(flag + " " + value + ": expected host:port, such as 0.0.0.0:10902");
    }
    String host = value.substring(0, colon);
    String portText = value.substring(colon + 1);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(portText);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " " + value + ": port \"" + portText + "\" is not a number");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(flag + " " + value + ": port " + port + " is outside 0..65535");
    }
    return host.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
  }

  /** {@code host:port} with the literal address when resolved. */
  public static String format(InetSocketAddress a) {
    String host = a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
  }
}
