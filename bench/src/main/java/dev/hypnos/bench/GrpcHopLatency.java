package dev.hypnos.bench;

import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.labels.Matcher;
import dev.hypnos.core.storage.MemoryStorage;
import dev.hypnos.promql.engine.EngineOptions;
import dev.hypnos.proto.thanos.store.StoreGrpc;
import dev.hypnos.core.dedup.DedupSeriesSet;
import dev.hypnos.querier.ProxyStore;
import dev.hypnos.querier.api.PrometheusApi;
import dev.hypnos.storeapi.GrpcServers;
import dev.hypnos.storeapi.GrpcStoreApiClient;
import dev.hypnos.storeapi.ProtoConverters;
import dev.hypnos.storeapi.QueryableStoreApi;
import dev.hypnos.storeapi.SeriesRequest;
import dev.hypnos.storeapi.SeriesResponse;
import dev.hypnos.storeapi.StoreApi;
import dev.hypnos.storeapi.StoreGrpcService;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The fixed cost of the gRPC hop, in one JVM over real loopback TCP: one Series call of N series
 * (N = 1, 10, 100; 4 h at 15 s, 8 chunks each) to a {@link StoreGrpcService} over a {@link
 * QueryableStoreApi} on {@link MemoryStorage}, timed on each layer of the path, alternating:
 *
 * <ul>
 *   <li>{@code in-process}: {@code store.series} into a counting sink (no gRPC);
 *   <li>{@code grpc raw}: a plain grpc-java blocking stub call, a frame per series, read to the end;
 *   <li>{@code grpc client}: {@link GrpcStoreApiClient#series} with frames of 64 series, as the
 *       querier asks (decoding into domain types);
 *   <li>{@code http direct}: a range query through the querier's HTTP API ({@link PrometheusApi})
 *       whose only store is the in-process store (HTTP + engine, no gRPC);
 *   <li>{@code http via grpc}: the same query with the store behind gRPC (the querier's real path).
 * </ul>
 *
 * Prints the median and p90 of each in ms. Usage: {@code java -cp bench/target/benchmarks.jar
 * dev.hypnos.bench.GrpcHopLatency [rounds=200] [warmup=100]}, or against a store in another
 * process (e.g. {@code hypnos store}): {@code ... GrpcHopLatency remote HOST:PORT ROUNDS WARMUP
 * name=value...}, which times a blocking-stub call and a {@link GrpcStoreApiClient} call per
 * matcher.
 */
public final class GrpcHopLatency {
  private static final long STEP = 15_000;
  private static final int SAMPLES = 4 * 3600 / 15;
  private static final int[] SIZES = {1, 10, 100};

  private GrpcHopLatency() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("remote")) {
      remote(args);
      return;
    }
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 100;
    MemoryStorage storage = new MemoryStorage();
    for (int n : SIZES) {
      for (int i = 0; i < n; i++) {
        Labels l = Labels.of("__name__", "hop_metric", "group", "g" + n, "instance", "host-" + i);
        for (int s = 0; s < SAMPLES; s++) {
          storage.append(l, s * STEP, i + s * 0.5);
        }
      }
    }
    long end = (SAMPLES - 1) * STEP;
    QueryableStoreApi store = new QueryableStoreApi(storage, Labels.of("cluster", "bench"), 0, end);
    Server server = GrpcServers.start(new InetSocketAddress("127.0.0.1", 0), List.of(new StoreGrpcService(store)));
    ManagedChannel channel = GrpcServers.plaintextChannel("127.0.0.1", server.getPort());
    GrpcStoreApiClient client = new GrpcStoreApiClient(channel, "127.0.0.1:" + server.getPort());
    PrometheusApi viaGrpc = api(client, store);
    PrometheusApi direct = api(store, store);
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    try {
      Map<String, LongSupplier> paths = new LinkedHashMap<>();
      for (int n : SIZES) {
        SeriesRequest req = SeriesRequest.builder(0, end,
            List.of(Matcher.eq("__name__", "hop_metric"), Matcher.eq("group", "g" + n))).build();
        var proto = ProtoConverters.toProto(req);
        String query = "/api/v1/query_range?query=" + URLEncoder.encode("hop_metric{group=\"g" + n + "\"}",
            StandardCharsets.UTF_8) + "&start=600&end=" + (end / 1000 - 60) + "&step=60";
        paths.put(n + " in-process", () -> timed(() -> count(store, req, n)));
        paths.put(n + " grpc raw", () -> timed(() -> {
          Iterator<dev.hypnos.proto.thanos.store.SeriesResponse> it = StoreGrpc.newBlockingStub(channel).series(proto);
          int c = 0;
          while (it.hasNext()) {
            c += it.next().hasSeries() ? 1 : 0;
          }
          check(c, n);
        }));
        SeriesRequest batched = req.toBuilder().responseBatchSize(64).build();
        paths.put(n + " grpc client", () -> timed(() -> count(client, batched, n)));
        paths.put(n + " http direct", () -> timed(() -> get(http, direct, query)));
        paths.put(n + " http via grpc", () -> timed(() -> get(http, viaGrpc, query)));
      }
      Map<String, long[]> times = new LinkedHashMap<>();
      paths.keySet().forEach(k -> times.put(k, new long[rounds]));
      for (int r = -warmup; r < rounds; r++) {
        for (var e : paths.entrySet()) {
          long t = e.getValue().getAsLong();
          if (r >= 0) {
            times.get(e.getKey())[r] = t;
          }
        }
      }
      System.out.println("| N series | path | median ms | p90 ms |");
      System.out.println("|---:|---|---:|---:|");
      for (var e : times.entrySet()) {
        long[] t = e.getValue();
        Arrays.sort(t);
        String[] key = e.getKey().split(" ", 2);
        System.out.printf("| %s | %s | %.3f | %.3f |%n", key[0], key[1], t[t.length / 2] / 1e6, t[t.length * 9 / 10] / 1e6);
      }
    } finally {
      viaGrpc.close();
      direct.close();
      GrpcServers.shutdown(channel, Duration.ofSeconds(5));
      GrpcServers.shutdown(server, Duration.ofSeconds(5));
    }
  }

  /**
   * {@code remote HOST:PORT ROUNDS WARMUP MATCHER...}: raw gRPC Series calls to a running store,
   * one per matcher ({@code name=value}, all time), alternating; median and p90 per matcher.
   */
  private static void remote(String[] args) throws Exception {
    String[] hp = args[1].split(":");
    int rounds = Integer.parseInt(args[2]);
    int warmup = Integer.parseInt(args[3]);
    List<String> matchers = Arrays.asList(args).subList(4, args.length);
    ManagedChannel channel = GrpcServers.plaintextChannel(hp[0], Integer.parseInt(hp[1]));
    GrpcStoreApiClient client = new GrpcStoreApiClient(channel, args[1]);
    long[][] t = new long[matchers.size()][rounds];
    long[][] tc = new long[matchers.size()][rounds];
    int[] series = new int[matchers.size()];
    for (int r = -warmup; r < rounds; r++) {
      for (int i = 0; i < matchers.size(); i++) {
        String[] mkv = matchers.get(i).split("=", 2);
        SeriesRequest batched = SeriesRequest.builder(Long.MIN_VALUE, Long.MAX_VALUE, List.of(Matcher.eq(mkv[0], mkv[1])))
            .responseBatchSize(64).build();
        int want = series[i];
        long tc0 = System.nanoTime();
        int[] got = new int[1];
        client.series(batched, resp -> got[0] += resp instanceof SeriesResponse.SeriesItem ? 1 : 0);
        long tcd = System.nanoTime() - tc0;
        if (r > -warmup && got[0] != want) {
          throw new IllegalStateException("client read " + got[0] + " series, raw " + want);
        }
        if (r >= 0) {
          tc[i][r] = tcd;
        }
        String[] kv = matchers.get(i).split("=", 2);
        var proto = ProtoConverters.toProto(SeriesRequest.builder(Long.MIN_VALUE, Long.MAX_VALUE,
            List.of(Matcher.eq(kv[0], kv[1]))).build());
        long t0 = System.nanoTime();
        Iterator<dev.hypnos.proto.thanos.store.SeriesResponse> it = StoreGrpc.newBlockingStub(channel).series(proto);
        int c = 0;
        while (it.hasNext()) {
          var resp = it.next();
          c += resp.hasSeries() ? 1 : resp.getBatch().getSeriesCount();
        }
        long dt = System.nanoTime() - t0;
        series[i] = c;
        if (r >= 0) {
          t[i][r] = dt;
        }
      }
    }
    System.out.println("| matcher | series | path | median ms | p10 ms | p90 ms |");
    System.out.println("|---|---:|---|---:|---:|---:|");
    for (int i = 0; i < matchers.size(); i++) {
      for (int k = 0; k < 2; k++) {
        long[] x = k == 0 ? t[i] : tc[i];
        Arrays.sort(x);
        System.out.printf("| `%s` | %d | %s | %.3f | %.3f | %.3f |%n", matchers.get(i), series[i],
            k == 0 ? "blocking stub, a frame per series" : "GrpcStoreApiClient, batches of 64",
            x[rounds / 2] / 1e6, x[rounds / 10] / 1e6, x[rounds * 9 / 10] / 1e6);
      }
    }
    GrpcServers.shutdown(channel, Duration.ofSeconds(5));
  }

  private static PrometheusApi api(StoreApi store, StoreApi infoFrom) throws Exception {
    List<ProxyStore.Member> members = List.of(new ProxyStore.Member("store", store, infoFrom.info()));
    PrometheusApi.Config config = new PrometheusApi.Config(() -> members, List::of, EngineOptions.DEFAULT,
        List.of(), DedupSeriesSet.Algorithm.PENALTY, true, Duration.ZERO, Map.of(), "", "bench");
    return new PrometheusApi(config, InstantSource.system()).start("127.0.0.1", 0);
  }

  @FunctionalInterface
  private interface Call {
    void run() throws Exception;
  }

  private static long timed(Call c) {
    long t0 = System.nanoTime();
    try {
      c.run();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    return System.nanoTime() - t0;
  }

  private static void count(StoreApi store, SeriesRequest req, int n) throws Exception {
    int[] c = new int[1];
    store.series(req, r -> {
      if (r instanceof SeriesResponse.SeriesItem) {
        c[0]++;
      }
    });
    check(c[0], n);
  }

  private static void check(int got, int want) {
    if (got != want) {
      throw new IllegalStateException("expected " + want + " series, got " + got);
    }
  }

  private static void get(HttpClient http, PrometheusApi api, String pathAndQuery) throws Exception {
    HttpResponse<String> r = http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + pathAndQuery)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200 || !r.body().contains("\"success\"")) {
      throw new IllegalStateException("query " + pathAndQuery + ": HTTP " + r.statusCode() + " " + r.body());
    }
  }
}
