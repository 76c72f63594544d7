package dev.hypnos.cli;

import dev.hypnos.cli.tools.ObjstoreOptions;
import dev.hypnos.core.objstore.Bucket;
import dev.hypnos.core.server.BucketProbe;
import dev.hypnos.core.server.HostPort;
import dev.hypnos.core.server.Lifecycle;
import dev.hypnos.core.server.OpsHttpServer;
import dev.hypnos.core.server.ReadinessCheck;
import dev.hypnos.storeapi.GrpcServers;
import dev.hypnos.storeapi.InfoGrpcService;
import dev.hypnos.storeapi.StoreGrpcService;
import dev.hypnos.storegateway.BucketStore;
import dev.hypnos.storegateway.block.IndexCache;
import dev.hypnos.storegateway.block.Partitioner;
import dev.hypnos.storegateway.sync.BlockSyncer;
import dev.hypnos.storegateway.sync.ConsistencyDelayFilter;
import dev.hypnos.storegateway.sync.DeduplicateFilter;
import dev.hypnos.storegateway.sync.DeletionMarkFilter;
import dev.hypnos.storegateway.sync.LabelShardFilter;
import dev.hypnos.storegateway.sync.MetaFetcher;
import dev.hypnos.storegateway.sync.MetaFilter;
import dev.hypnos.storegateway.sync.RelabelConfig;
import dev.hypnos.storegateway.sync.SyncMetrics;
import dev.hypnos.storegateway.sync.TimeOrDuration;
import dev.hypnos.storegateway.sync.TimePartitionFilter;
import io.grpc.Server;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code hypnos store}: serves the blocks of a bucket over the Thanos Store API (Thanos's {@code
 * thanos store}, same flags). Wiring only: bucket -> block sync -> bucket store -> gRPC, plus the
 * operations HTTP endpoint; ready once the first block sync is done and while the bucket answers.
 * Runs until SIGTERM or SIGINT, then stops gRPC within {@code --grpc-grace-period} and exits 0.
 */
@Command(
    name = "store",
    mixinStandardHelpOptions = true,
    versionProvider = HypnosVersion.class,
    description = "Store gateway: serves the blocks of an object storage bucket over the Thanos Store API.")
public final class StoreCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(StoreCommand.class);
  /** How long a bucket probe answer is reused by /-/ready. */
  static final Duration BUCKET_PROBE_TTL = Duration.ofSeconds(5);
  /** How often idle index-headers are looked for. */
  static final Duration IDLE_UNLOAD_INTERVAL = Duration.ofMinutes(1);

  @Mixin ObjstoreOptions objstore;

  @Mixin LoggingOptions logging = new LoggingOptions();

  @Option(names = "--data-dir", defaultValue = "./data", paramLabel = "DIR",
      description = "Local directory for index-headers and cached meta.json files; safe to delete between runs. "
          + "Default: ${DEFAULT-VALUE}.")
  Path dataDir = Path.of("./data");

  @Option(names = "--grpc-address", defaultValue = "0.0.0.0:10901", paramLabel = "HOST:PORT",
      description = "Listen address for the Store API (gRPC). Default: ${DEFAULT-VALUE}.")
  String grpcAddress = "0.0.0.0:10901";

  @Option(names = "--http-address", defaultValue = "0.0.0.0:10902", paramLabel = "HOST:PORT",
      description = "Listen address for /metrics, /-/healthy and /-/ready. Default: ${DEFAULT-VALUE}.")
  String httpAddress = "0.0.0.0:10902";

  @Option(names = "--grpc-grace-period", defaultValue = "2m", paramLabel = "DURATION",
      converter = FlagTypes.DurationConverter.class,
      description = "Time given to calls in flight after SIGTERM. Default: ${DEFAULT-VALUE}.")
  Duration grpcGracePeriod = Duration.ofMinutes(2);

  @Option(names = "--sync-block-duration", defaultValue = "15m", paramLabel = "DURATION",
      converter = FlagTypes.DurationConverter.class,
      description = "Interval between block syncs with the bucket. Default: ${DEFAULT-VALUE}.")
  Duration syncBlockDuration = Duration.ofMinutes(15);

  @Option(names = "--block-sync-concurrency", defaultValue = "20", paramLabel = "N",
      description = "Blocks loaded (index-headers built) at once, and parallel deletion-mark reads, during a "
          + "block sync. Default: ${DEFAULT-VALUE}.")
  int blockSyncConcurrency = 20;

  @Option(names = "--block-meta-fetch-concurrency", defaultValue = "32", paramLabel = "N",
      description = "Parallel meta.json reads during a block sync. Default: ${DEFAULT-VALUE}.")
  int blockMetaFetchConcurrency = 32;

  @Option(names = "--ignore-deletion-marks-delay", defaultValue = "24h", paramLabel = "DURATION",
      converter = FlagTypes.DurationConverter.class,
      description = "Blocks marked for deletion longer ago than this are no longer served; set it to half the "
          + "compactor's --delete-delay. Default: ${DEFAULT-VALUE}.")
  Duration ignoreDeletionMarksDelay = Duration.ofHours(24);

  @Option(names = "--consistency-delay", defaultValue = "0s", paramLabel = "DURATION",
      converter = FlagTypes.DurationConverter.class,
      description = "Minimum age of a block (by its ULID) before it is served, for eventually consistent object "
          + "stores; blocks from the compactor are exempt. Default: ${DEFAULT-VALUE}.")
  Duration consistencyDelay = Duration.ZERO;

  @Option(names = "--min-time", defaultValue = TimeOrDuration.MIN_DEFAULT, paramLabel = "TIME",
      description = "Serve only blocks ending at or after this time: RFC 3339, or relative to now such as -2w or -1d. "
          + "Default: ${DEFAULT-VALUE}.")
  String minTime = TimeOrDuration.MIN_DEFAULT;

  @Option(names = "--max-time", defaultValue = TimeOrDuration.MAX_DEFAULT, paramLabel = "TIME",
      description = "Serve only blocks starting at or before this time: RFC 3339, or relative to now such as -1d. "
          + "Default: ${DEFAULT-VALUE}.")
  String maxTime = TimeOrDuration.MAX_DEFAULT;

  @ArgGroup(exclusive = true)
  @Nullable Selector selector;

  static final class Selector {
    @Option(names = "--selector.relabel-config-file", paramLabel = "FILE",
        description = "YAML file with relabel configs (keep, drop, hashmod, labelmap) over each block's external "
            + "labels and __block_id, selecting the blocks to serve.")
    @Nullable Path file;

    @Option(names = "--selector.relabel-config", paramLabel = "YAML",
        description = "Alternative to --selector.relabel-config-file: the YAML itself.")
    @Nullable String content;
  }

  @Option(names = "--index-cache-size", defaultValue = "250MB", paramLabel = "BYTES",
      converter = FlagTypes.BytesConverter.class,
      description = "Maximum size of the in-memory index cache (postings and series). Default: ${DEFAULT-VALUE}.")
  long indexCacheSize = 250L << 20;

  @Option(names = "--store.limits.request-series", defaultValue = "0", paramLabel = "N",
      description = "Most series one Series call may touch; 0 for no limit. Default: ${DEFAULT-VALUE}.")
  long requestSeriesLimit;

  @Option(names = "--store.limits.request-samples", defaultValue = "0", paramLabel = "N",
      description = "Most samples one Series call may return (counted as 120 per chunk); 0 for no limit. "
          + "Default: ${DEFAULT-VALUE}.")
  long requestSamplesLimit;

  @Override
  public Integer call() throws Exception {
    logging.apply();
    InstantSource clock = InstantSource.system();
    Config cfg = validate(clock);
    Files.createDirectories(dataDir);

    PrometheusRegistry registry = new PrometheusRegistry();
    JvmMetrics.builder().register(registry);

    Lifecycle lc = new Lifecycle(grpcGracePeriod);
    try (lc) {
      Bucket bucket = lc.addCloseable("bucket", objstore.open());
      BucketStore store = lc.addCloseable("bucket store", new BucketStore(bucket, dataDir,
          new IndexCache(indexCacheSize), new Partitioner(Partitioner.DEFAULT_MAX_GAP), clock,
          BucketStore.Options.DEFAULTS.withLimits(requestSeriesLimit, requestSamplesLimit)
              .withBlockLoadConcurrency(blockSyncConcurrency),
          BucketStore.Serving.DEFAULTS.withTimeRange(cfg.minTime(), cfg.maxTime())));
      registerStoreMetrics(registry, store);

      List<MetaFilter> filters = List.of(
          new TimePartitionFilter(cfg.minTime(), cfg.maxTime(), clock),
          new LabelShardFilter(cfg.relabel()),
          new ConsistencyDelayFilter(consistencyDelay, clock),
          new DeletionMarkFilter(bucket, ignoreDeletionMarksDelay, blockSyncConcurrency, clock),
          new DeduplicateFilter());
      MetaFetcher fetcher = new MetaFetcher(bucket, dataDir.resolve("meta-syncer"), blockMetaFetchConcurrency,
          filters, SyncMetrics.register(registry));
      BlockSyncer syncer = new BlockSyncer(fetcher, store::setBlocks, syncBlockDuration);
      lc.add("block syncer", syncer);

      ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "index-header-unloader");
        t.setDaemon(true);
        return t;
      });
      lc.add("index-header unloader", g -> {
        housekeeping.shutdownNow();
        housekeeping.awaitTermination(Math.max(1, g.toMillis()), TimeUnit.MILLISECONDS);
      });

      OpsHttpServer http = OpsHttpServer.start(cfg.http(), registry,
          ReadinessCheck.all(List.of(syncer.readiness(), new BucketProbe(bucket, BUCKET_PROBE_TTL, clock))));
      lc.add("HTTP server", http);

      Server grpc = GrpcServers.start(grpcAddress, List.of(new StoreGrpcService(store), InfoGrpcService.forStore(store)));
      lc.add("gRPC server", g -> GrpcServers.shutdown(grpc, g));
      // Stopped first: readiness fails at once so load balancers stop sending calls during the grace period.
      lc.add("readiness", g -> http.markNotReady("shutting down"));
      LOG.info("listening for Store API gRPC on {}", HostPort.format(new InetSocketAddress(
          cfg.grpc().getAddress(), grpc.getPort())));

      syncer.start();
      housekeeping.scheduleWithFixedDelay(() -> unloadIdle(store), IDLE_UNLOAD_INTERVAL.toMillis(),
          IDLE_UNLOAD_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
      lc.handleSignals();
      LOG.info("store started: bucket {}, data dir {}, sync every {}", bucket.name(), dataDir, syncBlockDuration);
      lc.awaitStopRequest();
      LOG.info("stopping store: {}", lc.stopReason());
    }
    LOG.info("store stopped");
    return 0;
  }

  private static void unloadIdle(BucketStore store) {
    try {
      int n = store.unloadIdleIndexHeaders();
      if (n > 0) {
        LOG.debug("unloaded {} idle index-headers", n);
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("unload idle index-headers: {}", e.toString());
    }
  }

  private static void registerStoreMetrics(PrometheusRegistry registry, BucketStore store) {
    GaugeWithCallback.builder().name("thanos_bucket_store_blocks_loaded")
        .help("Number of currently loaded blocks.")
        .callback(cb -> cb.call(store.blockIds().size())).register(registry);
    GaugeWithCallback.builder().name("hypnos_bucket_store_corrupt_blocks")
        .help("Corrupt blocks met so far, at load or while serving; they are skipped.")
        .callback(cb -> cb.call(store.corruptBlockCount())).register(registry);
    GaugeWithCallback.builder().name("hypnos_bucket_store_bucket_range_requests")
        .help("Byte-range requests made to the bucket by the served blocks.")
        .callback(cb -> cb.call(store.bucketRequests())).register(registry);
  }

  /** The flags that need parsing beyond picocli's, checked before anything starts. */
  record Config(InetSocketAddress grpc, InetSocketAddress http, TimeOrDuration minTime, TimeOrDuration maxTime,
      List<RelabelConfig> relabel) {}

  Config validate(InstantSource clock) throws IOException {
    InetSocketAddress grpc = HostPort.parse("--grpc-address", grpcAddress);
    InetSocketAddress http = HostPort.parse("--http-address", httpAddress);
    TimeOrDuration min = parseTime("--min-time", minTime);
    TimeOrDuration max = parseTime("--max-time", maxTime);
    new TimePartitionFilter(min, max, clock);
    positive("--block-sync-concurrency", blockSyncConcurrency);
    positive("--block-meta-fetch-concurrency", blockMetaFetchConcurrency);
    if (syncBlockDuration.isZero()) {
      throw new IllegalArgumentException("--sync-block-duration must be positive");
    }
    if (requestSeriesLimit < 0 || requestSamplesLimit < 0) {
      throw new IllegalArgumentException("--store.limits.request-series and --store.limits.request-samples "
          + "must not be negative");
    }
    List<RelabelConfig> relabel = List.of();
    Selector sel = selector;
    if (sel != null && sel.file != null) {
      String yaml = Files.readString(sel.file, StandardCharsets.UTF_8);
      relabel = RelabelConfig.parseList(yaml, "--selector.relabel-config-file=" + sel.file, RelabelConfig.SELECTOR_ACTIONS);
    } else if (sel != null && sel.content != null) {
      relabel = RelabelConfig.parseList(sel.content, "--selector.relabel-config", RelabelConfig.SELECTOR_ACTIONS);
    }
    return new Config(grpc, http, min, max, relabel);
  }

  private static TimeOrDuration parseTime(String flag, String value) {
    try {
      return TimeOrDuration.parse(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(flag + ": " + e.getMessage(), e);
    }
  }

  private static void positive(String flag, int n) {
    if (n < 1) {
      throw new IllegalArgumentException(flag + " " + n + " must be at least 1");
    }
  }
}
