package dev.hypnos.sidecarclient.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The resolver against a real dnsmasq on loopback. */
class DnsResolverTest {
  @TempDir static Path dir;
  static Dnsmasq dnsmasq;
  static DnsResolver resolver;

  @BeforeAll
  static void startDnsmasq() throws Exception {
    assumeTrue(Files.isExecutable(Dnsmasq.BINARY), "dnsmasq (Debian package dnsmasq-base) is not installed");
    List<String> records = new ArrayList<>(List.of(
        "--srv-host=_grpc._tcp.stores.test,store-a.test,10901",
        "--srv-host=_grpc._tcp.stores.test,store-b.test,10902",
        "--srv-host=_grpc._tcp.lonely.test,lonely-target.test,10903",
        "--host-record=store-a.test,127.0.0.1",
        "--host-record=store-b.test,127.0.0.2",
        "--host-record=lonely-target.test,127.0.0.9",
        "--host-record=multi.test,127.0.0.1",
        "--host-record=multi.test,127.0.0.3",
        "--host-record=dual.test,127.0.0.4,::1",
        "--cname=alias.test,multi.test"));
    // Enough addresses that the UDP answer exceeds 512 bytes and comes back truncated.
    for (int i = 1; i <= 60; i++) {
      records.add("--host-record=big.test,127.0.1." + i);
    }
    dnsmasq = Dnsmasq.start(dir, records);
    resolver = DnsResolver.usingServer(dnsmasq.address());
  }

  @AfterAll
  static void stop() throws Exception {
    if (dnsmasq != null) {
      dnsmasq.close();
    }
  }

  @Test
  void dnsGivesOneAddressPerRecord() throws IOException {
    assertThat(resolver.resolve(AddressSpec.parse("dns+multi.test:10901")))
        .containsExactlyInAnyOrder("127.0.0.1:10901", "127.0.0.3:10901");
    assertThat(resolver.resolve(AddressSpec.parse("dns+dual.test:7")))
        .containsExactlyInAnyOrder("127.0.0.4:7", "[::1]:7");
  }

  @Test
  void dnsFollowsCname() throws IOException {
    assertThat(resolver.resolve(AddressSpec.parse("dns+alias.test:1")))
        .containsExactlyInAnyOrder("127.0.0.1:1", "127.0.0.3:1");
  }

  @Test
  void dnssrvLooksUpTargetsAndUsesSrvPorts() throws IOException {
    assertThat(resolver.resolve(AddressSpec.parse("dnssrv+_grpc._tcp.stores.test")))
        .containsExactlyInAnyOrder("127.0.0.1:10901", "127.0.0.2:10902");
  }

  @Test
  void dnssrvWithPortOverridesSrvPort() throws IOException {
    assertThat(resolver.resolve(AddressSpec.parse("dnssrv+_grpc._tcp.stores.test:9000")))
        .containsExactlyInAnyOrder("127.0.0.1:9000", "127.0.0.2:9000");
  }

  @Test
  void dnssrvnoaKeepsTargetNames() throws IOException {
    assertThat(resolver.resolve(AddressSpec.parse("dnssrvnoa+_grpc._tcp.stores.test")))
        .containsExactlyInAnyOrder("store-a.test:10901", "store-b.test:10902");
    assertThat(resolver.lookupSrv("_grpc._tcp.lonely.test"))
        .containsExactly(new SrvRecord(0, 0, 10903, "lonely-target.test"));
  }

  @Test
  void unknownNamesResolveToNothing() throws IOException {
    assertThat(resolver.resolve(AddressSpec.parse("dns+nowhere.test:1"))).isEmpty();
    assertThat(resolver.resolve(AddressSpec.parse("dnssrv+_grpc._tcp.nowhere.test"))).isEmpty();
  }

  @Test
  void truncatedUdpAnswerIsRetriedOverTcp() throws IOException {
    List<String> got = resolver.resolve(AddressSpec.parse("dns+big.test:1"));
    assertThat(got).hasSize(60).contains("127.0.1.1:1", "127.0.1.60:1");
  }

  @Test
  void staticSpecResolvesToItself() throws IOException {
    assertThat(resolver.resolve(AddressSpec.parse("somewhere.example:10901"))).containsExactly("somewhere.example:10901");
  }

  @Test
  void silentServerIsAnErrorNamingTheSpec() throws IOException {
    try (DatagramSocket silent = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      DnsResolver r = DnsResolver.usingServer(new InetSocketAddress(InetAddress.getLoopbackAddress(), silent.getLocalPort()),
          Duration.ofMillis(200), 1);
      assertThatThrownBy(() -> r.resolve(AddressSpec.parse("dnssrv+_grpc._tcp.stores.test")))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("resolve endpoint address \"dnssrv+_grpc._tcp.stores.test\"")
          .hasMessageContaining("lookup SRV _grpc._tcp.stores.test at 127.0.0.1:" + silent.getLocalPort());
    }
  }

  @Test
  void printsIpv6LikeGo() throws IOException {
    assertThat(DnsResolver.ipText(InetAddress.getByName("::1"))).isEqualTo("::1");
    assertThat(DnsResolver.ipText(InetAddress.getByName("::"))).isEqualTo("::");
    assertThat(DnsResolver.ipText(InetAddress.getByName("2001:db8:0:0:1:0:0:1"))).isEqualTo("2001:db8::1:0:0:1");
    assertThat(DnsResolver.ipText(InetAddress.getByName("2001:db8:1:2:3:4:5:6"))).isEqualTo("2001:db8:1:2:3:4:5:6");
    assertThat(DnsResolver.ipText(InetAddress.getByName("fe80::1:0"))).isEqualTo("fe80::1:0");
    assertThat(DnsResolver.ipText(InetAddress.getByName("1:0:2::"))).isEqualTo("1:0:2::");
    assertThat(DnsResolver.ipText(InetAddress.getByName("10.1.2.3"))).isEqualTo("10.1.2.3");
  }

  @Test
  void parsesServerSetting() {
    assertThat(DnsResolver.parseServer("127.0.0.1:5353")).isEqualTo(new InetSocketAddress("127.0.0.1", 5353));
    assertThat(DnsResolver.parseServer("127.0.0.1").getPort()).isEqualTo(53);
    assertThat(DnsResolver.parseServer("[::1]:5353").getPort()).isEqualTo(5353);
    assertThatThrownBy(() -> DnsResolver.parseServer("127.0.0.1:x")).hasMessageContaining("port \"x\"");
  }

  @Test
  void readsResolvConf(@TempDir Path tmp) throws IOException {
    Path conf = tmp.resolve("resolv.conf");
    Files.writeString(conf, "# comment\nsearch example\nnameserver 10.1.2.3\nnameserver ::1\n"
        + "search monitoring.svc.cluster.local svc.cluster.local\noptions ndots:5 timeout:1\n");
    DnsResolver.ResolvConf c = DnsResolver.ResolvConf.read(conf);
    assertThat(c.servers()).containsExactly(new InetSocketAddress("10.1.2.3", 53), new InetSocketAddress("::1", 53));
    assertThat(c.search()).containsExactly("monitoring.svc.cluster.local", "svc.cluster.local");
    assertThat(c.ndots()).isEqualTo(5);
    assertThat(DnsResolver.ResolvConf.read(tmp.resolve("missing")).servers())
        .containsExactly(new InetSocketAddress(InetAddress.getLoopbackAddress(), 53));
  }

  @Test
  void shortNamesGoThroughSearchDomains() throws IOException {
    DnsResolver kube = DnsResolver.usingServer(dnsmasq.address(), List.of("nowhere.test", "test"), 5);
    assertThat(kube.candidates("_grpc._tcp.stores"))
        .containsExactly("_grpc._tcp.stores.nowhere.test", "_grpc._tcp.stores.test", "_grpc._tcp.stores");
    assertThat(kube.resolve(AddressSpec.parse("dnssrv+_grpc._tcp.stores")))
        .containsExactlyInAnyOrder("127.0.0.1:10901", "127.0.0.2:10902");
    assertThat(kube.resolve(AddressSpec.parse("dns+multi:1"))).containsExactlyInAnyOrder("127.0.0.1:1", "127.0.0.3:1");
    // Enough dots: the name is tried as is first; dnsmasq refuses names outside .test, and the
    // search continues past that failure.
    DnsResolver dotted = DnsResolver.usingServer(dnsmasq.address(), List.of("test"), 1);
    assertThat(dotted.candidates("_grpc._tcp.stores")).containsExactly("_grpc._tcp.stores", "_grpc._tcp.stores.test");
    assertThat(dotted.resolve(AddressSpec.parse("dnssrv+_grpc._tcp.stores")))
        .containsExactlyInAnyOrder("127.0.0.1:10901", "127.0.0.2:10902");
    assertThat(dotted.candidates("stores.test.")).containsExactly("stores.test.");
  }
}
