package dev.hypnos.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.storage.MemoryStorage;
import dev.hypnos.storeapi.GrpcServers;
import dev.hypnos.storeapi.InfoGrpcService;
import dev.hypnos.storeapi.QueryableStoreApi;
import dev.hypnos.storeapi.StoreGrpcService;
import io.grpc.Server;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code hypnos query} over two HA replicas served by real gRPC Store API servers on loopback. */
class QueryCommandTest {
  static Server replica(String r) throws Exception {
    MemoryStorage st = new MemoryStorage();
    for (int i = 0; i <= 20; i++) {
      st.append(Labels.of("__name__", "up", "job", "api"), i * 15_000L, 1);
    }
    QueryableStoreApi api = new QueryableStoreApi(st, Labels.of("cluster", "eu", "replica", r));
    return GrpcServers.start("127.0.0.1:0",
        List.of(new StoreGrpcService(api), new InfoGrpcService(api, InfoGrpcService.COMPONENT_SIDECAR)));
  }

  @Test
  void queriesTheEndpointsDeduplicatesAndStops() throws Exception {
    Server r0 = replica("0");
    Server r1 = replica("1");
    try {
      QueryCommand cmd = new QueryCommand();
      new CommandLine(cmd).parseArgs("--http-address=127.0.0.1:0", "--grpc-address=127.0.0.1:0",
          "--endpoint=127.0.0.1:" + r0.getPort(), "--endpoint=127.0.0.1:" + r1.getPort(),
          "--query.replica-label=replica", "--store.response-timeout=10s");
      HttpClient http = HttpClient.newHttpClient();
      try (QueryCommand.Running q = cmd.start()) {
        String base = "http://127.0.0.1:" + q.api.port();
        String body = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/query?query=up&time=60")).build(),
            HttpResponse.BodyHandlers.ofString()).body();
        assertThat(body).isEqualTo("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
            + "{\"metric\":{\"__name__\":\"up\",\"cluster\":\"eu\",\"job\":\"api\"},\"value\":[60,\"1\"]}]}}");
        String stores = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/stores")).build(),
            HttpResponse.BodyHandlers.ofString()).body();
        assertThat(stores).startsWith("{\"status\":\"success\",\"data\":{\"sidecar\":[")
            .contains("\"name\":\"127.0.0.1:" + r0.getPort() + "\"")
            .contains("\"labelSets\":[{\"cluster\":\"eu\",\"replica\":\"1\"}]");
        String metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
            HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).contains("hypnos_http_requests_total{handler=\"/api/v1/query\",code=\"200\"} 1")
            .contains("hypnos_query_stores 2");
        String flags = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/status/flags")).build(),
            HttpResponse.BodyHandlers.ofString()).body();
        assertThat(flags).contains("\"query.replica-label\":\"replica\"");
      }
    } finally {
      GrpcServers.shutdown(r0, Duration.ofSeconds(2));
      GrpcServers.shutdown(r1, Duration.ofSeconds(2));
    }
  }

  @Test
  void enableFeatureTurnsOnExperimentalFunctionsAndRejectsUnknownNames() throws Exception {
    Server r0 = replica("0");
    try {
      HttpClient http = HttpClient.newHttpClient();
      String query = "/api/v1/query?time=60&query=" + java.net.URLEncoder.encode("sort_by_label(up, \"job\")",
          java.nio.charset.StandardCharsets.UTF_8);
      for (boolean on : new boolean[] {false, true}) {
        QueryCommand cmd = new QueryCommand();
        List<String> args = new java.util.ArrayList<>(List.of("--http-address=127.0.0.1:0",
            "--grpc-address=127.0.0.1:0", "--endpoint=127.0.0.1:" + r0.getPort()));
        if (on) {
          args.add("--enable-feature=promql-experimental-functions,promql-duration-expr");
        }
        new CommandLine(cmd).parseArgs(args.toArray(String[]::new));
        try (QueryCommand.Running q = cmd.start()) {
          HttpResponse<String> r = http.send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + q.api.port() + query)).build(), HttpResponse.BodyHandlers.ofString());
          if (on) {
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
          } else {
            assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
            assertThat(r.body()).contains("bad_data", "function \\\"sort_by_label\\\" is not enabled");
          }
        }
      }
      QueryCommand bad = new QueryCommand();
      new CommandLine(bad).parseArgs("--enable-feature=promql-nonsense", "--http-address=127.0.0.1:0");
      org.assertj.core.api.Assertions.assertThatThrownBy(bad::start)
          .isInstanceOf(CommandLine.ParameterException.class)
          .hasMessageContaining("--enable-feature").hasMessageContaining("promql-nonsense");
    } finally {
      GrpcServers.shutdown(r0, Duration.ofSeconds(2));
    }
  }
}
