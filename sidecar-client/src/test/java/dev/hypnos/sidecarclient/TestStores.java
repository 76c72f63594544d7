package dev.hypnos.sidecarclient;

import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.storage.MemoryStorage;
import dev.hypnos.storeapi.InfoGrpcService;
import dev.hypnos.storeapi.QueryableStoreApi;
import dev.hypnos.storeapi.StoreGrpcService;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/** Real gRPC servers on loopback serving Store and Info for a small in-memory store. */
final class TestStores {
  private TestStores() {}

  static QueryableStoreApi store(Labels external, long minTime, long maxTime) {
    MemoryStorage storage = new MemoryStorage();
    storage.append(Labels.of("__name__", "up", "job", "test"), minTime, 1);
    return new QueryableStoreApi(storage, external, minTime, maxTime);
  }

  /** A plaintext server on 127.0.0.1:{@code port} (0: any free port). */
  static Server start(int port, Labels external) throws IOException {
    return start(port, external, null, null, null);
  }

  /**
   * A server with TLS when {@code cert} is given; requiring client certificates signed by
   * {@code clientCa} when that is given.
   */
  static Server start(int port, Labels external, TestCerts.@Nullable Pair cert, @Nullable Path clientCa,
      @Nullable String component) throws IOException {
    QueryableStoreApi store = store(external, 1000, 2000);
    NettyServerBuilder b = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))
        .addService(new StoreGrpcService(store))
        .addService(new InfoGrpcService(store, component == null ? InfoGrpcService.COMPONENT_SIDECAR : component));
    if (cert != null) {
      SslContextBuilder ssl = GrpcSslContexts.forServer(cert.cert().toFile(), cert.key().toFile());
      if (clientCa != null) {
        ssl.trustManager(clientCa.toFile()).clientAuth(ClientAuth.REQUIRE);
      }
      b.sslContext(ssl.build());
    }
    return b.build().start();
  }

  static void stop(Server s) throws InterruptedException {
    s.shutdownNow();
    s.awaitTermination(5, TimeUnit.SECONDS);
  }
}
