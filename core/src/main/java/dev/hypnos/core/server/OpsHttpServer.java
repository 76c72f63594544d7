package dev.hypnos.core.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The operations HTTP endpoint of a Hypnos server, on the JDK's built-in HTTP server:
 *
 * <ul>
 *   <li>{@code GET /metrics}: the registry in the Prometheus text format (version 0.0.4);
 *   <li>{@code GET /-/healthy}: 200 {@code OK} while the process runs;
 *   <li>{@code GET /-/ready}: 200 {@code OK} when the readiness check passes, 503 with the reason
 *       otherwise, and 503 from the moment {@link #stop} begins, so load balancers drain first.
 * </ul>
 *
 * Other paths answer 404; methods other than GET and HEAD answer 405.
 *
 * <p>Concurrency: thread-safe. Requests run on a small pool of daemon threads.
 */
public final class OpsHttpServer implements Stoppable, AutoCloseable {
  private static final System.Logger LOG = System.getLogger(OpsHttpServer.class.getName());
  private static final int WORKERS = 4;

  private final HttpServer server;
  private final ExecutorService workers;
  private final PrometheusRegistry registry;
  private final ReadinessCheck readiness;
  private final PrometheusTextFormatWriter textFormat = PrometheusTextFormatWriter.create();
  private volatile @Nullable String stoppingReason;
  private volatile boolean stopped;

  private OpsHttpServer(HttpServer server, PrometheusRegistry registry, ReadinessCheck readiness) {
    this.server = server;
    this.registry = registry;
    this.readiness = readiness;
    this.workers = Executors.newFixedThreadPool(WORKERS, r -> {
      Thread t = new Thread(r, "ops-http");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(workers);
    server.createContext("/", this::dispatch);
  }

  /**
   * Binds {@code address} (port 0 picks a free port, see {@link #address()}) and starts serving.
   *
   * @throws IOException when the address cannot be bound; the message names it
   */
  public static OpsHttpServer start(InetSocketAddress address, PrometheusRegistry registry, ReadinessCheck readiness)
      throws IOException {
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(readiness, "readiness");
    HttpServer http;
    try {
      http = HttpServer.create(address, 64);
    } catch (IOException e) {
      throw new IOException("bind HTTP address " + HostPort.format(address) + ": " + e.getMessage(), e);
    }
    OpsHttpServer s = new OpsHttpServer(http, registry, readiness);
    http.start();
    LOG.log(System.Logger.Level.INFO, "listening for HTTP (metrics, health, readiness) on {0}",
        HostPort.format(s.address()));
    return s;
  }

  /** The bound address, with the actual port when started on port 0. */
  public InetSocketAddress address() {
    return server.getAddress();
  }

  /** Makes {@code /-/ready} fail with {@code reason} from now on (used when a shutdown begins). */
  public void markNotReady(String reason) {
    stoppingReason = Objects.requireNonNull(reason, "reason");
  }

  @Override
  public void stop(Duration grace) {
    if (stopped) {
      return;
    }
    stopped = true;
    markNotReady("shutting down");
    // HttpServer.stop waits for exchanges in flight up to whole seconds; round up.
    int seconds = (int) Math.min(Integer.MAX_VALUE, Math.max(0, (grace.toMillis() + 999) / 1000));
    server.stop(seconds);
    workers.shutdown();
    try {
      if (!workers.awaitTermination(Math.max(1, grace.toMillis()), TimeUnit.MILLISECONDS)) {
        workers.shutdownNow();
      }
    } catch (InterruptedException e) {
      workers.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  /** Stops at once, abandoning requests in flight. */
  @Override
  public void close() {
    stop(Duration.ZERO);
  }

  private void dispatch(HttpExchange ex) throws IOException {
    try (ex) {
      String method = ex.getRequestMethod();
      boolean head = "HEAD".equals(method);
      if (!head && !"GET".equals(method)) {
        ex.getResponseHeaders().set("Allow", "GET, HEAD");
        respond(ex, 405, "text/plain; charset=utf-8", ("method " + method + " not allowed\n").getBytes(StandardCharsets.UTF_8), false);
        return;
      }
      String path = ex.getRequestURI().getPath();
      switch (path) {
        case "/metrics" -> metrics(ex, head);
        case "/-/healthy" -> respond(ex, 200, "text/plain; charset=utf-8", "OK\n".getBytes(StandardCharsets.UTF_8), head);
        case "/-/ready" -> ready(ex, head);
        default -> respond(ex, 404, "text/plain; charset=utf-8", ("no endpoint " + path + "\n").getBytes(StandardCharsets.UTF_8), head);
      }
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "serve HTTP request " + ex.getRequestURI() + ": " + e, e);
      throw e;
    }
  }

  private void metrics(HttpExchange ex, boolean head) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream(16 * 1024);
    textFormat.write(buf, registry.scrape());
    respond(ex, 200, PrometheusTextFormatWriter.CONTENT_TYPE, buf.toByteArray(), head);
  }

  private void ready(HttpExchange ex, boolean head) throws IOException {
    String stopping = stoppingReason;
    Optional<String> reason;
    if (stopping != null) {
      reason = Optional.of(stopping);
    } else {
      try {
        reason = readiness.notReadyReason();
      } catch (RuntimeException e) {
        reason = Optional.of("readiness check threw " + e);
      }
    }
    if (reason.isEmpty()) {
      respond(ex, 200, "text/plain; charset=utf-8", "OK\n".getBytes(StandardCharsets.UTF_8), head);
    } else {
      respond(ex, 503, "text/plain; charset=utf-8",
          ("not ready: " + reason.get() + "\n").getBytes(StandardCharsets.UTF_8), head);
    }
  }

  private static void respond(HttpExchange ex, int status, String contentType, byte[] body, boolean head)
      throws IOException {
    ex.getResponseHeaders().set("Content-Type", contentType);
    if (head) {
      ex.sendResponseHeaders(status, -1);
      return;
    }
    ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }
}
