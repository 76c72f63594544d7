package dev.hypnos.core.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class OpsHttpServerTest {
  private final HttpClient client = HttpClient.newHttpClient();
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final AtomicReference<Optional<String>> readiness = new AtomicReference<>(Optional.of("initial sync running"));
  private OpsHttpServer server;

  @BeforeEach
  void start() throws IOException {
    server = OpsHttpServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), registry, readiness::get);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return send(HttpRequest.newBuilder(uri(path)).GET().build());
  }

  private HttpResponse<String> send(HttpRequest r) throws Exception {
    return client.send(r, HttpResponse.BodyHandlers.ofString());
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.address().getPort() + path);
  }

  @Test
  void healthyAnswersOk() throws Exception {
    HttpResponse<String> r = get("/-/healthy");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("OK\n");
  }

  @Test
  void readyFollowsTheCheckAndNamesTheReason() throws Exception {
    HttpResponse<String> notReady = get("/-/ready");
    assertThat(notReady.statusCode()).isEqualTo(503);
    assertThat(notReady.body()).contains("initial sync running");

    readiness.set(Optional.empty());
    HttpResponse<String> ready = get("/-/ready");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.body()).isEqualTo("OK\n");

    readiness.set(Optional.of("object store down"));
    assertThat(get("/-/ready").statusCode()).isEqualTo(503);
    readiness.set(Optional.empty());
    assertThat(get("/-/ready").statusCode()).isEqualTo(200);
  }

  @Test
  void readyFailsOnceMarkedNotReady() throws Exception {
    readiness.set(Optional.empty());
    server.markNotReady("shutting down");
    HttpResponse<String> r = get("/-/ready");
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.body()).contains("shutting down");
  }

  @Test
  void aThrowingCheckIsNotReadyRatherThanAnError() throws Exception {
    server.close();
    server = OpsHttpServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), registry, () -> {
      throw new IllegalStateException("boom");
    });
    HttpResponse<String> r = get("/-/ready");
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.body()).contains("boom");
  }

  @Test
  void metricsServesTheRegistryInTextFormat() throws Exception {
    Counter c = Counter.builder().name("hypnos_test_events_total").help("Events seen by the test.")
        .labelNames("kind").register(registry);
    c.labelValues("a").inc(3);
    JvmMetrics.builder().register(registry);
    HttpResponse<String> r = get("/metrics");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
    assertThat(r.body())
        .contains("# TYPE hypnos_test_events_total counter")
        .contains("hypnos_test_events_total{kind=\"a\"} 3.0")
        .contains("jvm_memory_used_bytes");
  }

  @Test
  void unknownPathsAndMethodsAreRejected() throws Exception {
    assertThat(get("/nope").statusCode()).isEqualTo(404);
    HttpResponse<String> post = send(HttpRequest.newBuilder(uri("/-/healthy"))
        .POST(HttpRequest.BodyPublishers.ofString("x")).build());
    assertThat(post.statusCode()).isEqualTo(405);
    HttpResponse<String> head = send(HttpRequest.newBuilder(uri("/-/healthy"))
        .method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
  }

  @Test
  void stopClosesTheListener() throws Exception {
    int port = server.address().getPort();
    server.stop(Duration.ofMillis(100));
    assertThatThrownBy(() -> client.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/-/healthy")).build(),
        HttpResponse.BodyHandlers.ofString())).isInstanceOf(IOException.class);
  }

  @Test
  void bindingAnAddressInUseNamesIt() {
    InetSocketAddress taken = new InetSocketAddress(InetAddress.getLoopbackAddress(), server.address().getPort());
    assertThatThrownBy(() -> OpsHttpServer.start(taken, registry, ReadinessCheck.ALWAYS))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("bind HTTP address 127.0.0.1:" + taken.getPort());
  }
}
