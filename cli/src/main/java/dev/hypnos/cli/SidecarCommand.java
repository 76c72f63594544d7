package dev.hypnos.cli;

import dev.hypnos.core.objstore.Bucket;
import dev.hypnos.core.objstore.Buckets;
import dev.hypnos.core.server.HostPort;
import dev.hypnos.core.server.Lifecycle;
import dev.hypnos.core.server.OpsHttpServer;
import dev.hypnos.core.server.ReadinessCheck;
import dev.hypnos.sidecar.PrometheusClient;
import dev.hypnos.sidecar.PrometheusStore;
import dev.hypnos.sidecar.Shipper;
import dev.hypnos.storeapi.GrpcServerTls;
import dev.hypnos.storeapi.GrpcServers;
import dev.hypnos.storeapi.InfoGrpcService;
import dev.hypnos.storeapi.StoreGrpcService;
import io.grpc.Server;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code hypnos sidecar}: the Store API over a Prometheus server's remote read, and the shipper
 * uploading its blocks when an object storage configuration is given. Probes and {@code /metrics}
 * on the HTTP address ({@link OpsHttpServer}); {@code /-/ready} fails while Prometheus does not
 * answer its own {@code /-/ready}. The Store API is served over TLS with
 * {@code --grpc-server-tls-cert} and {@code --grpc-server-tls-key}.
 */
@Command(name = "sidecar", mixinStandardHelpOptions = true,
    description = "Serve a Prometheus server's data over the Store API and ship its blocks to object storage.")
public final class SidecarCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(SidecarCommand.class);

  @Option(names = "--prometheus.url", defaultValue = "http://localhost:9090", description = "Prometheus base URL (default ${DEFAULT-VALUE}).")
  URI prometheusUrl;

  @Option(names = "--tsdb.path", defaultValue = "./data", description = "Prometheus data directory (default ${DEFAULT-VALUE}).")
  Path tsdbPath;

  @Option(names = "--objstore.config-file", description = "Object storage configuration YAML; without it nothing is shipped.")
  @Nullable Path objstoreConfig;

  @Option(names = "--grpc-address", defaultValue = "0.0.0.0:10901", description = "Store API listen address (default ${DEFAULT-VALUE}).")
  String grpcAddress;

  @Option(names = "--http-address", defaultValue = "0.0.0.0:10902", description = "Probes and metrics listen address (default ${DEFAULT-VALUE}).")
  String httpAddress;

  @Option(names = "--prometheus.get_config_interval", defaultValue = "30s",
      description = "How often the external labels are re-read (default ${DEFAULT-VALUE}).")
  String configInterval;

  @Option(names = "--shipper.interval", defaultValue = "30s", description = "Time between shipper rounds (default ${DEFAULT-VALUE}).")
  String shipperInterval;

  @Option(names = "--shipper.upload-compacted", description = "Also upload compacted blocks (for migrations).")
  boolean uploadCompacted;

  /** Counted down to stop a running sidecar (tests do; SIGTERM goes through Lifecycle). */
  final CountDownLatch stop = new CountDownLatch(1);
  /** Counted down once both servers listen. */
  final CountDownLatch started = new CountDownLatch(1);
  volatile int grpcPort;
  volatile int httpPort;

  @Option(names = "--grpc-server-tls-cert", paramLabel = "FILE",
      description = "PEM certificate chain for the Store API; with --grpc-server-tls-key, gRPC is served over TLS.")
  @Nullable Path tlsCert;

  @Option(names = "--grpc-server-tls-key", paramLabel = "FILE",
      description = "Unencrypted PKCS#8 PEM key of --grpc-server-tls-cert.")
  @Nullable Path tlsKey;

  @Option(names = "--grpc-server-tls-client-ca", paramLabel = "FILE",
      description = "PEM CA bundle for client certificates; when set, clients must present one (mutual TLS).")
  @Nullable Path tlsClientCa;

  @Override
  public Integer call() throws Exception {
    GrpcServerTls tls = serverTls(tlsCert, tlsKey, tlsClientCa);
    InetSocketAddress grpcListen = HostPort.parse("--grpc-address", grpcAddress);
    InetSocketAddress httpListen = HostPort.parse("--http-address", httpAddress);
    PrometheusClient client = PrometheusClient.create(prometheusUrl);
    try (PrometheusStore store = PrometheusStore.start(client, tsdbPath, parseDuration(configInterval), true);
        Lifecycle lc = new Lifecycle(Duration.ofSeconds(10))) {
      LOG.info("sidecar for {} with external labels {}", prometheusUrl, store.externalLabels());
      // Parts stop in reverse order: readiness fails first so that load balancers stop sending
      // calls, then gRPC drains, then HTTP, the shipper and the bucket close.
      Shipper shipper = null;
      if (objstoreConfig != null) {
        Bucket bucket = lc.addCloseable("bucket", Buckets.open(objstoreConfig));
        shipper = new Shipper(tsdbPath, bucket, store::externalLabels, uploadCompacted, Clock.systemUTC());
        lc.addCloseable("shipper", shipper.runEvery(parseDuration(shipperInterval)));
      }
      ReadinessCheck prometheusReady = () -> client.ready()
          ? Optional.empty() : Optional.of("Prometheus at " + prometheusUrl + " is not ready");
      OpsHttpServer http = OpsHttpServer.start(httpListen, registry(client, shipper), prometheusReady);
      lc.add("HTTP server", http);
      Server grpc = GrpcServers.start(grpcListen,
          List.of(new StoreGrpcService(store), new InfoGrpcService(store, InfoGrpcService.COMPONENT_SIDECAR)), tls);
      lc.add("gRPC server", g -> GrpcServers.shutdown(grpc, g));
      lc.add("readiness", g -> http.markNotReady("shutting down"));
      LOG.info("listening: gRPC {} ({}) HTTP {}", grpc.getPort(), tls == null ? "plaintext" : "TLS", http.address());
      grpcPort = grpc.getPort();
      httpPort = http.address().getPort();
      // SIGTERM/SIGINT request a stop through Lifecycle's signal handler (exit code 0, not 143).
      // Tests stop an in-process sidecar by counting down `stop`.
      lc.handleSignals();
      Thread relay = Thread.ofVirtual().name("sidecar-stop-relay").start(() -> {
        try {
          stop.await();
          lc.requestStop("stop requested by the caller");
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      started.countDown();
      lc.awaitStopRequest();
      relay.interrupt();
      LOG.info("stopping sidecar: {}", lc.stopReason());
    }
    return 0;
  }

  /** TLS for the Store API from the three flags; null when neither certificate nor key is given. */
  static @Nullable GrpcServerTls serverTls(@Nullable Path cert, @Nullable Path key, @Nullable Path clientCa) {
    if (cert == null && key == null) {
      if (clientCa != null) {
        throw new IllegalArgumentException("--grpc-server-tls-client-ca needs --grpc-server-tls-cert and --grpc-server-tls-key");
      }
      return null;
    }
    if (cert == null || key == null) {
      throw new IllegalArgumentException("--grpc-server-tls-cert and --grpc-server-tls-key go together; only "
          + (cert == null ? "--grpc-server-tls-key" : "--grpc-server-tls-cert") + " was given");
    }
    return new GrpcServerTls(cert, key, clientCa);
  }

  /** JVM metrics, whether Prometheus answers, and the shipper's counters under Thanos's names. */
  private static PrometheusRegistry registry(PrometheusClient client, @Nullable Shipper shipper) {
    PrometheusRegistry registry = new PrometheusRegistry();
    JvmMetrics.builder().register(registry);
    GaugeWithCallback.builder().name("hypnos_sidecar_prometheus_up")
        .help("1 when Prometheus answered /-/ready with 200 at this scrape, else 0.")
        .callback(cb -> cb.call(client.ready() ? 1 : 0))
        .register(registry);
    if (shipper != null) {
      CounterWithCallback.builder().name("thanos_shipper_uploads")
          .help("Blocks uploaded to object storage.")
          .callback(cb -> cb.call(shipper.metrics().uploads())).register(registry);
      CounterWithCallback.builder().name("thanos_shipper_upload_failures")
          .help("Block uploads that failed; each is tried again next round.")
          .callback(cb -> cb.call(shipper.metrics().uploadFailures())).register(registry);
      CounterWithCallback.builder().name("thanos_shipper_dir_syncs")
          .help("Shipper rounds over the TSDB directory.")
          .callback(cb -> cb.call(shipper.metrics().syncs())).register(registry);
      CounterWithCallback.builder().name("thanos_shipper_dir_sync_failures")
          .help("Shipper rounds that could not read or write the TSDB directory or its state file.")
          .callback(cb -> cb.call(shipper.metrics().syncFailures())).register(registry);
    }
    return registry;
  }

  /** Go-style durations: {@code 30s}, {@code 5m}, {@code 1h}, {@code 500ms}. */
  static Duration parseDuration(String s) {
    String v = s.strip();
    try {
      if (v.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
      }
      long n = Long.parseLong(v.substring(0, v.length() - 1));
      return switch (v.charAt(v.length() - 1)) {
        case 's' -> Duration.ofSeconds(n);
        case 'm' -> Duration.ofMinutes(n);
        case 'h' -> Duration.ofHours(n);
        default -> throw new IllegalArgumentException("parse duration " + s + ": unit must be ms, s, m or h");
      };
    } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
      throw new IllegalArgumentException("parse duration " + s + ": expected a number with unit ms, s, m or h", e);
    }
  }
}
