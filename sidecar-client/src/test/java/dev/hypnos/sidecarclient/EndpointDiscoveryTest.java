package dev.hypnos.sidecarclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hypnos.core.labels.Labels;
import dev.hypnos.sidecarclient.dns.Dnsmasq;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Discovery end to end: dnsmasq on loopback, real gRPC stores, config files edited while running. */
class EndpointDiscoveryTest {
  @TempDir static Path shared;
  @TempDir Path dir;
  static Server a;
  static Server b;
  static Dnsmasq dns;

  @BeforeAll
  static void setUp() throws Exception {
    assumeTrue(Files.isExecutable(Dnsmasq.BINARY), "dnsmasq (Debian package dnsmasq-base) is not installed");
    a = TestStores.start(0, Labels.of("cluster", "a"));
    b = TestStores.start(0, Labels.of("cluster", "b"));
    dns = Dnsmasq.start(shared, List.of(
        "--srv-host=_grpc._tcp.sidecars.test,sidecar-a.test," + a.getPort(),
        "--srv-host=_grpc._tcp.sidecars.test,sidecar-b.test," + b.getPort(),
        "--host-record=sidecar-a.test,127.0.0.1",
        "--host-record=sidecar-b.test,127.0.0.1",
        "--host-record=stores.test,127.0.0.1"));
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (dns != null) {
      dns.close();
    }
    for (Server s : new Server[] {a, b}) {
      if (s != null) {
        TestStores.stop(s);
      }
    }
  }

  private static String addr(Server s) {
    return "127.0.0.1:" + s.getPort();
  }

  /**
   * Replaces {@code f} atomically, as a careful operator (or Kubernetes) does: the discovery
   * thread runs concurrently and must never see a half-written file.
   */
  private static void write(Path f, String content, int generation) throws Exception {
    Path tmp = f.resolveSibling(f.getFileName() + ".tmp");
    Files.writeString(tmp, content);
    // Edits within one clock tick must still be seen as changes.
    Files.setLastModifiedTime(tmp, FileTime.from(Instant.parse("2030-01-01T00:00:00Z").plusSeconds(generation)));
    Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  @Test
  void dnssrvFromTheSdConfigFileFindsEveryStore() throws Exception {
    Path f = dir.resolve("endpoints.yaml");
    write(f, "endpoints:\n  - address: dnssrv+_grpc._tcp.sidecars.test\n", 1);
    EndpointDiscovery d = EndpointDiscovery.builder().sdConfigFile(f).resolver(dns.resolver()).build();
    List<ResolvedEndpoint> got = d.refresh();
    assertThat(got).extracting(ResolvedEndpoint::address).containsExactlyInAnyOrder(addr(a), addr(b));
    assertThat(got).allSatisfy(e -> assertThat(e.spec()).isEqualTo("dnssrv+_grpc._tcp.sidecars.test"));
    assertThat(d.errors()).isEmpty();

    try (EndpointSet set = new EndpointSet(InstantSource.system(), Duration.ofSeconds(10))) {
      set.update(got);
      set.checkHealth();
      assertThat(set.activeStores()).flatExtracting(s -> s.info().labelSets())
          .containsExactlyInAnyOrder(Labels.of("cluster", "a"), Labels.of("cluster", "b"));
    }
  }

  @Test
  void flagsWithEveryLookupKind() throws Exception {
    EndpointDiscovery d = EndpointDiscovery.builder()
        .endpoint("dns+stores.test:" + a.getPort())
        .endpoint("dnssrvnoa+_grpc._tcp.sidecars.test")
        .strictEndpoint(addr(b))
        .resolver(dns.resolver())
        .build();
    List<ResolvedEndpoint> got = d.refresh();
    assertThat(got).extracting(ResolvedEndpoint::address).containsExactlyInAnyOrder(
        addr(a), "sidecar-a.test:" + a.getPort(), "sidecar-b.test:" + b.getPort(), addr(b));
    assertThat(got).filteredOn(ResolvedEndpoint::strict).extracting(ResolvedEndpoint::address).containsExactly(addr(b));
  }

  @Test
  void sdConfigFileEditedWhileRunning() throws Exception {
    Path f = dir.resolve("endpoints.yaml");
    write(f, "endpoints:\n  - address: " + addr(a) + "\n", 1);
    EndpointDiscovery d = EndpointDiscovery.builder().sdConfigFile(f).resolver(dns.resolver()).build();
    EndpointSet set = new EndpointSet(InstantSource.system(), Duration.ofSeconds(10));
    try (Endpoints endpoints = Endpoints.create(d, set, Duration.ofMillis(50), Duration.ofMillis(50))) {
      endpoints.start();
      assertThat(set.statuses()).singleElement().satisfies(s -> {
        assertThat(s.address()).isEqualTo(addr(a));
        assertThat(s.healthy()).isTrue();
      });
      ManagedChannel channelA = set.channel(addr(a));

      write(f, "endpoints:\n  - address: " + addr(b) + "\n", 2);
      await(() -> set.statuses().size() == 1 && set.statuses().get(0).address().equals(addr(b))
          && set.statuses().get(0).healthy());
      assertThat(channelA.isShutdown()).isTrue();
      assertThat(set.activeStores()).singleElement()
          .satisfies(s -> assertThat(s.info().labelSets()).containsExactly(Labels.of("cluster", "b")));

      write(f, "endpoints:\n  - adress: " + addr(a) + "\n", 3);
      await(() -> !endpoints.discoveryErrors().isEmpty());
      assertThat(endpoints.discoveryErrors()).anySatisfy(e -> assertThat(e)
          .contains("endpoint config file " + f).contains("unknown key endpoints[0].adress")
          .contains("keeping the previous endpoint configuration"));
      assertThat(set.statuses()).extracting(EndpointStatus::address).containsExactly(addr(b));
    }
    assertThat(set.statuses()).isEmpty();
  }

  @Test
  void fileSdReloadsOnChange() throws Exception {
    Path f = dir.resolve("stores.yml");
    write(f, "- targets: [\"" + addr(a) + "\"]\n", 1);
    EndpointDiscovery d = EndpointDiscovery.builder().fileSd(f.toString()).resolver(dns.resolver()).build();
    assertThat(d.refresh()).extracting(ResolvedEndpoint::address).containsExactly(addr(a));
    write(f, "- targets: [\"" + addr(a) + "\", \"dns+stores.test:" + b.getPort() + "\"]\n", 2);
    assertThat(d.refresh()).extracting(ResolvedEndpoint::address).containsExactly(addr(a), addr(b));
  }

  @Test
  void failedDnsLookupKeepsThePreviousAddresses() throws Exception {
    Dnsmasq own = Dnsmasq.start(dir, List.of(
        "--srv-host=_grpc._tcp.sidecars.test,sidecar-a.test," + a.getPort(),
        "--host-record=sidecar-a.test,127.0.0.1"));
    EndpointDiscovery d;
    try {
      d = EndpointDiscovery.builder()
          .endpoint("dnssrv+_grpc._tcp.sidecars.test")
          .resolver(dev.hypnos.sidecarclient.dns.DnsResolver.usingServer(own.address(), Duration.ofMillis(200), 1))
          .build();
      assertThat(d.refresh()).extracting(ResolvedEndpoint::address).containsExactly(addr(a));
    } finally {
      own.close();
    }
    assertThat(d.refresh()).extracting(ResolvedEndpoint::address).containsExactly(addr(a));
    assertThat(d.errors()).singleElement().asString()
        .contains("resolve endpoint address \"dnssrv+_grpc._tcp.sidecars.test\"");
  }

  private static void await(BooleanSupplier condition) throws InterruptedException {
    for (int i = 0; i < 400; i++) {
      if (condition.getAsBoolean()) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("condition not reached within 20 s");
  }
}
