package dev.hypnos.objstore.s3;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback HTTP server that records every request and answers like S3 would to a PUT (200 with
 * an ETag), or with {@code 500 InternalError} for the first {@code failures} requests. It lets a
 * test see the exact headers the SDK sends (S3Proxy rejects SSE headers) and count retries.
 */
final class RecordingHttpServer implements AutoCloseable {
  record Request(String method, String path, Map<String, String> headers, long bodyLength) {
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  private final HttpServer server;
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final AtomicInteger failures;

  RecordingHttpServer(int failures) throws IOException {
    this.failures = new AtomicInteger(failures);
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  private void handle(HttpExchange exchange) throws IOException {
    long length;
    try (InputStream body = exchange.getRequestBody()) {
      length = body.transferTo(OutputStream.nullOutputStream());
    }
    Map<String, String> headers = new TreeMap<>();
    exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), String.join(",", v)));
    requests.add(new Request(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(), headers, length));
    if (failures.getAndDecrement() > 0) {
      byte[] xml =
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>InternalError</Code><Message>injected failure</Message></Error>"
              .getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/xml");
      exchange.sendResponseHeaders(500, xml.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(xml);
      }
      return;
    }
    exchange.getResponseHeaders().add("ETag", "\"0123456789abcdef0123456789abcdef\"");
    exchange.sendResponseHeaders(200, -1);
    exchange.close();
  }

  String hostPort() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  List<Request> requests() {
    return List.copyOf(requests);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
