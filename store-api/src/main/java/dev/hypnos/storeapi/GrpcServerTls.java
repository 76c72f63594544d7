package dev.hypnos.storeapi;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * TLS for a gRPC server, as Thanos's {@code --grpc-server-tls-cert}, {@code --grpc-server-tls-key}
 * and {@code --grpc-server-tls-client-ca}: a PEM certificate chain and its unencrypted PKCS#8 PEM
 * key, and optionally the PEM CA bundle client certificates must chain to (mutual TLS; clients
 * without a certificate are then refused).
 *
 * @param certFile the server certificate chain, leaf first
 * @param keyFile the leaf's private key
 * @param clientCaFile CAs for client certificates; null for no client authentication
 */
public record GrpcServerTls(Path certFile, Path keyFile, @Nullable Path clientCaFile) {
  public GrpcServerTls {
    Objects.requireNonNull(certFile, "certFile");
    Objects.requireNonNull(keyFile, "keyFile");
    requireReadable("certificate", certFile);
    requireReadable("key", keyFile);
    if (clientCaFile != null) {
      requireReadable("client CA", clientCaFile);
    }
  }

  private static void requireReadable(String what, Path file) {
    if (!Files.isReadable(file)) {
      throw new IllegalArgumentException("gRPC server TLS " + what + " file " + file + " does not exist or is not readable");
    }
  }
}
