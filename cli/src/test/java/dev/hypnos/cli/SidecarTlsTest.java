package dev.hypnos.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hypnos.cli.E2eSupport.Certs;
import dev.hypnos.cli.E2eSupport.InProcessSidecar;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.sidecarclient.EndpointSet;
import dev.hypnos.sidecarclient.EndpointStatus;
import dev.hypnos.sidecarclient.ResolvedEndpoint;
import dev.hypnos.sidecarclient.TlsConfig;
import dev.hypnos.testing.PrometheusServer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code hypnos sidecar} serving the Store API over TLS and mutual TLS, checked with the querier's
 * own endpoint health check, dialling 127.0.0.1 with a certificate that names only a DNS host.
 */
class SidecarTlsTest {
  static final String NAME = "sidecar.cluster-t.test";
  @TempDir Path dir;

  @Test
  void tlsAndMutualTls() throws Exception {
    assumeTrue(PrometheusServer.find().isPresent(), "prometheus is not installed");
    Certs ca = new Certs(dir.resolve("ca"));
    Path[] server = ca.issueDnsOnly("server", NAME);
    Path[] client = ca.issueDnsOnly("client", "querier.cluster-t.test");
    Certs otherCa = new Certs(dir.resolve("other-ca"));
    Labels ext = Labels.of("cluster", "tls");
    try (PrometheusServer prom = PrometheusServer.start(dir.resolve("prom"), ext, List.of());
        InProcessSidecar tls = new InProcessSidecar("tls", args(prom, server, null));
        InProcessSidecar mtls = new InProcessSidecar("mtls", args(prom, server, ca.caPem()))) {
      int tlsPort = tls.command.grpcPort;
      int mtlsPort = mtls.command.grpcPort;

      EndpointStatus ok = check(tlsPort, new TlsConfig(ca.caPem(), null, null, NAME, false));
      assertThat(ok.lastError()).as("TLS with server_name").isNull();
      assertThat(ok.labelSets()).containsExactly(ext);

      EndpointStatus plaintext = check(tlsPort, null);
      assertThat(plaintext.lastError()).as("plaintext against TLS").isNotNull();

      EndpointStatus noName = check(tlsPort, new TlsConfig(ca.caPem(), null, null, null, false));
      assertThat(noName.lastError()).as("no server_name: the IP is not in the certificate").isNotNull()
          .containsIgnoringCase("IP");

      EndpointStatus wrongCa = check(tlsPort, new TlsConfig(otherCa.caPem(), null, null, NAME, false));
      assertThat(wrongCa.lastError()).as("a CA that did not sign the server certificate").isNotNull();

      EndpointStatus noClientCert = check(mtlsPort, new TlsConfig(ca.caPem(), null, null, NAME, false));
      assertThat(noClientCert.lastError()).as("mutual TLS without a client certificate").isNotNull();

      EndpointStatus withClientCert = check(mtlsPort, new TlsConfig(ca.caPem(), client[0], client[1], NAME, false));
      assertThat(withClientCert.lastError()).as("mutual TLS with a client certificate").isNull();
      assertThat(withClientCert.labelSets()).containsExactly(ext);
    }
  }

  private static List<String> args(PrometheusServer prom, Path[] cert, @Nullable Path clientCa) {
    List<String> a = new java.util.ArrayList<>(List.of("--prometheus.url=" + prom.url(), "--tsdb.path=" + prom.dataDir(),
        "--grpc-address=127.0.0.1:0", "--http-address=127.0.0.1:0",
        "--grpc-server-tls-cert=" + cert[0], "--grpc-server-tls-key=" + cert[1]));
    if (clientCa != null) {
      a.add("--grpc-server-tls-client-ca=" + clientCa);
    }
    return a;
  }

  private static EndpointStatus check(int port, @Nullable TlsConfig tls) {
    try (EndpointSet set = new EndpointSet(InstantSource.system(), Duration.ofSeconds(10))) {
      set.update(List.of(new ResolvedEndpoint("127.0.0.1", port, false, tls, "test")));
      set.checkHealth();
      EndpointStatus s = set.statuses().get(0);
      E2eSupport.log("port %d, %s -> %s", port, tls, s.lastError() == null ? "healthy" : s.lastError());
      return s;
    }
  }
}
