package dev.hypnos.cli;

import dev.hypnos.compactor.Cleaner;
import dev.hypnos.compactor.Compactor;
import dev.hypnos.compactor.CompactorMetrics;
import dev.hypnos.compactor.Planner;
import dev.hypnos.compactor.Retention;
import dev.hypnos.core.dedup.DedupSeriesSet;
import dev.hypnos.core.objstore.Bucket;
import dev.hypnos.core.objstore.Buckets;
import dev.hypnos.core.server.HostPort;
import dev.hypnos.core.server.OpsHttpServer;
import dev.hypnos.core.server.Lifecycle;
import dev.hypnos.core.server.ReadinessCheck;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code hypnos compact}: the Thanos compactor over a bucket (compaction, downsampling, retention,
 * deletion), once or, with {@code --wait}, in a loop.
 */
@Command(name = "compact", mixinStandardHelpOptions = true,
    description = "Continuously compacts blocks in an object store bucket, downsamples them and applies retention.")
public final class CompactCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @ArgGroup(exclusive = true, multiplicity = "1")
  ObjstoreSource objstore;

  static final class ObjstoreSource {
    @Option(names = "--objstore.config-file", paramLabel = "FILE",
        description = "Path to a YAML file with the object store configuration (Thanos format).")
    @Nullable Path file;

    @Option(names = "--objstore.config", paramLabel = "YAML",
        description = "Alternative to --objstore.config-file: the YAML itself.")
    @Nullable String content;
  }

  @Option(names = "--data-dir", defaultValue = "./data", description = "Scratch directory for downloads and new blocks.")
  Path dataDir;

  @Option(names = {"-w", "--wait"}, description = "Keep running, one iteration every --wait-interval.")
  boolean waitMode;

  @Option(names = "--wait-interval", defaultValue = "5m", description = "Time between iterations with --wait.")
  String waitInterval;

  @Option(names = "--consistency-delay", defaultValue = "30m",
      description = "Blocks younger than this (by ULID time) are left alone, unless the compactor made them.")
  String consistencyDelay;

  @Option(names = "--retention.resolution-raw", defaultValue = "0d", description = "Retention of raw blocks; 0d keeps them forever.")
  String retentionRaw;

  @Option(names = "--retention.resolution-5m", defaultValue = "0d", description = "Retention of 5m blocks; 0d keeps them forever.")
  String retention5m;

  @Option(names = "--retention.resolution-1h", defaultValue = "0d", description = "Retention of 1h blocks; 0d keeps them forever.")
  String retention1h;

  @Option(names = "--delete-delay", defaultValue = "48h", description = "Time between a deletion mark and the deletion.")
  String deleteDelay;

  @Option(names = "--deduplication.replica-label",
      description = "External label telling replicas apart; overlapping replica blocks are merged with deduplication. Repeatable.")
  List<String> replicaLabels = new ArrayList<>();

  @Option(names = "--deduplication.func", defaultValue = "penalty", description = "Replica merge: penalty or chain.")
  String dedupFunc;

  @Option(names = "--http-address", defaultValue = "0.0.0.0:10902", paramLabel = "HOST:PORT",
      description = "Listen address for /metrics, /-/healthy and /-/ready (default: ${DEFAULT-VALUE}).")
  String httpAddress;

  @Option(names = "--downsampling.disable", description = "Do not downsample.")
  boolean downsamplingDisabled;

  private static final Pattern PART = Pattern.compile("(\\d+)(ms|s|m|h|d|w|y)");

  /** Parses a Prometheus duration such as {@code 30d}, {@code 1h30m} or {@code 0d}. */
  static Duration parseDuration(String flag, String s) {
    Matcher m = PART.matcher(s);
    long ms = 0;
    int pos = 0;
    while (pos < s.length() && m.find(pos) && m.start() == pos) {
      long n = Long.parseLong(m.group(1));
      ms += n * switch (m.group(2)) {
        case "ms" -> 1L;
        case "s" -> 1_000L;
        case "m" -> 60_000L;
        case "h" -> 3_600_000L;
        case "d" -> 86_400_000L;
        case "w" -> 7 * 86_400_000L;
        default -> 365 * 86_400_000L;
      };
      pos = m.end();
    }
    if (s.isEmpty() || pos != s.length()) {
      throw new IllegalArgumentException(flag + ": \"" + s + "\" is not a duration like 30d, 48h or 1h30m");
    }
    return Duration.ofMillis(ms);
  }

  private static final System.Logger LOG = System.getLogger(CompactCommand.class.getName());

  /**
   * Wraps the bucket the command opens; identity in production. Tests replace it (before running
   * the command in a child JVM) to stop the process at a chosen write.
   */
  static volatile UnaryOperator<Bucket> bucketWrapper = UnaryOperator.identity();

  private static Bucket wrapBucket(Bucket b) {
    return bucketWrapper.apply(b);
  }

  /** JVM metrics plus the compactor's own, read from {@link CompactorMetrics} at each scrape. */
  private static PrometheusRegistry registry(CompactorMetrics metrics) {
    PrometheusRegistry registry = new PrometheusRegistry();
    JvmMetrics.builder().register(registry);
    GaugeWithCallback.builder().name("hypnos_compact_halted")
        .help("1 if a compaction group halted on an unsafe condition (e.g. overlapping blocks) in the last iteration.")
        .callback(cb -> cb.call(metrics.halted()))
        .register(registry);
    GaugeWithCallback.builder().name("hypnos_compact_group_halted").labelNames("group")
        .help("1 for each compaction group halted in the last iteration.")
        .callback(cb -> metrics.haltedBlocks().keySet().forEach(g -> cb.call(1, g)))
        .register(registry);
    GaugeWithCallback.builder().name("hypnos_compact_halted_block").labelNames("group", "block")
        .help("1 for each overlapping block that halted its compaction group in the last iteration.")
        .callback(cb -> metrics.haltedBlocks().forEach((g, blocks) -> blocks.forEach(b -> cb.call(1, g, b))))
        .register(registry);
    GaugeWithCallback.builder().name("hypnos_compact_todo_compactions").labelNames("group")
        .help("Compactions planned for a group, as of the last start or end of an iteration.")
        .callback(cb -> metrics.todo().compactions().forEach((g, n) -> cb.call(n, g)))
        .register(registry);
    GaugeWithCallback.builder().name("hypnos_compact_todo_compaction_blocks").labelNames("group")
        .help("Blocks planned to be compacted in a group, as of the last start or end of an iteration.")
        .callback(cb -> metrics.todo().compactionBlocks().forEach((g, n) -> cb.call(n, g)))
        .register(registry);
    GaugeWithCallback.builder().name("hypnos_compact_todo_downsample_blocks").labelNames("group")
        .help("Blocks planned to be downsampled in a group, as of the last start or end of an iteration.")
        .callback(cb -> metrics.todo().downsampleBlocks().forEach((g, n) -> cb.call(n, g)))
        .register(registry);
    GaugeWithCallback.builder().name("hypnos_compact_todo_deletion_blocks")
        .help("Blocks to be deleted: marked, expired by retention, or old partial uploads.")
        .callback(cb -> cb.call(metrics.todo().deletionBlocks()))
        .register(registry);
    CounterWithCallback.builder().name("hypnos_compact_iterations")
        .help("Compactor iterations run.")
        .callback(cb -> cb.call(metrics.iterations()))
        .register(registry);
    CounterWithCallback.builder().name("hypnos_compact_iterations_failed")
        .help("Compactor iterations in which something failed.")
        .callback(cb -> cb.call(metrics.failedIterations()))
        .register(registry);
    CounterWithCallback.builder().name("hypnos_compact_blocks_compacted")
        .help("Blocks made by compaction.")
        .callback(cb -> cb.call(metrics.blocksCompacted()))
        .register(registry);
    CounterWithCallback.builder().name("hypnos_compact_blocks_downsampled")
        .help("Blocks made by downsampling.")
        .callback(cb -> cb.call(metrics.blocksDownsampled()))
        .register(registry);
    CounterWithCallback.builder().name("hypnos_compact_blocks_deleted")
        .help("Blocks deleted from the bucket.")
        .callback(cb -> cb.call(metrics.blocksDeleted()))
        .register(registry);
    return registry;
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    DedupSeriesSet.Algorithm dedup = switch (dedupFunc) {
      case "penalty" -> DedupSeriesSet.Algorithm.PENALTY;
      case "chain" -> DedupSeriesSet.Algorithm.CHAIN;
      default -> throw new CommandLine.ParameterException(spec.commandLine(),
          "--deduplication.func: \"" + dedupFunc + "\" is not penalty or chain");
    };
    Compactor.Options options;
    Duration interval;
    try {
      options = new Compactor.Options(dataDir.resolve("compact"), Planner.DEFAULT_RANGES, replicaLabels, dedup,
          parseDuration("--consistency-delay", consistencyDelay),
          new Retention(parseDuration("--retention.resolution-raw", retentionRaw),
              parseDuration("--retention.resolution-5m", retention5m),
              parseDuration("--retention.resolution-1h", retention1h)),
          new Cleaner(parseDuration("--delete-delay", deleteDelay), Cleaner.PARTIAL_UPLOAD_AGE),
          !downsamplingDisabled);
      interval = parseDuration("--wait-interval", waitInterval);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    CompactorMetrics metrics = new CompactorMetrics();
    InetSocketAddress http;
    try {
      http = HostPort.parse("--http-address", httpAddress);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    // With --wait, SIGTERM and SIGINT ask the loop to stop: the current step finishes or is dropped
    // at a safe point (never half an upload), and the command returns 0.
    Lifecycle lc = new Lifecycle(Duration.ofSeconds(30));
    BooleanSupplier stop = () -> {
      try {
        return lc.awaitStopRequest(Duration.ZERO);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return true;
      }
    };
    try (lc;
        OpsHttpServer ops = OpsHttpServer.start(http, registry(metrics), ReadinessCheck.ALWAYS);
        Bucket bucket = wrapBucket(objstore.file != null
            ? Buckets.open(objstore.file)
            : Buckets.open(String.valueOf(objstore.content), "--objstore.config"))) {
      List<Runnable> restore = waitMode ? lc.handleStopSignals() : List.of();
      try {
        return loop(options, metrics, stop, lc, bucket, interval, out);
      } finally {
        restore.forEach(Runnable::run);
      }
    }
  }

  private int loop(Compactor.Options options, CompactorMetrics metrics, BooleanSupplier stop, Lifecycle lc,
      Bucket bucket, Duration interval, PrintWriter out) throws Exception {
    Compactor compactor = new Compactor(bucket, InstantSource.system(), new SecureRandom(), options, metrics, stop);
    while (true) {
      Compactor.Result r;
      try {
        r = compactor.runOnce();
      } catch (IOException e) {
        if (!waitMode) {
          throw e;
        }
        LOG.log(System.Logger.Level.ERROR, "compactor iteration: " + e.getMessage() + "; next try in " + waitInterval, e);
        if (lc.awaitStopRequest(interval)) {
          break;
        }
        continue;
      }
      out.println("compacted " + r.compacted().size() + ", downsampled " + r.downsampled().size()
          + ", marked for deletion " + r.markedForDeletion().size() + ", deleted " + r.deleted().size()
          + (r.markedNoCompact().isEmpty() ? "" : ", marked no-compact " + r.markedNoCompact())
          + (r.markedNoDownsample().isEmpty() ? "" : ", marked no-downsample " + r.markedNoDownsample())
          + (r.haltedGroups().isEmpty() ? "" : ", halted groups " + r.haltedGroups())
          + (r.failures().isEmpty() ? "" : ", failures " + r.failures().size())
          + (r.stopped() ? ", stopped early" : ""));
      out.flush();
      if (!waitMode) {
        return r.haltedGroups().isEmpty() && r.failures().isEmpty() ? 0 : 1;
      }
      if (r.stopped() || lc.awaitStopRequest(interval)) {
        break;
      }
    }
    out.println("compactor stopped: " + lc.stopReason());
    out.flush();
    return 0;
  }
}
