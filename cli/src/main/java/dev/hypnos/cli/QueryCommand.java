package dev.hypnos.cli;

import dev.hypnos.core.dedup.DedupSeriesSet;
import dev.hypnos.core.server.Lifecycle;
import dev.hypnos.promql.engine.EngineOptions;
import dev.hypnos.promql.parser.Durations;
import dev.hypnos.promql.parser.ParserOptions;
import dev.hypnos.querier.ProxyStore;
import dev.hypnos.querier.api.PrometheusApi;
import dev.hypnos.sidecarclient.ActiveStore;
import dev.hypnos.sidecarclient.EndpointDiscovery;
import dev.hypnos.sidecarclient.EndpointSet;
import dev.hypnos.sidecarclient.Endpoints;
import dev.hypnos.sidecarclient.dns.DnsResolver;
import dev.hypnos.storeapi.GrpcServers;
import dev.hypnos.storeapi.InfoGrpcService;
import dev.hypnos.storeapi.StoreGrpcService;
import io.grpc.Server;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code hypnos query}: the querier. Discovers endpoints, fans out to the healthy ones, serves the
 * Prometheus HTTP API on {@code --http-address} and the Store and Info APIs (over the same
 * fan-out) on {@code --grpc-address}, so queriers can be stacked. Flags are Thanos's. Stops
 * cleanly on SIGTERM: HTTP first, then gRPC, the fan-out and the endpoint connections.
 */
@Command(name = "query", mixinStandardHelpOptions = true,
    description = "Query node: Prometheus HTTP API over every discovered Store API endpoint, with HA deduplication.")
public final class QueryCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--http-address", defaultValue = "0.0.0.0:10902", description = "Listen host:port for HTTP endpoints.")
  String httpAddress;

  @Option(names = "--grpc-address", defaultValue = "0.0.0.0:10901", description = "Listen host:port for the Store and Info gRPC APIs.")
  String grpcAddress;

  @Option(names = "--endpoint", description = "Store API endpoint (host:port, dns+host:port, dnssrv+..., dnssrvnoa+...). Repeatable.")
  List<String> endpoints = new ArrayList<>();

  @Option(names = "--endpoint-strict", description = "Static endpoint kept in the fan-out even when unhealthy. Repeatable.")
  List<String> strictEndpoints = new ArrayList<>();

  @Option(names = "--store.sd-files", description = "Prometheus file SD files with endpoints (glob allowed). Repeatable.")
  List<String> sdFiles = new ArrayList<>();

  @Option(names = "--endpoint.sd-config-file", description = "Thanos endpoint sd-config YAML file.")
  @Nullable Path sdConfigFile;

  @Option(names = "--store.sd-dns-interval", defaultValue = "30s", description = "How often DNS specs are resolved again.")
  String dnsInterval;

  @Option(names = "--store.sd-dns-server", hidden = true,
      description = "Ask this DNS server (host:port) instead of /etc/resolv.conf's, e.g. a dnsmasq on loopback in tests.")
  @Nullable String dnsServer;

  @Option(names = "--query.replica-label", split = ",", description = "Labels that tell HA replicas apart; deduplicated by. Repeatable.")
  List<String> replicaLabels = new ArrayList<>();

  @Option(names = "--deduplication.func", defaultValue = "penalty", description = "penalty (default) or chain.")
  String dedupFunc;

  @Option(names = "--query.partial-response", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Answer with warnings when some stores fail (default on).")
  boolean partialResponse;

  @Option(names = "--query.timeout", defaultValue = "2m", description = "Longest a query may run.")
  String queryTimeout;

  @Option(names = "--store.response-timeout", defaultValue = "0ms", description = "Drop a store that sends nothing for this long; 0 for never.")
  String responseTimeout;

  @Option(names = "--enable-feature", paramLabel = "NAME", split = ",",
      description = "PromQL features to enable, by Prometheus's names (repeatable or comma-separated): "
          + "promql-experimental-functions, promql-duration-expr, promql-extended-range-selectors, "
          + "promql-binop-fill-modifiers.")
  List<String> features = new ArrayList<>();

  @Option(names = "--query.lookback-delta", defaultValue = "5m", description = "How far back instant selectors look.")
  String lookbackDelta;

  @Option(names = "--query.max-samples", defaultValue = "50000000", description = "Most samples a query may hold.")
  int maxSamples;

  @Option(names = "--query.auto-downsampling", description = "Read downsampled data by default: a query without max_source_resolution is "
      + "read as max_source_resolution=auto (a fifth of the step for range queries, raw for instant queries).")
  boolean autoDownsampling;

  @Option(names = "--web.route-prefix", defaultValue = "", description = "Prefix of every HTTP route.")
  String routePrefix;

  /** A started querier; {@link #close()} stops it as SIGTERM does. */
  static final class Running implements AutoCloseable {
    final PrometheusApi api;
    private final Runnable stop;

    Running(PrometheusApi api, Runnable stop) {
      this.api = api;
      this.stop = stop;
    }

    @Override
    public void close() {
      stop.run();
    }
  }

  @Override
  public Integer call() throws Exception {
    Running running = start();
    // SIGTERM/SIGINT request a stop through Lifecycle's signal handler, so the exit code is 0, not 143.
    try (Lifecycle lc = new Lifecycle(Duration.ofSeconds(10))) {
      lc.add("querier", g -> running.close());
      lc.handleSignals();
      lc.awaitStopRequest();
    }
    return 0;
  }

  /** The parser features of --enable-feature; an unknown name is a usage error naming it. */
  private ParserOptions parserOptions() {
    for (String f : features) {
      if (!ParserOptions.ALL.enabled(f)) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--enable-feature: unknown feature \"" + f
            + "\"; known: " + String.join(", ", new java.util.TreeSet<>(ParserOptions.ALL.features())));
      }
    }
    return new ParserOptions(java.util.Set.copyOf(features));
  }

  /** Starts discovery, the gRPC server and the HTTP API; returns once all listen. */
  Running start() throws Exception {
    DedupSeriesSet.Algorithm algorithm = DedupSeriesSet.Algorithm.parse(dedupFunc);
    EngineOptions engineOptions = EngineOptions.DEFAULT
        .withTimeout(Duration.ofMillis(Durations.parseMillis(queryTimeout)))
        .withMaxSamples(maxSamples);
    engineOptions = new EngineOptions(Duration.ofMillis(Durations.parseMillis(lookbackDelta)), engineOptions.maxSamples(),
        engineOptions.timeout(), engineOptions.defaultEvalInterval(), engineOptions.delayedNameRemoval(),
        parserOptions());
    Duration storeTimeout = Duration.ofMillis(Durations.parseMillis(responseTimeout));

    EndpointDiscovery.Builder db = EndpointDiscovery.builder();
    endpoints.forEach(db::endpoint);
    strictEndpoints.forEach(db::strictEndpoint);
    sdFiles.forEach(db::fileSd);
    db.sdConfigFile(sdConfigFile);
    if (dnsServer != null) {
      db.resolver(DnsResolver.usingServer(DnsResolver.parseServer(dnsServer)));
    }
    Duration discoveryInterval = Duration.ofMillis(Durations.parseMillis(dnsInterval));
    EndpointSet set = new EndpointSet(InstantSource.system(), Endpoints.DEFAULT_INFO_TIMEOUT);
    Endpoints eps = Endpoints.create(db.build(), set, discoveryInterval, Endpoints.DEFAULT_HEALTH_INTERVAL);
    eps.start();

    Supplier<List<ProxyStore.Member>> members = () -> {
      List<ProxyStore.Member> out = new ArrayList<>();
      for (ActiveStore a : set.activeStores()) {
        out.add(new ProxyStore.Member(a.address(), a.client(), a.info()));
      }
      return out;
    };
    ProxyStore grpcProxy = new ProxyStore(members, storeTimeout, partialResponse);
    Server grpc = GrpcServers.start(grpcAddress,
        List.of(new StoreGrpcService(grpcProxy), new InfoGrpcService(grpcProxy, "query")));

    PrometheusApi.Config config = new PrometheusApi.Config(members, set::statuses, engineOptions, replicaLabels,
        algorithm, partialResponse, storeTimeout, flagValues(), routePrefix, version()).withAutoDownsampling(autoDownsampling);
    PrometheusApi api = new PrometheusApi(config, InstantSource.system());
    InetSocketAddress http = GrpcServers.parseAddress(httpAddress);
    api.start(http.getHostString(), http.getPort());
    spec.commandLine().getOut().println("hypnos query: HTTP on " + http.getHostString() + ":" + api.port()
        + ", gRPC on " + grpcAddress + ", " + set.activeStores().size() + " store(s) healthy");
    spec.commandLine().getOut().flush();

    return new Running(api, () -> {
      try {
        api.setReady(false);
        api.close();
        GrpcServers.shutdown(grpc, Duration.ofSeconds(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        grpcProxy.close();
        eps.close();
      }
    });
  }

  private static String version() {
    String v = QueryCommand.class.getPackage().getImplementationVersion();
    return v == null ? "development" : v;
  }

  /** The flags with their values, for {@code /api/v1/status/flags}. */
  private Map<String, String> flagValues() {
    Map<String, String> out = new LinkedHashMap<>();
    for (CommandLine.Model.OptionSpec o : spec.options()) {
      if (o.usageHelp() || o.versionHelp()) {
        continue;
      }
      Object v = o.getValue();
      String s = v == null ? "" : v instanceof List<?> l ? String.join(",", l.stream().map(String::valueOf).toList()) : v.toString();
      out.put(o.longestName().replaceFirst("^--", ""), s);
    }
    return out;
  }
}
