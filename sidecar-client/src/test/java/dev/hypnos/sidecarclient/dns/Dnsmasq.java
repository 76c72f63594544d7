package dev.hypnos.sidecarclient.dns;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A dnsmasq process answering for {@code .test} names on a free loopback port, from the records
 * given as dnsmasq options ({@code --srv-host=...}, {@code --host-record=...}). Only the local
 * records are served; other {@code .test} names get NXDOMAIN.
 */
public final class Dnsmasq implements AutoCloseable {
  public static final Path BINARY = Path.of("/usr/sbin/dnsmasq");

  private final Process process;
  private final int port;
  private final Path log;

  private Dnsmasq(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  public static Dnsmasq start(Path dir, List<String> records) throws IOException, InterruptedException {
    int port = freePort();
    List<String> cmd = new ArrayList<>(List.of(BINARY.toString(), "--no-daemon", "--port=" + port,
        "--listen-address=127.0.0.1", "--bind-interfaces", "--no-resolv", "--no-hosts", "--local=/test/",
        "--pid-file=", "--log-facility=-", "--conf-file=/dev/null"));
    cmd.addAll(records);
    Files.createDirectories(dir);
    Path log = dir.resolve("dnsmasq-" + port + ".log");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    Dnsmasq d = new Dnsmasq(p, port, log);
    d.awaitReady();
    return d;
  }

  public InetSocketAddress address() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
  }

  public DnsResolver resolver() {
    return DnsResolver.usingServer(address());
  }

  /** A port free for both UDP and TCP on loopback, as dnsmasq binds both. */
  private static int freePort() throws IOException {
    for (int i = 0; i < 50; i++) {
      try (DatagramSocket u = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
        int p = u.getLocalPort();
        try (ServerSocket t = new ServerSocket(p, 1, InetAddress.getLoopbackAddress())) {
          return p;
        } catch (IOException busy) {
          // TCP side taken: try another.
        }
      }
    }
    throw new IOException("find a free UDP+TCP loopback port for dnsmasq");
  }

  private void awaitReady() throws IOException, InterruptedException {
    DnsResolver probe = DnsResolver.usingServer(address(), Duration.ofMillis(200), 1);
    IOException last = null;
    for (int i = 0; i < 100; i++) {
      if (!process.isAlive()) {
        throw new IOException("dnsmasq exited with " + process.exitValue() + ": " + Files.readString(log));
      }
      try {
        probe.lookupIp("ready-probe.test");
        return;
      } catch (IOException e) {
        last = e;
        Thread.sleep(50);
      }
    }
    close();
    throw new IOException("dnsmasq on port " + port + " did not answer: " + Files.readString(log), last);
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
