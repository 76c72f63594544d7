package dev.hypnos.sidecarclient;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hypnos.core.labels.Labels;
import dev.hypnos.storeapi.LabelValuesRequest;
import dev.hypnos.storeapi.LabelValuesResponse;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Health checking and channel ownership against real plaintext gRPC servers on loopback. */
class EndpointSetTest {
  private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
  private final InstantSource clock = () -> now.get();
  private final EndpointSet set = new EndpointSet(clock, Duration.ofSeconds(10));
  private Server a;
  private Server b;

  @AfterEach
  void tearDown() throws Exception {
    set.close();
    for (Server s : new Server[] {a, b}) {
      if (s != null) {
        TestStores.stop(s);
      }
    }
  }

  private static ResolvedEndpoint plain(Server s) {
    return plain(s.getPort(), false);
  }

  private static ResolvedEndpoint plain(int port, boolean strict) {
    return new ResolvedEndpoint("127.0.0.1", port, strict, null, "127.0.0.1:" + port);
  }

  @Test
  void healthyEndpointReportsItsInfoAndServesTheStoreApi() throws Exception {
    a = TestStores.start(0, Labels.of("cluster", "a", "replica", "0"));
    set.update(List.of(plain(a)));
    assertThat(set.activeStores()).as("not active before its first check").isEmpty();
    assertThat(set.statuses()).singleElement().satisfies(s -> {
      assertThat(s.healthy()).isFalse();
      assertThat(s.lastCheck()).isNull();
    });

    set.checkHealth();

    EndpointStatus s = set.statuses().get(0);
    assertThat(s.address()).isEqualTo("127.0.0.1:" + a.getPort());
    assertThat(s.componentType()).isEqualTo("sidecar");
    assertThat(s.labelSets()).containsExactly(Labels.of("cluster", "a", "replica", "0"));
    assertThat(s.minTime()).isEqualTo(1000);
    assertThat(s.maxTime()).isEqualTo(2000);
    assertThat(s.lastCheck()).isEqualTo(now.get());
    assertThat(s.lastError()).isNull();
    assertThat(s.healthy()).isTrue();
    assertThat(s.storeApi()).isTrue();

    ActiveStore store = set.activeStores().get(0);
    assertThat(store.address()).isEqualTo(s.address());
    assertThat(store.info().labelSets()).containsExactly(Labels.of("cluster", "a", "replica", "0"));
    LabelValuesResponse values = store.client().labelValues(new LabelValuesRequest("job", 0, 5000, List.of(), 0, List.of(), null));
    assertThat(values.values()).containsExactly("test");
  }

  @Test
  void endpointGoingDownLeavesTheFanOutAndComesBack() throws Exception {
    a = TestStores.start(0, Labels.of("cluster", "a"));
    int port = a.getPort();
    set.update(List.of(plain(a)));
    set.checkHealth();
    Instant firstCheck = now.get();
    assertThat(set.activeStores()).hasSize(1);
    ManagedChannel channel = set.channel("127.0.0.1:" + port);

    TestStores.stop(a);
    a = null;
    now.set(firstCheck.plusSeconds(5));
    set.checkHealth();

    EndpointStatus down = set.statuses().get(0);
    assertThat(down.healthy()).isFalse();
    assertThat(down.lastError()).startsWith("check endpoint 127.0.0.1:" + port + " with Info: UNAVAILABLE");
    assertThat(down.lastCheck()).as("last successful check").isEqualTo(firstCheck);
    assertThat(down.labelSets()).as("last known labels stay visible").containsExactly(Labels.of("cluster", "a"));
    assertThat(set.activeStores()).isEmpty();

    a = TestStores.start(port, Labels.of("cluster", "a2"));
    now.set(firstCheck.plusSeconds(10));
    checkUntilHealthy();

    assertThat(set.activeStores()).singleElement()
        .satisfies(st -> assertThat(st.info().labelSets()).containsExactly(Labels.of("cluster", "a2")));
    assertThat(set.statuses().get(0).lastError()).isNull();
    assertThat(set.statuses().get(0).lastCheck()).isEqualTo(now.get());
    assertThat(set.channel("127.0.0.1:" + port)).as("the same channel reconnects").isSameAs(channel);
  }

  private void checkUntilHealthy() throws InterruptedException {
    for (int i = 0; i < 100; i++) {
      set.checkHealth();
      if (set.statuses().get(0).healthy()) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("endpoint did not become healthy: " + set.statuses());
  }

  @Test
  void strictEndpointStaysInTheFanOutWhileDown() throws Exception {
    int deadPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      deadPort = s.getLocalPort();
    }
    a = TestStores.start(0, Labels.of("cluster", "a"));
    set.update(List.of(plain(deadPort, true), plain(a)));
    set.checkHealth();

    List<ActiveStore> active = set.activeStores();
    assertThat(active).extracting(ActiveStore::address)
        .containsExactlyInAnyOrder("127.0.0.1:" + deadPort, "127.0.0.1:" + a.getPort());
    ActiveStore strict = active.stream().filter(x -> x.address().endsWith(":" + deadPort)).findFirst().orElseThrow();
    assertThat(strict.healthy()).isFalse();
    assertThat(strict.componentType()).isEqualTo("unknown");
    assertThat(strict.info().minTime()).isEqualTo(Long.MIN_VALUE);
    assertThat(strict.info().maxTime()).isEqualTo(Long.MAX_VALUE);
    EndpointStatus st = set.statuses().stream().filter(x -> x.address().endsWith(":" + deadPort)).findFirst().orElseThrow();
    assertThat(st.strict()).isTrue();
    assertThat(st.healthy()).isFalse();
    assertThat(st.lastError()).contains("UNAVAILABLE");
  }

  @Test
  void nonStrictEndpointThatNeverAnsweredIsListedButNotActive() throws Exception {
    int deadPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      deadPort = s.getLocalPort();
    }
    set.update(List.of(plain(deadPort, false)));
    set.checkHealth();
    assertThat(set.activeStores()).isEmpty();
    assertThat(set.statuses()).singleElement().satisfies(s -> {
      assertThat(s.healthy()).isFalse();
      assertThat(s.componentType()).isNull();
      assertThat(s.lastError()).contains("127.0.0.1:" + deadPort);
    });
  }

  @Test
  void channelsAreReusedAcrossUpdatesAndClosedWhenTheAddressGoes() throws Exception {
    a = TestStores.start(0, Labels.of("cluster", "a"));
    b = TestStores.start(0, Labels.of("cluster", "b"));
    set.update(List.of(plain(a), plain(b)));
    set.checkHealth();
    ManagedChannel chA = set.channel("127.0.0.1:" + a.getPort());
    ManagedChannel chB = set.channel("127.0.0.1:" + b.getPort());
    assertThat(chA).isNotNull();
    assertThat(chB).isNotNull();

    set.update(List.of(plain(b)));

    assertThat(chA.isShutdown()).isTrue();
    assertThat(chA.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    assertThat(set.channel("127.0.0.1:" + b.getPort())).isSameAs(chB);
    assertThat(chB.isShutdown()).isFalse();
    assertThat(set.statuses()).extracting(EndpointStatus::address).containsExactly("127.0.0.1:" + b.getPort());
    assertThat(set.statuses().get(0).healthy()).as("state survives the update").isTrue();

    set.close();
    assertThat(chB.isShutdown()).isTrue();
    assertThat(chB.isTerminated()).isTrue();
  }

  @Test
  void changedTlsSettingsReplaceTheChannel() throws Exception {
    a = TestStores.start(0, Labels.of("cluster", "a"));
    set.update(List.of(plain(a)));
    ManagedChannel plainChannel = set.channel("127.0.0.1:" + a.getPort());
    set.update(List.of(new ResolvedEndpoint("127.0.0.1", a.getPort(), false, TlsConfig.defaults(), "x")));
    assertThat(plainChannel.isShutdown()).isTrue();
    assertThat(set.channel("127.0.0.1:" + a.getPort())).isNotSameAs(plainChannel);
  }
}
