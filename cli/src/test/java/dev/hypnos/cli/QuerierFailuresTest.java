package dev.hypnos.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.storage.MemoryStorage;
import dev.hypnos.storeapi.GrpcServers;
import dev.hypnos.storeapi.InfoGrpcService;
import dev.hypnos.storeapi.QueryableStoreApi;
import dev.hypnos.storeapi.StoreGrpcService;
import dev.hypnos.testing.storeapi.StubStoreServer;
import io.grpc.Server;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
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
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The querier ({@code hypnos query}, in-process) against misbehaving stores over real gRPC on
 * loopback: two healthy stores (clusters a and b, three {@code up} series each) and, per test, a
 * stub store that streams slowly and is killed (a separate process, SIGKILL), hangs, or fails.
 * Covers partial response on and off, {@code --store.response-timeout}, cancellation when the HTTP
 * client goes away, and that many queries leave no threads or connections behind.
 */
class QuerierFailuresTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration WAIT = Duration.ofSeconds(60);
  static Server storeA;
  static Server storeB;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @TempDir Path tmp;

  /** A healthy store: {@code up{job="api",instance="0".."2"}} = 1 every 15 s over the stub's hour. */
  static Server healthy(String cluster) throws IOException {
    MemoryStorage st = new MemoryStorage();
    for (int i = 0; i < 3; i++) {
      for (long t = 0; t <= StubStoreServer.DATA_END_MS; t += 15_000) {
        st.append(Labels.of("__name__", "up", "job", "api", "instance", String.valueOf(i)), t, 1);
      }
    }
    QueryableStoreApi api = new QueryableStoreApi(st, Labels.of("cluster", cluster));
    return GrpcServers.start("127.0.0.1:0", List.of(new StoreGrpcService(api), InfoGrpcService.forStore(api)));
  }

  @BeforeAll
  static void startStores() throws IOException {
    storeA = healthy("a");
    storeB = healthy("b");
  }

  @AfterAll
  static void stopStores() throws InterruptedException {
    GrpcServers.shutdown(storeA, Duration.ofSeconds(2));
    GrpcServers.shutdown(storeB, Duration.ofSeconds(2));
  }

  static String addr(Server s) {
    return "127.0.0.1:" + s.getPort();
  }

  /** Starts {@code hypnos query} over the healthy stores and {@code more}, waiting until all are healthy. */
  QueryCommand.Running querier(String responseTimeout, String... more) throws Exception {
    List<String> args = new ArrayList<>(List.of("--http-address=127.0.0.1:0", "--grpc-address=127.0.0.1:0",
        "--store.response-timeout=" + responseTimeout, "--endpoint=" + addr(storeA), "--endpoint=" + addr(storeB)));
    for (String m : more) {
      args.add("--endpoint=" + m);
    }
    QueryCommand cmd = new QueryCommand();
    CommandLine cl = new CommandLine(cmd);
    cl.setOut(new java.io.PrintWriter(new java.io.StringWriter()));
    cl.parseArgs(args.toArray(String[]::new));
    QueryCommand.Running q = cmd.start();
    int want = 2 + more.length;
    boolean healthy = StubStoreServer.await(() -> metric(q, "hypnos_query_stores") == want, WAIT);
    assertThat(healthy).as("%d stores healthy", want).isTrue();
    return q;
  }

  private long metric(QueryCommand.Running q, String name) {
    try {
      String body = get(q, "/metrics").body();
      for (String line : body.split("\n")) {
        if (line.startsWith(name + " ")) {
          return Long.parseLong(line.substring(name.length() + 1).trim());
        }
      }
      return -1;
    } catch (Exception e) {
      return -1;
    }
  }

  HttpResponse<String> get(QueryCommand.Running q, String pathAndQuery) throws Exception {
    return http.send(request(q, pathAndQuery), HttpResponse.BodyHandlers.ofString());
  }

  static HttpRequest request(QueryCommand.Running q, String pathAndQuery) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + q.api.port() + pathAndQuery))
        .timeout(Duration.ofSeconds(120)).build();
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  /** The clusters of the series in an instant vector answer. */
  static Set<String> clusters(JsonNode root) {
    Set<String> out = new TreeSet<>();
    for (JsonNode r : root.path("data").path("result")) {
      out.add(r.path("metric").path("cluster").asText() + "/" + r.path("metric").path("instance").asText());
    }
    return out;
  }

  static List<String> warnings(JsonNode root) {
    List<String> out = new ArrayList<>();
    root.path("warnings").forEach(w -> out.add(w.asText()));
    return out;
  }

  // ------------------------------------------------------------------ a store killed mid-stream

  /** A SLOW stub store as its own JVM, killed with SIGKILL by {@link #kill()}. */
  static final class StubProcess implements AutoCloseable {
    final Process process;
    final AtomicInteger sent = new AtomicInteger();
    final CompletableFuture<String> address = new CompletableFuture<>();
    final StringBuffer output = new StringBuffer();

    StubProcess(String... extLabels) throws IOException {
      List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xmx128m", "-cp", System.getProperty("java.class.path"), StubStoreServer.class.getName(),
          "slow", "up", "100000", "20"));
      cmd.addAll(List.of(extLabels));
      process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      Thread.ofVirtual().start(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
          for (String line; (line = r.readLine()) != null; ) {
            if (line.startsWith("stub store listening on ")) {
              address.complete(line.substring("stub store listening on ".length()).trim());
            } else if (line.startsWith("stub store sent ")) {
              sent.set(Integer.parseInt(line.substring("stub store sent ".length()).trim()));
            } else {
              output.append(line).append('\n');
            }
          }
        } catch (IOException e) {
          // The process was killed.
        }
        address.completeExceptionally(new AssertionError("stub store exited: " + output));
      });
    }

    String address() throws Exception {
      return address.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    void kill() throws InterruptedException {
      process.destroyForcibly();
      assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }

    @Override
    public void close() throws InterruptedException {
      if (process.isAlive()) {
        kill();
      }
    }
  }

  /** Sends {@code query} (instant, at 600 s), kills the stub once it streamed a few series, returns the answer. */
  private HttpResponse<String> queryWhileKilling(boolean partial) throws Exception {
    try (StubProcess stub = new StubProcess("cluster=c")) {
      String stubAddress = stub.address();
      try (QueryCommand.Running q = querier("5m", stubAddress)) {
        CompletableFuture<HttpResponse<String>> answer = http.sendAsync(
            request(q, "/api/v1/query?time=600&query=up&partial_response=" + partial), HttpResponse.BodyHandlers.ofString());
        assertThat(StubStoreServer.await(() -> stub.sent.get() >= 5, WAIT)).as("the stub streamed 5 series").isTrue();
        assertThat(answer).as("no answer before the store is killed").isNotDone();
        stub.kill();
        HttpResponse<String> r = answer.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(r.body()).contains(stubAddress);
        return r;
      }
    }
  }

  @Test
  void storeKilledMidStreamGivesPartialResultWithWarningNamingIt() throws Exception {
    HttpResponse<String> r = queryWhileKilling(true);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode root = JSON.readTree(r.body());
    assertThat(root.path("status").asText()).isEqualTo("success");
    assertThat(clusters(root)).contains("a/0", "a/1", "a/2", "b/0", "b/1", "b/2");
    assertThat(warnings(root)).anySatisfy(w -> assertThat(w).contains("store 127.0.0.1:").contains("series"));
  }

  @Test
  void storeKilledMidStreamWithoutPartialResponseIsAnExecutionError() throws Exception {
    HttpResponse<String> r = queryWhileKilling(false);
    // Thanos: a failed Select is neither a cancellation nor a timeout, so errorExec (422).
    assertThat(r.statusCode()).as(r.body()).isEqualTo(422);
    JsonNode root = JSON.readTree(r.body());
    assertThat(root.path("status").asText()).isEqualTo("error");
    assertThat(root.path("errorType").asText()).isEqualTo("execution");
    assertThat(root.path("error").asText()).contains("store 127.0.0.1:");
  }

  // ------------------------------------------------------------------ a store that hangs

  @Test
  void hangingStoreIsCutOffByTheResponseTimeout() throws Exception {
    try (StubStoreServer hang = StubStoreServer.start(StubStoreServer.Mode.HANG, Labels.of("cluster", "h"), "up", 0,
        Duration.ZERO);
        QueryCommand.Running q = querier("700ms", hang.address())) {
      HttpResponse<String> r = get(q, "/api/v1/query?time=600&query=up&partial_response=true");
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      JsonNode root = JSON.readTree(r.body());
      assertThat(clusters(root)).containsExactly("a/0", "a/1", "a/2", "b/0", "b/1", "b/2");
      assertThat(warnings(root)).containsExactly(
          "store " + hang.address() + ": no response within 700ms (--store.response-timeout)");

      HttpResponse<String> strict = get(q, "/api/v1/query?time=600&query=up&partial_response=false");
      assertThat(strict.statusCode()).as(strict.body()).isEqualTo(422);
      JsonNode err = JSON.readTree(strict.body());
      assertThat(err.path("errorType").asText()).isEqualTo("execution");
      assertThat(err.path("error").asText())
          .contains("store " + hang.address() + ": no response within 700ms (--store.response-timeout)");
      // The querier gave up on both calls: the store sees them cancelled.
      assertThat(StubStoreServer.await(() -> hang.cancels() == 2, WAIT)).as("cancels: %d", hang.cancels()).isTrue();
      assertThat(hang.calls()).isEqualTo(2);
    }
  }

  // ------------------------------------------------------------------ the client goes away

  @Test
  void clientClosingTheConnectionCancelsTheQueryAndTheStoreStreams() throws Exception {
    try (StubStoreServer slow = StubStoreServer.start(StubStoreServer.Mode.SLOW, Labels.of("cluster", "s"), "up",
        100_000, Duration.ofMillis(20));
        QueryCommand.Running q = querier("5m", slow.address())) {
      try (Socket s = new Socket("127.0.0.1", q.api.port())) {
        OutputStream out = s.getOutputStream();
        out.write(("GET /api/v1/query_range?query=" + enc("sum(rate(up[5m]))") + "&start=0&end=3600&step=15 HTTP/1.1\r\n"
            + "Host: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        assertThat(StubStoreServer.await(() -> slow.frames() >= 5, WAIT)).as("the slow store streams").isTrue();
        assertThat(metric(q, "hypnos_queries_in_flight")).isEqualTo(1);
      }
      assertThat(StubStoreServer.await(() -> slow.cancels() == 1, WAIT))
          .as("the store sees its Series call cancelled").isTrue();
      assertThat(StubStoreServer.await(() -> metric(q, "hypnos_queries_in_flight") == 0, WAIT))
          .as("the query ended").isTrue();
      assertThat(metric(q, "hypnos_queries_canceled_total")).isEqualTo(1);
      assertThat(slow.completed()).isZero();
      int frames = slow.frames();
      assertThat(frames).isLessThan(100_000);
      // The querier still answers afterwards.
      HttpResponse<String> r = get(q, "/api/v1/query?time=600&query=" + enc("count(up{cluster!=\"s\"})")
          + "&storeMatch[]=" + enc("{__address__=~\"" + addr(storeA) + "|" + addr(storeB) + "\"}"));
      assertThat(r.body()).contains("\"value\":[600,\"6\"]");
    }
  }

  // ------------------------------------------------------------------ no leaks

  /** What a process holds that a leak would grow. */
  /**
   * @param fixedThreads platform threads outside the cached pools
   * @param pooledThreads threads of pools whose size follows concurrency and which shrink after a
   *     minute idle: gRPC's default executor, Jetty's request threads (queries run on them) and the
   *     test's own HTTP client
   * @param virtualThreads virtual threads alive (from a JSON thread dump, which lists them)
   */
  record Usage(int fixedThreads, int pooledThreads, int virtualThreads, int fds, int storeConnections,
      java.util.Map<String, Integer> byName) {
    boolean noMoreThan(Usage base) {
      return fixedThreads <= base.fixedThreads && pooledThreads <= 64 && virtualThreads <= base.virtualThreads
          && fds <= base.fds + 8 && storeConnections <= base.storeConnections;
    }
  }

  private Usage usage(Path dir, Set<Integer> storePorts) throws Exception {
    Path dump = dir.resolve("threads-" + System.nanoTime() + ".json");
    ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class)
        .dumpThreads(dump.toString(), com.sun.management.HotSpotDiagnosticMXBean.ThreadDumpFormat.JSON);
    String json = Files.readString(dump);
    Files.delete(dump);
    int virtual = 0;
    for (int i = json.indexOf("\"virtual\": true"); i >= 0; i = json.indexOf("\"virtual\": true", i + 1)) {
      virtual++;
    }
    int fds;
    try (var s = Files.list(Path.of("/proc/self/fd"))) {
      fds = (int) s.count();
    }
    java.util.Map<String, Integer> byName = new java.util.TreeMap<>();
    int fixed = 0;
    int pooled = 0;
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      byName.merge(t.getName().replaceAll("[0-9]+", "#"), 1, Integer::sum);
      if (t.getName().startsWith("grpc-default-executor-") || t.getName().startsWith("HttpClient-")
          || t.getName().startsWith("JettyServerThreadPool-")) {
        pooled++;
      } else {
        fixed++;
      }
    }
    return new Usage(fixed, pooled, virtual, fds, tcpConnections(storePorts), byName);
  }

  /** Open TCP sockets (any state but LISTEN and TIME_WAIT) with a local or remote port among {@code ports}. */
  static int tcpConnections(Set<Integer> ports) throws IOException {
    int n = 0;
    for (String f : List.of("/proc/self/net/tcp", "/proc/self/net/tcp6")) {
      Path p = Path.of(f);
      if (!Files.exists(p)) {
        continue;
      }
      List<String> lines = Files.readAllLines(p);
      for (String line : lines.subList(1, lines.size())) {
        String[] c = line.trim().split("\\s+");
        int local = Integer.parseInt(c[1].substring(c[1].lastIndexOf(':') + 1), 16);
        int remote = Integer.parseInt(c[2].substring(c[2].lastIndexOf(':') + 1), 16);
        String state = c[3];
        if (state.equals("0A") || state.equals("06")) {
          continue;
        }
        if (ports.contains(local) || ports.contains(remote)) {
          n++;
        }
      }
    }
    return n;
  }

  @Test
  void aThousandQueriesWithFailuresLeaveNoThreadsOrConnectionsBehind() throws Exception {
    try (StubStoreServer hang = StubStoreServer.start(StubStoreServer.Mode.HANG, Labels.of("cluster", "h"), "up", 0,
        Duration.ZERO);
        StubStoreServer fail = StubStoreServer.start(StubStoreServer.Mode.FAIL, Labels.of("cluster", "f"), "up", 0,
            Duration.ZERO);
        QueryCommand.Running q = querier("200ms", hang.address(), fail.address())) {
      Set<Integer> storePorts = new HashSet<>(List.of(storeA.getPort(), storeB.getPort(), hang.port(), fail.port()));
      String healthyOnly = "&storeMatch[]=" + enc("{__address__=~\"" + addr(storeA) + "|" + addr(storeB) + "\"}");
      String withFailing = "&storeMatch[]=" + enc("{__address__=~\"" + addr(storeA) + "|" + fail.address() + "\"}");
      String withHanging = "&storeMatch[]=" + enc("{__address__=~\"" + addr(storeB) + "|" + hang.address() + "\"}");
      List<String> mix = List.of(
          "/api/v1/query?time=600&query=up" + healthyOnly,
          "/api/v1/query_range?start=0&end=3600&step=60&query=" + enc("sum by (cluster) (rate(up[5m]))") + healthyOnly,
          "/api/v1/query?time=600&query=" + enc("count(up)") + withFailing,
          "/api/v1/query_range?start=0&end=3600&step=60&query=up&partial_response=false" + withFailing,
          "/api/v1/query?time=600&query=" + enc("sum(up") + healthyOnly,
          "/api/v1/query_range?start=0&end=600&step=15&query=" + enc("max_over_time(up[1m])") + "&stats=all" + healthyOnly,
          "/api/v1/query?time=600&query=" + enc("up * on (instance) group_left up") + healthyOnly,
          "/api/v1/series?match[]=up&start=0&end=600" + healthyOnly);
      String hanging = "/api/v1/query?time=600&query=up" + withHanging;
      AtomicReference<Throwable> failure = new AtomicReference<>();
      AtomicInteger answered = new AtomicInteger();
      // Four clients at once; every 50th query also waits for the hanging store.
      java.util.function.IntConsumer run = total -> {
        CountDownLatch done = new CountDownLatch(4);
        AtomicInteger next = new AtomicInteger();
        for (int c = 0; c < 4; c++) {
          Thread.ofPlatform().start(() -> {
            try {
              for (int i; (i = next.getAndIncrement()) < total; ) {
                String path = i % 50 == 49 ? hanging : mix.get(i % mix.size());
                HttpResponse<String> r = get(q, path);
                if (r.statusCode() >= 500) {
                  throw new AssertionError(path + " -> " + r.statusCode() + " " + r.body());
                }
                answered.incrementAndGet();
              }
            } catch (Throwable t) {
              failure.compareAndSet(null, t);
            } finally {
              done.countDown();
            }
          });
        }
        try {
          done.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      };
      run.accept(100);
      Thread.sleep(500);
      Usage before = usage(tmp, storePorts);
      run.accept(1000);
      assertThat(failure.get()).isNull();
      assertThat(answered.get()).isEqualTo(1100);
      // Let finished calls wind down, then compare with the warmed-up baseline.
      Usage after = usage(tmp, storePorts);
      boolean settled = after.noMoreThan(before);
      for (int i = 0; i < 80 && !settled; i++) {
        Thread.sleep(250);
        after = usage(tmp, storePorts);
        settled = after.noMoreThan(before);
      }
      System.out.println("1100 queries: before " + before + ", after " + after);
      assertThat(settled).as("before %s, after %s", before, after).isTrue();
      // The hanging store saw every call it got cancelled; the fan-out stays at four stores.
      assertThat(StubStoreServer.await(() -> hang.cancels() == hang.calls(), WAIT)).isTrue();
      assertThat(hang.calls()).isEqualTo(22);
      assertThat(metric(q, "hypnos_queries_in_flight")).isZero();
    }
  }
}
