package dev.hypnos.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.hypnos.core.objstore.Bucket;
import dev.hypnos.core.objstore.Buckets;
import dev.hypnos.sidecar.PrometheusClient;
import dev.hypnos.sidecar.PrometheusStore;
import dev.hypnos.sidecar.Shipper;
import dev.hypnos.storeapi.GrpcServers;
import dev.hypnos.storeapi.InfoGrpcService;
import dev.hypnos.storeapi.StoreGrpcService;
import io.grpc.Server;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
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
 * on the HTTP address.
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

  /** Counted down to stop a running sidecar (the shutdown hook does; tests may). */
  final CountDownLatch stop = new CountDownLatch(1);
  /** Counted down once both servers listen. */
  final CountDownLatch started = new CountDownLatch(1);
  volatile int grpcPort;
  volatile int httpPort;

  @Override
  public Integer call() throws Exception {
    PrometheusClient client = PrometheusClient.create(prometheusUrl);
    try (PrometheusStore store = PrometheusStore.start(client, tsdbPath, parseDuration(configInterval), true)) {
      LOG.info("sidecar for {} with external labels {}", prometheusUrl, store.externalLabels());
      Bucket bucket = null;
      AutoCloseable shipping = null;
      Shipper shipper = null;
      if (objstoreConfig != null) {
        bucket = Buckets.open(objstoreConfig);
        shipper = new Shipper(tsdbPath, bucket, store::externalLabels, uploadCompacted, Clock.systemUTC());
        shipping = shipper.runEvery(parseDuration(shipperInterval));
      }
      Server grpc = GrpcServers.start(grpcAddress,
          List.of(new StoreGrpcService(store), new InfoGrpcService(store, InfoGrpcService.COMPONENT_SIDECAR)));
      HttpServer http = HttpServer.create(GrpcServers.parseAddress(httpAddress), 0);
      Shipper s = shipper;
      http.createContext("/-/healthy", ex -> reply(ex, 200, "OK\n"));
      http.createContext("/-/ready", ex -> {
        if (client.ready()) {
          reply(ex, 200, "OK\n");
        } else {
          reply(ex, 503, "Prometheus at " + prometheusUrl + " is not ready\n");
        }
      });
      http.createContext("/metrics", ex -> {
        String text = "# TYPE hypnos_sidecar_prometheus_up gauge\nhypnos_sidecar_prometheus_up " + (client.ready() ? 1 : 0) + "\n";
        if (s != null) {
          text += s.metrics().toPrometheusText();
        }
        reply(ex, 200, text);
      });
      http.start();
      LOG.info("listening: gRPC {} HTTP {}", grpc.getPort(), http.getAddress());
      grpcPort = grpc.getPort();
      httpPort = http.getAddress().getPort();
      Thread hook = new Thread(stop::countDown, "sidecar-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      started.countDown();
      stop.await();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the JVM is already exiting
      }
      http.stop(1);
      GrpcServers.shutdown(grpc, Duration.ofSeconds(10));
      if (shipping != null) {
        shipping.close();
      }
      if (bucket != null) {
        bucket.close();
      }
    }
    return 0;
  }

  private static void reply(HttpExchange ex, int status, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    ex.sendResponseHeaders(status, b.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(b);
    }
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
