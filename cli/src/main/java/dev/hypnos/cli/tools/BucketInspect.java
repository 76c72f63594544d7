package dev.hypnos.cli.tools;

import dev.hypnos.core.block.BlockId;
import dev.hypnos.core.block.BlockMeta;
import dev.hypnos.core.block.BucketBlocks;
import dev.hypnos.core.objstore.Bucket;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code hypnos tools bucket inspect}: a table of every block's meta.json, with the columns of
 * {@code thanos tools bucket inspect}. Times are printed in UTC.
 */
@Command(
    name = "inspect",
    mixinStandardHelpOptions = true,
    description = "Inspect all blocks in the bucket in a detailed, table-like way.")
public final class BucketInspect implements Callable<Integer> {
  static final List<String> COLUMNS =
      List.of("ULID", "FROM", "UNTIL", "RANGE", "UNTIL-DOWN", "#SERIES", "#SAMPLES", "#CHUNKS", "COMP-LEVEL",
          "COMP-FAILED", "LABELS", "RESOLUTION", "SOURCE");
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("dd-MM-yyyy HH:mm:ss").withZone(ZoneOffset.UTC);
  private static final long RES_5M = 300_000L;
  private static final long RES_1H = 3_600_000L;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin ObjstoreOptions objstore;

  @Option(
      names = {"-l", "--selector"},
      paramLabel = "<name>=\"<value>\"",
      description = "Only blocks whose external labels have this value (repeatable; all must match).")
  List<String> selector = new ArrayList<>();

  @Option(
      names = "--sort-by",
      paramLabel = "COLUMN",
      split = ",",
      defaultValue = "FROM,UNTIL",
      description = "Columns to sort by, in order (default: FROM,UNTIL), e.g. --sort-by=#SAMPLES,FROM.")
  List<String> sortBy;

  enum Output {
    table,
    tsv,
    csv
  }

  @Option(names = "--output", defaultValue = "table", description = "table, tsv or csv.")
  Output output;

  private record Row(BlockMeta meta, List<String> cells) {}

  @Override
  public Integer call() throws Exception {
    Map<String, String> wanted = parseSelector();
    for (String c : sortBy) {
      if (!COLUMNS.contains(c)) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--sort-by: unknown column " + c + " (columns: " + String.join(", ", COLUMNS) + ")");
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    List<Row> rows = new ArrayList<>();
    try (Bucket bucket = objstore.open()) {
      for (BlockId id : BucketBlocks.list(bucket)) {
        BlockMeta meta = BucketMetas.readOrWarn(bucket, id, err);
        if (meta == null) {
          continue;
        }
        Map<String, String> ext = meta.thanos() == null ? Map.of() : meta.thanos().labels();
        if (wanted.entrySet().stream().allMatch(e -> e.getValue().equals(ext.get(e.getKey())))) {
          rows.add(new Row(meta, cells(meta)));
        }
      }
    }
    rows.sort(comparator());
    print(out, rows);
    out.flush();
    return 0;
  }

  private Map<String, String> parseSelector() {
    Map<String, String> m = new LinkedHashMap<>();
    for (String s : selector) {
      int eq = s.indexOf('=');
      if (eq <= 0) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--selector: expected <name>=\"<value>\", got " + s);
      }
      String v = s.substring(eq + 1);
      if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
        v = v.substring(1, v.length() - 1);
      }
      m.put(s.substring(0, eq), v);
    }
    return m;
  }

  static List<String> cells(BlockMeta m) {
    Duration range = Duration.ofMillis(m.maxTime() - m.minTime());
    String untilDown = "-";
    if (m.resolution() == 0) {
      untilDown = GoFormat.duration(Duration.ofHours(40).minus(range));
    } else if (m.resolution() == RES_5M) {
      untilDown = GoFormat.duration(Duration.ofDays(10).minus(range));
    }
    List<String> labels = new ArrayList<>();
    if (m.thanos() != null) {
      m.thanos().labels().forEach((k, v) -> labels.add(k + "=" + v));
    }
    return List.of(
        m.ulid().toString(),
        TIME.format(Instant.ofEpochMilli(m.minTime())),
        TIME.format(Instant.ofEpochMilli(m.maxTime())),
        GoFormat.duration(range),
        untilDown,
        GoFormat.grouped(m.stats().numSeries()),
        GoFormat.grouped(m.stats().numSamples()),
        GoFormat.grouped(m.stats().numChunks()),
        GoFormat.grouped(m.compaction().level()),
        Boolean.toString(m.compaction().failed()),
        String.join(",", labels),
        GoFormat.duration(Duration.ofMillis(m.resolution())),
        m.thanos() == null ? "" : m.thanos().source());
  }

  /** Sorts by the chosen columns; time and number columns by value, the rest as text. */
  private Comparator<Row> comparator() {
    Comparator<Row> c = (a, b) -> 0;
    for (String col : sortBy) {
      int i = COLUMNS.indexOf(col);
      Comparator<Row> next =
          switch (col) {
            case "FROM" -> Comparator.comparingLong(r -> r.meta.minTime());
            case "UNTIL" -> Comparator.comparingLong(r -> r.meta.maxTime());
            case "RANGE", "UNTIL-DOWN" -> Comparator.comparingLong(r -> r.meta.maxTime() - r.meta.minTime());
            case "#SERIES" -> Comparator.comparingLong(r -> r.meta.stats().numSeries());
            case "#SAMPLES" -> Comparator.comparingLong(r -> r.meta.stats().numSamples());
            case "#CHUNKS" -> Comparator.comparingLong(r -> r.meta.stats().numChunks());
            case "COMP-LEVEL" -> Comparator.comparingInt(r -> r.meta.compaction().level());
            case "RESOLUTION" -> Comparator.comparingLong(r -> r.meta.resolution());
            default -> Comparator.comparing(r -> r.cells.get(i));
          };
      c = c.thenComparing(next);
    }
    return c.thenComparing(r -> r.meta.ulid());
  }

  private void print(PrintWriter out, List<Row> rows) {
    switch (output) {
      case tsv -> delimited(out, rows, '\t');
      case csv -> delimited(out, rows, ',');
      case table -> table(out, rows);
    }
  }

  private static void delimited(PrintWriter out, List<Row> rows, char sep) {
    out.println(String.join(String.valueOf(sep), COLUMNS));
    for (Row r : rows) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < r.cells.size(); i++) {
        if (i > 0) {
          sb.append(sep);
        }
        String cell = r.cells.get(i);
        if (sep == ',' && (cell.indexOf(',') >= 0 || cell.indexOf('"') >= 0)) {
          cell = '"' + cell.replace("\"", "\"\"") + '"';
        }
        sb.append(cell);
      }
      out.println(sb);
    }
  }

  /** A markdown-style table, as thanos prints with its table writer. */
  private static void table(PrintWriter out, List<Row> rows) {
    int[] width = new int[COLUMNS.size()];
    for (int i = 0; i < width.length; i++) {
      width[i] = COLUMNS.get(i).length();
      for (Row r : rows) {
        width[i] = Math.max(width[i], r.cells.get(i).length());
      }
    }
    line(out, COLUMNS, width, true);
    StringBuilder sep = new StringBuilder("|");
    for (int w : width) {
      sep.append("-".repeat(w + 2)).append('|');
    }
    out.println(sep);
    for (Row r : rows) {
      line(out, r.cells, width, false);
    }
  }

  private static void line(PrintWriter out, List<String> cells, int[] width, boolean center) {
    StringBuilder sb = new StringBuilder("|");
    for (int i = 0; i < cells.size(); i++) {
      String c = cells.get(i);
      int pad = width[i] - c.length();
      int left = center ? pad / 2 : 0;
      sb.append(' ').append(" ".repeat(left)).append(c).append(" ".repeat(pad - left)).append(" |");
    }
    out.println(sb);
  }
}
