package dev.hypnos.sidecarclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hypnos.core.labels.Labels;
import io.grpc.Server;
import dev.hypnos.sidecarclient.dns.Dnsmasq;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS per endpoint against real TLS gRPC servers on 127.0.0.1 whose certificate names only the
 * DNS name {@code store.test}: the case that makes Thanos operators put Envoy in front of their
 * load balancers.
 */
class EndpointTlsTest {
  @TempDir static Path dir;
  static TestCerts ca;
  static TestCerts otherCa;
  static TestCerts.Pair serverCert;
  static TestCerts.Pair clientCert;
  static TestCerts.Pair strangerClientCert;
  static Server tlsServer;
  static Server mtlsServer;

  @BeforeAll
  static void setUp() throws Exception {
    ca = TestCerts.newCa(dir.resolve("ca"), "Hypnos Test CA");
    otherCa = TestCerts.newCa(dir.resolve("other-ca"), "Other CA");
    serverCert = ca.issue("store", "dns:store.test");
    clientCert = ca.issue("querier", "dns:querier.test");
    strangerClientCert = otherCa.issue("stranger", "dns:stranger.test");
    tlsServer = TestStores.start(0, Labels.of("cluster", "tls"), serverCert, null, null);
    mtlsServer = TestStores.start(0, Labels.of("cluster", "mtls"), serverCert, ca.caPem(), null);
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (tlsServer != null) {
      TestStores.stop(tlsServer);
    }
    if (mtlsServer != null) {
      TestStores.stop(mtlsServer);
    }
  }

  private static EndpointStatus check(Server server, TlsConfig tls) {
    try (EndpointSet set = new EndpointSet(InstantSource.system(), Duration.ofSeconds(10))) {
      set.update(List.of(new ResolvedEndpoint("127.0.0.1", server.getPort(), false, tls, "test")));
      set.checkHealth();
      assertThat(set.statuses()).hasSize(1);
      EndpointStatus s = set.statuses().get(0);
      System.out.println(tls + " -> " + (s.healthy() ? "healthy" : s.lastError()));
      if (s.healthy()) {
        assertThat(set.activeStores()).hasSize(1);
      } else {
        assertThat(set.activeStores()).isEmpty();
      }
      return s;
    }
  }

  @Test
  void ipDialledEndpointWithDnsOnlyCertificateWorksWithServerName() {
    EndpointStatus s = check(tlsServer, new TlsConfig(ca.caPem(), null, null, "store.test", false));
    assertThat(s.lastError()).isNull();
    assertThat(s.healthy()).isTrue();
    assertThat(s.labelSets()).containsExactly(Labels.of("cluster", "tls"));
  }

  @Test
  void ipDialledEndpointWithoutServerNameFailsOnTheMissingIpSan() {
    EndpointStatus s = check(tlsServer, new TlsConfig(ca.caPem(), null, null, null, false));
    assertThat(s.healthy()).isFalse();
    assertThat(s.lastError())
        .contains("check endpoint 127.0.0.1:" + tlsServer.getPort())
        .containsIgnoringCase("UNAVAILABLE")
        .contains("TLS handshake: No subject alternative names matching IP address 127.0.0.1")
        .contains("set server_name to a DNS name")
        .doesNotContain("\n");
  }

  @Test
  void serverNameThatTheCertificateDoesNotNameFails() {
    EndpointStatus s = check(tlsServer, new TlsConfig(ca.caPem(), null, null, "other.test", false));
    assertThat(s.healthy()).isFalse();
    assertThat(s.lastError()).contains("server_name other.test is not among the certificate's names");
  }

  @Test
  void wrongCaFailsWithACertificatePathError() {
    EndpointStatus s = check(tlsServer, new TlsConfig(otherCa.caPem(), null, null, "store.test", false));
    assertThat(s.healthy()).isFalse();
    assertThat(s.lastError())
        .contains("TLS handshake: unable to find valid certification path")
        .contains("not signed by a CA in ca_file " + otherCa.caPem());
  }

  @Test
  void insecureSkipVerifyAcceptsAnyCertificate() {
    EndpointStatus s = check(tlsServer, new TlsConfig(otherCa.caPem(), null, null, null, true));
    assertThat(s.lastError()).isNull();
    assertThat(s.healthy()).isTrue();
  }

  @Test
  void plaintextClientAgainstTlsServerIsUnhealthy() {
    EndpointStatus s = check(tlsServer, null);
    assertThat(s.healthy()).isFalse();
    assertThat(s.lastError()).contains("does the endpoint expect TLS?");
  }

  @Test
  void mutualTlsWithClientCertificate() {
    EndpointStatus s = check(mtlsServer,
        new TlsConfig(ca.caPem(), clientCert.cert(), clientCert.key(), "store.test", false));
    assertThat(s.lastError()).isNull();
    assertThat(s.labelSets()).containsExactly(Labels.of("cluster", "mtls"));
  }

  @Test
  void mutualTlsWithTraditionalOpensslKeys() throws Exception {
    assumeTrue(TestCerts.opensslAvailable(), "openssl is not installed");
    TestCerts.Pair rsa = ca.issueWithOpensslKey("querier-rsa", "rsa", "dns:querier.test");
    TestCerts.Pair ec = ca.issueWithOpensslKey("querier-ec", "ec", "dns:querier.test");
    assertThat(Files.readString(rsa.key())).contains("BEGIN RSA PRIVATE KEY");
    assertThat(Files.readString(ec.key())).contains("BEGIN EC PARAMETERS").contains("BEGIN EC PRIVATE KEY");
    for (TestCerts.Pair p : List.of(rsa, ec)) {
      EndpointStatus s = check(mtlsServer, new TlsConfig(ca.caPem(), p.cert(), p.key(), "store.test", false));
      assertThat(s.lastError()).as(p.key().toString()).isNull();
      assertThat(s.healthy()).isTrue();
    }
  }

  @Test
  void mutualTlsWithoutClientCertificateIsRejected() {
    EndpointStatus s = check(mtlsServer, new TlsConfig(ca.caPem(), null, null, "store.test", false));
    assertThat(s.healthy()).isFalse();
    assertThat(s.lastError()).contains("check endpoint 127.0.0.1:" + mtlsServer.getPort())
        .contains("the server requires a client certificate: set cert_file and key_file");
  }

  @Test
  void mutualTlsWithCertificateFromAnotherCaIsRejected() {
    EndpointStatus s = check(mtlsServer,
        new TlsConfig(ca.caPem(), strangerClientCert.cert(), strangerClientCert.key(), "store.test", false));
    assertThat(s.healthy()).isFalse();
    assertThat(s.lastError()).contains("TLS handshake");
  }

  @Test
  void dnssrvBehindALoadBalancerWithServerNameFromTheSdConfigFile() throws Exception {
    assumeTrue(Files.isExecutable(Dnsmasq.BINARY), "dnsmasq (Debian package dnsmasq-base) is not installed");
    // The AWS setup: an SRV name points at a gRPC load balancer reached by IP, whose certificate
    // names only the DNS name; server_name in the endpoint's own config makes it verify.
    try (Dnsmasq dns = Dnsmasq.start(dir.resolve("dns"), List.of(
        "--srv-host=_grpc._tcp.lb.test,lb.test," + tlsServer.getPort(),
        "--host-record=lb.test,127.0.0.1"))) {
      Path config = Files.writeString(dir.resolve("endpoints.yaml"), """
          endpoints:
            - address: dnssrv+_grpc._tcp.lb.test
              grpc_client_config:
                server_name: store.test
                tls_config:
                  enabled: true
                  ca_file: %s
          """.formatted(ca.caPem()));
      EndpointDiscovery d = EndpointDiscovery.builder().sdConfigFile(config).resolver(dns.resolver()).build();
      try (EndpointSet set = new EndpointSet(InstantSource.system(), Duration.ofSeconds(10))) {
        set.update(d.refresh());
        set.checkHealth();
        assertThat(set.statuses()).singleElement().satisfies(s -> {
          assertThat(s.address()).isEqualTo("127.0.0.1:" + tlsServer.getPort());
          assertThat(s.lastError()).isNull();
          assertThat(s.labelSets()).containsExactly(Labels.of("cluster", "tls"));
        });
        assertThat(set.activeStores()).hasSize(1);
      }
    }
  }

  @Test
  void unreadableCaFileIsListedWithItsError() {
    Path missing = dir.resolve("missing-ca.pem");
    EndpointStatus s = check(tlsServer, new TlsConfig(missing, null, null, "store.test", false));
    assertThat(s.healthy()).isFalse();
    assertThat(s.lastError()).contains("ca_file " + missing).contains("does not exist");
  }

  @Test
  void keyThatIsNotPemIsANamedError() throws Exception {
    Path badKey = dir.resolve("bad.key");
    Files.writeString(badKey, "not a key");
    EndpointStatus s = check(mtlsServer, new TlsConfig(ca.caPem(), clientCert.cert(), badKey, "store.test", false));
    assertThat(s.healthy()).isFalse();
    assertThat(s.lastError()).contains("key_file: read private key " + badKey)
        .contains("no PEM block PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY found");
  }
}
