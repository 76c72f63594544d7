package dev.hypnos.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.proto.thanos.store.LabelMatcher;
import dev.hypnos.proto.thanos.store.SeriesRequest;
import dev.hypnos.proto.thanos.store.SeriesResponse;
import dev.hypnos.proto.thanos.store.StoreGrpc;
import dev.hypnos.storeapi.GrpcServers;
import io.grpc.ManagedChannel;
import dev.hypnos.testing.PrometheusServer;
import dev.hypnos.testing.Promtool;
import java.io.IOException;
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
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The same selector queries asked of Prometheus 2.42's HTTP API directly and of {@code hypnos
 * query} in front of {@code hypnos sidecar} in front of that same Prometheus, alternating, on the
 * {@link StoreGatewayData} blocks (1510 series, 4 h at 15 s) served from Prometheus's own data
 * directory. The sidecar and the querier run as child JVMs of this class path, so the three
 * servers and the client are separate processes. Prints the median latency per query class on
 * each path and the ratio (sidecar path / Prometheus), after checking that both paths return the
 * same number of series and points; and, to place the cost, the median of the same selector as
 * one Store API Series call straight to the sidecar (remote read and conversion, no querier).
 *
 * <p>Usage: {@code java -cp bench/target/benchmarks.jar dev.hypnos.bench.SidecarVsPrometheus
 * [rounds=30] [warmup=10]}
 */
public final class SidecarVsPrometheus {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private SidecarVsPrometheus() {}

  /** A query, and the same selector as Store API matchers ({@code name=value} or {@code name=~value}). */
  record QueryClass(String name, String promql, boolean range, List<String> matchers) {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 30;
    int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    StoreGatewayData data = StoreGatewayData.get();
    Path work = Files.createTempDirectory("hypnos-bench-sidecar");
    Path tsdb = work.resolve("prometheus");
    Files.createDirectories(tsdb);
    try (var ds = Files.newDirectoryStream(data.bucketDir)) {
      for (Path b : ds) {
        Promtool.copyTree(b, tsdb.resolve(b.getFileName().toString()));
      }
    }
    List<Process> children = new ArrayList<>();
    try (PrometheusServer prom = PrometheusServer.start(tsdb, Labels.of("cluster", "bench", "replica", "0"),
        List.of("--storage.tsdb.min-block-duration=2h", "--storage.tsdb.max-block-duration=2h"))) {
      int grpc = PrometheusServer.freePort();
      int sidecarHttp = PrometheusServer.freePort();
      int queryHttp = PrometheusServer.freePort();
      children.add(hypnos(work.resolve("sidecar.log"), "sidecar", "--prometheus.url=" + prom.url(),
          "--tsdb.path=" + tsdb, "--grpc-address=127.0.0.1:" + grpc, "--http-address=127.0.0.1:" + sidecarHttp));
      children.add(hypnos(work.resolve("query.log"), "query", "--endpoint=127.0.0.1:" + grpc,
          "--http-address=127.0.0.1:" + queryHttp, "--grpc-address=127.0.0.1:" + PrometheusServer.freePort(),
          "--query.replica-label=replica"));
      String promBase = prom.url().toString();
      String queryBase = "http://127.0.0.1:" + queryHttp;
      awaitStoreHealthy(queryBase, work);

      long start = data.minTime / 1000 + 1800;
      long end = data.maxTime / 1000 - 1;
      List<QueryClass> classes = List.of(
          new QueryClass("one series, 4h range, step 60s", "hypnos_requests_3_total{instance=\"host-30:9100\"}", true,
              List.of("__name__=hypnos_requests_3_total", "instance=host-30:9100")),
          new QueryClass("one family (10 series), 4h, step 60s", "hypnos_requests_7_total", true,
              List.of("__name__=hypnos_requests_7_total")),
          new QueryClass("job=api over 50 families (167 series), 4h, step 60s",
              "{__name__=~\"hypnos_requests_.*_total\", job=\"api\"}", true,
              List.of("__name__=~hypnos_requests_.*_total", "job=api")),
          new QueryClass("500 gauges, instant", "{__name__=~\"hypnos_temperature_.*\"}", false,
              List.of("__name__=~hypnos_temperature_.*")));
      ManagedChannel channel = GrpcServers.plaintextChannel("127.0.0.1", grpc);

      System.out.printf("data: %d blocks, [%d, %d] ms; rounds %d after %d warm-up rounds%n", data.metas.size(),
          data.minTime, data.maxTime, rounds, warmup);
      System.out.println("| query class | Prometheus median ms | sidecar + querier median ms | ratio |"
          + " sidecar alone (gRPC Series) median ms |");
      System.out.println("|---|---:|---:|---:|---:|");
      for (QueryClass c : classes) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("query", c.promql());
        if (c.range()) {
          params.put("start", start + ".5");
          params.put("end", end + ".5");
          params.put("step", "60");
        } else {
          params.put("time", end + ".5");
        }
        String path = c.range() ? "/api/v1/query_range" : "/api/v1/query";
        String direct = url(promBase, path, params);
        String through = url(queryBase, path, params);
        String shapeDirect = shape(get(direct));
        String shapeThrough = shape(get(through));
        if (!shapeDirect.equals(shapeThrough)) {
          throw new IllegalStateException(c.name() + ": Prometheus returned " + shapeDirect + " but the querier "
              + shapeThrough);
        }
        long lookback = 300_000;
        SeriesRequest series = seriesRequest(c.matchers(),
            (c.range() ? start * 1000 : end * 1000) + 500 - lookback, end * 1000 + 500);
        for (int i = 0; i < warmup; i++) {
          get(direct);
          get(through);
          seriesCall(channel, series);
        }
        long[] a = new long[rounds];
        long[] b = new long[rounds];
        long[] g = new long[rounds];
        for (int i = 0; i < rounds; i++) {
          g[i] = seriesCall(channel, series);
          // alternate which goes first so neither side always meets a warm cache or a busy machine
          if (i % 2 == 0) {
            a[i] = timed(direct);
            b[i] = timed(through);
          } else {
            b[i] = timed(through);
            a[i] = timed(direct);
          }
        }
        double ma = median(a) / 1e6;
        double mb = median(b) / 1e6;
        System.out.printf("| %s (%s) | %.2f | %.2f | %.2f | %.2f |%n", c.name(), shapeDirect, ma, mb, mb / ma,
            median(g) / 1e6);
      }
      GrpcServers.shutdown(channel, Duration.ofSeconds(5));
    } finally {
      for (Process p : children) {
        p.destroy();
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      }
      Promtool.deleteTree(work);
    }
  }

  private static SeriesRequest seriesRequest(List<String> matchers, long minTime, long maxTime) {
    SeriesRequest.Builder b = SeriesRequest.newBuilder().setMinTime(minTime).setMaxTime(maxTime);
    for (String m : matchers) {
      boolean re = m.contains("=~");
      int at = m.indexOf(re ? "=~" : "=");
      b.addMatchers(LabelMatcher.newBuilder().setName(m.substring(0, at))
          .setType(re ? LabelMatcher.Type.RE : LabelMatcher.Type.EQ).setValue(m.substring(at + (re ? 2 : 1))));
    }
    return b.build();
  }

  /** One Series call to the sidecar, read to the end; its wall time in ns. */
  private static long seriesCall(ManagedChannel channel, SeriesRequest request) {
    long t0 = System.nanoTime();
    Iterator<SeriesResponse> it = StoreGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS)
        .series(request);
    int n = 0;
    while (it.hasNext()) {
      if (it.next().hasSeries()) {
        n++;
      }
    }
    long t = System.nanoTime() - t0;
    if (n == 0) {
      throw new IllegalStateException("the sidecar returned no series for " + request);
    }
    return t;
  }

  private static Process hypnos(Path log, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m", "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
        "dev.hypnos.cli.Hypnos"));
    cmd.addAll(Arrays.asList(args));
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  private static void awaitStoreHealthy(String queryBase, Path work) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (System.nanoTime() < deadline) {
      try {
        JsonNode r = JSON.readTree(get(queryBase + "/api/v1/stores"));
        JsonNode sidecars = r.path("data").path("sidecar");
        if (sidecars.size() == 1 && sidecars.get(0).path("lastError").isNull()
            && !sidecars.get(0).path("lastCheck").asText().startsWith("0001")) {
          return;
        }
      } catch (IOException notYet) {
        // the querier is still starting
      }
      Thread.sleep(250);
    }
    throw new IllegalStateException("the querier did not see the sidecar healthy; logs:\n"
        + Files.readString(work.resolve("sidecar.log")) + "\n" + Files.readString(work.resolve("query.log")));
  }

  /** "N series, M points" of a query answer. */
  private static String shape(String body) throws IOException {
    JsonNode r = JSON.readTree(body);
    if (!"success".equals(r.path("status").asText())) {
      throw new IllegalStateException("query failed: " + body);
    }
    int series = 0;
    int points = 0;
    for (JsonNode s : r.path("data").path("result")) {
      series++;
      points += s.has("values") ? s.path("values").size() : 1;
    }
    return series + " series, " + points + " points";
  }

  private static long timed(String url) throws IOException, InterruptedException {
    long t0 = System.nanoTime();
    HttpResponse<byte[]> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
        HttpResponse.BodyHandlers.ofByteArray());
    long t = System.nanoTime() - t0;
    if (r.statusCode() != 200) {
      throw new IllegalStateException("GET " + url + ": HTTP " + r.statusCode());
    }
    return t;
  }

  private static String get(String url) throws IOException, InterruptedException {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException("GET " + url + ": HTTP " + r.statusCode() + ": " + r.body());
    }
    return r.body();
  }

  private static String url(String base, String path, Map<String, String> params) {
    StringBuilder sb = new StringBuilder(base).append(path);
    char sep = '?';
    for (Map.Entry<String, String> e : params.entrySet()) {
      sb.append(sep).append(e.getKey()).append('=').append(URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
      sep = '&';
    }
    return sb.toString();
  }

  private static double median(long[] xs) {
    long[] s = xs.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2.0;
  }
}
