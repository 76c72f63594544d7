package dev.hypnos.bench;

import dev.hypnos.core.labels.Matcher;
import dev.hypnos.core.objstore.FilesystemBucket;
import dev.hypnos.core.objstore.InMemoryBucket;
import dev.hypnos.storeapi.SeriesRequest;
import dev.hypnos.storegateway.BucketStore;
import dev.hypnos.storegateway.block.IndexCache;
import dev.hypnos.storegateway.block.Partitioner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link BucketStore#series} over promtool-made blocks in a {@link FilesystemBucket}, raw chunks
 * passed through, consumed by a counting sink. One operation is one whole Series call; {@link
 * #main} prints the series and samples each query returns, to normalise ns/op to ns/series and
 * ns/sample, and the bytes fetched from the bucket against the bytes returned.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class StoreGatewaySeriesBenchmark {
  /**
   * Over {@link StoreGatewayData#get} (3 blocks, 1090 series of ~824 samples): {@code all} every
   * series, whole range; {@code family} one counter family (10 series); {@code one} one series.
   * Thanos's shapes ({@code BenchmarkSeries}), one block each: {@code 200000SeriesWith1Samples}
   * for the cost per series ({@link StoreGatewayData#manySeries}), {@code 1SeriesWith1000000Samples}
   * for the cost per sample ({@link StoreGatewayData#manySamples}).
   */
  @Param({"all", "family", "200000SeriesWith1Samples", "1SeriesWith1000000Samples"})
  public String query = "all";

  /** {@code fs}: FilesystemBucket over the block files; {@code memory}: the same objects in an InMemoryBucket. */
  @Param({"fs", "memory"})
  public String bucketKind = "fs";

  /**
   * Index cache size in MiB; 0 disables it, as in Thanos's {@code BenchmarkBucketSeries} (no
   * index cache, every series entry read from the bucket).
   */
  @Param({"64"})
  public int indexCacheMiB = 64;

  private StoreGatewayData data;
  private Path dataDir;
  private CountingBucket bucket;
  private BucketStore store;
  private SeriesRequest request;
  private final StoreGatewayData.CountingSink sink = new StoreGatewayData.CountingSink();

  static List<Matcher> matchers(String query) {
    return switch (query) {
      case "all" -> List.of(Matcher.re("__name__", ".+"));
      case "family" -> List.of(Matcher.eq("__name__", "hypnos_requests_3_total"));
      case "one" -> List.of(Matcher.eq("__name__", "hypnos_requests_3_total"), Matcher.eq("instance", "host-33:9100"));
      case "200000SeriesWith1Samples" -> List.of(Matcher.eq("__name__", "hypnos_many"));
      case "1SeriesWith1000000Samples" -> List.of(Matcher.eq("__name__", "hypnos_long_total"));
      default -> throw new IllegalArgumentException("unknown query " + query);
    };
  }

  static StoreGatewayData data(String query) throws IOException {
    return switch (query) {
      case "200000SeriesWith1Samples" -> StoreGatewayData.manySeries();
      case "1SeriesWith1000000Samples" -> StoreGatewayData.manySamples();
      default -> StoreGatewayData.get();
    };
  }

  /** Copies every file under {@code dir} into an in-memory bucket, keyed by its relative path. */
  static InMemoryBucket inMemory(Path dir) throws IOException {
    InMemoryBucket b = new InMemoryBucket();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        b.upload(dir.relativize(p).toString().replace('\\', '/'), p);
      }
    }
    return b;
  }

  @Setup(Level.Trial)
  public void setup() throws IOException {
    data = data(query);
    dataDir = Files.createTempDirectory("hypnos-bench-sg");
    bucket = new CountingBucket(bucketKind.equals("memory") ? inMemory(data.bucketDir) : new FilesystemBucket(data.bucketDir));
    store = new BucketStore(bucket, dataDir, new IndexCache((long) indexCacheMiB << 20), new Partitioner(Partitioner.DEFAULT_MAX_GAP),
        InstantSource.fixed(Instant.EPOCH), BucketStore.Options.DEFAULTS);
    if (!store.setBlocks(data.metas).isEmpty()) {
      throw new IllegalStateException("benchmark blocks did not load");
    }
    request = SeriesRequest.builder(data.minTime, data.maxTime, matchers(query)).build();
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    store.close();
    bucket.close();
    dev.hypnos.testing.Promtool.deleteTree(dataDir);
  }

  @Benchmark
  public long series() throws IOException {
    sink.reset();
    store.series(request, sink);
    return sink.samples;
  }

  /**
   * Prints, per query: series, chunks, samples, chunk and label bytes returned, and bytes and
   * requests fetched from the bucket on a cold call (fresh store, empty index cache, index-header
   * built beforehand) and on a repeated call.
   */
  public static void main(String[] args) throws IOException {
    for (String q : args.length > 0 ? args
        : new String[] {"all", "family", "one", "200000SeriesWith1Samples", "1SeriesWith1000000Samples"}) {
      StoreGatewaySeriesBenchmark b = new StoreGatewaySeriesBenchmark();
      b.query = q;
      b.bucketKind = System.getProperty("bucket", "fs");
      b.setup();
      b.sink.countLabelBytes = true;
      try {
        long bytes0 = b.bucket.bytesRead();
        long req0 = b.bucket.requests();
        long asked0 = b.bucket.bytesRequested();
        b.series();
        long coldAsked = b.bucket.bytesRequested() - asked0;
        long coldBytes = b.bucket.bytesRead() - bytes0;
        long coldReq = b.bucket.requests() - req0;
        long bytes1 = b.bucket.bytesRead();
        long req1 = b.bucket.requests();
        long calls1 = b.bucket.readCalls();
        b.series();
        long warmBytes = b.bucket.bytesRead() - bytes1;
        long warmReq = b.bucket.requests() - req1;
        long warmCalls = b.bucket.readCalls() - calls1;
        StoreGatewayData.CountingSink s = b.sink;
        long returned = s.chunkBytes + s.labelBytes;
        System.out.printf("%s\tblocks=%d series=%d chunks=%d samples=%d returned=%dB (chunks %dB, labels %dB)"
                + "\tcold fetched=%dB in %d requests (%.2fx; ranges asked for %dB, %.2fx)\trepeat fetched=%dB in %d requests (%.2fx), %d stream read calls%n",
            q, b.data.metas.size(), s.series, s.chunks, s.samples, returned, s.chunkBytes, s.labelBytes,
            coldBytes, coldReq, (double) coldBytes / returned, coldAsked, (double) coldAsked / returned, warmBytes, warmReq, (double) warmBytes / returned,
            warmCalls);
      } finally {
        b.tearDown();
      }
    }
  }
}
