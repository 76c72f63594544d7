package dev.hypnos.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
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
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import picocli.CommandLine;

/**
 * Pieces of the end-to-end tests: child JVMs running {@code hypnos}, sidecars run in this JVM, a
 * dnsmasq on loopback, test certificates from openssl, HTTP JSON calls and waiting.
 */
final class E2eSupport {
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static volatile long startNanos = System.nanoTime();

  private E2eSupport() {}

  /** Counts {@link #log}'s seconds from now on. */
  static void restartClock() {
    startNanos = System.nanoTime();
  }

  /** Prints one progress line with the seconds since the class was loaded or {@link #restartClock}. */
  static void log(String format, Object... args) {
    System.out.printf("[e2e %6.1fs] %s%n", (System.nanoTime() - startNanos) / 1e9, String.format(format, args));
    System.out.flush();
  }

  static int freePort() throws IOException {
    return dev.hypnos.testing.PrometheusServer.freePort();
  }

  /**
   * Polls {@code condition} every 250 ms until it holds; fails after {@code timeout} with the
   * message {@code what} and whatever {@code context} says at that moment.
   */
  static void await(String what, Duration timeout, BooleanSupplier condition, java.util.function.Supplier<String> context)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("waited " + timeout.toSeconds() + " s for " + what + "; " + context.get());
      }
      Thread.sleep(250);
    }
  }

  /** GET {@code url}; body and status, or an IOException's text as the body with status -1. */
  static HttpResponse<String> get(String url) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static int status(String url) {
    try {
      return get(url).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** {@code base + path + ?k=v&...} with the values URL-encoded. */
  static String url(String base, String path, Map<String, String> params) {
    StringBuilder sb = new StringBuilder(base).append(path);
    char sep = '?';
    for (Map.Entry<String, String> e : params.entrySet()) {
      sb.append(sep).append(URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)).append('=')
          .append(URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
      sep = '&';
    }
    return sb.toString();
  }

  static JsonNode getJson(String url) throws IOException, InterruptedException {
    HttpResponse<String> r = get(url);
    try {
      return JSON.readTree(r.body());
    } catch (IOException e) {
      throw new AssertionError("GET " + url + " -> HTTP " + r.statusCode() + ", not JSON: " + r.body(), e);
    }
  }

  /** The last {@code n} characters of a file, for failure messages. */
  static String tail(Path file, int n) {
    try {
      String s = Files.readString(file, StandardCharsets.UTF_8);
      return s.length() <= n ? s : "..." + s.substring(s.length() - n);
    } catch (IOException e) {
      return "(" + file + " unreadable: " + e + ")";
    }
  }

  /** A {@code hypnos} subcommand in a child JVM on the test class path; output goes to a file. */
  static final class HypnosProcess implements AutoCloseable {
    final String name;
    final Process process;
    final Path log;

    HypnosProcess(String name, Path log, List<String> args) throws IOException {
      this.name = name;
      this.log = log;
      List<String> cmd = new ArrayList<>(List.of(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx192m", "-XX:TieredStopAtLevel=1",
          "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED",
          "-cp", System.getProperty("java.class.path"), Hypnos.class.getName()));
      cmd.addAll(args);
      process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** Waits until {@code url} answers 200, failing early with the log if the process exits. */
    void awaitHttp200(String url, Duration timeout) throws InterruptedException {
      await(name + " to answer 200 on " + url, timeout, () -> {
        if (!process.isAlive()) {
          throw new AssertionError(name + " exited with " + process.exitValue() + ":\n" + output());
        }
        return status(url) == 200;
      }, () -> "log:\n" + output());
    }

    String output() {
      return tail(log, 6000);
    }

    @Override
    public void close() throws InterruptedException {
      if (process.isAlive()) {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          process.waitFor(10, TimeUnit.SECONDS);
        }
      }
    }
  }

  /** {@code hypnos sidecar} run in this JVM on a thread; {@link #close} stops it as SIGTERM would. */
  static final class InProcessSidecar implements AutoCloseable {
    final String name;
    final SidecarCommand command = new SidecarCommand();
    final Thread thread;
    final java.io.StringWriter err = new java.io.StringWriter();
    volatile int exitCode = -1;

    InProcessSidecar(String name, List<String> args) throws InterruptedException {
      this.name = name;
      CommandLine cl = new CommandLine(command);
      cl.setErr(new java.io.PrintWriter(err, true));
      cl.setExecutionExceptionHandler(new CliErrors());
      thread = new Thread(() -> exitCode = cl.execute(args.toArray(String[]::new)), "sidecar-" + name);
      thread.setDaemon(true);
      thread.start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!command.started.await(100, TimeUnit.MILLISECONDS)) {
        if (!thread.isAlive() || System.nanoTime() > deadline) {
          throw new AssertionError("sidecar " + name + " did not start (exit " + exitCode + "): " + err);
        }
      }
    }

    String httpBase() {
      return "http://127.0.0.1:" + command.httpPort;
    }

    boolean running() {
      return thread.isAlive();
    }

    @Override
    public void close() throws InterruptedException {
      if (thread.isAlive()) {
        command.stop.countDown();
        thread.join(30_000);
      }
    }
  }

  /** dnsmasq answering for {@code .test} names on a free loopback port (UDP and TCP). */
  static final class Dnsmasq implements AutoCloseable {
    static final Path BINARY = Path.of("/usr/sbin/dnsmasq");
    final Process process;
    final int port;
    final Path log;

    Dnsmasq(Path dir, List<String> records) throws IOException, InterruptedException {
      int p = -1;
      for (int i = 0; i < 50 && p < 0; i++) {
        try (DatagramSocket u = new DatagramSocket(0, InetAddress.getLoopbackAddress());
            ServerSocket t = new ServerSocket(u.getLocalPort(), 1, InetAddress.getLoopbackAddress())) {
          p = u.getLocalPort();
        } catch (IOException busy) {
          // TCP side taken: try another port
        }
      }
      if (p < 0) {
        throw new IOException("find a free UDP+TCP loopback port for dnsmasq");
      }
      port = p;
      List<String> cmd = new ArrayList<>(List.of(BINARY.toString(), "--no-daemon", "--port=" + port,
          "--listen-address=127.0.0.1", "--bind-interfaces", "--no-resolv", "--no-hosts", "--local=/test/",
          "--pid-file=", "--log-facility=-", "--conf-file=/dev/null"));
      cmd.addAll(records);
      log = dir.resolve("dnsmasq.log");
      process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      Thread.sleep(300);
      if (!process.isAlive()) {
        throw new IOException("dnsmasq exited with " + process.exitValue() + ": " + tail(log, 2000));
      }
    }

    String address() {
      return "127.0.0.1:" + port;
    }

    @Override
    public void close() throws InterruptedException {
      process.destroy();
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor();
      }
    }
  }

  /** A CA and server certificates made with openssl; keys are unencrypted PKCS#8 PEM. */
  static final class Certs {
    final Path dir;

    Certs(Path dir) throws IOException, InterruptedException {
      this.dir = Files.createDirectories(dir);
      openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
          "-keyout", dir.resolve("ca.key").toString(), "-out", dir.resolve("ca.pem").toString(), "-days", "2",
          "-subj", "/CN=Hypnos end-to-end CA",
          "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
    }

    Path caPem() {
      return dir.resolve("ca.pem");
    }

    /**
     * A certificate (for servers and clients) whose only subject alternative name is {@code
     * DNS:dnsName}; returns the certificate and key files.
     */
    Path[] issueDnsOnly(String name, String dnsName) throws IOException, InterruptedException {
      Path key = dir.resolve(name + ".key");
      Path csr = dir.resolve(name + ".csr");
      Path pem = dir.resolve(name + ".pem");
      Path ext = dir.resolve(name + ".ext");
      Files.writeString(ext, "subjectAltName=DNS:" + dnsName + "\nextendedKeyUsage=serverAuth,clientAuth\n"
          + "keyUsage=critical,digitalSignature\n");
      openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key.toString(),
          "-out", csr.toString(), "-subj", "/CN=" + dnsName);
      openssl("x509", "-req", "-in", csr.toString(), "-CA", caPem().toString(), "-CAkey", dir.resolve("ca.key").toString(),
          "-CAcreateserial", "-out", pem.toString(), "-days", "2", "-extfile", ext.toString());
      String text = run(List.of("openssl", "x509", "-in", pem.toString(), "-noout", "-ext", "subjectAltName"));
      if (!text.contains("DNS:" + dnsName) || text.contains("IP Address")) {
        throw new IOException("certificate " + pem + " should carry only DNS:" + dnsName + " but has: " + text);
      }
      return new Path[] {pem, key};
    }

    private static void openssl(String... args) throws IOException, InterruptedException {
      List<String> cmd = new ArrayList<>();
      cmd.add("openssl");
      cmd.addAll(List.of(args));
      run(cmd);
    }

    private static String run(List<String> cmd) throws IOException, InterruptedException {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (p.waitFor() != 0) {
        throw new IOException(String.join(" ", cmd) + " exited with " + p.exitValue() + ": " + out);
      }
      return out;
    }
  }
}
