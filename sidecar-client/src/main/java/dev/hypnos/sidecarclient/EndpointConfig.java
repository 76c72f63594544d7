package dev.hypnos.sidecarclient;

import dev.hypnos.sidecarclient.dns.AddressSpec;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One configured endpoint: where it is and how to talk to it.
 *
 * @param address the spec, possibly resolved through DNS into many addresses
 * @param strict kept in the fan-out even when its health check fails (only for static addresses,
 *     as in Thanos)
 * @param tls TLS for its connections, null for plaintext; ignored when {@code tlsFromFlags}
 * @param tlsFromFlags whether the querier-wide client TLS settings apply (an endpoint from
 *     {@code --endpoint}, {@code --store.sd-files}, or a config entry without TLS settings)
 */
public record EndpointConfig(AddressSpec address, boolean strict, @Nullable TlsConfig tls, boolean tlsFromFlags) {
  public EndpointConfig {
    Objects.requireNonNull(address, "address");
    if (strict && address.isDynamic()) {
      throw new IllegalArgumentException("endpoint \"" + address.spec()
          + "\" is discovered through DNS and cannot be strict: strict endpoints must be static host:port addresses");
    }
    if (tlsFromFlags) {
      tls = null;
    }
  }

  /** An endpoint using the querier-wide TLS settings. */
  public static EndpointConfig fromFlags(String spec, boolean strict) {
    return new EndpointConfig(AddressSpec.parse(spec), strict, null, true);
  }

  /** The TLS settings to use given the querier-wide ones. */
  public @Nullable TlsConfig effectiveTls(@Nullable TlsConfig flagsTls) {
    return tlsFromFlags ? flagsTls : tls;
  }
}
