package dev.hypnos.cli;

import static dev.hypnos.cli.E2eSupport.await;
import static dev.hypnos.cli.E2eSupport.getJson;
import static dev.hypnos.cli.E2eSupport.log;
import static dev.hypnos.cli.E2eSupport.url;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hypnos.cli.E2eSupport.Certs;
import dev.hypnos.cli.E2eSupport.Dnsmasq;
import dev.hypnos.cli.E2eSupport.HypnosProcess;
import dev.hypnos.cli.E2eSupport.InProcessSidecar;
import dev.hypnos.core.block.BlockMeta;
import dev.hypnos.core.block.BlockMetaJson;
import dev.hypnos.core.labels.Label;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.proto.thanos.info.InfoGrpc;
import dev.hypnos.proto.thanos.info.InfoRequest;
import dev.hypnos.storeapi.GrpcServers;
import dev.hypnos.testing.PrometheusServer;
import dev.hypnos.testing.S3Proxy;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The multi-cluster setup of a Thanos-on-AWS deployment, on loopback, with real processes:
 *
 * <ul>
 *   <li>cluster A: one Prometheus ({@code cluster=clusterA, stage=prod, region=us-east-1}) and its
 *       sidecar, whose Store API is served over TLS with a certificate naming only the DNS name
 *       {@value #CLUSTER_A_NAME} (no IP SAN), the load-balancer case;
 *   <li>cluster B: two Prometheus replicas ({@code replica=0}, {@code replica=1}) with sidecars,
 *       published as SRV records by a dnsmasq;
 *   <li>observer: {@code hypnos query} (replica label {@code replica}; cluster A dialled at
 *       127.0.0.1 with {@code server_name} in its endpoint config, cluster B by {@code dnssrv+}),
 *       {@code hypnos store} and {@code hypnos compact} on one S3Proxy bucket the sidecars ship to.
 * </ul>
 *
 * Prometheus cuts a block every 20 s and every Prometheus scrapes the others and the Hypnos
 * servers every 2 s, so blocks are shipped, synced by the store gateway and seen by the
 * compactor while the steps run. The steps share the setup and run in order; each logs what it does. Prometheus
 * processes and the observer's servers are separate processes; the sidecars run in this JVM
 * (stopping one closes its gRPC server, which is what the querier sees).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EndToEndTest {
  static final String CLUSTER_A_NAME = "clustera.prometheus.example.net";
  static final String BUCKET = "hypnos-metrics";
  static final Duration SCRAPE = Duration.ofSeconds(2);
  /** Largest distance between consecutive samples of a deduplicated series that is not a gap. */
  static final long MAX_GAP_MS = 4 * SCRAPE.toMillis();
  static final Labels LABELS_A = Labels.of("cluster", "clusterA", "region", "us-east-1", "stage", "prod");
  static final Labels LABELS_B0 = Labels.of("cluster", "clusterB", "region", "us-east-1", "replica", "0", "stage", "prod");
  static final Labels LABELS_B1 = Labels.of("cluster", "clusterB", "region", "us-east-1", "replica", "1", "stage", "prod");
  /** Targets scraped by cluster B: both Prometheus servers, both sidecars, query, store, compact. */
  static final int TARGETS_B = 7;
  /** Targets scraped by cluster A: itself, its sidecar, query, store, compact. */
  static final int TARGETS_A = 5;

  @TempDir static Path dir;

  S3Proxy s3;
  Dnsmasq dns;
  final List<PrometheusServer> proms = new ArrayList<>();
  PrometheusServer promA;
  PrometheusServer promB0;
  PrometheusServer promB1;
  InProcessSidecar sidecarA;
  InProcessSidecar sidecarB0;
  InProcessSidecar sidecarB1;
  HypnosProcess store;
  HypnosProcess compact;
  HypnosProcess query;
  String queryBase;
  String storeAddress;
  String sidecarAAddress;
  String sidecarB0Address;
  final Map<String, Integer> ports = new LinkedHashMap<>();
  long promBReadyMs;
  long suiteStartMs;

  @BeforeAll
  void startEverything() throws Exception {
    assumeTrue(PrometheusServer.find().isPresent(), "prometheus is not installed (apt-get install -y prometheus)");
    assumeTrue(Files.isExecutable(Dnsmasq.BINARY), "dnsmasq is not installed (apt-get install -y dnsmasq-base)");
    E2eSupport.restartClock();
    suiteStartMs = System.currentTimeMillis();
    log("setup: certificates, S3Proxy, ports");
    Certs certs = new Certs(dir.resolve("certs"));
    Path[] certA = certs.issueDnsOnly("cluster-a", CLUSTER_A_NAME);
    s3 = S3Proxy.start("e2e-access", "e2e-secret-key");
    s3.createBucket(BUCKET);
    Path objstore = dir.resolve("objstore.yml");
    Files.writeString(objstore, "type: S3\nconfig:\n  bucket: " + BUCKET + "\n  endpoint: " + s3.hostPort()
        + "\n  region: us-east-1\n  access_key: " + s3.accessKey() + "\n  secret_key: " + s3.secretKey()
        + "\n  insecure: true\n");

    Map<String, Integer> port = ports;
    for (String n : List.of("promA", "promB0", "promB1", "sidecarA.grpc", "sidecarA.http", "sidecarB0.grpc",
        "sidecarB0.http", "sidecarB1.grpc", "sidecarB1.http", "store.grpc", "store.http", "query.http", "query.grpc",
        "compact.http")) {
      port.put(n, E2eSupport.freePort());
    }
    log("ports: %s", port);
    String hypnosTargets = targets(port, "query.http", "store.http", "compact.http");
    String configA = prometheusConfig(LABELS_A, Map.of("prometheus", targets(port, "promA"),
        "sidecar", targets(port, "sidecarA.http"), "hypnos", hypnosTargets));
    Map<String, String> jobsB = Map.of("prometheus", targets(port, "promB0", "promB1"),
        "sidecar", targets(port, "sidecarB0.http", "sidecarB1.http"), "hypnos", hypnosTargets);
    // A block every 20 s (the first after about 30 s), so several are shipped during the run.
    List<String> blockFlags = List.of("--storage.tsdb.min-block-duration=20s", "--storage.tsdb.max-block-duration=20s");

    log("cluster A: Prometheus on %d, external labels %s", port.get("promA"), LABELS_A);
    promA = started(PrometheusServer.start(dir.resolve("prom-a"), port.get("promA"), configA, blockFlags));
    log("cluster B: two Prometheus replicas on %d and %d", port.get("promB0"), port.get("promB1"));
    promB0 = started(PrometheusServer.start(dir.resolve("prom-b0"), port.get("promB0"),
        prometheusConfig(LABELS_B0, jobsB), blockFlags));
    promB1 = started(PrometheusServer.start(dir.resolve("prom-b1"), port.get("promB1"),
        prometheusConfig(LABELS_B1, jobsB), blockFlags));
    promBReadyMs = System.currentTimeMillis();

    log("sidecars: A over TLS (certificate with only DNS:%s), B0 and B1 plaintext", CLUSTER_A_NAME);
    sidecarA = new InProcessSidecar("A", List.of("--prometheus.url=" + promA.url(), "--tsdb.path=" + promA.dataDir(),
        "--objstore.config-file=" + objstore, "--shipper.interval=1s",
        "--grpc-address=127.0.0.1:" + port.get("sidecarA.grpc"), "--http-address=127.0.0.1:" + port.get("sidecarA.http"),
        "--grpc-server-tls-cert=" + certA[0], "--grpc-server-tls-key=" + certA[1]));
    sidecarB0 = new InProcessSidecar("B0", sidecarArgs(promB0, objstore, port.get("sidecarB0.grpc"), port.get("sidecarB0.http")));
    sidecarB1 = new InProcessSidecar("B1", sidecarArgs(promB1, objstore, port.get("sidecarB1.grpc"), port.get("sidecarB1.http")));
    sidecarAAddress = "127.0.0.1:" + port.get("sidecarA.grpc");
    sidecarB0Address = "127.0.0.1:" + port.get("sidecarB0.grpc");

    log("dnsmasq: _grpc._tcp.clusterb.test -> sidecar-b0.test:%d, sidecar-b1.test:%d", port.get("sidecarB0.grpc"),
        port.get("sidecarB1.grpc"));
    dns = new Dnsmasq(dir, List.of(
        "--srv-host=_grpc._tcp.clusterb.test,sidecar-b0.test," + port.get("sidecarB0.grpc"),
        "--srv-host=_grpc._tcp.clusterb.test,sidecar-b1.test," + port.get("sidecarB1.grpc"),
        "--host-record=sidecar-b0.test,127.0.0.1",
        "--host-record=sidecar-b1.test,127.0.0.1"));

    log("observer: store gateway, compactor, querier (child JVMs)");
    storeAddress = "127.0.0.1:" + port.get("store.grpc");
    store = new HypnosProcess("store", dir.resolve("store.log"), List.of("store", "--objstore.config-file=" + objstore,
        "--data-dir=" + dir.resolve("store-data"), "--grpc-address=" + storeAddress,
        "--http-address=127.0.0.1:" + port.get("store.http"), "--sync-block-duration=2s"));
    compact = new HypnosProcess("compact", dir.resolve("compact.log"), List.of("compact", "--wait", "--wait-interval=5s",
        "--objstore.config-file=" + objstore, "--data-dir=" + dir.resolve("compact-data"), "--consistency-delay=0s",
        "--http-address=127.0.0.1:" + port.get("compact.http")));
    Path sdConfig = dir.resolve("endpoints.yml");
    Files.writeString(sdConfig, "endpoints:\n"
        + "  - address: \"" + sidecarAAddress + "\"\n"
        + "    strict: true\n"
        + "    grpc_client_config:\n"
        + "      server_name: " + CLUSTER_A_NAME + "\n"
        + "      tls_config:\n"
        + "        enabled: true\n"
        + "        ca_file: " + certs.caPem() + "\n");
    queryBase = "http://127.0.0.1:" + port.get("query.http");
    query = new HypnosProcess("query", dir.resolve("query.log"), List.of("query",
        "--http-address=127.0.0.1:" + port.get("query.http"), "--grpc-address=127.0.0.1:" + port.get("query.grpc"),
        "--endpoint.sd-config-file=" + sdConfig,
        "--endpoint=dnssrv+_grpc._tcp.clusterb.test",
        "--endpoint=" + storeAddress,
        "--store.sd-dns-server=" + dns.address(), "--store.sd-dns-interval=2s",
        "--query.replica-label=replica"));
    store.awaitHttp200("http://127.0.0.1:" + port.get("store.http") + "/-/ready", Duration.ofSeconds(90));
    compact.awaitHttp200("http://127.0.0.1:" + port.get("compact.http") + "/-/healthy", Duration.ofSeconds(90));
    query.awaitHttp200(queryBase + "/-/ready", Duration.ofSeconds(90));
    await("the querier to see the three sidecars and the store gateway healthy", Duration.ofSeconds(60),
        () -> healthyEndpoints() == 4, this::context);
    log("setup done: %s", storesSummary());
  }

  private PrometheusServer started(PrometheusServer p) {
    proms.add(p);
    return p;
  }

  private static List<String> sidecarArgs(PrometheusServer prom, Path objstore, int grpc, int http) {
    return List.of("--prometheus.url=" + prom.url(), "--tsdb.path=" + prom.dataDir(), "--objstore.config-file=" + objstore,
        "--shipper.interval=1s", "--grpc-address=127.0.0.1:" + grpc, "--http-address=127.0.0.1:" + http);
  }

  private static String targets(Map<String, Integer> port, String... names) {
    List<String> out = new ArrayList<>();
    for (String n : names) {
      out.add("'127.0.0.1:" + port.get(n) + "'");
    }
    return "[" + String.join(", ", out) + "]";
  }

  private static String prometheusConfig(Labels ext, Map<String, String> jobs) {
    StringBuilder y = new StringBuilder("global:\n  scrape_interval: " + SCRAPE.toSeconds() + "s\n  scrape_timeout: "
        + SCRAPE.toSeconds() + "s\n  external_labels:\n");
    for (Label l : ext) {
      y.append("    ").append(l.name()).append(": '").append(l.value()).append("'\n");
    }
    y.append("scrape_configs:\n");
    for (Map.Entry<String, String> j : new TreeMap<>(jobs).entrySet()) {
      y.append("  - job_name: ").append(j.getKey()).append("\n    static_configs:\n      - targets: ")
          .append(j.getValue()).append('\n');
    }
    return y.toString();
  }

  @AfterAll
  void stopEverything() throws Exception {
    List<Exception> errors = new ArrayList<>();
    for (AutoCloseable c : new AutoCloseable[] {query, compact, store, sidecarA, sidecarB0, sidecarB1, dns}) {
      close(c, errors);
    }
    for (PrometheusServer p : proms) {
      close(p, errors);
    }
    close(s3, errors);
    log("teardown done%s", errors.isEmpty() ? "" : ", errors: " + errors);
  }

  private static void close(@Nullable AutoCloseable c, List<Exception> errors) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (Exception e) {
      errors.add(e);
    }
  }

  // ---- steps ----

  @Test
  @Order(1)
  void clusterAServesTlsOnlyAndEveryoneIsHealthy() throws Exception {
    log("step 1: cluster A's Store API refuses plaintext; the querier reached it over TLS by server_name");
    ManagedChannel plain = GrpcServers.plaintextChannel("127.0.0.1", sidecarA.command.grpcPort);
    try {
      assertThatThrownBy(() -> InfoGrpc.newBlockingStub(plain).withDeadlineAfter(5, TimeUnit.SECONDS)
          .info(InfoRequest.getDefaultInstance())).as("plaintext Info call to the TLS sidecar").isNotNull();
    } finally {
      GrpcServers.shutdown(plain, Duration.ofSeconds(5));
    }
    JsonNode a = endpoint(sidecarAAddress);
    assertThat(a).as("cluster A in /api/v1/stores: %s", storesSummary()).isNotNull();
    assertThat(a.path("lastError").isNull()).as("cluster A healthy: %s", a).isTrue();
    assertThat(labelSets(a)).containsExactly(LABELS_A);
  }

  @Test
  @Order(2)
  void shippedBlocksAppearInTheStoreGateway() throws Exception {
    log("step 2: wait for each Prometheus to cut a block, its sidecar to ship it and the store gateway to load it");
    await("a shipped block from each of A, B0 and B1 in the bucket", Duration.ofSeconds(240),
        () -> shippedLabelSets().containsAll(List.of(LABELS_A, LABELS_B0, LABELS_B1)),
        () -> "bucket holds " + bucketBlocks() + "; " + context());
    log("bucket: %s", bucketBlocks());
    await("the store gateway to serve blocks of A, B0 and B1", Duration.ofSeconds(60), () -> {
      JsonNode s = endpoint(storeAddress);
      return s != null && labelSets(s).containsAll(List.of(LABELS_A, LABELS_B0, LABELS_B1));
    }, this::context);
    JsonNode s = endpoint(storeAddress);
    log("store gateway in /api/v1/stores: %s", s);
    assertThat(s.path("minTime").asLong()).as("store gateway min time").isGreaterThanOrEqualTo(suiteStartMs - 120_000);
    String metrics = E2eSupport.get(storeHttp() + "/metrics").body();
    assertThat(metrics).as("store gateway /metrics").containsPattern("thanos_bucket_store_blocks_loaded [1-9]");
  }

  @Test
  @Order(3)
  void queryAcrossSidecarsAndStoreGatewayIsDeduplicatedAndContinuous() throws Exception {
    log("step 3: raw samples of up{cluster=\"clusterB\"} through the querier, deduplicated by replica");
    long now = System.currentTimeMillis();
    JsonNode onlyStore = query("up{cluster=\"clusterB\"}[" + rangeSeconds(now) + "s]", now,
        Map.of("storeMatch[]", "{__address__=\"" + storeAddress + "\"}"));
    // read after the query: the bucket only grows, so this bounds what the store gateway could serve
    long shippedMaxB = shippedMaxTime("clusterB");
    List<JsonNode> fromStore = result(onlyStore);
    log("store gateway alone: %d series, shipped data of B ends at %d (%d ms before now)", fromStore.size(),
        shippedMaxB, now - shippedMaxB);
    assertThat(fromStore).as("series from the store gateway alone: %s", onlyStore).isNotEmpty();
    for (JsonNode series : fromStore) {
      assertThat(series.path("metric").has("replica")).as("replica label removed: %s", series.path("metric")).isFalse();
      assertThat(lastSampleMs(series)).as("store gateway samples end with the shipped blocks").isLessThanOrEqualTo(shippedMaxB);
    }

    JsonNode all = query("up{cluster=\"clusterB\"}[" + rangeSeconds(now) + "s]", now, Map.of());
    List<JsonNode> series = result(all);
    assertThat(warnings(all)).as("warnings").isEmpty();
    assertThat(series).as("one series per cluster B target: %s", all).hasSize(TARGETS_B);
    for (JsonNode one : series) {
      assertThat(one.path("metric").has("replica")).as("replica label removed: %s", one.path("metric")).isFalse();
      assertContinuous(one, promBReadyMs, now, "up of " + one.path("metric"));
      assertThat(lastSampleMs(one)).as("samples past the shipped blocks (from the sidecars)").isGreaterThan(shippedMaxB);
    }
    log("step 3: %d series, each continuous from %d to %d, reaching past the shipped blocks", series.size(),
        promBReadyMs, now);
  }

  @Test
  @Order(4)
  void externalLabelMatchersSelectClusters() throws Exception {
    log("step 4: external label matchers");
    long now = System.currentTimeMillis();
    List<JsonNode> a = result(query("up{cluster=\"clusterA\"}", now, Map.of()));
    assertThat(a).as("cluster A targets").hasSize(TARGETS_A);
    for (JsonNode s : a) {
      assertThat(s.path("metric").path("cluster").asText()).isEqualTo("clusterA");
      assertThat(s.path("metric").path("region").asText()).isEqualTo("us-east-1");
      assertThat(s.path("metric").path("stage").asText()).isEqualTo("prod");
    }
    JsonNode byCluster = query("count by (cluster) (up{stage=\"prod\", region=\"us-east-1\"})", now, Map.of());
    Map<String, String> counts = new TreeMap<>();
    for (JsonNode s : result(byCluster)) {
      counts.put(s.path("metric").path("cluster").asText(), s.path("value").get(1).asText());
    }
    assertThat(counts).as("targets per cluster: %s", byCluster)
        .containsExactlyEntriesOf(new TreeMap<>(Map.of("clusterA", "" + TARGETS_A, "clusterB", "" + TARGETS_B)));
    JsonNode none = query("up{cluster=\"clusterC\"}", now, Map.of());
    assertThat(result(none)).as("no cluster C").isEmpty();
    assertThat(warnings(none)).isEmpty();
    JsonNode b0Only = query("up{replica=\"0\"}", now, Map.of("dedup", "false"));
    assertThat(result(b0Only)).as("replica 0 without dedup").hasSize(TARGETS_B)
        .allSatisfy(s -> assertThat(s.path("metric").path("replica").asText()).isEqualTo("0"));
    // The sidecars' /metrics, scraped by Prometheus and read back through the querier.
    JsonNode shipped = query("thanos_shipper_uploads_total{cluster=\"clusterA\", job=\"sidecar\"}", now, Map.of());
    assertThat(result(shipped)).as("sidecar A's shipper counter: %s", shipped).hasSize(1);
    assertThat(result(shipped).get(0).path("value").get(1).asDouble()).isGreaterThanOrEqualTo(1);
    JsonNode promUp = query("hypnos_sidecar_prometheus_up{job=\"sidecar\"}", now, Map.of());
    assertThat(result(promUp)).as("sidecars' Prometheus-up gauge: %s", promUp).hasSize(3)
        .allSatisfy(s -> assertThat(s.path("value").get(1).asText()).isEqualTo("1"));
    log("step 4: per cluster %s", counts);
  }

  @Test
  @Order(5)
  void stoppingOneReplicaLeavesNoGap() throws Exception {
    log("step 5: stop replica 0 of cluster B (sidecar and Prometheus)");
    sidecarB0.close();
    promB0.stop();
    long stoppedMs = System.currentTimeMillis();
    await("the querier to see sidecar B0 down", Duration.ofSeconds(30), () -> {
      JsonNode e = endpoint(sidecarB0Address);
      return e != null && !e.path("lastError").isNull();
    }, this::context);
    log("B0 in /api/v1/stores: %s", endpoint(sidecarB0Address));
    Thread.sleep(3 * SCRAPE.toMillis());
    long now = System.currentTimeMillis();
    JsonNode all = query("up{cluster=\"clusterB\"}[" + rangeSeconds(now) + "s]", now, Map.of());
    List<JsonNode> series = result(all);
    assertThat(warnings(all)).as("warnings (B0 left the fan-out)").isEmpty();
    assertThat(series).as("one series per target after B0 stopped: %s", all).hasSize(TARGETS_B);
    for (JsonNode one : series) {
      assertThat(one.path("metric").has("replica")).isFalse();
      assertContinuous(one, promBReadyMs, now, "up of " + one.path("metric") + " across B0's stop at " + stoppedMs);
      assertThat(lastSampleMs(one)).as("samples after B0 stopped (from B1)").isGreaterThan(stoppedMs + SCRAPE.toMillis());
    }
    log("step 5: %d series continuous across the stop of B0 at %d", series.size(), stoppedMs);
  }

  @Test
  @Order(6)
  void stoppingClusterAGivesAPartialAnswerNamingIt() throws Exception {
    log("step 6: stop cluster A (sidecar and Prometheus); its endpoint is strict, so it stays in the fan-out");
    sidecarA.close();
    promA.stop();
    await("the querier to see cluster A down", Duration.ofSeconds(30), () -> {
      JsonNode e = endpoint(sidecarAAddress);
      return e != null && !e.path("lastError").isNull();
    }, this::context);
    log("A in /api/v1/stores: %s", endpoint(sidecarAAddress));
    long now = System.currentTimeMillis();
    String q = "up{cluster=\"clusterA\"}[" + rangeSeconds(now) + "s]";
    JsonNode partial = query(q, now, Map.of());
    long shippedMaxA = shippedMaxTime("clusterA");
    log("partial answer: %d series, warnings %s", result(partial).size(), warnings(partial));
    assertThat(partial.path("status").asText()).as("partial answer: %s", partial).isEqualTo("success");
    assertThat(warnings(partial)).as("warnings").anySatisfy(w -> assertThat(w).contains(sidecarAAddress));
    assertThat(result(partial)).as("cluster A's shipped data from the store gateway: %s", partial).hasSize(TARGETS_A);
    for (JsonNode s : result(partial)) {
      assertThat(lastSampleMs(s)).isLessThanOrEqualTo(shippedMaxA);
    }
    JsonNode strict = getJson(url(queryBase, "/api/v1/query", Map.of("query", q, "time", seconds(now),
        "partial_response", "false")));
    log("partial_response=false: %s", strict);
    assertThat(strict.path("status").asText()).as("answer with partial_response=false: %s", strict).isEqualTo("error");
    assertThat(strict.path("error").asText()).contains(sidecarAAddress);
    JsonNode b = query("up{cluster=\"clusterB\"}", now, Map.of());
    assertThat(result(b)).as("cluster B still answers").hasSize(TARGETS_B);
  }

  @Test
  @Order(7)
  void storeGatewayAloneServesAStoppedClustersHistoryAcrossBlocks() throws Exception {
    // The compactor sees the short blocks but, like Thanos's planner, leaves blocks of the current
    // 8 h range alone until the range is complete or older blocks exist, so it compacts nothing
    // here; it must run without halting on the bucket the sidecars write to.
    log("step 7: cluster A's shipped history from the store gateway alone; the compactor did not halt");
    log("bucket: %s", bucketBlocks());
    String metrics = E2eSupport.get(compactHttp() + "/metrics").body();
    assertThat(metrics).as("compactor /metrics; log:\n%s", compact.output())
        .containsPattern("hypnos_compact_iterations_total [1-9]").containsPattern("hypnos_compact_halted 0");
    // Cluster A is stopped: what the querier returns for it now comes from the store gateway alone,
    // read across all of A's blocks. The store gateway syncs every 2 s: A's last block may be new.
    long shippedMaxA = shippedMaxTime("clusterA");
    eventually(Duration.ofSeconds(30), () -> {
      long now = System.currentTimeMillis();
      JsonNode a = query("up{cluster=\"clusterA\"}[" + rangeSeconds(now) + "s]", now,
          Map.of("storeMatch[]", "{__address__=\"" + storeAddress + "\"}"));
      assertThat(result(a)).as("cluster A from the store gateway after compaction: %s", a).hasSize(TARGETS_A);
      for (JsonNode one : result(a)) {
        assertContinuous(one, promBReadyMs, shippedMaxA, "up of " + one.path("metric") + " from the store gateway");
        assertThat(lastSampleMs(one)).isLessThanOrEqualTo(shippedMaxA);
      }
    });
    log("step 7: cluster A's %d series continuous up to %d from the store gateway", TARGETS_A, shippedMaxA);
  }

  // ---- helpers ----

  interface Check {
    void run() throws Exception;
  }

  /** Runs {@code check} until it passes; after {@code timeout} its last failure is thrown. */
  private static void eventually(Duration timeout, Check check) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      try {
        check.run();
        return;
      } catch (AssertionError e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(1000);
      }
    }
  }

  private String storeHttp() {
    return "http://127.0.0.1:" + ports.get("store.http");
  }

  private String compactHttp() {
    return "http://127.0.0.1:" + ports.get("compact.http");
  }

  private long rangeSeconds(long nowMs) {
    return (nowMs - suiteStartMs) / 1000 + 30;
  }

  private static String seconds(long ms) {
    return String.format("%d.%03d", ms / 1000, ms % 1000);
  }

  private JsonNode query(String promql, long timeMs, Map<String, String> extra) throws Exception {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("query", promql);
    params.put("time", seconds(timeMs));
    params.putAll(extra);
    String u = url(queryBase, "/api/v1/query", params);
    JsonNode r = getJson(u);
    if (!"success".equals(r.path("status").asText())) {
      throw new AssertionError("query " + promql + " " + extra + " answered " + r + "; " + context());
    }
    return r;
  }

  private static List<JsonNode> result(JsonNode r) {
    List<JsonNode> out = new ArrayList<>();
    r.path("data").path("result").forEach(out::add);
    return out;
  }

  private static List<String> warnings(JsonNode r) {
    List<String> out = new ArrayList<>();
    r.path("warnings").forEach(w -> out.add(w.asText()));
    return out;
  }

  private static long lastSampleMs(JsonNode series) {
    JsonNode v = series.path("values");
    return Math.round(v.get(v.size() - 1).get(0).asDouble() * 1000);
  }

  /** Samples from near {@code fromMs} to near {@code toMs} with no step longer than {@link #MAX_GAP_MS}. */
  private static void assertContinuous(JsonNode series, long fromMs, long toMs, String what) {
    JsonNode v = series.path("values");
    assertThat(v.size()).as("%s: samples", what).isGreaterThan(2);
    long first = Math.round(v.get(0).get(0).asDouble() * 1000);
    long prev = first;
    for (int i = 1; i < v.size(); i++) {
      long t = Math.round(v.get(i).get(0).asDouble() * 1000);
      if (t - prev > MAX_GAP_MS) {
        throw new AssertionError(what + ": gap of " + (t - prev) + " ms between samples at " + prev + " and " + t
            + " (allowed " + MAX_GAP_MS + " ms)");
      }
      prev = t;
    }
    assertThat(first).as("%s: first sample near the start of cluster B", what).isLessThanOrEqualTo(fromMs + 2 * MAX_GAP_MS);
    assertThat(prev).as("%s: last sample near the query time", what).isGreaterThanOrEqualTo(toMs - 2 * MAX_GAP_MS);
  }

  private List<JsonNode> stores() {
    List<JsonNode> out = new ArrayList<>();
    try {
      JsonNode r = getJson(queryBase + "/api/v1/stores");
      r.path("data").fields().forEachRemaining(e -> e.getValue().forEach(out::add));
    } catch (IOException e) {
      return out;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return out;
  }

  private @Nullable JsonNode endpoint(String address) {
    for (JsonNode e : stores()) {
      if (address.equals(e.path("name").asText())) {
        return e;
      }
    }
    return null;
  }

  private int healthyEndpoints() {
    int n = 0;
    for (JsonNode e : stores()) {
      if (e.path("lastError").isNull() && !e.path("lastCheck").asText().startsWith("0001")) {
        n++;
      }
    }
    return n;
  }

  private String storesSummary() {
    StringBuilder sb = new StringBuilder();
    for (JsonNode e : stores()) {
      sb.append("\n  ").append(e.path("name").asText()).append(' ').append(e.path("labelSets"))
          .append(e.path("lastError").isNull() ? " healthy" : " ERROR " + e.path("lastError").asText());
    }
    return sb.toString();
  }

  private static List<Labels> labelSets(JsonNode endpoint) {
    List<Labels> out = new ArrayList<>();
    for (JsonNode ls : endpoint.path("labelSets")) {
      List<Label> labels = new ArrayList<>();
      ls.fields().forEachRemaining(e -> labels.add(new Label(e.getKey(), e.getValue().asText())));
      out.add(Labels.fromUnsorted(labels));
    }
    return out;
  }

  private List<BlockMeta> bucketMetas() {
    List<BlockMeta> out = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(s3.bucketDir(BUCKET))) {
      for (Path p : ds) {
        if (Files.isRegularFile(p.resolve(BlockMetaJson.FILE_NAME))) {
          try {
            out.add(BlockMetaJson.read(p));
          } catch (IOException | RuntimeException halfWritten) {
            // being written; next poll
          }
        }
      }
    } catch (IOException e) {
      throw new AssertionError("list bucket folder " + s3.bucketDir(BUCKET), e);
    }
    return out;
  }

  private List<Labels> shippedLabelSets() {
    List<Labels> out = new ArrayList<>();
    for (BlockMeta m : bucketMetas()) {
      if (m.thanos() != null) {
        out.add(Labels.fromMap(m.thanos().labels()));
      }
    }
    return out;
  }

  private long shippedMaxTime(String cluster) {
    long max = Long.MIN_VALUE;
    for (BlockMeta m : bucketMetas()) {
      if (m.thanos() != null && cluster.equals(m.thanos().labels().get("cluster"))) {
        max = Math.max(max, m.maxTime());
      }
    }
    assertThat(max).as("shipped blocks of %s: %s", cluster, bucketBlocks()).isGreaterThan(Long.MIN_VALUE);
    return max;
  }

  private String bucketBlocks() {
    StringBuilder sb = new StringBuilder();
    for (BlockMeta m : bucketMetas()) {
      sb.append("\n  ").append(m.ulid()).append(" level ").append(m.compaction().level()).append(" [")
          .append(m.minTime()).append(", ").append(m.maxTime()).append(") ")
          .append(m.thanos() == null ? "{}" : m.thanos().labels());
    }
    return sb.toString();
  }

  /** What every failure message carries: endpoint states and the tails of the logs. */
  private String context() {
    StringBuilder sb = new StringBuilder("endpoints:").append(storesSummary());
    for (HypnosProcess p : new HypnosProcess[] {query, store, compact}) {
      if (p != null) {
        sb.append("\n--- ").append(p.name).append(" log ---\n").append(E2eSupport.tail(p.log, 2500));
      }
    }
    for (InProcessSidecar s : new InProcessSidecar[] {sidecarA, sidecarB0, sidecarB1}) {
      if (s != null && !s.err.toString().isEmpty()) {
        sb.append("\n--- sidecar ").append(s.name).append(" stderr ---\n").append(s.err);
      }
    }
    return sb.toString();
  }
}
