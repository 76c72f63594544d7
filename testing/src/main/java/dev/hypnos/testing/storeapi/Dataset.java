package dev.hypnos.testing.storeapi;

import dev.hypnos.core.labels.Label;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.testing.OpenMetricsGenerator;
import dev.hypnos.testing.Promtool;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The data a Store API implementation is loaded with for the contract suite: series (labels
 * without external labels, samples in time order) and the external labels the store must add.
 *
 * <p>A store under test loads it however it reads data: into memory from {@link #series()}, or as
 * TSDB blocks made by the real promtool from {@link #writeOpenMetrics(Path)} (see {@link
 * #writeBlocks}), with {@link #externalLabels()} written into each block's meta.json Thanos
 * section.
 *
 * @param externalLabels labels the store adds to every series (they win over series labels)
 * @param series the series, each label set once, each with at least one sample
 */
public record Dataset(Labels externalLabels, List<OpenMetricsGenerator.Series> series) {
  /** Start of the standard dataset, milliseconds (2023-11-14T22:13:20Z). */
  public static final long T0 = 1_700_000_000_000L;
  private static final long MINUTE = 60_000L;
  private static final long HOUR = 60 * MINUTE;

  public Dataset {
    Objects.requireNonNull(externalLabels, "externalLabels");
    series = List.copyOf(series);
    for (OpenMetricsGenerator.Series s : series) {
      if (s.timestamps().length == 0) {
        throw new IllegalArgumentException("build dataset: series " + s.labels() + " has no samples");
      }
      for (int i = 1; i < s.timestamps().length; i++) {
        if (s.timestamps()[i] <= s.timestamps()[i - 1]) {
          throw new IllegalArgumentException("build dataset: series " + s.labels() + " has timestamps out of order at " + i);
        }
      }
    }
  }

  /** Timestamp of the earliest sample. */
  public long minTime() {
    long min = Long.MAX_VALUE;
    for (OpenMetricsGenerator.Series s : series) {
      min = Math.min(min, s.timestamps()[0]);
    }
    return min;
  }

  /** Timestamp of the latest sample. */
  public long maxTime() {
    long max = Long.MIN_VALUE;
    for (OpenMetricsGenerator.Series s : series) {
      max = Math.max(max, s.timestamps()[s.timestamps().length - 1]);
    }
    return max;
  }

  /** Total number of samples. */
  public long totalSamples() {
    long n = 0;
    for (OpenMetricsGenerator.Series s : series) {
      n += s.timestamps().length;
    }
    return n;
  }

  /**
   * The standard dataset of the contract suite, about four hours from {@link #T0} (three 2h
   * blocks when cut by promtool), with external labels {@code cluster="eu-1", replica="r0"}:
   *
   * <ul>
   *   <li>{@code http_requests_total} by job (api, db), instance and method: 8 counters at a 15 s
   *       step (about 960 samples, so several 120-sample chunks), one starting an hour late and
   *       one ending an hour early;
   *   <li>{@code temperature} gauges, one without a {@code zone} label (empty-value matchers), one
   *       whose room holds a quote and a non-ASCII character;
   *   <li>{@code conflict_metric} with its own {@code cluster} label, which the external label
   *       must override;
   *   <li>{@code sparse}: three samples hours apart, in different blocks;
   *   <li>{@code ordering}: values whose UTF-8 byte order differs from Java's UTF-16 order
   *       ({@code U+FF5E} vs an emoji), upper vs lower case, and a label name {@code Zeta} that
   *       sorts before {@code __name__};
   *   <li>{@code ext_order}: {@code {a="1"}}, {@code {a="1",b="1"}} and {@code {a="1",q="1"}},
   *       whose order changes when the external labels are added ({@code b < cluster}) and again
   *       when {@code replica} is stripped ({@code q < replica}): a store that streams in index
   *       order without re-sorting fails;
   *   <li>{@code late_series}: only in the last 40 minutes.
   * </ul>
   */
  public static Dataset standard() {
    List<OpenMetricsGenerator.Series> out = new ArrayList<>();
    String[] jobs = {"api", "db"};
    String[] instances = {"h1:80", "h2:80"};
    String[] methods = {"GET", "POST"};
    int n = 0;
    for (String job : jobs) {
      for (String instance : instances) {
        for (String method : methods) {
          long start = T0 + (n == 3 ? HOUR : 0);
          long end = T0 + 4 * HOUR - (n == 6 ? HOUR : 0);
          int count = (int) ((end - start) / 15_000);
          long[] ts = new long[count];
          double[] vs = new double[count];
          double v = 10 * n;
          for (int k = 0; k < count; k++) {
            ts[k] = start + k * 15_000L + (k * 37L + n * 101L) % 1000; // jitter below one second
            v += (k * 7 + n) % 13 + (k % 4) * 0.25;
            if (n == 5 && k == 500) {
              v = 1; // a counter reset
            }
            vs[k] = v;
          }
          out.add(new OpenMetricsGenerator.Series(
              Labels.of("__name__", "http_requests_total", "job", job, "instance", instance, "method", method), ts, vs));
          n++;
        }
      }
    }
    out.add(gauge(Labels.of("__name__", "temperature", "room", "caf\u00e9 \"main\"", "zone", "north"), 1, -3.5));
    out.add(gauge(Labels.of("__name__", "temperature", "room", "lab"), 2, 21.125));
    out.add(gauge(Labels.of("__name__", "temperature", "room", "hall", "zone", "south"), 3, 1.5e-7));
    out.add(regular(Labels.of("__name__", "conflict_metric", "cluster", "inner", "k", "v"), T0 + 5 * MINUTE, 10 * MINUTE, 20, 7));
    out.add(new OpenMetricsGenerator.Series(Labels.of("__name__", "sparse", "job", "batch"),
        new long[] {T0 + 10 * MINUTE, T0 + 2 * HOUR + 10 * MINUTE, T0 + 3 * HOUR + 50 * MINUTE},
        new double[] {1, 2.5, -4}));
    out.add(regular(Labels.of("__name__", "ordering", "sym", "\uFF5E"), T0, 20 * MINUTE, 10, 1));
    out.add(regular(Labels.of("__name__", "ordering", "sym", "\uD83D\uDE00"), T0, 20 * MINUTE, 10, 2));
    out.add(regular(Labels.of("__name__", "ordering", "sym", "z"), T0, 20 * MINUTE, 10, 3));
    out.add(regular(Labels.of("__name__", "ordering", "sym", "Z"), T0, 20 * MINUTE, 10, 4));
    out.add(regular(Labels.of("__name__", "ordering", "Zeta", "1"), T0, 20 * MINUTE, 10, 5));
    out.add(regular(Labels.of("__name__", "ext_order", "a", "1"), T0 + HOUR, 5 * MINUTE, 12, 6));
    out.add(regular(Labels.of("__name__", "ext_order", "a", "1", "b", "1"), T0 + HOUR, 5 * MINUTE, 12, 7));
    out.add(regular(Labels.of("__name__", "ext_order", "a", "1", "q", "1"), T0 + HOUR, 5 * MINUTE, 12, 8));
    out.add(regular(Labels.of("__name__", "late_series", "job", "api"), T0 + 3 * HOUR + 20 * MINUTE, 30_000, 80, 9));
    return new Dataset(Labels.of("cluster", "eu-1", "replica", "r0"), out);
  }

  private static OpenMetricsGenerator.Series gauge(Labels labels, int seed, double base) {
    int count = 240;
    long[] ts = new long[count];
    double[] vs = new double[count];
    for (int k = 0; k < count; k++) {
      ts[k] = T0 + k * MINUTE + seed * 250L;
      vs[k] = base + ((k * 31 + seed * 17) % 41 - 20) / 8.0;
    }
    return new OpenMetricsGenerator.Series(labels, ts, vs);
  }

  private static OpenMetricsGenerator.Series regular(Labels labels, long start, long step, int count, int seed) {
    long[] ts = new long[count];
    double[] vs = new double[count];
    for (int k = 0; k < count; k++) {
      ts[k] = start + k * step;
      vs[k] = seed * 100 + k * 0.5;
    }
    return new OpenMetricsGenerator.Series(labels, ts, vs);
  }

  /**
   * Writes the series (without external labels) as OpenMetrics text for {@code promtool tsdb
   * create-blocks-from openmetrics}: families grouped by metric name, no type metadata, values
   * and timestamps written so that they parse back exactly.
   */
  public void writeOpenMetrics(Path file) throws IOException {
    Map<String, List<OpenMetricsGenerator.Series>> families = new LinkedHashMap<>();
    for (OpenMetricsGenerator.Series s : series) {
      families.computeIfAbsent(s.labels().getOrEmpty("__name__"), k -> new ArrayList<>()).add(s);
    }
    try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      for (Map.Entry<String, List<OpenMetricsGenerator.Series>> f : families.entrySet()) {
        for (OpenMetricsGenerator.Series s : f.getValue()) {
          StringBuilder head = new StringBuilder(f.getKey()).append('{');
          boolean first = true;
          for (Label l : s.labels()) {
            if (l.name().equals("__name__")) {
              continue;
            }
            if (!first) {
              head.append(',');
            }
            first = false;
            head.append(l.name()).append("=\"").append(escape(l.value())).append('"');
          }
          head.append("} ");
          String h = head.toString();
          for (int k = 0; k < s.timestamps().length; k++) {
            w.write(h);
            w.write(OpenMetricsGenerator.formatValue(s.values()[k]));
            w.write(' ');
            w.write(OpenMetricsGenerator.formatTimestamp(s.timestamps()[k]));
            w.write('\n');
          }
        }
      }
      w.write("# EOF\n");
    }
  }

  /**
   * Makes TSDB blocks of the series with the real promtool (2h blocks, no external labels in
   * meta.json yet): writes {@code work/dataset.om} and returns the block directories created in
   * {@code work/blocks}.
   */
  public List<Path> writeBlocks(Promtool promtool, Path work) throws IOException {
    Files.createDirectories(work);
    Path om = work.resolve("dataset.om");
    writeOpenMetrics(om);
    return promtool.createBlocksFromOpenMetrics(om, work.resolve("blocks"));
  }

  private static String escape(String v) {
    return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }

  @Override
  public String toString() {
    return "Dataset{" + series.size() + " series, " + totalSamples() + " samples, external labels "
        + externalLabels + ", " + Arrays.asList(minTime(), maxTime()) + "}";
  }
}
