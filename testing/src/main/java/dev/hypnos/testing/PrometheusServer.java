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
  private final List<String> command;
  private final Path dataDir;
  private final Path logFile;
  private final int port;
  private volatile Process process;

  private PrometheusServer(List<String> command, Process process, Path dataDir, Path logFile, int port) {
    this.command = List.copyOf(command);
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
    return start(dataDir, freePort(), configYaml(externalLabels), extraFlags);
  }

  /**
   * Starts Prometheus on {@code dataDir} listening on {@code 127.0.0.1:port} with the given
   * configuration file content (scrape configs, external labels), and waits until it is ready.
   */
  public static PrometheusServer start(Path dataDir, int port, String configYaml, List<String> extraFlags)
      throws IOException {
    Path exe = require();
    Files.createDirectories(dataDir);
    Path work = Files.createTempDirectory("hypnos-prometheus");
    Path config = work.resolve("prometheus.yml");
    Files.writeString(config, configYaml, StandardCharsets.UTF_8);
    Path log = work.resolve("prometheus.log");
    List<String> cmd = new ArrayList<>(List.of(exe.toString(),
        "--config.file=" + config,
        "--storage.tsdb.path=" + dataDir,
        "--storage.tsdb.retention.time=100000d",
        "--web.listen-address=127.0.0.1:" + port,
        "--web.enable-lifecycle"));
    cmd.addAll(extraFlags);
    PrometheusServer server = new PrometheusServer(cmd, launch(cmd, log), dataDir, log, port);
    try {
      server.awaitReady();
    } catch (IOException | RuntimeException e) {
      server.close();
      throw e;
    }
    return server;
  }

  private static Process launch(List<String> cmd, Path log) throws IOException {
    return new ProcessBuilder(cmd)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .start();
  }

  /**
   * Stops the process (SIGTERM, then SIGKILL after 20 s) and keeps its data directory,
   * configuration and port for {@link #restart}.
   */
  public void stop() {
    Process p = process;
    p.destroy();
    try {
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /** Starts a stopped server again with the same flags, data and port; waits until ready. */
  public void restart() throws IOException {
    if (process.isAlive()) {
      throw new IllegalStateException("restart Prometheus at " + url() + ": it is still running");
    }
    process = launch(command, logFile);
    awaitReady();
  }

  /** Whether the process runs. */
  public boolean isRunning() {
    return process.isAlive();
  }

  private static String configYaml(Labels externalLabels) {
    StringBuilder yml = new StringBuilder("global:\n  scrape_interval: 15s\n");
    if (!externalLabels.isEmpty()) {
      yml.append("  external_labels:\n");
      for (Label l : externalLabels) {
        yml.append("    ").append(l.name()).append(": ");
        Labels.quoteGo(yml, l.value());
        yml.append('\n');
      }
    }
    return yml.toString();
  }

  /**
   * Rewrites the configuration with other external labels and makes Prometheus reload it
   * ({@code POST /-/reload}; the server runs with {@code --web.enable-lifecycle}).
   */
  public void reloadWithExternalLabels(Labels externalLabels) throws IOException {
    Files.writeString(logFile.resolveSibling("prometheus.yml"), configYaml(externalLabels), StandardCharsets.UTF_8);
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

  /** A free TCP port on loopback (free when asked; another process may take it before it is used). */
  public static int freePort() throws IOException {
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
    stop();
    Path work = Objects.requireNonNull(logFile.getParent());
    Promtool.deleteTree(work);
  }

  @Override
  public String toString() {
    return "PrometheusServer{" + url() + ", " + dataDir + "}";
  }
}
