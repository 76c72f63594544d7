package dev.hypnos.objstore.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hypnos.core.objstore.BucketConfig;
import dev.hypnos.core.objstore.BucketConfigException;
import dev.hypnos.core.objstore.Buckets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class S3ConfigTest {
  @TempDir Path tempDir;

  private static S3Config parse(String configBody) throws BucketConfigException {
    return S3Config.parse(BucketConfig.parse("type: S3\nconfig:\n" + configBody, "s3.yml").configSection());
  }

  private static final String MINIMAL = "  bucket: metrics\n  endpoint: s3.eu-west-1.amazonaws.com\n";

  @Test
  void defaultsAreThanoss() throws BucketConfigException {
    S3Config c = parse(MINIMAL);
    assertThat(c.bucket()).isEqualTo("metrics");
    assertThat(c.partSize()).isEqualTo(64L * 1024 * 1024);
    assertThat(c.sendContentMd5()).isTrue();
    assertThat(c.insecure()).isFalse();
    assertThat(c.maxRetries()).isZero();
    assertThat(c.bucketLookupType()).isEqualTo(S3Config.BucketLookupType.AUTO);
    assertThat(c.sse().type()).isEqualTo(S3Config.SseType.NONE);
    assertThat(c.http()).isEqualTo(S3Config.Http.DEFAULT);
    assertThat(c.http().idleConnTimeout()).isEqualTo(Duration.ofSeconds(90));
    assertThat(c.http().responseHeaderTimeout()).isEqualTo(Duration.ofMinutes(2));
    assertThat(c.accessKey()).isEmpty();
  }

  @Test
  void awsEndpointMeansHttpsVirtualHostedAndItsRegion() throws BucketConfigException {
    S3Config c = parse(MINIMAL);
    assertThat(c.endpointUri().toString()).isEqualTo("https://s3.eu-west-1.amazonaws.com");
    assertThat(c.pathStyle()).isFalse();
    assertThat(c.effectiveRegion()).isEqualTo("eu-west-1");
    assertThat(parse("  bucket: b\n  endpoint: s3.amazonaws.com\n").effectiveRegion()).isEqualTo("us-east-1");
    assertThat(parse(MINIMAL + "  region: us-west-2\n").effectiveRegion()).isEqualTo("us-west-2");
  }

  @Test
  void otherEndpointsArePathStyleUnlessConfigured() throws BucketConfigException {
    S3Config minio = parse("  bucket: b\n  endpoint: minio.local:9000\n  insecure: true\n");
    assertThat(minio.endpointUri().toString()).isEqualTo("http://minio.local:9000");
    assertThat(minio.pathStyle()).isTrue();
    assertThat(minio.effectiveRegion()).isEqualTo("us-east-1");
    assertThat(parse("  bucket: b\n  endpoint: minio.local\n  bucket_lookup_type: virtual-hosted\n").pathStyle())
        .isFalse();
    assertThat(parse(MINIMAL + "  bucket_lookup_type: path\n").pathStyle()).isTrue();
  }

  @Test
  void allThanosKeysAreAccepted() throws Exception {
    S3Config c =
        parse(
            MINIMAL
                + """
                  region: eu-west-1
                  disable_dualstack: true
                  access_key: AK
                  secret_key: SK
                  session_token: TOKEN
                  insecure: false
                  signature_version2: false
                  put_user_metadata:
                    X-Amz-Storage-Class: STANDARD_IA
                    team: metrics
                  http_config:
                    idle_conn_timeout: 1m30s
                    response_header_timeout: 30s
                    insecure_skip_verify: true
                    tls_handshake_timeout: 5s
                    expect_continue_timeout: 1s
                    max_idle_conns: 10
                    max_idle_conns_per_host: 5
                    max_conns_per_host: 20
                    force_attempt_http2: false
                    disable_compression: false
                  trace:
                    enable: false
                  list_objects_version: v1
                  bucket_lookup_type: auto
                  send_content_md5: false
                  disable_multipart: true
                  part_size: 16777216
                  sts_endpoint: ""
                  max_retries: 5
                  sse_config:
                    type: SSE-KMS
                    kms_key_id: key-1
                    kms_encryption_context: {a: b}
                """);
    assertThat(c.sessionToken()).isEqualTo("TOKEN");
    assertThat(c.storageClass()).isEqualTo("STANDARD_IA");
    assertThat(c.putUserMetadata()).isEqualTo(Map.of("team", "metrics"));
    assertThat(c.http().idleConnTimeout()).isEqualTo(Duration.ofSeconds(90));
    assertThat(c.http().responseHeaderTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.http().insecureSkipVerify()).isTrue();
    assertThat(c.http().maxConnsPerHost()).isEqualTo(20);
    assertThat(c.listObjectsVersion()).isEqualTo("v1");
    assertThat(c.sendContentMd5()).isFalse();
    assertThat(c.disableMultipart()).isTrue();
    assertThat(c.partSize()).isEqualTo(16L * 1024 * 1024);
    assertThat(c.maxRetries()).isEqualTo(5);
    assertThat(c.sse().type()).isEqualTo(S3Config.SseType.SSE_KMS);
    assertThat(c.sse().kmsEncryptionContext()).isEqualTo(Map.of("a", "b"));
    assertThat(c.toString()).contains("AK").doesNotContain("SK,").doesNotContain("TOKEN");
  }

  @Test
  void unknownKeysAreNamed() {
    assertThatThrownBy(() -> parse(MINIMAL + "  acess_key: x\n"))
        .isInstanceOf(BucketConfigException.class)
        .hasMessageStartingWith("objstore config s3.yml: unknown key \"config.acess_key\" (known keys under config: bucket, endpoint,");
    assertThatThrownBy(() -> parse(MINIMAL + "  sse_config:\n    tpye: SSE-S3\n"))
        .hasMessage(
            "objstore config s3.yml: unknown key \"config.sse_config.tpye\" (known keys under"
                + " config.sse_config: type, kms_key_id, kms_encryption_context, encryption_key)");
    assertThatThrownBy(() -> parse(MINIMAL + "  http_config:\n    idle_timeout: 1s\n"))
        .hasMessageContaining("unknown key \"config.http_config.idle_timeout\"");
  }

  @Test
  void invalidValuesAreExplained() {
    assertThatThrownBy(() -> parse("  endpoint: e\n"))
        .hasMessage("objstore config s3.yml: config.bucket: missing: the S3 bucket name is required");
    assertThatThrownBy(() -> parse("  bucket: b\n"))
        .hasMessageContaining("config.endpoint: missing");
    assertThatThrownBy(() -> parse(MINIMAL + "  secret_key: s\n"))
        .hasMessageContaining("config.access_key: missing while secret_key is set");
    assertThatThrownBy(() -> parse(MINIMAL + "  access_key: a\n"))
        .hasMessageContaining("config.secret_key: missing while access_key is set");
    assertThatThrownBy(() -> parse(MINIMAL + "  access_key: a\n  secret_key: s\n  aws_sdk_auth: true\n"))
        .hasMessageContaining("aws_sdk_auth and access_key are mutually exclusive");
    assertThatThrownBy(() -> parse(MINIMAL + "  signature_version2: true\n"))
        .hasMessageContaining("config.signature_version2: true is not supported by Hypnos");
    assertThatThrownBy(() -> parse(MINIMAL + "  bucket_lookup_type: dns\n"))
        .hasMessage(
            "objstore config s3.yml: config.bucket_lookup_type: unsupported value \"dns\""
                + " (supported: auto, virtual-hosted, path)");
    assertThatThrownBy(() -> parse(MINIMAL + "  part_size: 1024\n"))
        .hasMessageContaining("config.part_size: 1024 is outside the supported range");
    assertThatThrownBy(() -> parse(MINIMAL + "  list_objects_version: v3\n"))
        .hasMessageContaining("config.list_objects_version: unsupported value \"v3\"");
    assertThatThrownBy(() -> parse(MINIMAL + "  sse_config:\n    type: AES\n"))
        .hasMessageContaining("config.sse_config.type: unsupported value \"AES\" (supported: SSE-S3, SSE-KMS, SSE-C)");
    assertThatThrownBy(() -> parse(MINIMAL + "  sse_config:\n    type: SSE-KMS\n"))
        .hasMessageContaining("config.sse_config.kms_key_id: missing");
    assertThatThrownBy(() -> parse(MINIMAL + "  http_config:\n    idle_conn_timeout: soon\n"))
        .hasMessageContaining("config.http_config.idle_conn_timeout: expected a duration");
    assertThatThrownBy(() -> parse(MINIMAL + "  http_config:\n    tls_config:\n      ca_file: /x\n"))
        .hasMessageContaining("config.http_config.tls_config: is not supported by Hypnos yet");
  }

  @Test
  void sseCReadsA32ByteKeyFile() throws Exception {
    Path good = Files.write(tempDir.resolve("good.key"), new byte[32]);
    Path bad = Files.write(tempDir.resolve("bad.key"), new byte[16]);
    S3Config c = parse(MINIMAL + "  sse_config:\n    type: SSE-C\n    encryption_key: " + good + "\n");
    assertThat(c.sse().customerKey()).hasSize(32);
    assertThat(c.toString()).doesNotContain("AAAA");
    assertThatThrownBy(() -> parse(MINIMAL + "  sse_config:\n    type: SSE-C\n    encryption_key: " + bad + "\n"))
        .hasMessageContaining("has 16 bytes; an AES-256 key has 32");
    assertThatThrownBy(() -> parse(MINIMAL + "  sse_config:\n    type: SSE-C\n    encryption_key: " + tempDir.resolve("none") + "\n"))
        .hasMessageContaining("config.sse_config.encryption_key: read SSE-C key file");
    assertThatThrownBy(() -> parse(MINIMAL + "  sse_config:\n    type: SSE-C\n"))
        .hasMessageContaining("config.sse_config.encryption_key: missing");
  }

  @Test
  void factoryIsRegisteredForTypeS3CaseInsensitively() throws Exception {
    try (var bucket = Buckets.open("type: s3\nconfig:\n" + MINIMAL + "  access_key: a\n  secret_key: b\n", "x.yml")) {
      assertThat(bucket).isInstanceOf(S3Bucket.class);
      assertThat(bucket.name()).isEqualTo("s3:metrics");
    }
  }
}
