package dev.hypnos.cli;

import dev.hypnos.cli.demo.DemoData;
import dev.hypnos.cli.demo.DemoServer;
import dev.hypnos.core.server.HostPort;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code hypnos demo}: generates a realistic FILESYSTEM bucket on the first run (two clusters, one
 * of them with two HA replicas, six hours of counters, gauges and classic histograms), serves it
 * with a store gateway and a querier in this one process, and prints the URL to give Grafana as a
 * Prometheus data source. Later runs reuse the bucket. Runs until SIGTERM or SIGINT.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    versionProvider = HypnosVersion.class,
    description = "Demo: generates a sample bucket and serves it with a store gateway and a querier, for Grafana.")
public final class DemoCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin LoggingOptions logging = new LoggingOptions();

  @Option(names = "--http-address", defaultValue = "0.0.0.0:10902", paramLabel = "HOST:PORT",
      description = "Listen address of the querier's Prometheus HTTP API. Default: ${DEFAULT-VALUE}.")
  String httpAddress = "0.0.0.0:10902";

  @Option(names = "--grpc-address", defaultValue = "0.0.0.0:10901", paramLabel = "HOST:PORT",
      description = "Listen address of the querier's Store and Info gRPC APIs (as `hypnos query`). "
          + "Default: ${DEFAULT-VALUE}.")
  String grpcAddress = "0.0.0.0:10901";

  @Option(names = "--bucket.dir", defaultValue = "./hypnos-demo-bucket", paramLabel = "DIR",
      description = "Directory of the demo bucket; generated when it holds no block, reused otherwise. "
          + "Default: ${DEFAULT-VALUE}.")
  Path bucketDir = Path.of("./hypnos-demo-bucket");

  @Option(names = "--data-dir", defaultValue = "./hypnos-demo-data", paramLabel = "DIR",
      description = "Local directory for index-headers and cached meta.json files; safe to delete. "
          + "Default: ${DEFAULT-VALUE}.")
  Path dataDir = Path.of("./hypnos-demo-data");

  @Override
  public Integer call() throws Exception {
    logging.apply();
    try (DemoServer server = start(InstantSource.system())) {
      server.awaitStop();
    }
    spec.commandLine().getOut().println("hypnos demo: stopped");
    spec.commandLine().getOut().flush();
    return 0;
  }

  /** Starts the demo and prints how to use it; used by {@link #call()} and by tests. */
  DemoServer start(InstantSource clock) throws Exception {
    DemoServer server = DemoServer.start(
        new DemoServer.Options(bucketDir, dataDir, HostPort.parse("--http-address", httpAddress),
            HostPort.parse("--grpc-address", grpcAddress)), clock);
    PrintWriter out = spec.commandLine().getOut();
    out.println("hypnos demo: " + (server.generated() ? "generated" : "reusing") + " bucket "
        + bucketDir.toAbsolutePath().normalize() + " (" + server.blocks().size() + " blocks)");
    out.println();
    out.println("Grafana: add a Prometheus data source with URL http://localhost:" + server.port());
    out.println("Store API (gRPC) of the querier on port " + server.grpcPort()
        + ", for another querier's --endpoint.");
    out.println();
    out.println("Clusters: " + DemoData.HA_CLUSTER + " (two HA replicas), " + DemoData.SINGLE_CLUSTER
        + ". Deduplication is on, by replica label \"" + DemoData.REPLICA_LABEL + "\".");
    out.println("Example queries:");
    out.println("  sum by (cluster) (rate(http_requests_total[5m]))");
    out.println("  sum by (cluster, code) (rate(http_requests_total[5m]))");
    out.println("  histogram_quantile(0.99, sum by (cluster, le) (rate(http_request_duration_seconds_bucket[5m])))");
    out.println("  max by (cluster, instance) (node_memory_used_bytes)");
    out.println("  count by (cluster) (up)");
    out.println();
    out.println("Stop with Ctrl-C.");
    out.flush();
    return server;
  }
}
