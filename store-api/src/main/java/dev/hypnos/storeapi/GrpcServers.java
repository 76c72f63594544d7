package dev.hypnos.storeapi;

import io.grpc.BindableService;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Starts gRPC servers and plaintext client channels the way Thanos configures them: messages of
 * any size up to {@code Integer.MAX_VALUE} in both directions (gRPC Java's default inbound limit
 * is 4 MiB, too small for a batch of series with many chunks).
 */
public final class GrpcServers {
  private GrpcServers() {}

  /**
   * Parses {@code host:port}, {@code [ipv6]:port} or {@code :port} (all interfaces). Port 0 asks
   * for any free port.
   *
   * @throws IllegalArgumentException for a missing or bad port
   */
  public static InetSocketAddress parseAddress(String address) {
    int colon = address.lastIndexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException("parse listen address \"" + address + "\": expected host:port");
    }
    String host = address.substring(0, colon);
    String portText = address.substring(colon + 1);
    int port;
    try {
      port = Integer.parseInt(portText);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("parse listen address \"" + address + "\": port \"" + portText + "\" is not a number", e);
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("parse listen address \"" + address + "\": port " + port + " is outside 0-65535");
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    return host.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
  }

  /**
   * Starts a Netty gRPC server on {@code address} ({@link #parseAddress} form) serving
   * {@code services}, accepting inbound messages up to {@code Integer.MAX_VALUE} bytes.
   *
   * <p>The server runs call callbacks on its transport (event loop) threads, without a hand-off to
   * a callback executor: every service must return from its handlers and callbacks without
   * blocking, and hand blocking work to its own threads, as {@link StoreGrpcService} and {@link
   * InfoGrpcService} do. The hand-off saved is a thread wake-up per call, which on a loaded
   * machine costs far more than the call's own work.
   *
   * @throws IOException when the address cannot be bound
   */
  public static Server start(String address, List<? extends BindableService> services) throws IOException {
    return start(parseAddress(address), services);
  }

  /** Like {@link #start(String, List)} with a resolved address. */
  public static Server start(InetSocketAddress address, List<? extends BindableService> services) throws IOException {
    return start(address, services, null);
  }

  /**
   * Like {@link #start(String, List)}, serving TLS when {@code tls} is given (plaintext otherwise).
   *
   * @throws IOException when the address cannot be bound or the certificate, key or client CA
   *     cannot be read; the message names the file
   */
  public static Server start(InetSocketAddress address, List<? extends BindableService> services, @Nullable GrpcServerTls tls)
      throws IOException {
    NettyServerBuilder b = NettyServerBuilder.forAddress(address)
        .maxInboundMessageSize(Integer.MAX_VALUE)
        .directExecutor();
    if (tls != null) {
      b.sslContext(sslContext(tls));
    }
    for (BindableService s : services) {
      b.addService(s);
    }
    try {
      return b.build().start();
    } catch (IOException e) {
      throw new IOException("start gRPC server on " + address + ": " + e.getMessage(), e);
    }
  }

  private static SslContext sslContext(GrpcServerTls tls) throws IOException {
    SslContextBuilder ssl;
    try {
      ssl = GrpcSslContexts.forServer(tls.certFile().toFile(), tls.keyFile().toFile());
    } catch (IllegalArgumentException e) {
      throw new IOException("load gRPC server TLS certificate " + tls.certFile() + " with key " + tls.keyFile()
          + " (the key must be unencrypted PKCS#8 PEM): " + e.getMessage(), e);
    }
    Path ca = tls.clientCaFile();
    if (ca != null) {
      try {
        ssl.trustManager(ca.toFile()).clientAuth(ClientAuth.REQUIRE);
      } catch (IllegalArgumentException e) {
        throw new IOException("load gRPC server TLS client CA " + ca + ": " + e.getMessage(), e);
      }
    }
    try {
      return ssl.build();
    } catch (javax.net.ssl.SSLException e) {
      throw new IOException("build gRPC server TLS from certificate " + tls.certFile() + " and key " + tls.keyFile()
          + ": " + e.getMessage(), e);
    }
  }

  /** A plaintext channel to {@code host:port} accepting inbound messages of any size. */
  public static ManagedChannel plaintextChannel(String host, int port) {
    return NettyChannelBuilder.forAddress(host, port)
        .usePlaintext()
        .maxInboundMessageSize(Integer.MAX_VALUE)
        .build();
  }

  /**
   * Shuts {@code server} down: no new calls, running calls get {@code grace} to finish, then the
   * rest are cancelled. Returns once terminated or, after the forced shutdown, after another
   * {@code grace}.
   */
  public static void shutdown(Server server, Duration grace) throws InterruptedException {
    server.shutdown();
    if (!server.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
      server.shutdownNow();
      server.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /** Like {@link #shutdown(Server, Duration)} for a channel. */
  public static void shutdown(ManagedChannel channel, Duration grace) throws InterruptedException {
    channel.shutdown();
    if (!channel.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
      channel.shutdownNow();
      channel.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS);
    }
  }
}
