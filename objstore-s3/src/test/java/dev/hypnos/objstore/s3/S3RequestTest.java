package dev.hypnos.objstore.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hypnos.core.objstore.Bucket;
import dev.hypnos.core.objstore.Buckets;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP requests the S3 bucket sends, seen by a recording loopback server: encryption headers
 * (S3Proxy answers any SSE header with 501 NotImplemented, so it cannot show them), Content-MD5,
 * path-style addressing and retries.
 */
class S3RequestTest {
  @TempDir Path tempDir;

  private static String yaml(RecordingHttpServer server, String extra) {
    return "type: S3\nconfig:\n  bucket: enc-bucket\n  endpoint: "
        + server.hostPort()
        + "\n  insecure: true\n  access_key: ak\n  secret_key: sk\n"
        + extra;
  }

  private static void upload(Bucket bucket, String key, byte[] data) throws IOException {
    bucket.upload(key, new ByteArrayInputStream(data), data.length);
  }

  @Test
  void sseS3SendsTheAes256Header() throws IOException {
    try (RecordingHttpServer server = new RecordingHttpServer(0);
        Bucket bucket = Buckets.open(yaml(server, "  sse_config:\n    type: SSE-S3\n"), "sse.yml")) {
      upload(bucket, "dir/obj", new byte[] {1, 2, 3});
      RecordingHttpServer.Request put = server.requests().getLast();
      assertThat(put.method()).isEqualTo("PUT");
      assertThat(put.path()).as("path-style addressing").isEqualTo("/enc-bucket/dir/obj");
      assertThat(put.header("x-amz-server-side-encryption")).isEqualTo("AES256");
      assertThat(put.header("authorization")).startsWith("AWS4-HMAC-SHA256 Credential=ak/");
      // over plain HTTP the SDK signs the payload in aws-chunked encoding
      assertThat(put.header("x-amz-decoded-content-length")).isEqualTo("3");
    }
  }

  @Test
  void noSseSendsNoEncryptionHeaderButContentMd5() throws Exception {
    try (RecordingHttpServer server = new RecordingHttpServer(0);
        Bucket bucket = Buckets.open(yaml(server, ""), "plain.yml")) {
      byte[] data = {1, 2, 3};
      upload(bucket, "obj", data);
      RecordingHttpServer.Request put = server.requests().getLast();
      assertThat(put.headers()).doesNotContainKey("x-amz-server-side-encryption");
      assertThat(put.header("content-md5"))
          .isEqualTo(Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(data)));
    }
    try (RecordingHttpServer server = new RecordingHttpServer(0);
        Bucket bucket = Buckets.open(yaml(server, "  send_content_md5: false\n"), "nomd5.yml")) {
      upload(bucket, "obj", new byte[] {1});
      assertThat(server.requests().getLast().headers()).doesNotContainKey("content-md5");
    }
  }

  @Test
  void sseKmsSendsKeyIdAndContext() throws IOException {
    String extra =
        "  sse_config:\n    type: SSE-KMS\n    kms_key_id: arn:aws:kms:eu-west-1:1:key/abc\n"
            + "    kms_encryption_context:\n      team: metrics\n";
    try (RecordingHttpServer server = new RecordingHttpServer(0);
        Bucket bucket = Buckets.open(yaml(server, extra), "kms.yml")) {
      upload(bucket, "obj", new byte[] {1});
      RecordingHttpServer.Request put = server.requests().getLast();
      assertThat(put.header("x-amz-server-side-encryption")).isEqualTo("aws:kms");
      assertThat(put.header("x-amz-server-side-encryption-aws-kms-key-id"))
          .isEqualTo("arn:aws:kms:eu-west-1:1:key/abc");
      assertThat(new String(Base64.getDecoder().decode(put.header("x-amz-server-side-encryption-context"))))
          .isEqualTo("{\"team\":\"metrics\"}");
    }
  }

  @Test
  void sseCSendsTheCustomerKey() throws Exception {
    byte[] key = new byte[32];
    for (int i = 0; i < key.length; i++) {
      key[i] = (byte) i;
    }
    Path keyFile = Files.write(tempDir.resolve("sse-c.key"), key);
    try (RecordingHttpServer server = new RecordingHttpServer(0);
        Bucket bucket =
            Buckets.open(yaml(server, "  sse_config:\n    type: SSE-C\n    encryption_key: " + keyFile + "\n"), "c.yml")) {
      upload(bucket, "obj", new byte[] {1});
      RecordingHttpServer.Request put = server.requests().getLast();
      assertThat(put.header("x-amz-server-side-encryption-customer-algorithm")).isEqualTo("AES256");
      assertThat(put.header("x-amz-server-side-encryption-customer-key"))
          .isEqualTo(Base64.getEncoder().encodeToString(key));
      assertThat(put.header("x-amz-server-side-encryption-customer-key-md5"))
          .isEqualTo(Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(key)));
    }
  }

  @Test
  void maxRetriesBoundsTheAttempts() throws IOException {
    try (RecordingHttpServer server = new RecordingHttpServer(100);
        Bucket bucket = Buckets.open(yaml(server, "  max_retries: 2\n"), "retry.yml")) {
      assertThatThrownBy(() -> upload(bucket, "obj", new byte[] {1}))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("upload object obj in bucket enc-bucket")
          .hasMessageContaining("InternalError: injected failure");
      assertThat(server.requests()).hasSize(3);
    }
  }

  @Test
  void aTransientFailureIsRetried() throws IOException {
    try (RecordingHttpServer server = new RecordingHttpServer(1);
        Bucket bucket = Buckets.open(yaml(server, "  max_retries: 3\n"), "retry.yml")) {
      upload(bucket, "obj", new byte[] {1, 2});
      assertThat(server.requests()).hasSize(2);
      assertThat(server.requests()).allSatisfy(r -> assertThat(r.header("x-amz-decoded-content-length")).isEqualTo("2"));
    }
  }
}
