package dev.hypnos.cli.demo;

import dev.hypnos.core.block.BlockId;
import dev.hypnos.core.block.BlockMeta;
import dev.hypnos.core.block.BlockUploader;
import dev.hypnos.core.block.BlockWriter;
import dev.hypnos.core.chunk.ChunkIterator;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.objstore.Bucket;
import dev.hypnos.core.util.IoUtil;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Generates the demo bucket: two clusters ({@value #HA_CLUSTER} scraped by two HA replicas, {@value
 * #SINGLE_CLUSTER} by one Prometheus) with a few hours of counters, gauges and classic histograms,
 * written as real TSDB blocks aligned to {@value #BLOCK_HOURS} hours and uploaded with their
 * Thanos section (external labels {@code cluster}, {@code stage}, {@code region} and, for the HA
 * pair, {@code replica}).
 *
 * <p>Samples are a pure function of the seed, the series and the time: the two replicas of the HA
 * cluster see the same values, scraped at another phase and with different short gaps. Block ids
 * come from a random generator seeded likewise, so one clock and one seed give the same bucket.
 */
public final class DemoData {
  /** The cluster scraped by two replicas. */
  public static final String HA_CLUSTER = "eu-prod";
  /** The cluster scraped by one Prometheus. */
  public static final String SINGLE_CLUSTER = "us-staging";
  /** The external label that tells the HA replicas apart. */
  public static final String REPLICA_LABEL = "replica";
  static final int BLOCK_HOURS = 2;
  static final long BLOCK_MILLIS = Duration.ofHours(BLOCK_HOURS).toMillis();
  static final long SCRAPE_MILLIS = 15_000;
  static final double[] BUCKETS = {0.05, 0.1, 0.25, 0.5, 1, 2.5, Double.POSITIVE_INFINITY};
  /** Share of requests at or under each bucket bound. */
  private static final double[] BUCKET_SHARE = {0.32, 0.55, 0.78, 0.9, 0.96, 0.99, 1};
  private static final String[] CODES = {"200", "404", "500"};
  private static final double[] CODE_SHARE = {0.93, 0.05, 0.02};
  private static final String[] METHODS = {"GET", "POST"};
  private static final double[] METHOD_SHARE = {0.7, 0.3};

  /** One Prometheus whose data goes in the bucket: its external labels and scrape behaviour. */
  record Stream(Map<String, String> externalLabels, List<Target> targets, long phaseMillis, long gapStartOffset,
      long gapMillis) {
    Stream {
      externalLabels = Map.copyOf(externalLabels);
      targets = List.copyOf(targets);
    }
  }

  /** A scrape target: job and instance. */
  record Target(String job, String instance) {}

  private final long seed;
  private final Duration span;

  /**
   * @param seed everything random derives from it
   * @param span how much history to generate, ending at the clock's now
   */
  public DemoData(long seed, Duration span) {
    if (span.isNegative() || span.isZero()) {
      throw new IllegalArgumentException("demo data span " + span + " must be positive");
    }
    this.seed = seed;
    this.span = span;
  }

  /** The ids of the blocks in {@code bucket} (top-level directories with a {@code meta.json}), sorted. */
  public static List<BlockId> existingBlocks(Bucket bucket) throws IOException {
    List<String> dirs = new ArrayList<>();
    bucket.iter("", dirs::add);
    List<BlockId> out = new ArrayList<>();
    for (String d : dirs) {
      String name = d.endsWith("/") ? d.substring(0, d.length() - 1) : d;
      if (BlockId.isValid(name) && bucket.exists(name + "/meta.json")) {
        out.add(BlockId.parse(name));
      }
    }
    out.sort(null);
    return List.copyOf(out);
  }

  /**
   * Writes every block in {@code stagingDir} and uploads it to {@code bucket}; the staging copies
   * are deleted afterwards.
   *
   * @return the metas of the uploaded blocks
   */
  public List<BlockMeta> generate(Bucket bucket, Path stagingDir, InstantSource clock) throws IOException {
    Objects.requireNonNull(bucket, "bucket");
    long now = clock.millis();
    long start = now - span.toMillis();
    SplittableRandom ids = new SplittableRandom(seed);
    Files.createDirectories(stagingDir);
    List<BlockMeta> out = new ArrayList<>();
    for (Stream s : streams()) {
      for (long blockMin = Math.floorDiv(start, BLOCK_MILLIS) * BLOCK_MILLIS; blockMin <= now; blockMin += BLOCK_MILLIS) {
        long from = blockMin;
        long to = blockMin + BLOCK_MILLIS - 1;
        BlockId id = BlockId.of(now, ids);
        Path dir;
        try (BlockWriter w = BlockWriter.create(stagingDir, id, BlockWriter.Options.DEFAULT)) {
          for (Map.Entry<Labels, SeriesModel> e : series(s).entrySet()) {
            w.addSeries(e.getKey(), new Samples(e.getValue(), s, start, now, from, to));
          }
          if (w.numSeries() == 0) {
            continue;
          }
          w.commit(blockMin, blockMin + BLOCK_MILLIS, new BlockMeta.Compaction(1, List.of(id), false, List.of(),
              false, List.of()), BlockMeta.Thanos.of(s.externalLabels(), 0, "hypnos-demo"));
          dir = w.finalDir();
        }
        try {
          out.add(BlockUploader.upload(bucket, dir));
        } finally {
          IoUtil.deleteTree(dir);
        }
      }
    }
    IoUtil.deleteTree(stagingDir);
    return out;
  }

  /** The Prometheus instances whose data the bucket holds. */
  static List<Stream> streams() {
    List<Target> prod = List.of(new Target("api", "api-0:8080"), new Target("api", "api-1:8080"),
        new Target("api", "api-2:8080"), new Target("node", "node-0:9100"), new Target("node", "node-1:9100"));
    List<Target> staging = List.of(new Target("api", "api-0:8080"), new Target("node", "node-0:9100"));
    long hour = Duration.ofHours(1).toMillis();
    return List.of(
        new Stream(Map.of("cluster", HA_CLUSTER, "stage", "prod", "region", "eu-west-1", REPLICA_LABEL, "0"),
            prod, 0, hour, Duration.ofMinutes(3).toMillis()),
        new Stream(Map.of("cluster", HA_CLUSTER, "stage", "prod", "region", "eu-west-1", REPLICA_LABEL, "1"),
            prod, 7_000, 4 * hour, Duration.ofMinutes(4).toMillis()),
        new Stream(Map.of("cluster", SINGLE_CLUSTER, "stage", "staging", "region", "us-east-1"),
            staging, 3_000, -1, 0));
  }

  /** Every series of a stream, sorted by labels, with the model of its values. */
  TreeMap<Labels, SeriesModel> series(Stream s) {
    TreeMap<Labels, SeriesModel> out = new TreeMap<>();
    String cluster = s.externalLabels().get("cluster");
    for (Target t : s.targets()) {
      long key = mix(seed, (cluster + "/" + t.job() + "/" + t.instance()).hashCode());
      SplittableRandom r = new SplittableRandom(key);
      double rps = 5 + r.nextDouble() * 45;
      double period = 1800 + r.nextDouble() * 5400;
      double phase = r.nextDouble() * 2 * Math.PI;
      // An instance restart resets its counters: once in the span for about half the instances.
      long resetAt = r.nextBoolean() ? Long.MIN_VALUE : -1 - r.nextLong(span.toMillis());
      long startAt = -span.toMillis() - 1 - r.nextLong(Duration.ofDays(3).toMillis());
      Counter requests = new Counter(rps, period, phase, startAt, resetAt);
      out.put(Labels.of("__name__", "up", "job", t.job(), "instance", t.instance()), new Constant(1));
      if (t.job().equals("api")) {
        for (int c = 0; c < CODES.length; c++) {
          for (int m = 0; m < METHODS.length; m++) {
            out.put(Labels.of("__name__", "http_requests_total", "job", t.job(), "instance", t.instance(),
                "code", CODES[c], "method", METHODS[m]), new Scaled(requests, CODE_SHARE[c] * METHOD_SHARE[m], true));
          }
        }
        for (int b = 0; b < BUCKETS.length; b++) {
          String le = Double.isInfinite(BUCKETS[b]) ? "+Inf" : Double.toString(BUCKETS[b]);
          out.put(Labels.of("__name__", "http_request_duration_seconds_bucket", "job", t.job(),
              "instance", t.instance(), "le", le), new Scaled(requests, BUCKET_SHARE[b], true));
        }
        out.put(Labels.of("__name__", "http_request_duration_seconds_count", "job", t.job(),
            "instance", t.instance()), new Scaled(requests, 1, true));
        out.put(Labels.of("__name__", "http_request_duration_seconds_sum", "job", t.job(),
            "instance", t.instance()), new Scaled(requests, 0.12 + r.nextDouble() * 0.1, false));
      } else {
        double base = (2 + r.nextInt(6)) * 1e9;
        out.put(Labels.of("__name__", "node_memory_used_bytes", "job", t.job(), "instance", t.instance()),
            new Gauge(base, base * 0.15, period, phase, key));
      }
    }
    return out;
  }

  private static long mix(long a, long b) {
    long z = a * 0x9E3779B97F4A7C15L + b;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** A series' value as a function of time (ms) and of the end of the span. */
  interface SeriesModel {
    double value(long t, long end);
  }

  record Constant(double v) implements SeriesModel {
    @Override
    public double value(long t, long end) {
      return v;
    }
  }

  /**
   * A request counter with a wave: its rate is {@code rps * (1 + sin(2 pi t / period + phase) / 2)}
   * per second, integrated from the process start ({@code end + startAt}) or, once past it, from the
   * restart at {@code end + resetAt}.
   */
  record Counter(double rps, double period, double phase, long startAt, long resetAt) {
    double total(long t, long end) {
      long from = end + startAt;
      if (resetAt != Long.MIN_VALUE && t >= end + resetAt) {
        from = end + resetAt;
      }
      return t < from ? 0 : integral(t) - integral(from);
    }

    private double integral(long t) {
      double s = t / 1000.0;
      return rps * (s - period / (4 * Math.PI) * Math.cos(2 * Math.PI * s / period + phase));
    }
  }

  /** A share of a counter, kept integral when it counts events. */
  record Scaled(Counter counter, double share, boolean integral) implements SeriesModel {
    @Override
    public double value(long t, long end) {
      double v = Math.max(0, counter.total(t, end)) * share;
      return integral ? Math.floor(v) : v;
    }
  }

  /** A gauge: a slow wave plus noise that depends only on the scrape slot. */
  record Gauge(double base, double amplitude, double period, double phase, long key) implements SeriesModel {
    @Override
    public double value(long t, long end) {
      double s = t / 1000.0;
      long slot = Math.floorDiv(t, SCRAPE_MILLIS);
      double noise = (mix(key, slot) >>> 11) * 0x1.0p-53 - 0.5;
      return Math.rint(base + amplitude * Math.sin(2 * Math.PI * s / period + phase) + noise * amplitude * 0.1);
    }
  }

  /**
   * The scrapes of one series by one stream within [from, to]: every {@value #SCRAPE_MILLIS} ms
   * at the stream's phase plus a few ms of jitter, none in the stream's gap.
   */
  static final class Samples implements ChunkIterator {
    private final SeriesModel model;
    private final long to;
    private final long end;
    private final long phase;
    private final long gapFrom;
    private final long gapTo;
    private final long jitterKey;
    private long slot;
    private long t;
    private double v;
    private boolean has;

    /**
     * @param spanStart first time of the whole generated range (the gap is relative to it)
     * @param end last time of the whole generated range (the model's reset time is relative to it)
     */
    Samples(SeriesModel model, Stream s, long spanStart, long end, long from, long to) {
      this.model = model;
      this.to = Math.min(to, end);
      this.end = end;
      this.phase = s.phaseMillis();
      this.jitterKey = s.externalLabels().hashCode();
      this.gapFrom = s.gapStartOffset() < 0 ? Long.MAX_VALUE : spanStart + s.gapStartOffset();
      this.gapTo = s.gapStartOffset() < 0 ? Long.MAX_VALUE : gapFrom + s.gapMillis();
      this.slot = Math.floorDiv(Math.max(from, spanStart) - phase, SCRAPE_MILLIS) - 1;
      this.t = Long.MIN_VALUE;
      long first = Math.max(from, spanStart);
      // Position just before the first slot at or after `first`.
      while (slot * SCRAPE_MILLIS + phase + jitter(slot) < first) {
        slot++;
      }
      slot--;
    }

    private long jitter(long k) {
      return mix(jitterKey, k) & 0xF;
    }

    @Override
    public boolean next() {
      while (true) {
        slot++;
        long ts = slot * SCRAPE_MILLIS + phase + jitter(slot);
        if (ts > to) {
          has = false;
          return false;
        }
        if (ts >= gapFrom && ts < gapTo) {
          continue;
        }
        t = ts;
        v = model.value(ts, end);
        has = true;
        return true;
      }
    }

    @Override
    public boolean hasCurrent() {
      return has;
    }

    @Override
    public long timestamp() {
      return t;
    }

    @Override
    public double value() {
      return v;
    }
  }
}
