package dev.hypnos.testing;

import dev.hypnos.core.labels.Label;
import dev.hypnos.core.labels.Labels;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real Prometheus server (the Debian 2.42 package's {@code /usr/bin/prometheus}) on loopback
 * for tests: its own data directory (which may be pre-filled with promtool blocks), a generated
 * configuration with the given external labels and a long retention so old blocks survive.
 * {@link #close} stops the process (and only it).
 */
public final class PrometheusServer implements AutoCloseable {
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
  private final Process process;
  private final Path dataDir;
  private final Path logFile;
  private final int port;

  private PrometheusServer(Process process, Path dataDir, Path logFile, int port) {
    this.process = process;
    this.dataDir = dataDir;
    this.logFile = logFile;
    this.port = port;
  }

  /** Looks for {@code /usr/bin/prometheus}. */
  public static Optional<Path> find() {
    Path fixed = Path.of("/usr/bin/prometheus");
    return Files.isExecutable(fixed) ? Optional.of(fixed) : Optional.empty();
  }

  /** Like {@link #find} but fails with a message saying how to install Prometheus. */
  public static Path require() {
    return find().orElseThrow(() -> new IllegalStateException(
        "prometheus was not found at /usr/bin/prometheus; install it with: apt-get install -y prometheus"));
  }

  /**
   * Starts Prometheus on {@code dataDir} (created when missing) and waits until {@code /-/ready}
   * answers 200.
   *
   * @param externalLabels {@code global.external_labels}; empty for none
   * @param extraFlags more command-line flags, e.g. {@code --storage.tsdb.min-block-duration=5m}
   */
  public static PrometheusServer start(Path dataDir, Labels externalLabels, List<String> extraFlags) throws IOException {
    Path exe = require();
    Files.createDirectories(dataDir);
    Path work = Files.createTempDirectory("hypnos-prometheus");
    Path config = work.resolve("prometheus.yml");
    writeConfig(config, externalLabels);
    int port = freePort();
    Path log = work.resolve("prometheus.log");
    List<String> cmd = new ArrayList<>(List.of(exe.toString(),
        "--config.file=" + config,
        "--storage.tsdb.path=" + dataDir,
        "--storage.tsdb.retention.time=100000d",
        "--web.listen-address=127.0.0.1:" + port,
        "--web.enable-lifecycle"));
    cmd.addAll(extraFlags);
    Process p = new ProcessBuilder(cmd)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .start();
    PrometheusServer server = new PrometheusServer(p, dataDir, log, port);
    try {
      server.awaitReady();
    } catch (IOException | RuntimeException e) {
      server.close();
      throw e;
    }
    return server;
  }

  private static void writeConfig(Path config, Labels externalLabels) throws IOException {
    StringBuilder yml = new StringBuilder("global:\n  scrape_interval: 15s\n");
    if (!externalLabels.isEmpty()) {
      yml.append("  external_labels:\n");
      for (Label l : externalLabels) {
        yml.append("    ").append(l.name()).append(": ");
        Labels.quoteGo(yml, l.value());
        yml.append('\n');
      }
    }
    Files.writeString(config, yml, StandardCharsets.UTF_8);
  }

  /**
   * Rewrites the configuration with other external labels and makes Prometheus reload it
   * ({@code POST /-/reload}; the server runs with {@code --web.enable-lifecycle}).
   */
  public void reloadWithExternalLabels(Labels externalLabels) throws IOException {
    writeConfig(logFile.resolveSibling("prometheus.yml"), externalLabels);
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url() + "/-/reload"))
          .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new IOException("reload Prometheus at " + url() + ": HTTP status " + r.statusCode() + ": " + r.body());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("reload Prometheus at " + url() + ": interrupted", e);
    }
  }

  private void awaitReady() throws IOException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("start Prometheus on " + dataDir + ": it exited with code " + process.exitValue()
            + ": " + output());
      }
      try {
        HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(url() + "/-/ready"))
            .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("wait for Prometheus at " + url() + ": interrupted", e);
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("wait for Prometheus at " + url() + ": interrupted", e);
      }
    }
    throw new IOException("start Prometheus at " + url() + ": not ready after " + READY_TIMEOUT + ": " + output());
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** The base URL, {@code http://127.0.0.1:PORT}. */
  public URI url() {
    return URI.create("http://127.0.0.1:" + port);
  }

  public int port() {
    return port;
  }

  public Path dataDir() {
    return dataDir;
  }

  /** What Prometheus logged so far (the last 8000 characters). */
  public String output() {
    try {
      String s = Files.readString(logFile, StandardCharsets.UTF_8);
      return s.length() <= 8000 ? s : "..." + s.substring(s.length() - 8000);
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  @Override
  public void close() throws IOException {
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    Path work = Objects.requireNonNull(logFile.getParent());
    Promtool.deleteTree(work);
  }

  @Override
  public String toString() {
    return "PrometheusServer{" + url() + ", " + dataDir + "}";
  }
}
