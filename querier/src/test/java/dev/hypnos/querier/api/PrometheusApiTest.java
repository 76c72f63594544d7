package dev.hypnos.querier.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hypnos.core.dedup.DedupSeriesSet;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.storage.MemoryStorage;
import dev.hypnos.promql.engine.EngineOptions;
import dev.hypnos.querier.ProxyStore;
import dev.hypnos.storeapi.LabelNamesRequest;
import dev.hypnos.storeapi.LabelNamesResponse;
import dev.hypnos.storeapi.LabelValuesRequest;
import dev.hypnos.storeapi.LabelValuesResponse;
import dev.hypnos.storeapi.QueryableStoreApi;
import dev.hypnos.storeapi.SeriesRequest;
import dev.hypnos.storeapi.SeriesSink;
import dev.hypnos.storeapi.StoreApi;
import dev.hypnos.storeapi.StoreApiException;
import dev.hypnos.storeapi.StoreInfo;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The HTTP API over a fan-out of in-process stores: two HA replicas of cluster "eu" (replica
 * label {@code replica}), one store of cluster "us", and, when asked by {@code storeMatch[]}, a
 * store that always fails. Bodies are compared byte for byte with what Prometheus 2.42 answers.
 */
class PrometheusApiTest {
  static PrometheusApi api;
  static HttpClient http = HttpClient.newHttpClient();
  static String base;

  record Resp(int status, String body) {}

  /** A store whose every call fails, as an unreachable endpoint does. */
  static final class BrokenStore implements StoreApi {
    @Override
    public void series(SeriesRequest request, SeriesSink sink) {
      throw StoreApiException.unavailable("connection refused", null);
    }

    @Override
    public LabelNamesResponse labelNames(LabelNamesRequest request) {
      throw StoreApiException.unavailable("connection refused", null);
    }

    @Override
    public LabelValuesResponse labelValues(LabelValuesRequest request) {
      throw StoreApiException.unavailable("connection refused", null);
    }

    @Override
    public StoreInfo info() {
      return new StoreInfo(List.of(Labels.of("cluster", "broken")), Long.MIN_VALUE, Long.MAX_VALUE, false, true, List.of());
    }
  }

  @BeforeAll
  static void start() throws IOException {
    List<ProxyStore.Member> members = new ArrayList<>();
    for (String r : List.of("0", "1")) {
      MemoryStorage st = new MemoryStorage();
      for (int i = 0; i <= 40; i++) {
        st.append(Labels.of("__name__", "up", "job", "api", "instance", "a"), i * 15_000L, 1);
        // replica 1 misses the first minute, replica 0 the second one
        if (r.equals("0") && i >= 4 && i < 8 || r.equals("1") && i < 4) {
          continue;
        }
        st.append(Labels.of("__name__", "http_requests_total", "job", "api"), i * 15_000L, i * 3);
      }
      QueryableStoreApi s = new QueryableStoreApi(st, Labels.of("cluster", "eu", "replica", r));
      members.add(new ProxyStore.Member("eu-" + r + ":10901", s, s.info()));
    }
    MemoryStorage us = new MemoryStorage();
    for (int i = 0; i <= 40; i++) {
      us.append(Labels.of("__name__", "temp", "job", "x"), i * 15_000L, i * 0.5);
      us.append(Labels.of("__name__", "weird", "job", "x"), i * 15_000L, i == 2 ? Double.NaN : 1e-7 * i);
    }
    QueryableStoreApi u = new QueryableStoreApi(us, Labels.of("cluster", "us"));
    members.add(new ProxyStore.Member("us:10901", u, u.info()));
    BrokenStore broken = new BrokenStore();
    members.add(new ProxyStore.Member("broken:10901", broken, broken.info()));

    PrometheusApi.Config config = new PrometheusApi.Config(() -> members, List::of, EngineOptions.DEFAULT,
        List.of("replica"), DedupSeriesSet.Algorithm.PENALTY, true, Duration.ZERO,
        Map.of("query.timeout", "2m"), "", "0.1.0");
    api = new PrometheusApi(config, InstantSource.fixed(Instant.ofEpochSecond(600))).start("127.0.0.1", 0);
    base = "http://127.0.0.1:" + api.port();
  }

  @AfterAll
  static void stop() {
    api.close();
  }

  static Resp get(String pathAndQuery) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + pathAndQuery)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    return new Resp(r.statusCode(), r.body());
  }

  static Resp post(String pathAndQuery, String form) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + pathAndQuery))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(form)).build(),
        HttpResponse.BodyHandlers.ofString());
    return new Resp(r.statusCode(), r.body());
  }

  /** Queries exclude the broken store, which only storeMatch[] tests bring in. */
  static final String HEALTHY = "&storeMatch[]=%7B__address__%3D~%22(eu%7Cus).*%22%7D";

  @Test
  void grafanaHealthCheckIsAPostedFormWithOnePlusOneAtTimeFour() throws Exception {
    Resp r = post("/api/v1/query", "query=1%2B1&time=4");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[4,\"2\"]}}");
  }

  @Test
  void stringAndScalarTimestampsAreGoFloatsAndStringsAreHtmlEscaped() throws Exception {
    assertThat(get("/api/v1/query?query=%22a%3Cb%22&time=1.5").body())
        .isEqualTo("{\"status\":\"success\",\"data\":{\"resultType\":\"string\",\"result\":[1.5,\"a\\u003cb\"]}}");
    assertThat(get("/api/v1/query?query=1e-7&time=0.001").body())
        .isEqualTo("{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[0.001,\"0.0000001\"]}}");
    assertThat(get("/api/v1/query?query=vector(1e-7)&time=1.5").body())
        .isEqualTo("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},\"value\":[1.500,\"1e-07\"]}]}}");
  }

  @Test
  void instantVectorIsDeduplicatedByTheReplicaLabel() throws Exception {
    Resp r = get("/api/v1/query?query=up&time=60.5" + HEALTHY);
    assertThat(r.body()).isEqualTo("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
        + "{\"metric\":{\"__name__\":\"up\",\"cluster\":\"eu\",\"instance\":\"a\",\"job\":\"api\"},\"value\":[60.500,\"1\"]}]}}");
  }

  @Test
  void dedupFalseReturnsBothReplicasWithTheirLabel() throws Exception {
    Resp r = get("/api/v1/query?query=up&time=60" + HEALTHY + "&dedup=false");
    assertThat(r.body()).isEqualTo("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
        + "{\"metric\":{\"__name__\":\"up\",\"cluster\":\"eu\",\"instance\":\"a\",\"job\":\"api\",\"replica\":\"0\"},\"value\":[60,\"1\"]},"
        + "{\"metric\":{\"__name__\":\"up\",\"cluster\":\"eu\",\"instance\":\"a\",\"job\":\"api\",\"replica\":\"1\"},\"value\":[60,\"1\"]}]}}");
  }

  @Test
  void replicaLabelsParameterOverridesTheFlag() throws Exception {
    // Deduplicating by "cluster" instead merges nothing (the replicas differ by "replica") and drops "cluster".
    Resp r = get("/api/v1/query?query=up&time=60" + HEALTHY + "&replicaLabels[]=cluster");
    assertThat(r.body()).contains("{\"__name__\":\"up\",\"instance\":\"a\",\"job\":\"api\",\"replica\":\"0\"}")
        .contains("{\"__name__\":\"up\",\"instance\":\"a\",\"job\":\"api\",\"replica\":\"1\"}")
        .doesNotContain("cluster");
  }

  @Test
  void dedupFillsEachReplicasGapFromTheOther() throws Exception {
    // Replica 1 lacks 0..45 s, replica 0 lacks 60..105 s. Penalty dedup stays on replica 0 and
    // skips replica 1's samples within twice the last scrape interval (Thanos's penalty), so 60
    // and 75 s see the last value (lookback) and replica 1 takes over from 90 s.
    Resp r = get("/api/v1/query_range?query=http_requests_total&start=0&end=120&step=15" + HEALTHY);
    assertThat(r.body()).isEqualTo("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
        + "{\"metric\":{\"__name__\":\"http_requests_total\",\"cluster\":\"eu\",\"job\":\"api\"},\"values\":["
        + "[0,\"0\"],[15,\"3\"],[30,\"6\"],[45,\"9\"],[60,\"9\"],[75,\"9\"],[90,\"18\"],[105,\"21\"],[120,\"24\"]]}]}}");
  }

  @Test
  void rangeQueryMatrixWithNaNAndExponents() throws Exception {
    Resp r = post("/api/v1/query_range", "query=weird&start=0&end=45&step=15" + HEALTHY);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
        + "{\"metric\":{\"__name__\":\"weird\",\"cluster\":\"us\",\"job\":\"x\"},\"values\":["
        + "[0,\"0\"],[15,\"1e-07\"],[30,\"NaN\"],[45,\"3e-07\"]]}]}}");
  }

  @Test
  void badQueryIsBadDataWithPrometheusMessage() throws Exception {
    Resp r = get("/api/v1/query?query=1%2B&time=4");
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.body()).isEqualTo(
        "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"invalid parameter \\\"query\\\": 1:3: parse error: unexpected end of input\"}");
  }

  @Test
  void badParametersAreBadData() throws Exception {
    assertThat(get("/api/v1/query?time=abc&query=1")).isEqualTo(new Resp(400,
        "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"invalid parameter \\\"time\\\": Invalid time value for 'time': cannot parse \\\"abc\\\" to a valid timestamp\"}"));
    assertThat(get("/api/v1/query_range?query=1&start=0&end=10&step=0")).isEqualTo(new Resp(400,
        "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"invalid parameter \\\"step\\\": zero or negative query resolution step widths are not accepted. Try a positive integer\"}"));
    assertThat(get("/api/v1/query_range?query=1&start=x&end=10&step=1")).isEqualTo(new Resp(400,
        "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"invalid parameter \\\"start\\\": cannot parse \\\"x\\\" to a valid timestamp\"}"));
    assertThat(get("/api/v1/query_range?query=1&start=0&end=100000&step=1")).isEqualTo(new Resp(400,
        "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)\"}"));
    assertThat(get("/api/v1/series")).isEqualTo(new Resp(400,
        "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"no match[] parameter provided\"}"));
    // Metadata requests with end before start: Thanos's message, not a Store API request check's.
    String endBeforeStart =
        "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"end timestamp must not be before start time\"}";
    assertThat(get("/api/v1/labels?start=20&end=10")).isEqualTo(new Resp(400, endBeforeStart));
    assertThat(get("/api/v1/label/job/values?start=20&end=10")).isEqualTo(new Resp(400, endBeforeStart));
    assertThat(get("/api/v1/series?match[]=up&start=20&end=10")).isEqualTo(new Resp(400, endBeforeStart));
  }

  @Test
  void customParametersInTheUrlOfAPostAreHonoured() throws Exception {
    // Grafana's custom query parameters: in the URL, the query itself in the form body.
    Resp r = post("/api/v1/query?dedup=false&partial_response=true&max_source_resolution=auto" + HEALTHY,
        "query=count(up)&time=60");
    assertThat(r.body()).isEqualTo("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
        + "{\"metric\":{},\"value\":[60,\"2\"]}]}}");
    Resp bad = post("/api/v1/query?dedup=maybe", "query=up&time=60");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.body()).contains("\"errorType\":\"bad_data\"");
  }

  @Test
  void partialResponseTurnsAFailedStoreIntoAWarning() throws Exception {
    Resp r = get("/api/v1/query?query=up&time=60&partial_response=true");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
        + "{\"metric\":{\"__name__\":\"up\",\"cluster\":\"eu\",\"instance\":\"a\",\"job\":\"api\"},\"value\":[60,\"1\"]}]},"
        + "\"warnings\":[\"store broken:10901: connection refused\"]}");
  }

  @Test
  void withoutPartialResponseAFailedStoreFailsTheQuery() throws Exception {
    Resp r = get("/api/v1/query?query=up&time=60&partial_response=false");
    assertThat(r.status()).isEqualTo(422);
    assertThat(r.body()).startsWith("{\"status\":\"error\",\"errorType\":\"execution\",\"error\":\"")
        .contains("store broken:10901: connection refused");
  }

  @Test
  void labelValuesWithLimitAsGrafanaAsksForMetricNames() throws Exception {
    Resp r = get("/api/v1/label/__name__/values?start=0&end=600&limit=2" + HEALTHY);
    assertThat(r.body()).isEqualTo("{\"status\":\"success\",\"data\":[\"http_requests_total\",\"temp\"],"
        + "\"warnings\":[\"results truncated due to limit\"]}");
    Resp all = get("/api/v1/label/__name__/values?match[]=%7Bjob%3D%22x%22%7D" + HEALTHY);
    assertThat(all.body()).isEqualTo("{\"status\":\"success\",\"data\":[\"temp\",\"weird\"]}");
    // The replica label is removed with dedup on.
    assertThat(get("/api/v1/label/replica/values?" + HEALTHY.substring(1)).body())
        .isEqualTo("{\"status\":\"success\",\"data\":[]}");
    assertThat(get("/api/v1/label/replica/values?dedup=false" + HEALTHY).body())
        .isEqualTo("{\"status\":\"success\",\"data\":[\"0\",\"1\"]}");
  }

  @Test
  void labelNamesPostedWithMatchers() throws Exception {
    Resp r = post("/api/v1/labels", "match[]=up" + HEALTHY);
    assertThat(r.body()).isEqualTo("{\"status\":\"success\",\"data\":[\"__name__\",\"cluster\",\"instance\",\"job\"]}");
  }

  @Test
  void seriesWithMatch() throws Exception {
    Resp r = get("/api/v1/series?match[]=up&match[]=temp&start=0&end=600" + HEALTHY);
    assertThat(r.body()).isEqualTo("{\"status\":\"success\",\"data\":["
        + "{\"__name__\":\"temp\",\"cluster\":\"us\",\"job\":\"x\"},"
        + "{\"__name__\":\"up\",\"cluster\":\"eu\",\"instance\":\"a\",\"job\":\"api\"}]}");
    Resp posted = post("/api/v1/series", "match[]=%7B__name__%3D~%22up%7Ctemp%22%7D&start=0&end=600" + HEALTHY);
    assertThat(posted.body()).isEqualTo(r.body());
    Resp empty = get("/api/v1/series?match[]=%7Bjob%3D~%22.*%22%7D");
    assertThat(empty.body()).isEqualTo(
        "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"match[] must contain at least one non-empty matcher\"}");
  }

  @Test
  void emptyAnswersAndStatus() throws Exception {
    assertThat(get("/api/v1/rules").body()).isEqualTo("{\"status\":\"success\",\"data\":{\"groups\":[]}}");
    assertThat(get("/api/v1/alerts").body()).isEqualTo("{\"status\":\"success\",\"data\":{\"alerts\":[]}}");
    assertThat(get("/api/v1/metadata").body()).isEqualTo("{\"status\":\"success\",\"data\":{}}");
    assertThat(get("/api/v1/query_exemplars?query=test&start=0&end=1").body()).isEqualTo("{\"status\":\"success\",\"data\":[]}");
    assertThat(get("/api/v1/status/flags").body()).isEqualTo("{\"status\":\"success\",\"data\":{\"query.timeout\":\"2m\"}}");
    assertThat(get("/api/v1/status/buildinfo").body()).startsWith("{\"status\":\"success\",\"data\":{\"version\":\"0.1.0\",")
        .doesNotContain("features");
    assertThat(get("/api/v1/status/runtimeinfo").body()).contains("\"startTime\":\"1970-01-01T00:10:00Z\"");
    assertThat(get("/-/healthy").status()).isEqualTo(200);
    assertThat(get("/-/ready").status()).isEqualTo(200);
  }

  @Test
  void stringsAreEscapedAsGoDoes() throws IOException {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    try (com.fasterxml.jackson.core.JsonGenerator g = PromJson.generator(out)) {
      g.writeStartArray();
      g.writeString("a<b>&\"\\\n\r\t\u0001\u001f\u2028\u2029\u00e9\u65e5");
      g.writeEndArray();
    }
    assertThat(out.toString(java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo("[\"a\\u003cb\\u003e\\u0026\\\"\\\\\\n\\r\\t\\u0001\\u001f\\u2028\\u2029\u00e9\u65e5\"]");
  }

  @Test
  void floatFormatsFollowGo() {
    assertThat(PromJson.sampleValue(1)).isEqualTo("1");
    assertThat(PromJson.sampleValue(-0.0)).isEqualTo("-0");
    assertThat(PromJson.sampleValue(0.1)).isEqualTo("0.1");
    assertThat(PromJson.sampleValue(1e20)).isEqualTo("100000000000000000000");
    assertThat(PromJson.sampleValue(1e21)).isEqualTo("1e+21");
    assertThat(PromJson.sampleValue(-1.5e-7)).isEqualTo("-1.5e-07");
    assertThat(PromJson.sampleValue(Double.POSITIVE_INFINITY)).isEqualTo("+Inf");
    assertThat(PromJson.sampleValue(Double.NEGATIVE_INFINITY)).isEqualTo("-Inf");
    assertThat(PromJson.formatF(1e-7)).isEqualTo("0.0000001");
    // Subnormals: Go's shortest digits (5e-324), not Double.toString's two digits (4.9E-324).
    assertThat(PromJson.sampleValue(Double.MIN_VALUE)).isEqualTo("5e-324");
    assertThat(PromJson.sampleValue(-3 * Double.MIN_VALUE)).isEqualTo("-1.5e-323");
    assertThat(PromJson.formatF(Double.MIN_VALUE)).isEqualTo("0." + "0".repeat(323) + "5");
    assertThat(PromJson.timestamp(1_500)).isEqualTo("1.500");
    assertThat(PromJson.timestamp(-1_005)).isEqualTo("-1.005");
    assertThat(PromJson.goJsonFloat(1e-7)).isEqualTo("1e-7");
    assertThat(PrometheusApi.parseTime("1.5")).isEqualTo(1500);
    assertThat(PrometheusApi.parseTime("1970-01-01T00:00:04Z")).isEqualTo(4000);
    assertThat(PrometheusApi.parseDuration("1m")).isEqualTo(60_000);
    assertThat(PrometheusApi.parseDuration("0.25")).isEqualTo(250);
  }

  private static List<String> fieldNames(com.fasterxml.jackson.databind.JsonNode n) {
    List<String> out = new ArrayList<>();
    n.fieldNames().forEachRemaining(out::add);
    return out;
  }

  @Test
  void statsAllHasPrometheusShapeWithSamplesPerStep() throws Exception {
    Resp r = get("/api/v1/query_range?query=temp&start=0&end=60&step=30&stats=all");
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    var root = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body());
    var data = root.path("data");
    assertThat(fieldNames(data)).containsExactly("resultType", "result", "stats");
    var stats = data.path("stats");
    assertThat(fieldNames(stats)).containsExactly("timings", "samples");
    assertThat(fieldNames(stats.path("timings"))).containsExactly("evalTotalTime", "resultSortTime",
        "queryPreparationTime", "innerEvalTime", "execQueueTime", "execTotalTime");
    stats.path("timings").forEach(t -> assertThat(t.isNumber()).isTrue());
    assertThat(fieldNames(stats.path("samples")))
        .containsExactly("totalQueryableSamplesPerStep", "totalQueryableSamples", "peakSamples");
    // temp has a sample every 15 s: 0 goes to the step at 0, 15 and 30 to the one at 30, 45 and 60 to 60.
    assertThat(stats.path("samples").path("totalQueryableSamplesPerStep").toString())
        .isEqualTo("[[0,1],[30,2],[60,2]]");
    assertThat(stats.path("samples").path("totalQueryableSamples").asLong()).isEqualTo(5);
    assertThat(stats.path("samples").path("peakSamples").asLong()).isEqualTo(5);
  }

  @Test
  void statsTrueHasNoPerStepSamplesAndNoStatsParamNoStats() throws Exception {
    Resp r = get("/api/v1/query?query=temp&time=60&stats=true");
    var stats = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body()).path("data").path("stats");
    assertThat(fieldNames(stats.path("samples"))).containsExactly("totalQueryableSamples", "peakSamples");
    // An instant selector reads the samples of its lookback window: 0, 15, ..., 60.
    assertThat(stats.path("samples").path("totalQueryableSamples").asLong()).isEqualTo(5);
    Resp plain = get("/api/v1/query?query=temp&time=60");
    assertThat(plain.body()).doesNotContain("stats");
  }
}
