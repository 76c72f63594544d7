package dev.hypnos.sidecarclient;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NegotiationType;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.X509ExtendedTrustManager;
import org.jspecify.annotations.Nullable;

/**
 * Opens gRPC channels to endpoints: plaintext, or TLS after {@link TlsConfig}. Inbound messages
 * may be up to {@code Integer.MAX_VALUE} bytes, as Thanos allows.
 *
 * <p>{@code server_name} becomes the channel's authority, which gRPC uses both as the TLS SNI name
 * and as the name the server certificate must carry. An endpoint dialled by IP whose certificate
 * has only a DNS SAN therefore works once {@code server_name} names that DNS SAN; without it, the
 * IP address itself must be among the certificate's IP SANs.
 */
public final class EndpointChannels {
  private EndpointChannels() {}

  /**
   * A channel to {@code host:port}. Nothing is dialled until the first call.
   *
   * @param tls null for plaintext
   * @throws IOException naming the endpoint and the file when a CA, certificate or key cannot be
   *     read or parsed
   */
  public static ManagedChannel open(String host, int port, @Nullable TlsConfig tls) throws IOException {
    NettyChannelBuilder b = NettyChannelBuilder.forAddress(host, port).maxInboundMessageSize(Integer.MAX_VALUE);
    if (tls == null) {
      return b.usePlaintext().build();
    }
    b.negotiationType(NegotiationType.TLS).sslContext(sslContext(host, port, tls));
    if (tls.serverName() != null) {
      b.overrideAuthority(AuthorityNames.authority(tls.serverName(), port));
    }
    return b.build();
  }

  static SslContext sslContext(String host, int port, TlsConfig tls) throws IOException {
    String endpoint = "endpoint " + host + ":" + port;
    SslContextBuilder b = GrpcSslContexts.forClient();
    if (tls.insecureSkipVerify()) {
      b.trustManager(new TrustAll());
    } else if (tls.caFile() != null) {
      Path ca = tls.caFile();
      requireReadable(endpoint, "ca_file", ca);
      try {
        b.trustManager(ca.toFile());
      } catch (IllegalArgumentException e) {
        throw new IOException("configure TLS for " + endpoint + ": read CA certificates from ca_file " + ca + ": "
            + e.getMessage(), e);
      }
    }
    if (tls.certFile() != null && tls.keyFile() != null) {
      requireReadable(endpoint, "cert_file", tls.certFile());
      requireReadable(endpoint, "key_file", tls.keyFile());
      byte[] key;
      try {
        key = PemKeys.pkcs8Pem(tls.keyFile());
      } catch (IOException e) {
        throw new IOException("configure TLS for " + endpoint + ": key_file: " + e.getMessage(), e);
      }
      try (InputStream certIn = Files.newInputStream(tls.certFile()); InputStream keyIn = new ByteArrayInputStream(key)) {
        b.keyManager(certIn, keyIn);
      } catch (IllegalArgumentException e) {
        throw new IOException("configure TLS for " + endpoint + ": read client certificate " + tls.certFile()
            + " and key " + tls.keyFile() + ": " + messageChain(e), e);
      }
    }
    try {
      return b.build();
    } catch (SSLException e) {
      throw new IOException("configure TLS for " + endpoint + ": " + messageChain(e), e);
    }
  }

  private static void requireReadable(String endpoint, String key, Path file) throws IOException {
    if (!Files.isReadable(file)) {
      throw new IOException("configure TLS for " + endpoint + ": " + key + " " + file + " does not exist or cannot be read");
    }
  }

  static String messageChain(Throwable t) {
    StringBuilder sb = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause()) {
      String m = c.getMessage();
      if (m == null || m.isEmpty() || sb.indexOf(m) >= 0) {
        continue;
      }
      if (!sb.isEmpty()) {
        sb.append(": ");
      }
      sb.append(m);
      if (c.getCause() == c) {
        break;
      }
    }
    return sb.isEmpty() ? t.getClass().getSimpleName() : sb.toString();
  }

  /** {@code insecure_skip_verify}: accepts any server certificate and any name. */
  private static final class TrustAll extends X509ExtendedTrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }

  /** Authority strings for gRPC. */
  static final class AuthorityNames {
    private AuthorityNames() {}

    static String authority(String serverName, int port) {
      return serverName.indexOf(':') >= 0 && !serverName.startsWith("[")
          ? "[" + serverName + "]:" + port
          : serverName + ":" + port;
    }
  }
}
