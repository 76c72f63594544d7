package dev.hypnos.sidecarclient;

import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * TLS for the connection to one endpoint (Thanos's {@code grpc_client_config.tls_config} with
 * {@code enabled: true}, plus {@code server_name}).
 *
 * @param caFile PEM CA certificates to trust; null trusts the JDK's default CAs
 * @param certFile PEM client certificate chain for mutual TLS; null sends none
 * @param keyFile PKCS#8 PEM private key of {@code certFile}
 * @param serverName the name sent as SNI and checked against the server certificate; null uses
 *     the dialled host (an IP address then has to be in the certificate's IP SANs)
 * @param insecureSkipVerify accept any server certificate (no chain or name check)
 */
public record TlsConfig(
    @Nullable Path caFile,
    @Nullable Path certFile,
    @Nullable Path keyFile,
    @Nullable String serverName,
    boolean insecureSkipVerify) {
  public TlsConfig {
    if ((certFile == null) != (keyFile == null)) {
      throw new IllegalArgumentException("TLS client certificate needs both cert_file and key_file, got "
          + (certFile == null ? "only key_file " + keyFile : "only cert_file " + certFile));
    }
    if (serverName != null && serverName.isEmpty()) {
      serverName = null;
    }
  }

  /** TLS trusting the JDK's CAs, no client certificate, host name checked against the dialled host. */
  public static TlsConfig defaults() {
    return new TlsConfig(null, null, null, null, false);
  }
}
