package dev.hypnos.sidecarclient;

import dev.hypnos.sidecarclient.dns.AddressSpec;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One address to connect to, after DNS.
 *
 * @param host IP address or host name to dial (IPv6 without brackets)
 * @param port port to dial
 * @param strict keep in the fan-out even when unhealthy
 * @param tls TLS settings, null for plaintext
 * @param spec the configured spec it came from (e.g. {@code dnssrv+_grpc._tcp.x})
 */
public record ResolvedEndpoint(String host, int port, boolean strict, @Nullable TlsConfig tls, String spec) {
  public ResolvedEndpoint {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(spec, "spec");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("endpoint " + host + " from \"" + spec + "\": port " + port + " is outside 0-65535");
    }
  }

  /** {@code host:port}, the endpoint's name in statuses and errors. */
  public String address() {
    return AddressSpec.joinHostPort(host, port);
  }
}
