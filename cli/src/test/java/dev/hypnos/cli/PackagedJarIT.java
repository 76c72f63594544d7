package dev.hypnos.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hypnos.core.block.BlockMeta;
import dev.hypnos.core.block.BlockMetaJson;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.storeapi.GrpcServers;
import dev.hypnos.storeapi.GrpcStoreApiClient;
import dev.hypnos.storeapi.StoreInfo;
import dev.hypnos.testing.OpenMetricsGenerator;
import dev.hypnos.testing.PrometheusServer;
import dev.hypnos.testing.Promtool;
import dev.hypnos.testing.S3Proxy;
import io.grpc.ManagedChannel;
import java.io.File;
import java.io.IOException;
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
import java.util.Enumeration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged executable, {@code cli/target/hypnos.jar}, run the way {@code ./hypnos} and the
 * container image run it: {@code java -jar hypnos.jar ...} as child processes on the JDK of the
 * build, against real promtool blocks, a real S3 server (S3Proxy) and a real Prometheus. The unit
 * and command tests all run from Maven's test class path; only these see the shaded jar, so only
 * these catch a library left out of it (a dependency with the wrong scope), service files lost in
 * the merge, or a logging setup that only the test class path has.
 *
 * <p>Runs in the {@code integration-test} phase (maven-failsafe-plugin), after {@code package}
 * built the jar: {@code ./build -B -pl cli -am verify}. Every process's standard error is checked
 * for stack traces and class-loading errors. The tests run concurrently (they share only the
 * read-only buckets and S3Proxy): most of their time is spent waiting for JVMs to start.
 */
@Execution(ExecutionMode.CONCURRENT)
class PackagedJarIT {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  private static final String S3_BUCKET = "metrics";
  private static final String S3_COMPACT_BUCKET = "compact";
  private static final Labels EXTERNAL = Labels.of("cluster", "it");

  /** What must never appear on a healthy process's standard error. */
  private static final List<Pattern> BAD_STDERR = List.of(
      Pattern.compile("(?m)^\\s+at [\\w$.]+\\("), // a stack frame
      Pattern.compile("Caused by: "),
      Pattern.compile("NoClassDefFoundError|ClassNotFoundException|NoSuchMethodError|NoSuchFieldError"),
      Pattern.compile("ServiceConfigurationError|ExceptionInInitializerError|LinkageError"),
      Pattern.compile("SLF4J\\((W|E)\\)"), // no or several logging providers
      Pattern.compile("\\|-(WARN|ERROR) in "), // logback configuration problems
      Pattern.compile("WARNING: A restricted method"), // Enable-Native-Access missing from the manifest
      Pattern.compile("level=ERROR"));

  @TempDir static Path tmp;
  static Path jar;
  static Path java;
  static String version;
  static S3Proxy s3;
  static Path fsConfig;
  static Path s3Config;
  static Path s3CompactConfig;
  static long dataMinTime;
  static long dataMaxTime;
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void bucketsAndS3() throws IOException {
    jar = Path.of(System.getProperty("hypnos.jar", "target/hypnos.jar")).toAbsolutePath().normalize();
    assertThat(jar).as("the shaded jar (built by the package phase; run this test with ./build verify)").isRegularFile();
    java = Path.of(System.getProperty("java.home"), "bin", "java");
    version = System.getProperty("hypnos.version", "");

    // Two or three small two-hour blocks, with the Thanos section a sidecar would write.
    OpenMetricsGenerator.Result data = new OpenMetricsGenerator(
        new OpenMetricsGenerator.Config(7, 1_700_000_123_000L, 3 * 3_600_000L, 60_000, 6, 6, 1))
        .write(tmp.resolve("data.om"));
    dataMinTime = data.minTime();
    dataMaxTime = data.maxTime();
    Path bucketDir = tmp.resolve("bucket");
    List<Path> blocks = Promtool.require().createBlocksFromOpenMetrics(data.file(), bucketDir);
    assertThat(blocks).hasSizeGreaterThanOrEqualTo(2);
    for (Path b : blocks) {
      BlockMetaJson.write(b, BlockMetaJson.read(b).withThanos(BlockMeta.Thanos.of(EXTERNAL.toMap(), 0, "sidecar")));
    }
    fsConfig = tmp.resolve("fs.yml");
    Files.writeString(fsConfig, "type: FILESYSTEM\nconfig:\n  directory: " + bucketDir + "\n");

    s3 = S3Proxy.start("hypnos-it", "hypnos-it-secret");
    Promtool.copyTree(bucketDir, s3.createBucket(S3_BUCKET));
    Promtool.copyTree(bucketDir, s3.createBucket(S3_COMPACT_BUCKET));
    s3Config = tmp.resolve("s3.yml");
    Files.writeString(s3Config, s3Yaml(S3_BUCKET));
    s3CompactConfig = tmp.resolve("s3-compact.yml");
    Files.writeString(s3CompactConfig, s3Yaml(S3_COMPACT_BUCKET));
  }

  private static String s3Yaml(String bucket) {
    return "type: S3\nconfig:\n  bucket: " + bucket + "\n  endpoint: " + s3.hostPort() + "\n  region: us-east-1\n"
        + "  access_key: " + s3.accessKey() + "\n  secret_key: " + s3.secretKey() + "\n  insecure: true\n";
  }

  @AfterAll
  static void stopS3() throws IOException {
    if (s3 != null) {
      s3.close();
    }
  }

  @Test
  void versionAndHelp() throws Exception {
    try (JarProcess p = JarProcess.start("version", "--version")) {
      assertThat(p.awaitExit()).as(p.describe()).isZero();
      assertThat(p.stdout()).startsWith("hypnos, version " + version);
      p.assertCleanStderr();
    }
    try (JarProcess p = JarProcess.start("help", "--help")) {
      assertThat(p.awaitExit()).as(p.describe()).isZero();
      assertThat(p.stdout()).contains("Usage: hypnos", "query", "store", "compact", "sidecar", "demo", "tools");
      p.assertCleanStderr();
    }
    try (JarProcess p = JarProcess.start("tools-help", "tools", "bucket", "--help")) {
      assertThat(p.awaitExit()).as(p.describe()).isZero();
      assertThat(p.stdout()).contains("ls", "inspect");
      p.assertCleanStderr();
    }
  }

  /** The launcher script the README tells users to run, with the jar already built. */
  @Test
  void launcherScriptRunsTheJar() throws Exception {
    Path root = Path.of(System.getProperty("hypnos.repo.root", "..")).toAbsolutePath().normalize();
    Path script = root.resolve("hypnos");
    assertThat(script).isExecutable();
    assertThat(root.resolve("cli/target/hypnos.jar")).isRegularFile();
    try (JarProcess p = JarProcess.command("launcher", List.of(script.toString(), "--version"))) {
      assertThat(p.awaitExit()).as(p.describe()).isZero();
      assertThat(p.stdout()).startsWith("hypnos, version " + version);
      assertThat(p.stderr()).as("the script builds nothing when the jar exists").doesNotContain("building");
      p.assertCleanStderr();
    }
  }

  @Test
  void demoServesQueriesAndInfoAndStopsOnSigterm() throws Exception {
    try (JarProcess demo = JarProcess.start("demo", "demo",
        "--http-address=127.0.0.1:0", "--grpc-address=127.0.0.1:0",
        "--bucket.dir=" + tmp.resolve("demo-bucket"), "--data-dir=" + tmp.resolve("demo-data"))) {
      int http = demo.awaitStdout(Pattern.compile("URL http://localhost:(\\d+)"));
      int grpc = demo.awaitStdout(Pattern.compile("querier on port (\\d+)"));
      awaitReady(demo, http);

      HttpResponse<String> r = get(http, "/api/v1/query?query=" + encode("count by (cluster) (up)"));
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(r.body()).contains("\"status\":\"success\"", "\"cluster\":\"eu-prod\"", "\"cluster\":\"us-staging\"");

      StoreInfo info = info(grpc);
      assertThat(info.labelSets()).isNotEmpty();
      assertThat(info.minTime()).isLessThan(info.maxTime());

      demo.sigterm();
      assertThat(demo.awaitExit()).as(demo.describe()).isZero();
      assertThat(demo.stdout()).contains("hypnos demo: stopped");
      demo.assertCleanStderr();
    }
  }

  @Test
  void storesOnFilesystemAndS3BehindAQuerier() throws Exception {
    try (JarProcess fsStore = store("store-fs", fsConfig); JarProcess s3Store = store("store-s3", s3Config)) {
      int fsHttp = fsStore.awaitStderr(Pattern.compile("listening for HTTP .* on 127\\.0\\.0\\.1:(\\d+)"));
      int fsGrpc = fsStore.awaitStderr(Pattern.compile("listening for Store API gRPC on 127\\.0\\.0\\.1:(\\d+)"));
      int s3Http = s3Store.awaitStderr(Pattern.compile("listening for HTTP .* on 127\\.0\\.0\\.1:(\\d+)"));
      int s3Grpc = s3Store.awaitStderr(Pattern.compile("listening for Store API gRPC on 127\\.0\\.0\\.1:(\\d+)"));
      awaitReady(fsStore, fsHttp);
      awaitReady(s3Store, s3Http);
      assertThat(get(s3Http, "/metrics").body()).contains("thanos_bucket_store_blocks_loaded");

      try (JarProcess query = JarProcess.start("query", "query",
          "--endpoint=127.0.0.1:" + fsGrpc, "--endpoint=127.0.0.1:" + s3Grpc,
          "--query.replica-label=replica", "--http-address=127.0.0.1:0", "--grpc-address=127.0.0.1:0")) {
        int http = query.awaitStdout(Pattern.compile("hypnos query: HTTP on 127\\.0\\.0\\.1:(\\d+)"));
        awaitReady(query, http);
        String range = "start=" + dataMinTime / 1000 + "&end=" + (dataMaxTime / 1000 + 1);
        // The stores join the querier's endpoint set after their first Info call: poll.
        String labels = awaitBody(query, http, "/api/v1/labels?" + range, "\"cluster\"");
        assertThat(labels).contains("\"status\":\"success\"", "\"__name__\"", "\"job\"");
        String stores = awaitBody(query, http, "/api/v1/stores", "127.0.0.1:" + s3Grpc);
        assertThat(stores).contains("127.0.0.1:" + fsGrpc);
        HttpResponse<String> r = get(http, "/api/v1/query?time=" + dataMaxTime / 1000 + "&query="
            + encode("count by (cluster) ({__name__=~\".+\"})"));
        assertThat(r.body()).as(r.body()).contains("\"status\":\"success\"", "\"cluster\":\"it\"");

        query.sigterm();
        assertThat(query.awaitExit()).as(query.describe()).isZero();
        query.assertCleanStderr();
      }
      fsStore.sigterm();
      s3Store.sigterm();
      assertThat(fsStore.awaitExit()).as(fsStore.describe()).isZero();
      assertThat(s3Store.awaitExit()).as(s3Store.describe()).isZero();
      fsStore.assertCleanStderr();
      s3Store.assertCleanStderr();
    }
  }

  private static JarProcess store(String name, Path config) throws IOException {
    return JarProcess.start(name, "store", "--objstore.config-file=" + config,
        "--data-dir=" + tmp.resolve(name + "-data"), "--http-address=127.0.0.1:0", "--grpc-address=127.0.0.1:0",
        "--grpc-grace-period=1s");
  }

  @Test
  void compactOneIterationOnS3ThenListTheBucket() throws Exception {
    try (JarProcess compact = JarProcess.start("compact", "compact", "--objstore.config-file=" + s3CompactConfig,
        "--data-dir=" + tmp.resolve("compact-data"), "--http-address=127.0.0.1:0", "--consistency-delay=0s")) {
      assertThat(compact.awaitExit()).as(compact.describe()).isZero();
      assertThat(compact.stdout()).containsPattern("compacted \\d+, downsampled \\d+");
      compact.assertCleanStderr();
    }
    try (JarProcess ls = JarProcess.start("bucket-ls", "tools", "bucket", "ls",
        "--objstore.config-file=" + s3CompactConfig)) {
      assertThat(ls.awaitExit()).as(ls.describe()).isZero();
      assertThat(ls.stdout()).containsPattern("(?m)^[0-9A-HJKMNP-TV-Z]{26}$");
      ls.assertCleanStderr();
    }
  }

  /** The README's bucket tools: inspect over S3, a block dump over the filesystem. */
  @Test
  void toolsInspectAndDump() throws Exception {
    try (JarProcess inspect = JarProcess.start("bucket-inspect", "tools", "bucket", "inspect",
        "--objstore.config-file=" + s3Config)) {
      assertThat(inspect.awaitExit()).as(inspect.describe()).isZero();
      assertThat(inspect.stdout()).containsPattern("[0-9A-HJKMNP-TV-Z]{26}").contains("cluster=it");
      inspect.assertCleanStderr();
    }
    Path dumpTmp = Files.createDirectories(tmp.resolve("dump-tmp")); // --tmp.dir must exist
    try (JarProcess dump = JarProcess.start("block-dump", "tools", "block", "dump",
        "--objstore.config-file=" + fsConfig, "--match={job=\"api\"}", "--tmp.dir=" + dumpTmp)) {
      assertThat(dump.awaitExit()).as(dump.describe()).isZero();
      assertThat(dump.stdout()).contains("job=\"api\"").doesNotContain("job=\"db\"");
      dump.assertCleanStderr();
    }
  }

  /**
   * The sidecar before a real Prometheus, serving its Store API over mutual TLS (the flags the Helm
   * chart sets from {@code sidecar.grpcServerTls}), and a querier reaching it through an endpoint
   * file with {@code tls_config} and {@code server_name}: TLS on both sides inside the shaded jar.
   */
  @Test
  void sidecarOverMutualTlsBehindAQuerier() throws Exception {
    String serverName = "sidecar.it.test";
    E2eSupport.Certs ca = new E2eSupport.Certs(tmp.resolve("certs"));
    Path[] server = ca.issueDnsOnly("server", serverName);
    Path[] client = ca.issueDnsOnly("client", "querier.it.test");
    Path promData = tmp.resolve("prometheus");
    try (PrometheusServer prometheus = PrometheusServer.start(promData, EXTERNAL, List.of());
        JarProcess sidecar = JarProcess.start("sidecar", "sidecar", "--prometheus.url=" + prometheus.url(),
            "--tsdb.path=" + promData, "--objstore.config-file=" + fsConfig,
            "--grpc-address=127.0.0.1:0", "--http-address=127.0.0.1:0",
            "--grpc-server-tls-cert=" + server[0], "--grpc-server-tls-key=" + server[1],
            "--grpc-server-tls-client-ca=" + ca.caPem())) {
      Pattern listening = Pattern.compile("listening: gRPC (\\d+) \\(TLS\\) HTTP \\S*?:(\\d+)");
      int grpc = sidecar.awaitStderr(listening);
      int http = Integer.parseInt(sidecar.awaitMatch(listening, true).group(2));
      awaitReady(sidecar, http);

      Path endpoints = tmp.resolve("endpoints.yml");
      Files.writeString(endpoints, "endpoints:\n  - address: \"127.0.0.1:" + grpc + "\"\n"
          + "    grpc_client_config:\n      server_name: " + serverName + "\n"
          + "      tls_config:\n        enabled: true\n        ca_file: " + ca.caPem() + "\n"
          + "        cert_file: " + client[0] + "\n        key_file: " + client[1] + "\n");
      try (JarProcess query = JarProcess.start("query-tls", "query", "--endpoint.sd-config-file=" + endpoints,
          "--http-address=127.0.0.1:0", "--grpc-address=127.0.0.1:0")) {
        int queryHttp = query.awaitStdout(Pattern.compile("hypnos query: HTTP on 127\\.0\\.0\\.1:(\\d+)"));
        String stores = awaitBody(query, queryHttp, "/api/v1/stores", "\"cluster\":\"it\"");
        assertThat(stores).contains("127.0.0.1:" + grpc).doesNotContain("\"lastError\":\"");
        query.sigterm();
        assertThat(query.awaitExit()).as(query.describe()).isZero();
        query.assertCleanStderr();
      }
      sidecar.sigterm();
      assertThat(sidecar.awaitExit()).as(sidecar.describe()).isZero();
      sidecar.assertCleanStderr();
    }
  }

  /**
   * Every service provider that a library on the class path declares, and whose class made it into
   * the shaded jar, is declared in the jar too: merged, not "first file wins" (gRPC name resolvers
   * and load balancers, the AWS SDK's HTTP clients, SLF4J's provider, Jackson modules). Test-only
   * libraries stay out of the jar, and the logging configuration in it is ours.
   */
  @Test
  void shadedJarKeepsEveryServiceAndOnlyRuntimeLibraries() throws IOException {
    try (ZipFile shaded = new ZipFile(jar.toFile())) {
      Map<String, Set<String>> expected = new TreeMap<>();
      for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
        Path p = Path.of(entry);
        if (!entry.endsWith(".jar") || !Files.isRegularFile(p) || p.equals(jar)) {
          continue;
        }
        try (ZipFile lib = new ZipFile(p.toFile())) {
          for (Enumeration<? extends ZipEntry> e = lib.entries(); e.hasMoreElements(); ) {
            ZipEntry z = e.nextElement();
            if (z.isDirectory() || !z.getName().startsWith("META-INF/services/")) {
              continue;
            }
            for (String provider : providers(lib, z)) {
              if (shaded.getEntry(provider.replace('.', '/') + ".class") != null) {
                expected.computeIfAbsent(z.getName(), k -> new LinkedHashSet<>()).add(provider);
              }
            }
          }
        }
      }
      assertThat(expected).as("service files of the libraries").containsKeys(
          "META-INF/services/io.grpc.NameResolverProvider",
          "META-INF/services/io.grpc.ManagedChannelProvider",
          "META-INF/services/org.slf4j.spi.SLF4JServiceProvider",
          "META-INF/services/software.amazon.awssdk.http.SdkHttpService");
      for (Map.Entry<String, Set<String>> e : expected.entrySet()) {
        ZipEntry z = shaded.getEntry(e.getKey());
        assertThat(z).as("%s in %s", e.getKey(), jar).isNotNull();
        assertThat(providers(shaded, z)).as("providers in %s of %s", e.getKey(), jar).containsAll(e.getValue());
      }
      // and nothing the jar declares is missing from it
      for (Enumeration<? extends ZipEntry> e = shaded.entries(); e.hasMoreElements(); ) {
        ZipEntry z = e.nextElement();
        if (!z.isDirectory() && z.getName().startsWith("META-INF/services/")) {
          for (String provider : providers(shaded, z)) {
            assertThat(shaded.getEntry(provider.replace('.', '/') + ".class"))
                .as("class of provider %s declared in %s", provider, z.getName()).isNotNull();
          }
        }
      }

      for (String testOnly : List.of("org/junit/", "org/assertj/", "io/fabric8/", "com/marcnuri/",
          "com/tngtech/archunit/", "dev/hypnos/testing/", "org/gaul/s3proxy/")) {
        assertThat(shaded.stream().anyMatch(z -> z.getName().startsWith(testOnly)))
            .as("test-only classes %s in %s", testOnly, jar).isFalse();
      }
      for (String needed : List.of("com/fasterxml/jackson/dataformat/yaml/YAMLFactory.class",
          "software/amazon/awssdk/services/s3/S3Client.class", "ch/qos/logback/classic/Logger.class")) {
        assertThat(shaded.getEntry(needed)).as("%s in %s", needed, jar).isNotNull();
      }
      ZipEntry logback = shaded.getEntry("logback.xml");
      assertThat(logback).isNotNull();
      try (var in = shaded.getInputStream(logback)) {
        assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).contains("ts=%d");
      }
      assertThat(shaded.getEntry("logback-test.xml")).isNull();
    }
  }

  private static List<String> providers(ZipFile zip, ZipEntry entry) throws IOException {
    List<String> out = new ArrayList<>();
    try (var in = zip.getInputStream(entry)) {
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        int hash = line.indexOf('#');
        String name = (hash >= 0 ? line.substring(0, hash) : line).strip();
        if (!name.isEmpty()) {
          out.add(name);
        }
      }
    }
    return out;
  }

  private static StoreInfo info(int grpcPort) throws Exception {
    ManagedChannel channel = GrpcServers.plaintextChannel("127.0.0.1", grpcPort);
    try {
      return new GrpcStoreApiClient(channel, "it").info();
    } finally {
      GrpcServers.shutdown(channel, Duration.ofSeconds(5));
    }
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static HttpResponse<String> get(int port, String pathAndQuery) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
        .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  private static void awaitReady(JarProcess p, int port) throws Exception {
    awaitBody(p, port, "/-/ready", "");
  }

  /** Polls until the path answers 200 with a body containing {@code expected}; returns the body. */
  private static String awaitBody(JarProcess p, int port, String path, String expected) throws Exception {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    String last = "(no answer)";
    while (System.nanoTime() < deadline) {
      p.assertAlive();
      try {
        HttpResponse<String> r = get(port, path);
        if (r.statusCode() == 200 && r.body().contains(expected)) {
          return r.body();
        }
        last = r.statusCode() + " " + r.body();
      } catch (IOException e) {
        last = e.toString();
      }
      Thread.sleep(100);
    }
    throw new AssertionError("GET " + path + " on port " + port + " did not answer 200 with " + expected
        + " within " + START_TIMEOUT + "; last: " + last + "\n" + p.describe());
  }

  /** One child process; standard output and error go to files, checked after it ran. */
  static final class JarProcess implements AutoCloseable {
    final String name;
    final Process process;
    final Path out;
    final Path err;

    private JarProcess(String name, Process process, Path out, Path err) {
      this.name = name;
      this.process = process;
      this.out = out;
      this.err = err;
    }

    /** {@code java -Xmx256m -jar hypnos.jar args...}. */
    static JarProcess start(String name, String... args) throws IOException {
      List<String> cmd = new ArrayList<>(List.of(java.toString(), "-Xmx256m", "-jar", jar.toString()));
      cmd.addAll(List.of(args));
      return command(name, cmd);
    }

    static JarProcess command(String name, List<String> cmd) throws IOException {
      Path work = Files.createDirectories(tmp.resolve("run-" + name));
      Path out = work.resolve("stdout");
      Path err = work.resolve("stderr");
      Process p = new ProcessBuilder(cmd).directory(work.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      return new JarProcess(name, p, out, err);
    }

    String stdout() throws IOException {
      return Files.readString(out, StandardCharsets.UTF_8);
    }

    String stderr() throws IOException {
      return Files.readString(err, StandardCharsets.UTF_8);
    }

    int awaitStdout(Pattern p) throws Exception {
      return Integer.parseInt(awaitMatch(p, false).group(1));
    }

    int awaitStderr(Pattern p) throws Exception {
      return Integer.parseInt(awaitMatch(p, true).group(1));
    }

    Matcher awaitMatch(Pattern p, boolean onStderr) throws Exception {
      long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
      while (System.nanoTime() < deadline) {
        Matcher m = p.matcher(onStderr ? stderr() : stdout());
        if (m.find()) {
          return m;
        }
        assertAlive();
        Thread.sleep(50);
      }
      throw new AssertionError("no line matching " + p + " within " + START_TIMEOUT + "\n" + describe());
    }

    void assertAlive() throws IOException {
      if (!process.isAlive()) {
        throw new AssertionError(name + " exited early with code " + process.exitValue() + "\n" + describe());
      }
    }

    void sigterm() {
      process.destroy();
    }

    int awaitExit() throws Exception {
      if (!process.waitFor(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        throw new AssertionError(name + " did not exit within " + START_TIMEOUT + "\n" + describe());
      }
      return process.exitValue();
    }

    void assertCleanStderr() throws IOException {
      String text = stderr();
      for (Pattern bad : BAD_STDERR) {
        assertThat(bad.matcher(text).find()).as("%s on the standard error of %s:\n%s", bad, name, text).isFalse();
      }
    }

    String describe() throws IOException {
      return "--- " + name + " " + process.info().commandLine().orElse("") + "\n--- stdout:\n" + tail(stdout())
          + "\n--- stderr:\n" + tail(stderr());
    }

    private static String tail(String s) {
      return s.length() <= 12_000 ? s : "..." + s.substring(s.length() - 12_000);
    }

    @Override
    public void close() throws InterruptedException {
      if (process.isAlive()) {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
      }
    }
  }
}
