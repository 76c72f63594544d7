package dev.hypnos.cli.demo;

import dev.hypnos.core.block.BlockId;
import dev.hypnos.core.dedup.DedupSeriesSet;
import dev.hypnos.core.objstore.FilesystemBucket;
import dev.hypnos.core.server.Lifecycle;
import dev.hypnos.promql.engine.EngineOptions;
import dev.hypnos.querier.ProxyStore;
import dev.hypnos.querier.api.PrometheusApi;
import dev.hypnos.storeapi.GrpcServers;
import dev.hypnos.storeapi.InfoGrpcService;
import dev.hypnos.storeapi.StoreGrpcService;
import dev.hypnos.storegateway.BucketStore;
import dev.hypnos.storegateway.block.IndexCache;
import dev.hypnos.storegateway.block.Partitioner;
import dev.hypnos.storegateway.sync.BlockSyncer;
import dev.hypnos.storegateway.sync.MetaFetcher;
import dev.hypnos.storegateway.sync.SyncMetrics;
import io.grpc.Server;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The demo in one process: the bucket directory as a FILESYSTEM bucket (generated first when it
 * holds no block), a store gateway ({@link BucketStore} kept in step with the bucket by a {@link
 * BlockSyncer}) and a querier ({@link PrometheusApi}) whose only fan-out member is that store,
 * called directly rather than over gRPC, with {@value DemoData#REPLICA_LABEL} as replica label; like
 * {@code hypnos query}, it also serves that fan-out's Store and Info gRPC APIs when asked.
 *
 * <p>{@link #start} returns once the blocks are loaded and the HTTP API listens; {@link #close()}
 * stops the HTTP API first, then the sync and the store.
 */
public final class DemoServer implements AutoCloseable {
  /** Seed of the generated data. */
  public static final long SEED = 20_251_126L;
  /** History generated on the first run. */
  public static final Duration SPAN = Duration.ofHours(6);
  static final Duration SYNC_INTERVAL = Duration.ofMinutes(1);

  /**
   * What to start.
   *
   * @param bucketDir the FILESYSTEM bucket's directory
   * @param dataDir local directory for index-headers and cached metas
   * @param http where the Prometheus HTTP API listens (port 0 for any free one)
   * @param grpc where the querier's Store and Info gRPC APIs listen (port 0 for any free one); null
   *     for none
   */
  public record Options(Path bucketDir, Path dataDir, InetSocketAddress http, @Nullable InetSocketAddress grpc) {
    public Options {
      Objects.requireNonNull(bucketDir, "bucketDir");
      Objects.requireNonNull(dataDir, "dataDir");
      Objects.requireNonNull(http, "http");
    }

    /** Options without the gRPC APIs. */
    public Options(Path bucketDir, Path dataDir, InetSocketAddress http) {
      this(bucketDir, dataDir, http, null);
    }
  }

  private final Lifecycle lifecycle;
  private final PrometheusApi api;
  private final @Nullable Server grpc;
  private final List<BlockId> blocks;
  private final boolean generated;

  private DemoServer(Lifecycle lifecycle, PrometheusApi api, @Nullable Server grpc, List<BlockId> blocks,
      boolean generated) {
    this.lifecycle = lifecycle;
    this.api = api;
    this.grpc = grpc;
    this.blocks = List.copyOf(blocks);
    this.generated = generated;
  }

  /** Generates the bucket if it has no block, loads it and starts the HTTP API. */
  public static DemoServer start(Options options, InstantSource clock) throws Exception {
    Lifecycle lc = new Lifecycle(Duration.ofSeconds(5));
    boolean ok = false;
    try {
      FilesystemBucket bucket = lc.addCloseable("bucket", new FilesystemBucket(options.bucketDir()));
      Files.createDirectories(options.dataDir());
      boolean generated = false;
      if (DemoData.existingBlocks(bucket).isEmpty()) {
        new DemoData(SEED, SPAN).generate(bucket, options.dataDir().resolve("demo-staging"), clock);
        generated = true;
      }
      List<BlockId> blocks = DemoData.existingBlocks(bucket);

      BucketStore store = lc.addCloseable("bucket store", new BucketStore(bucket, options.dataDir(),
          new IndexCache(64L << 20), new Partitioner(Partitioner.DEFAULT_MAX_GAP), clock, BucketStore.Options.DEFAULTS));
      MetaFetcher fetcher = new MetaFetcher(bucket, options.dataDir().resolve("meta-syncer"), 8, List.of(),
          SyncMetrics.register(new PrometheusRegistry()));
      BlockSyncer syncer = new BlockSyncer(fetcher, store::setBlocks, SYNC_INTERVAL);
      lc.add("block syncer", syncer);
      syncer.syncNow();
      syncer.start();

      String name = "store gateway " + bucket.name();
      Supplier<List<ProxyStore.Member>> members = () -> List.of(new ProxyStore.Member(name, store, store.info()));
      Server grpc = null;
      if (options.grpc() != null) {
        // As `hypnos query` does: the fan-out's Store and Info APIs, so queriers can be stacked.
        ProxyStore grpcProxy = lc.addCloseable("gRPC fan-out", new ProxyStore(members, Duration.ZERO, true));
        Server server = GrpcServers.start(options.grpc(),
            List.of(new StoreGrpcService(grpcProxy), new InfoGrpcService(grpcProxy, "query")));
        lc.add("gRPC server", g -> GrpcServers.shutdown(server, g));
        grpc = server;
      }
      PrometheusApi.Config config = new PrometheusApi.Config(members, List::of, EngineOptions.DEFAULT,
          List.of(DemoData.REPLICA_LABEL), DedupSeriesSet.Algorithm.PENALTY, true, Duration.ZERO,
          Map.of("query.replica-label", DemoData.REPLICA_LABEL, "bucket.dir", options.bucketDir().toString()),
          "", version());
      PrometheusApi api = new PrometheusApi(config, clock);
      api.start(options.http().getHostString(), options.http().getPort());
      lc.add("HTTP API", g -> api.close());
      lc.add("readiness", g -> api.setReady(false));
      ok = true;
      return new DemoServer(lc, api, grpc, blocks, generated);
    } finally {
      if (!ok) {
        lc.close();
      }
    }
  }

  private static String version() {
    String v = DemoServer.class.getPackage().getImplementationVersion();
    return v == null ? "development" : v;
  }

  /** The port the HTTP API listens on. */
  public int port() {
    return api.port();
  }

  /** The port the Store and Info gRPC APIs listen on, -1 when not started. */
  public int grpcPort() {
    return grpc == null ? -1 : grpc.getPort();
  }

  /** The blocks in the bucket at start. */
  public List<BlockId> blocks() {
    return blocks;
  }

  /** Whether this start generated the bucket (false when it reused one). */
  public boolean generated() {
    return generated;
  }

  /** Makes SIGTERM and SIGINT request a stop, and waits for one (or for {@link #requestStop}). */
  public void awaitStop() throws InterruptedException {
    lifecycle.handleSignals();
    lifecycle.awaitStopRequest();
  }

  /** Wakes {@link #awaitStop()}. */
  public void requestStop(String reason) {
    lifecycle.requestStop(reason);
  }

  @Override
  public void close() throws IOException {
    lifecycle.close();
  }
}
