package dev.hypnos.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.testing.PrometheusServer;
import dev.hypnos.testing.Promtool;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The end-to-end comparison of PERFORMANCE.md: the same blocks (made by promtool from generated
 * OpenMetrics data, {@link StoreGatewayData}) served by Prometheus 2.42 from its data directory and
 * by {@code hypnos store} + {@code hypnos query} (separate JVMs) from a FILESYSTEM bucket; the same
 * HTTP query mix sent to both, alternating which goes first, one query at a time; the median
 * latency of each query class and the ratio Hypnos / Prometheus.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.hypnos.bench.QueryVsPrometheus HYPNOS_JAR [ROUNDS]
 * [WARMUP_ROUNDS]}; {@code bench/query-vs-prometheus.sh} builds the jars and runs it. Query times
 * are off the 15 s grid (.5 s) so that Prometheus 2.x and 3.x window rules agree; each answer's
 * series count is checked to be the same on both sides.
 */
public final class QueryVsPrometheus {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One query: its class, the API path and its parameters (without times). */
  record Query(String queryClass, String promql, boolean range) {}

  static List<Query> mix() {
    String allCounters = "{__name__=~\"hypnos_requests_.*_total\"}";
    return List.of(
        new Query("selector", "hypnos_requests_7_total", true),
        new Query("selector", "hypnos_temperature_3{zone=\"eu\"}", true),
        new Query("selector-instant", allCounters, false),
        new Query("rate", "rate(hypnos_requests_12_total[5m])", true),
        new Query("rate", "irate(hypnos_requests_20_total{job=\"api\"}[1m])", true),
        new Query("sum by", "sum by (job) (rate(" + allCounters + "[5m]))", true),
        new Query("sum by", "sum by (zone) (hypnos_temperature_1)", true),
        new Query("join", "rate(hypnos_requests_4_total[5m]) / on (instance, job, method) "
            + "(hypnos_requests_4_total > 0)", true),
        new Query("join", "hypnos_temperature_2 * on (zone) group_left() max by (zone) (hypnos_temperature_5)", true),
        new Query("quantile", "histogram_quantile(0.9, sum by (le) (rate(hypnos_request_duration_seconds_bucket[5m])))",
            true),
        new Query("quantile", "quantile by (zone) (0.5, hypnos_temperature_0)", true),
        new Query("topk", "topk(5, rate(" + allCounters + "[5m]))", false),
        new Query("over_time", "max_over_time(hypnos_temperature_4[10m])", true));
  }

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  public static void main(String[] args) throws Exception {
    if (args.length < 1) {
      System.err.println("usage: QueryVsPrometheus HYPNOS_JAR [ROUNDS] [WARMUP_ROUNDS]");
      System.exit(2);
    }
    Path jar = Path.of(args[0]).toAbsolutePath();
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 15;
    int warmup = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    new QueryVsPrometheus().run(jar, rounds, warmup);
    System.exit(0);
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** A child JVM running a hypnos subcommand, output to a log file. */
  static Process hypnos(Path jar, Path log, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx2g", "--enable-native-access=ALL-UNNAMED"));
    String jfr = System.getenv("HYPNOS_JFR_DIR");
    if (jfr != null && !jfr.isEmpty()) {
      // A profile of each JVM, written when it stops: jfr print --events jdk.ExecutionSample FILE
      cmd.add("-XX:StartFlightRecording=filename=" + Path.of(jfr, args[0] + ".jfr").toAbsolutePath()
          + ",settings=profile,dumponexit=true");
    }
    cmd.addAll(List.of("-jar", jar.toString()));
    cmd.addAll(Arrays.asList(args));
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  private String get(String url) throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(2)).build(),
        HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException("GET " + url + ": HTTP " + r.statusCode() + ": " + r.body());
    }
    return r.body();
  }

  private void awaitOk(String url, String contains, Process p, Path log) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new IOException("process exited with " + p.exitValue() + ":\n" + Files.readString(log));
      }
      try {
        if (get(url).contains(contains)) {
          return;
        }
      } catch (IOException e) {
        // Not up yet.
      }
      Thread.sleep(200);
    }
    throw new IOException("no answer containing \"" + contains + "\" from " + url + ":\n" + Files.readString(log));
  }

  void run(Path jar, int rounds, int warmup) throws Exception {
    StoreGatewayData data = StoreGatewayData.get();
    Path work = Files.createTempDirectory("hypnos-query-vs-prometheus");
    Path promData = work.resolve("prometheus");
    try (Stream<Path> s = Files.list(data.bucketDir)) {
      for (Path b : s.toList()) {
        Promtool.copyTree(b, promData.resolve(b.getFileName().toString()));
      }
    }
    Path bucketYml = work.resolve("bucket.yml");
    Files.writeString(bucketYml, "type: FILESYSTEM\nconfig:\n  directory: " + data.bucketDir + "\n");
    int storeHttp = freePort();
    int storeGrpc = freePort();
    int queryHttp = freePort();
    int queryGrpc = freePort();
    Process store = null;
    Process query = null;
    try (PrometheusServer prom = PrometheusServer.start(promData, Labels.EMPTY, List.of())) {
      store = hypnos(jar, work.resolve("store.log"), "store", "--objstore.config-file=" + bucketYml,
          "--data-dir=" + work.resolve("store-data"), "--http-address=127.0.0.1:" + storeHttp,
          "--grpc-address=127.0.0.1:" + storeGrpc);
      awaitOk("http://127.0.0.1:" + storeHttp + "/-/ready", "", store, work.resolve("store.log"));
      query = hypnos(jar, work.resolve("query.log"), "query", "--http-address=127.0.0.1:" + queryHttp,
          "--grpc-address=127.0.0.1:" + queryGrpc, "--endpoint=127.0.0.1:" + storeGrpc);
      awaitOk("http://127.0.0.1:" + queryHttp + "/metrics", "hypnos_query_stores 1", query, work.resolve("query.log"));

      String promBase = prom.url().toString().replaceAll("/$", "");
      String hypnosBase = "http://127.0.0.1:" + queryHttp;
      // Off the 15 s grid; the first 10 minutes left out so every window is full.
      long start = (data.minTime / 1000 + 600) * 1000 + 500;
      long end = (data.maxTime / 1000 - 60) * 1000 + 500;
      long mid = (start + end) / 2 / 1000 * 1000 + 500;
      List<Query> mix = mix();
      List<String> paths = new ArrayList<>();
      for (Query q : mix) {
        String p = q.range()
            ? "/api/v1/query_range?start=" + sec(start) + "&end=" + sec(end) + "&step=60&query="
            : "/api/v1/query?time=" + sec(mid) + "&query=";
        paths.add(p + URLEncoder.encode(q.promql(), StandardCharsets.UTF_8));
      }
      // Both sides answer with the same number of series.
      for (int i = 0; i < mix.size(); i++) {
        int a = seriesCount(get(promBase + paths.get(i)));
        int b = seriesCount(get(hypnosBase + paths.get(i)));
        if (a != b || a == 0) {
          throw new IllegalStateException(mix.get(i).promql() + ": Prometheus " + a + " series, Hypnos " + b);
        }
      }
      long[][] promNanos = new long[mix.size()][rounds];
      long[][] hypnosNanos = new long[mix.size()][rounds];
      for (int r = -warmup; r < rounds; r++) {
        for (int i = 0; i < mix.size(); i++) {
          boolean promFirst = ((r + warmup) + i) % 2 == 0;
          long p1 = 0;
          long h1;
          if (promFirst) {
            p1 = time(promBase + paths.get(i));
          }
          h1 = time(hypnosBase + paths.get(i));
          if (!promFirst) {
            p1 = time(promBase + paths.get(i));
          }
          if (r >= 0) {
            promNanos[i][r] = p1;
            hypnosNanos[i][r] = h1;
          }
        }
      }
      report(mix, promNanos, hypnosNanos, rounds, warmup);
      // Where Hypnos spends a query: the querier's own stats (reading from the store vs evaluating).
      System.out.println();
      System.out.println("| query | Hypnos execTotalTime ms | reading series from the store (queryPreparationTime) ms "
          + "| evaluation (innerEvalTime) ms | samples read |");
      System.out.println("|---|---|---|---|---|");
      for (int i = 0; i < mix.size(); i++) {
        JsonNode st = JSON.readTree(get(hypnosBase + paths.get(i) + "&stats=true")).path("data").path("stats");
        System.out.printf(Locale.ROOT, "| `%s` | %.2f | %.2f | %.2f | %d |%n", mix.get(i).promql().replace("|", "\\|"),
            st.path("timings").path("execTotalTime").asDouble() * 1000,
            st.path("timings").path("queryPreparationTime").asDouble() * 1000,
            st.path("timings").path("innerEvalTime").asDouble() * 1000,
            st.path("samples").path("totalQueryableSamples").asLong());
      }
    } finally {
      for (Process p : new Process[] {query, store}) {
        if (p != null) {
          p.destroy();
          if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
          }
        }
      }
      Promtool.deleteTree(work);
    }
  }

  private static String sec(long ms) {
    return String.format(Locale.ROOT, "%d.%03d", ms / 1000, ms % 1000);
  }

  private static int seriesCount(String body) throws IOException {
    JsonNode root = JSON.readTree(body);
    return root.path("data").path("result").size();
  }

  private long time(String url) throws IOException, InterruptedException {
    long t0 = System.nanoTime();
    get(url);
    return System.nanoTime() - t0;
  }

  private static double median(long[] xs) {
    long[] s = xs.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2.0;
  }

  private static void report(List<Query> mix, long[][] prom, long[][] hypnos, int rounds, int warmup) {
    System.out.printf(Locale.ROOT, "%d rounds after %d warm-up rounds, one query at a time, alternating order%n%n",
        rounds, warmup);
    System.out.println("| query | class | Prometheus median ms | Hypnos median ms | ratio |");
    System.out.println("|---|---|---|---|---|");
    Map<String, List<Double>> byClass = new LinkedHashMap<>();
    Map<String, double[]> classMs = new LinkedHashMap<>();
    for (int i = 0; i < mix.size(); i++) {
      double p = median(prom[i]) / 1e6;
      double h = median(hypnos[i]) / 1e6;
      Query q = mix.get(i);
      System.out.printf(Locale.ROOT, "| `%s`%s | %s | %.2f | %.2f | %.2f |%n", q.promql().replace("|", "\\|"),
          q.range() ? " (range)" : " (instant)", q.queryClass(), p, h, h / p);
      byClass.computeIfAbsent(q.queryClass(), k -> new ArrayList<>()).add(h / p);
      double[] acc = classMs.computeIfAbsent(q.queryClass(), k -> new double[2]);
      acc[0] += p;
      acc[1] += h;
    }
    System.out.println();
    System.out.println("| class | ratio Hypnos / Prometheus (median of the class's queries' ratios) |");
    System.out.println("|---|---|");
    for (Map.Entry<String, List<Double>> e : byClass.entrySet()) {
      List<Double> rs = new ArrayList<>(e.getValue());
      rs.sort(Double::compare);
      int n = rs.size();
      double m = n % 2 == 1 ? rs.get(n / 2) : (rs.get(n / 2 - 1) + rs.get(n / 2)) / 2;
      System.out.printf(Locale.ROOT, "| %s | %.2f |%n", e.getKey(), m);
    }
  }
}
