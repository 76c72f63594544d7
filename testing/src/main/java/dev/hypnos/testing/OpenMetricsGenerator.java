package dev.hypnos.testing;

import dev.hypnos.core.labels.Labels;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Writes deterministic OpenMetrics text for {@code promtool tsdb create-blocks-from openmetrics}:
 * counters with resets, gauges, and classic histograms ({@code _bucket} with {@code le},
 * {@code _sum}, {@code _count}), some series starting late or ending early, over several 2h
 * blocks. The same {@link Config} always gives the same bytes.
 *
 * <p>Timestamps have millisecond precision and are written as decimal seconds. Values are
 * written so that they parse back to exactly the doubles recorded in the {@link Result}.
 */
public final class OpenMetricsGenerator {
  private static final String[] BUCKETS = {"0.005", "0.01", "0.05", "0.1", "0.5", "1", "+Inf"};
  private static final double[] BUCKET_BOUNDS = {0.005, 0.01, 0.05, 0.1, 0.5, 1, Double.POSITIVE_INFINITY};
  private static final String[] JOBS = {"api", "db", "cache"};
  private static final String[] METHODS = {"GET", "POST", "PUT"};

  /**
   * @param seed random seed
   * @param startMillis time of the first sample
   * @param durationMillis length of the data
   * @param stepMillis scrape interval; each sample gets up to 999 ms of jitter
   * @param counters number of counter series
   * @param gauges number of gauge series
   * @param histograms number of histograms (each is 7 bucket series plus _sum and _count)
   */
  public record Config(
      long seed, long startMillis, long durationMillis, long stepMillis, int counters, int gauges, int histograms) {
    public Config {
      if (durationMillis <= 0 || stepMillis < 1000) {
        throw new IllegalArgumentException("need a positive duration and a step of at least 1s");
      }
      if (counters < 0 || gauges < 0 || histograms < 0) {
        throw new IllegalArgumentException("series counts must not be negative");
      }
    }

    /**
     * The default set: 7 hours (4 or 5 two-hour blocks) at a 15 s step, 40 counters, 40 gauges, 6
     * histograms: 134 series, well over 100k samples.
     */
    public static Config defaults() {
      return new Config(42, 1_700_000_123_000L, 7 * 3_600_000L, 15_000, 40, 40, 6);
    }

    public Config withSeed(long s) {
      return new Config(s, startMillis, durationMillis, stepMillis, counters, gauges, histograms);
    }
  }

  /** One generated series: labels (with {@code __name__}) and its samples in time order. */
  public record Series(Labels labels, long[] timestamps, double[] values) {
    public Series {
      Objects.requireNonNull(labels, "labels");
      if (timestamps.length != values.length) {
        throw new IllegalArgumentException("timestamps and values differ in length");
      }
    }
  }

  /** What was written. */
  public record Result(Path file, List<Series> series, long totalSamples, long minTime, long maxTime) {}

  private final Config config;

  public OpenMetricsGenerator(Config config) {
    this.config = Objects.requireNonNull(config, "config");
  }

  /** Generates the data and writes it to {@code file}. */
  public Result write(Path file) throws IOException {
    SplittableRandom rnd = new SplittableRandom(config.seed());
    List<Series> all = new ArrayList<>();
    try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      // Counters: one family per 10 series.
      for (int f = 0; f * 10 < config.counters(); f++) {
        String family = "hypnos_requests_" + f;
        w.write("# TYPE " + family + " counter\n");
        w.write("# HELP " + family + " Requests handled.\n");
        for (int i = f * 10; i < Math.min(config.counters(), f * 10 + 10); i++) {
          String[] kv = {"__name__", family + "_total", "job", JOBS[i % JOBS.length],
              "instance", "host-" + i + ":9100", "method", METHODS[i % METHODS.length]};
          long[] ts = timestamps(rnd);
          double[] vs = new double[ts.length];
          double v = rnd.nextInt(1000);
          for (int k = 0; k < ts.length; k++) {
            if (rnd.nextInt(400) == 0) {
              v = rnd.nextInt(5); // counter reset
            } else {
              v += rnd.nextInt(50) + (i % 2 == 0 ? 0.25 * rnd.nextInt(4) : 0);
            }
            vs[k] = v;
          }
          writeSeries(w, kv, ts, vs);
          all.add(new Series(Labels.of(kv), ts, vs));
        }
      }
      // Gauges: one family per 20 series; one value holds a quote and a non-ASCII character.
      for (int f = 0; f * 20 < config.gauges(); f++) {
        String family = "hypnos_temperature_" + f;
        w.write("# TYPE " + family + " gauge\n");
        for (int i = f * 20; i < Math.min(config.gauges(), f * 20 + 20); i++) {
          String room = i == 3 ? "caf\u00e9 \"main\"" : "room-" + i;
          String[] kv = {"__name__", family, "room", room, "zone", i % 2 == 0 ? "eu" : "us"};
          long[] ts = timestamps(rnd);
          double[] vs = new double[ts.length];
          long milli = rnd.nextInt(40_000) - 10_000; // value in thousandths
          for (int k = 0; k < ts.length; k++) {
            milli += rnd.nextInt(2001) - 1000;
            vs[k] = milli / 1000.0;
          }
          writeSeries(w, kv, ts, vs);
          all.add(new Series(Labels.of(kv), ts, vs));
        }
      }
      // Histograms: one family.
      if (config.histograms() > 0) {
        String family = "hypnos_request_duration_seconds";
        w.write("# TYPE " + family + " histogram\n");
        for (int h = 0; h < config.histograms(); h++) {
          writeHistogram(w, family, h, rnd, all);
        }
      }
      w.write("# EOF\n");
    }
    long total = 0;
    long min = Long.MAX_VALUE;
    long max = Long.MIN_VALUE;
    for (Series s : all) {
      total += s.timestamps().length;
      if (s.timestamps().length > 0) {
        min = Math.min(min, s.timestamps()[0]);
        max = Math.max(max, s.timestamps()[s.timestamps().length - 1]);
      }
    }
    return new Result(file, List.copyOf(all), total, min, max);
  }

  private void writeHistogram(BufferedWriter w, String family, int h, SplittableRandom rnd, List<Series> all)
      throws IOException {
    String handler = "/api/v1/h" + h;
    long[] ts = timestamps(rnd);
    int n = ts.length;
    long[][] buckets = new long[BUCKETS.length][n];
    long[] counts = new long[n];
    double[] sums = new double[n];
    long[] cum = new long[BUCKETS.length];
    long sumMicros = 0;
    for (int k = 0; k < n; k++) {
      int obs = rnd.nextInt(20);
      for (int o = 0; o < obs; o++) {
        int micros = rnd.nextInt(2_000_000);
        double x = micros / 1_000_000.0;
        sumMicros += micros;
        for (int b = 0; b < BUCKETS.length; b++) {
          if (x <= BUCKET_BOUNDS[b]) {
            cum[b]++;
          }
        }
      }
      for (int b = 0; b < BUCKETS.length; b++) {
        buckets[b][k] = cum[b];
      }
      counts[k] = cum[BUCKETS.length - 1];
      sums[k] = sumMicros / 1_000_000.0;
    }
    String labelPart = "handler=\"" + handler + "\",job=\"api\"";
    for (int k = 0; k < n; k++) {
      String t = formatTimestamp(ts[k]);
      for (int b = 0; b < BUCKETS.length; b++) {
        w.write(family + "_bucket{" + labelPart + ",le=\"" + BUCKETS[b] + "\"} " + buckets[b][k] + " " + t + "\n");
      }
      w.write(family + "_count{" + labelPart + "} " + counts[k] + " " + t + "\n");
      w.write(family + "_sum{" + labelPart + "} " + formatValue(sums[k]) + " " + t + "\n");
    }
    for (int b = 0; b < BUCKETS.length; b++) {
      all.add(new Series(Labels.of("__name__", family + "_bucket", "handler", handler, "job", "api", "le", BUCKETS[b]),
          ts, toDoubles(buckets[b])));
    }
    all.add(new Series(Labels.of("__name__", family + "_count", "handler", handler, "job", "api"), ts, toDoubles(counts)));
    all.add(new Series(Labels.of("__name__", family + "_sum", "handler", handler, "job", "api"), ts, sums.clone()));
  }

  private static double[] toDoubles(long[] a) {
    double[] d = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      d[i] = a[i];
    }
    return d;
  }

  /** Sample times of one series: a late start or early end for about a third of series each. */
  private long[] timestamps(SplittableRandom rnd) {
    long start = config.startMillis();
    long end = config.startMillis() + config.durationMillis();
    if (rnd.nextInt(3) == 0) {
      start += rnd.nextLong(config.durationMillis() / 2);
    }
    if (rnd.nextInt(3) == 0) {
      end -= rnd.nextLong(config.durationMillis() / 3);
    }
    int n = (int) ((end - start) / config.stepMillis());
    long[] ts = new long[Math.max(n, 1)];
    for (int k = 0; k < ts.length; k++) {
      ts[k] = start + k * config.stepMillis() + rnd.nextInt(1000);
    }
    return ts;
  }

  private static void writeSeries(BufferedWriter w, String[] kv, long[] ts, double[] vs) throws IOException {
    StringBuilder head = new StringBuilder(kv[1]).append('{');
    for (int i = 2; i < kv.length; i += 2) {
      if (i > 2) {
        head.append(',');
      }
      head.append(kv[i]).append("=\"").append(escape(kv[i + 1])).append('"');
    }
    head.append("} ");
    String h = head.toString();
    for (int k = 0; k < ts.length; k++) {
      w.write(h);
      w.write(formatValue(vs[k]));
      w.write(' ');
      w.write(formatTimestamp(ts[k]));
      w.write('\n');
    }
  }

  private static String escape(String v) {
    return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }

  /** Seconds with exactly three decimals, for example {@code 1700000123.456}. */
  public static String formatTimestamp(long millis) {
    long s = Math.floorDiv(millis, 1000);
    long ms = Math.floorMod(millis, 1000);
    return s + "." + (ms < 10 ? "00" : ms < 100 ? "0" : "") + ms;
  }

  /** The shortest decimal that parses back to {@code v} (Java's repr, which Go parses). */
  public static String formatValue(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    return Double.toString(v);
  }

  @Override
  public String toString() {
    return "OpenMetricsGenerator" + Arrays.asList(config);
  }
}
