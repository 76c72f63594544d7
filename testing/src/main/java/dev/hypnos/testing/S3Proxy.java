package dev.hypnos.testing;

import dev.hypnos.core.util.IoUtil;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * A real S3Proxy (org.gaul:s3proxy) process on a free loopback port, with the filesystem provider
 * under a temporary directory and SigV4 authentication with the given keys. Bucket {@code B} is the
 * directory {@code basedir/B}; objects are plain files at their key, so a test can lay out a bucket
 * on disk directly.
 *
 * <p>The jar comes from the system property {@value #JAR_PROPERTY} (the build copies it to {@code
 * target/test-tools/s3proxy.jar} in modules that bind the {@code copy-s3proxy} execution). It runs
 * on the current JVM's {@code java}.
 *
 * <p>Use with try-with-resources: {@link #close()} stops the process and deletes the directory.
 */
public final class S3Proxy implements AutoCloseable {
  public static final String JAR_PROPERTY = "hypnos.s3proxy.jar";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

  private volatile Process process;
  private final List<String> command;
  private final Path workDir;
  private final Path baseDir;
  private final Path logFile;
  private final int port;
  private final String accessKey;
  private final String secretKey;

  private S3Proxy(List<String> command,
      Process process, Path workDir, Path baseDir, Path logFile, int port, String accessKey, String secretKey) {
    this.command = List.copyOf(command);
    this.process = process;
    this.workDir = workDir;
    this.baseDir = baseDir;
    this.logFile = logFile;
    this.port = port;
    this.accessKey = accessKey;
    this.secretKey = secretKey;
  }

  /** Starts S3Proxy with the given credentials and waits until it answers HTTP. */
  public static S3Proxy start(String accessKey, String secretKey) throws IOException {
    Objects.requireNonNull(accessKey, "accessKey");
    Objects.requireNonNull(secretKey, "secretKey");
    Path jar = jar();
    Path workDir = Files.createTempDirectory("hypnos-s3proxy-");
    Path baseDir = Files.createDirectory(workDir.resolve("data"));
    Path logFile = workDir.resolve("s3proxy.log");
    int port = PrometheusServer.freePort();
    Properties properties = new Properties();
    properties.setProperty("s3proxy.endpoint", "http://127.0.0.1:" + port);
    properties.setProperty("s3proxy.authorization", "aws-v2-or-v4");
    properties.setProperty("s3proxy.identity", accessKey);
    properties.setProperty("s3proxy.credential", secretKey);
    properties.setProperty("jclouds.provider", "filesystem");
    properties.setProperty("jclouds.filesystem.basedir", baseDir.toString());
    Path propertiesFile = workDir.resolve("s3proxy.properties");
    try (var out = Files.newBufferedWriter(propertiesFile, StandardCharsets.UTF_8)) {
      properties.store(out, "written by dev.hypnos.testing.S3Proxy");
    }
    List<String> command =
        List.of(javaCommand(), "-Xmx256m", "-jar", jar.toString(), "--properties", propertiesFile.toString());
    S3Proxy proxy = new S3Proxy(command, launch(command, workDir, logFile), workDir, baseDir, logFile, port,
        accessKey, secretKey);
    try {
      proxy.awaitReady();
    } catch (IOException | RuntimeException e) {
      proxy.close();
      throw e;
    }
    return proxy;
  }

  private static Process launch(List<String> command, Path workDir, Path logFile) throws IOException {
    return new ProcessBuilder(command)
        .directory(workDir.toFile())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
        .start();
  }

  /**
   * Stops the process but keeps the stored objects, the port and the credentials, so that
   * {@link #restart} brings the same endpoint back: an object store outage for tests.
   */
  public void stop() {
    Process p = process;
    p.descendants().forEach(ProcessHandle::destroy);
    p.destroy();
    try {
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
    }
  }

  /** Starts a {@link #stop stopped} S3Proxy again on the same port and data; waits until it answers. */
  public void restart() throws IOException {
    if (process.isAlive()) {
      throw new IllegalStateException("restart " + this + ": it is still running");
    }
    process = launch(command, workDir, logFile);
    awaitReady();
  }

  private static Path jar() throws IOException {
    String property = System.getProperty(JAR_PROPERTY);
    if (property == null || property.isBlank()) {
      throw new IOException(
          "system property "
              + JAR_PROPERTY
              + " is not set: it must point to the S3Proxy jar-with-dependencies (the build sets it"
              + " to target/test-tools/s3proxy.jar in modules that bind the copy-s3proxy"
              + " execution of maven-dependency-plugin)");
    }
    Path jar = Path.of(property);
    if (!Files.isRegularFile(jar)) {
      throw new IOException(
          "S3Proxy jar "
              + jar.toAbsolutePath()
              + " (system property "
              + JAR_PROPERTY
              + ") does not exist: bind the copy-s3proxy execution of maven-dependency-plugin in"
              + " this module's pom, or run the build through the test phase");
    }
    return jar;
  }

  private static String javaCommand() {
    return ProcessHandle.current()
        .info()
        .command()
        .filter(c -> Files.isExecutable(Path.of(c)))
        .orElseGet(() -> Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  private void awaitReady() throws IOException {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException(
            "S3Proxy exited with code "
                + process.exitValue()
                + " before answering on port "
                + port
                + "; its output:\n"
                + output());
      }
      if (answersHttp()) {
        return;
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for S3Proxy to start", e);
      }
    }
    throw new IOException(
        "S3Proxy did not answer HTTP on 127.0.0.1:"
            + port
            + " within "
            + START_TIMEOUT.toSeconds()
            + " s; its output:\n"
            + output());
  }

  private boolean answersHttp() {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
    } catch (IOException e) {
      return false;
    }
    try {
      HttpURLConnection connection = (HttpURLConnection) URI.create(endpoint() + "/").toURL().openConnection();
      connection.setConnectTimeout(1000);
      connection.setReadTimeout(5000);
      try {
        return connection.getResponseCode() > 0; // any answer (403 without credentials) is fine
      } finally {
        connection.disconnect();
      }
    } catch (IOException e) {
      return false;
    }
  }

  /** The process output so far (S3Proxy logs to standard output). */
  public String output() {
    try {
      return Files.exists(logFile) ? Files.readString(logFile, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      return "(could not read " + logFile + ": " + e + ")";
    }
  }

  /** Creates an empty bucket: a directory under {@link #baseDir()}. Returns its directory. */
  public Path createBucket(String name) throws IOException {
    return Files.createDirectories(bucketDir(name));
  }

  /** The directory holding bucket {@code name} (it need not exist). */
  public Path bucketDir(String name) {
    if (name.isEmpty() || name.contains("/") || name.startsWith(".")) {
      throw new IllegalArgumentException("invalid bucket name " + name);
    }
    return baseDir.resolve(name);
  }

  /** {@code http://127.0.0.1:PORT}. */
  public String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  /** {@code 127.0.0.1:PORT}, the form of the Thanos objstore {@code endpoint:} key. */
  public String hostPort() {
    return "127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  public String accessKey() {
    return accessKey;
  }

  public String secretKey() {
    return secretKey;
  }

  public Path baseDir() {
    return baseDir;
  }

  /** Stops the process (and any children) and deletes the temporary directory. */
  @Override
  public void close() throws IOException {
    stop();
    IoUtil.deleteTree(workDir);
  }

  @Override
  public String toString() {
    return "S3Proxy[" + endpoint() + ", basedir " + baseDir + "]";
  }
}
