package dev.hypnos.sidecarclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hypnos.sidecarclient.dns.AddressSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EndpointConfigFileTest {
  @TempDir Path dir;
  Path ca;
  Path cert;
  Path key;

  @BeforeEach
  void files() throws Exception {
    ca = Files.writeString(dir.resolve("ca.pem"), "x");
    cert = Files.writeString(dir.resolve("client.pem"), "x");
    key = Files.writeString(dir.resolve("client.key"), "x");
  }

  private List<EndpointConfig> parse(String yaml) throws ConfigException {
    return EndpointConfigFile.parse(yaml.getBytes(StandardCharsets.UTF_8), "endpoint config file test.yaml");
  }

  @Test
  void parsesThanosSchema() throws Exception {
    Path f = Files.writeString(dir.resolve("endpoints.yaml"), """
        endpoints:
          - address: "127.0.0.1:10901"
            strict: true
          - address: dnssrv+_grpc._tcp.sidecars.test
            grpc_client_config:
              server_name: store.test
              compression_type: none
              tls_config:
                enabled: true
                ca_file: %s
                cert_file: %s
                key_file: %s
          - address: dns+store.test:10901
            grpc_client_config:
              tls_config:
                enabled: true
                insecure_skip_verify: true
          - address: plain.test:10901
            grpc_client_config: {}
        """.formatted(ca, cert, key));
    List<EndpointConfig> got = EndpointConfigFile.read(f);
    assertThat(got).containsExactly(
        new EndpointConfig(AddressSpec.parse("127.0.0.1:10901"), true, null, true),
        new EndpointConfig(AddressSpec.parse("dnssrv+_grpc._tcp.sidecars.test"), false,
            new TlsConfig(ca, cert, key, "store.test", false), false),
        new EndpointConfig(AddressSpec.parse("dns+store.test:10901"), false, new TlsConfig(null, null, null, null, true), false),
        new EndpointConfig(AddressSpec.parse("plain.test:10901"), false, null, true));
  }

  @Test
  void emptyContentHasNoEndpoints() throws Exception {
    assertThat(parse("")).isEmpty();
    assertThat(parse("endpoints: []")).isEmpty();
    assertThat(parse("endpoints:")).isEmpty();
  }

  @Test
  void unknownKeysAreErrorsNamingTheKey() {
    assertThatThrownBy(() -> parse("endpoint: []"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("endpoint config file test.yaml")
        .hasMessageContaining("unknown key endpoint;");
    assertThatThrownBy(() -> parse("endpoints:\n  - address: a:1\n    client_config: {}\n"))
        .hasMessageContaining("unknown key endpoints[0].client_config")
        .hasMessageContaining("grpc_client_config");
    assertThatThrownBy(() -> parse("endpoints:\n  - address: a:1\n    grpc_client_config:\n      tls_config:\n        server_name: x\n"))
        .hasMessageContaining("unknown key endpoints[0].grpc_client_config.tls_config.server_name");
  }

  @Test
  void wrongTypesAndMissingAddress() {
    assertThatThrownBy(() -> parse("endpoints:\n  - address: a:1\n    strict: yes-please\n"))
        .hasMessageContaining("endpoints[0].strict must be true or false, got a string \"yes-please\"");
    assertThatThrownBy(() -> parse("endpoints: {address: a:1}"))
        .hasMessageContaining("key endpoints must be a list, got a mapping");
    assertThatThrownBy(() -> parse("endpoints:\n  - strict: true\n"))
        .hasMessageContaining("endpoints[0].address is missing");
    assertThatThrownBy(() -> parse("endpoints:\n  - address: dns+nope\n"))
        .hasMessageContaining("endpoints[0].address").hasMessageContaining("\"dns+nope\": missing port");
    assertThatThrownBy(() -> parse("endpoints: [")).hasMessageContaining("parse endpoint config file test.yaml");
  }

  @Test
  void tlsSettingsWithoutEnabledAreAnError() {
    assertThatThrownBy(() -> parse("endpoints:\n  - address: a:1\n    grpc_client_config:\n      server_name: store.test\n"))
        .hasMessageContaining("endpoints[0].grpc_client_config.server_name is set but endpoints[0].grpc_client_config.tls_config.enabled is not true");
  }

  @Test
  void missingFilesAndHalfAClientCertificate() {
    assertThatThrownBy(() -> parse("endpoints:\n  - address: a:1\n    grpc_client_config:\n      tls_config:\n        enabled: true\n        ca_file: "
        + dir.resolve("nope.pem") + "\n"))
        .hasMessageContaining("endpoints[0].grpc_client_config.tls_config.ca_file " + dir.resolve("nope.pem") + " does not exist");
    assertThatThrownBy(() -> parse("endpoints:\n  - address: a:1\n    grpc_client_config:\n      tls_config:\n        enabled: true\n        cert_file: "
        + cert + "\n"))
        .hasMessageContaining("tls_config.cert_file is set without key_file");
  }

  @Test
  void unsupportedFeaturesAreNamed() {
    assertThatThrownBy(() -> parse("endpoints:\n  - address: a:1\n    group: true\n"))
        .hasMessageContaining("endpoint groups (group: true) are not supported");
    assertThatThrownBy(() -> parse("endpoints:\n  - address: dnssrv+_x._tcp.y\n    strict: true\n"))
        .hasMessageContaining("cannot be strict");
    assertThatThrownBy(() -> parse("endpoints:\n  - address: a:1\n    grpc_client_config:\n      compression_type: snappy\n"))
        .hasMessageContaining("compression_type \"snappy\" is not supported");
  }
}
