package dev.hypnos.objstore.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hypnos.core.objstore.Bucket;
import dev.hypnos.core.objstore.BucketContractTest;
import dev.hypnos.core.objstore.Buckets;
import dev.hypnos.core.objstore.PrefixedBucket;
import dev.hypnos.testing.S3Proxy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The bucket contract against a real S3Proxy (SigV4, path-style, plain HTTP), plus S3 specifics. */
class S3BucketTest extends BucketContractTest {
  private static final String ACCESS_KEY = "hypnos-access";
  private static final String SECRET_KEY = "hypnos-secret-key";
  private static final AtomicInteger BUCKETS = new AtomicInteger();

  private static S3Proxy proxy;
  private String bucketName;

  @BeforeAll
  static void startProxy() throws IOException {
    proxy = S3Proxy.start(ACCESS_KEY, SECRET_KEY);
  }

  @AfterAll
  static void stopProxy() throws IOException {
    if (proxy != null) {
      proxy.close();
    }
  }

  static String yaml(String bucket, String accessKey, String secretKey, String extra) {
    return "type: S3\n"
        + "config:\n"
        + "  bucket: "
        + bucket
        + "\n"
        + "  endpoint: "
        + proxy.hostPort()
        + "\n"
        + "  insecure: true\n"
        + "  access_key: "
        + accessKey
        + "\n"
        + "  secret_key: "
        + secretKey
        + "\n"
        + "  part_size: 5242880\n"
        + extra;
  }

  @Override
  protected Bucket newBucket() throws IOException {
    bucketName = "bucket-" + BUCKETS.incrementAndGet();
    proxy.createBucket(bucketName);
    return Buckets.open(yaml(bucketName, ACCESS_KEY, SECRET_KEY, ""), "s3-test.yml");
  }

  @Test
  void opensAnS3BucketThroughTheFactory() {
    assertThat(bucket).isInstanceOf(S3Bucket.class);
    S3Bucket s3 = (S3Bucket) bucket;
    assertThat(s3.config().pathStyle()).isTrue();
    assertThat(s3.config().partSize()).isEqualTo(5 * 1024 * 1024);
    assertThat(s3.name()).isEqualTo("s3:" + bucketName);
  }

  @Test
  void objectsAreFilesInS3ProxysDirectory() throws IOException {
    put("01ABC/meta.json", "{}");
    assertThat(proxy.bucketDir(bucketName).resolve("01ABC/meta.json")).hasContent("{}");
    Path laidOut = proxy.bucketDir(bucketName).resolve("by-hand/object");
    Files.createDirectories(laidOut.getParent());
    Files.writeString(laidOut, "hand");
    assertThat(readString(bucket.get("by-hand/object"))).isEqualTo("hand");
  }

  @Test
  void wrongCredentialsSayAccessDenied() throws IOException {
    put("o", "x");
    try (Bucket wrong = Buckets.open(yaml(bucketName, ACCESS_KEY, "not-the-secret", ""), "wrong.yml")) {
      assertThatThrownBy(() -> wrong.get("o"))
          .isInstanceOf(IOException.class)
          .hasMessageStartingWith(
              "access denied to bucket " + bucketName + " at endpoint " + proxy.endpoint() + ": check access_key/secret_key (S3 said: ");
      assertThatThrownBy(() -> wrong.iter("", k -> {}))
          .hasMessageContaining("access denied to bucket " + bucketName);
      assertThatThrownBy(() -> wrong.exists("o")).hasMessageContaining("access denied to bucket " + bucketName);
    }
    try (Bucket unknownKey = Buckets.open(yaml(bucketName, "nobody", SECRET_KEY, ""), "wrong.yml")) {
      assertThatThrownBy(() -> unknownKey.get("o"))
          .hasMessageContaining("access denied to bucket " + bucketName)
          .hasMessageContaining("check access_key/secret_key");
    }
  }

  @Test
  void missingBucketIsNamed() throws IOException {
    try (Bucket missing = Buckets.open(yaml("no-such-bucket", ACCESS_KEY, SECRET_KEY, ""), "m.yml")) {
      String expected = "bucket no-such-bucket does not exist at endpoint " + proxy.endpoint();
      assertThatThrownBy(() -> missing.get("o")).hasMessageStartingWith(expected);
      assertThatThrownBy(() -> missing.iter("", k -> {})).hasMessageStartingWith(expected);
      assertThatThrownBy(() -> missing.exists("o")).hasMessageStartingWith(expected);
      assertThatThrownBy(() -> put2(missing, "o")).hasMessageStartingWith(expected);
    }
  }

  private static void put2(Bucket b, String key) throws IOException {
    b.upload(key, new java.io.ByteArrayInputStream(new byte[] {1}), 1);
  }

  @Test
  void refusedConnectionNamesTheEndpoint() throws IOException {
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    String yaml =
        "type: S3\nconfig:\n  bucket: b\n  endpoint: 127.0.0.1:" + port
            + "\n  insecure: true\n  access_key: a\n  secret_key: s\n  max_retries: 1\n";
    try (Bucket b = Buckets.open(yaml, "refused.yml")) {
      assertThatThrownBy(() -> b.get("o"))
          .hasMessageStartingWith("connect to S3 endpoint http://127.0.0.1:" + port + " for bucket b")
          .hasMessageContaining("connection refused");
    }
  }

  @Test
  void prefixFromConfigIsApplied() throws IOException {
    try (Bucket prefixed = Buckets.open(
        "prefix: tenant\n" + yaml(bucketName, ACCESS_KEY, SECRET_KEY, ""), "p.yml")) {
      assertThat(prefixed).isInstanceOf(PrefixedBucket.class);
      put2(prefixed, "a/b");
      assertThat(proxy.bucketDir(bucketName).resolve("tenant/a/b")).exists();
      assertThat(iter("")).containsExactly("tenant/");
    }
  }

  @Test
  void listObjectsV1GivesTheSameListing() throws IOException {
    put("x/a", "1");
    put("x/b/c", "2");
    put("y", "3");
    try (Bucket v1 = Buckets.open(yaml(bucketName, ACCESS_KEY, SECRET_KEY, "  list_objects_version: v1\n"), "v1.yml")) {
      java.util.List<String> keys = new java.util.ArrayList<>();
      v1.iter("", keys::add);
      assertThat(keys).containsExactly("x/", "y");
      keys.clear();
      v1.iterRecursive("", keys::add);
      assertThat(keys).containsExactly("x/a", "x/b/c", "y");
    }
  }

  @Test
  void s3ProxyRejectsServerSideEncryptionWithAClearMessage() throws IOException {
    // S3Proxy implements no SSE; S3RequestTest checks the headers against a recording server.
    try (Bucket sse =
        Buckets.open(yaml(bucketName, ACCESS_KEY, SECRET_KEY, "  sse_config:\n    type: SSE-S3\n"), "sse.yml")) {
      assertThatThrownBy(() -> put2(sse, "enc"))
          .hasMessageStartingWith("upload object enc in bucket " + bucketName + " at endpoint " + proxy.endpoint())
          .hasMessageContaining("NotImplemented");
    }
  }

  @Test
  void largeObjectIsUploadedInParts() throws IOException {
    put("mp", randomBytes(LARGE_OBJECT_SIZE, 3));
    String etag = ((S3Bucket) bucket).client().headObject(b -> b.bucket(bucketName).key("mp")).eTag();
    // a multipart ETag ends in -<number of parts>: 12 MiB in 5 MiB parts
    assertThat(etag).endsWith("-3\"");
  }

  @Test
  void failedMultipartUploadIsAborted() throws IOException {
    byte[] sevenMiB = new byte[7 * 1024 * 1024];
    assertThatThrownBy(() -> bucket.upload("broken", new java.io.ByteArrayInputStream(sevenMiB), LARGE_OBJECT_SIZE))
        .hasMessageContaining("the stream ended after " + sevenMiB.length + " of " + LARGE_OBJECT_SIZE + " bytes");
    assertThat(bucket.exists("broken")).isFalse();
    assertThat(((S3Bucket) bucket).client().listMultipartUploads(b -> b.bucket(bucketName)).uploads())
        .isEmpty();
  }

  @Test
  void zeroLengthRangeOfMissingBucketOrObject() throws IOException {
    assertThatThrownBy(() -> bucket.getRange("missing", 0, 0))
        .isInstanceOf(dev.hypnos.core.objstore.ObjectNotFoundException.class);
  }
}
