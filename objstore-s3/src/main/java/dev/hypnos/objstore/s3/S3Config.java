package dev.hypnos.objstore.s3;

import dev.hypnos.core.objstore.BucketConfigException;
import dev.hypnos.core.objstore.ConfigSection;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The {@code config:} section of a Thanos objstore file with {@code type: S3}: the same keys and
 * defaults as Thanos's {@code s3.Config} (FORMATS.md §5). Unknown keys are rejected, naming the key.
 *
 * <p>Differences from Thanos, all reported as errors rather than ignored where they would change
 * behaviour: {@code signature_version2: true} and a non-empty {@code http_config.tls_config} are
 * not supported; {@code part_size} must be between 5 MiB and 1 GiB (parts are buffered in memory);
 * {@code bucket_lookup_type: auto} means virtual-hosted style for AWS endpoints ({@code
 * *.amazonaws.com}) and path style for everything else (MinIO, Ceph, S3Proxy), as minio-go does.
 * Accepted and ignored: {@code trace}, {@code sts_endpoint}, {@code disable_dualstack} (the endpoint
 * is always explicit), {@code http_config} keys without an equivalent in the Apache HTTP client.
 *
 * <p>{@link #toString()} hides the secret key, the session token and the SSE-C key.
 */
public record S3Config(
    String bucket,
    String endpoint,
    String region,
    String accessKey,
    String secretKey,
    String sessionToken,
    boolean insecure,
    boolean awsSdkAuth,
    BucketLookupType bucketLookupType,
    long partSize,
    boolean disableMultipart,
    int maxRetries,
    boolean sendContentMd5,
    String listObjectsVersion,
    Map<String, String> putUserMetadata,
    String storageClass,
    Sse sse,
    Http http) {

  public static final long DEFAULT_PART_SIZE = 64L * 1024 * 1024;
  public static final long MIN_PART_SIZE = 5L * 1024 * 1024;
  public static final long MAX_PART_SIZE = 1024L * 1024 * 1024;

  private static final List<String> KEYS =
      List.of(
          "bucket",
          "endpoint",
          "region",
          "disable_dualstack",
          "aws_sdk_auth",
          "access_key",
          "secret_key",
          "session_token",
          "insecure",
          "signature_version2",
          "put_user_metadata",
          "http_config",
          "trace",
          "list_objects_version",
          "bucket_lookup_type",
          "send_content_md5",
          "disable_multipart",
          "part_size",
          "sse_config",
          "sts_endpoint",
          "max_retries");
  private static final List<String> SSE_KEYS =
      List.of("type", "kms_key_id", "kms_encryption_context", "encryption_key");
  private static final List<String> HTTP_KEYS =
      List.of(
          "idle_conn_timeout",
          "response_header_timeout",
          "insecure_skip_verify",
          "tls_handshake_timeout",
          "expect_continue_timeout",
          "max_idle_conns",
          "max_idle_conns_per_host",
          "max_conns_per_host",
          "tls_config",
          "force_attempt_http2",
          "disable_compression");
  private static final Pattern AWS_REGION_IN_HOST =
      Pattern.compile("^s3[.-](?:dualstack\\.)?([a-z0-9-]+)\\.amazonaws\\.com(?:\\.cn)?$");

  /** How the bucket is addressed in URLs. */
  public enum BucketLookupType {
    AUTO("auto"),
    VIRTUAL_HOSTED("virtual-hosted"),
    PATH("path");

    private final String yaml;

    BucketLookupType(String yaml) {
      this.yaml = yaml;
    }

    public String yaml() {
      return yaml;
    }
  }

  /** Server-side encryption ({@code sse_config}). */
  public record Sse(
      SseType type, String kmsKeyId, Map<String, String> kmsEncryptionContext, byte[] customerKey) {
    public static final Sse NONE = new Sse(SseType.NONE, "", Map.of(), new byte[0]);

    public Sse {
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(kmsKeyId, "kmsKeyId");
      kmsEncryptionContext = Collections.unmodifiableMap(new LinkedHashMap<>(kmsEncryptionContext));
      customerKey = customerKey.clone();
    }

    @Override
    public byte[] customerKey() {
      return customerKey.clone();
    }

    @Override
    public String toString() {
      return "Sse[" + type + (kmsKeyId.isEmpty() ? "" : ", kms_key_id=" + kmsKeyId) + "]";
    }
  }

  public enum SseType {
    NONE(""),
    SSE_S3("SSE-S3"),
    SSE_KMS("SSE-KMS"),
    SSE_C("SSE-C");

    private final String yaml;

    SseType(String yaml) {
      this.yaml = yaml;
    }

    public String yaml() {
      return yaml;
    }
  }

  /** The {@code http_config} settings that the Apache HTTP client can honour. */
  public record Http(
      Duration idleConnTimeout,
      Duration responseHeaderTimeout,
      Duration tlsHandshakeTimeout,
      boolean insecureSkipVerify,
      int maxIdleConns,
      int maxIdleConnsPerHost,
      int maxConnsPerHost) {
    public static final Http DEFAULT =
        new Http(Duration.ofSeconds(90), Duration.ofMinutes(2), Duration.ofSeconds(10), false, 100, 100, 0);
  }

  public S3Config {
    Objects.requireNonNull(bucket, "bucket");
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(region, "region");
    Objects.requireNonNull(accessKey, "accessKey");
    Objects.requireNonNull(secretKey, "secretKey");
    Objects.requireNonNull(sessionToken, "sessionToken");
    Objects.requireNonNull(bucketLookupType, "bucketLookupType");
    Objects.requireNonNull(listObjectsVersion, "listObjectsVersion");
    Objects.requireNonNull(storageClass, "storageClass");
    Objects.requireNonNull(sse, "sse");
    Objects.requireNonNull(http, "http");
    putUserMetadata = Collections.unmodifiableMap(new LinkedHashMap<>(putUserMetadata));
    if (partSize < MIN_PART_SIZE || partSize > MAX_PART_SIZE) {
      throw new IllegalArgumentException("part size " + partSize + " outside [5 MiB, 1 GiB]");
    }
  }

  /** Parses and validates the {@code config:} section. */
  public static S3Config parse(ConfigSection c) throws BucketConfigException {
    c.allowOnly(KEYS);
    String bucket = c.string("bucket", "").trim();
    if (bucket.isEmpty()) {
      throw c.error("bucket", "missing: the S3 bucket name is required");
    }
    String endpoint = c.string("endpoint", "").trim();
    if (endpoint.isEmpty()) {
      throw c.error("endpoint", "missing: the S3 endpoint is required, e.g. s3.us-east-1.amazonaws.com");
    }
    boolean insecure = c.bool("insecure", false);
    String accessKey = c.string("access_key", "");
    String secretKey = c.string("secret_key", "");
    boolean awsSdkAuth = c.bool("aws_sdk_auth", false);
    if (awsSdkAuth && !accessKey.isEmpty()) {
      throw c.error("aws_sdk_auth and access_key are mutually exclusive: use one of them");
    }
    if (accessKey.isEmpty() && !secretKey.isEmpty()) {
      throw c.error(
          "access_key",
          "missing while secret_key is set: set both, or neither to use the default AWS"
              + " credential chain (environment, profile, instance role)");
    }
    if (!accessKey.isEmpty() && secretKey.isEmpty()) {
      throw c.error(
          "secret_key",
          "missing while access_key is set: set both, or neither to use the default AWS"
              + " credential chain (environment, profile, instance role)");
    }
    if (c.bool("signature_version2", false)) {
      throw c.error("signature_version2", "true is not supported by Hypnos: it signs with AWS Signature V4 only");
    }
    String lookup = c.string("bucket_lookup_type", "auto");
    @Nullable BucketLookupType lookupType = null;
    for (BucketLookupType t : BucketLookupType.values()) {
      if (t.yaml().equals(lookup)) {
        lookupType = t;
      }
    }
    if (lookupType == null) {
      throw c.error("bucket_lookup_type", "unsupported value \"" + lookup + "\" (supported: auto, virtual-hosted, path)");
    }
    long partSize = c.longValue("part_size", DEFAULT_PART_SIZE);
    if (partSize < MIN_PART_SIZE || partSize > MAX_PART_SIZE) {
      throw c.error(
          "part_size",
          partSize + " is outside the supported range: S3 parts are at least 5 MiB (5242880) and"
              + " Hypnos buffers a part in memory, so at most 1 GiB (1073741824)");
    }
    long maxRetries = c.longValue("max_retries", 0);
    if (maxRetries < 0 || maxRetries > 100) {
      throw c.error("max_retries", maxRetries + " is outside 0..100 (0 means the SDK default of 2 retries)");
    }
    String listVersion = c.string("list_objects_version", "");
    if (!listVersion.isEmpty() && !listVersion.equals("v1") && !listVersion.equals("v2")) {
      throw c.error("list_objects_version", "unsupported value \"" + listVersion + "\" (supported: v1, v2)");
    }
    Map<String, String> metadata = new LinkedHashMap<>(c.stringMap("put_user_metadata"));
    String storageClass = "";
    for (String key : List.copyOf(metadata.keySet())) {
      if (key.equalsIgnoreCase("X-Amz-Storage-Class")) {
        storageClass = metadata.remove(key);
      }
    }
    c.section("trace").allowOnly(List.of("enable"));
    return new S3Config(
        bucket,
        endpoint,
        c.string("region", "").trim(),
        accessKey,
        secretKey,
        c.string("session_token", ""),
        insecure,
        awsSdkAuth,
        lookupType,
        partSize,
        c.bool("disable_multipart", false),
        (int) maxRetries,
        c.bool("send_content_md5", true),
        listVersion,
        metadata,
        storageClass,
        parseSse(c.section("sse_config")),
        parseHttp(c.section("http_config")));
  }

  private static Sse parseSse(ConfigSection c) throws BucketConfigException {
    c.allowOnly(SSE_KEYS);
    String type = c.string("type", "");
    Map<String, String> context = c.stringMap("kms_encryption_context");
    String kmsKeyId = c.string("kms_key_id", "");
    String keyFile = c.string("encryption_key", "");
    switch (type) {
      case "":
        return Sse.NONE;
      case "SSE-S3":
        return new Sse(SseType.SSE_S3, "", Map.of(), new byte[0]);
      case "SSE-KMS":
        if (kmsKeyId.isEmpty()) {
          throw c.error("kms_key_id", "missing: it must be set when type is SSE-KMS");
        }
        return new Sse(SseType.SSE_KMS, kmsKeyId, context, new byte[0]);
      case "SSE-C":
        if (keyFile.isEmpty()) {
          throw c.error("encryption_key", "missing: the path of the 32-byte key file must be set when type is SSE-C");
        }
        byte[] key;
        try {
          key = Files.readAllBytes(Path.of(keyFile));
        } catch (IOException | RuntimeException e) {
          throw c.error("encryption_key", "read SSE-C key file " + keyFile + ": " + e.getMessage());
        }
        if (key.length != 32) {
          throw c.error(
              "encryption_key", "SSE-C key file " + keyFile + " has " + key.length + " bytes; an AES-256 key has 32");
        }
        return new Sse(SseType.SSE_C, "", Map.of(), key);
      default:
        throw c.error("type", "unsupported value \"" + type + "\" (supported: SSE-S3, SSE-KMS, SSE-C)");
    }
  }

  private static Http parseHttp(ConfigSection c) throws BucketConfigException {
    c.allowOnly(HTTP_KEYS);
    if (!c.section("tls_config").values().isEmpty()) {
      throw c.error("tls_config", "is not supported by Hypnos yet (insecure_skip_verify is)");
    }
    Http d = Http.DEFAULT;
    return new Http(
        c.duration("idle_conn_timeout", d.idleConnTimeout()),
        c.duration("response_header_timeout", d.responseHeaderTimeout()),
        c.duration("tls_handshake_timeout", d.tlsHandshakeTimeout()),
        c.bool("insecure_skip_verify", false),
        (int) c.longValue("max_idle_conns", d.maxIdleConns()),
        (int) c.longValue("max_idle_conns_per_host", d.maxIdleConnsPerHost()),
        (int) c.longValue("max_conns_per_host", d.maxConnsPerHost()));
  }

  /** The endpoint as a URI: {@code http://} when {@code insecure}, else {@code https://}. */
  public URI endpointUri() {
    if (endpoint.startsWith("http://") || endpoint.startsWith("https://")) {
      return URI.create(endpoint);
    }
    return URI.create((insecure ? "http://" : "https://") + endpoint);
  }

  /** Whether requests put the bucket in the path rather than the host name. */
  public boolean pathStyle() {
    return switch (bucketLookupType) {
      case PATH -> true;
      case VIRTUAL_HOSTED -> false;
      case AUTO -> !isAwsHost();
    };
  }

  private boolean isAwsHost() {
    String host = endpointUri().getHost();
    if (host == null) {
      return false;
    }
    host = host.toLowerCase(Locale.ROOT);
    return host.endsWith(".amazonaws.com") || host.endsWith(".amazonaws.com.cn");
  }

  /** The configured region, else the one in an AWS endpoint host name, else us-east-1. */
  public String effectiveRegion() {
    if (!region.isEmpty()) {
      return region;
    }
    String host = endpointUri().getHost();
    if (host != null) {
      Matcher m = AWS_REGION_IN_HOST.matcher(host.toLowerCase(Locale.ROOT));
      if (m.matches() && !m.group(1).equals("external-1")) {
        return m.group(1);
      }
    }
    return "us-east-1";
  }

  @Override
  public String toString() {
    return "S3Config[bucket="
        + bucket
        + ", endpoint="
        + endpoint
        + ", region="
        + region
        + ", access_key="
        + accessKey
        + ", secret_key="
        + (secretKey.isEmpty() ? "" : "<hidden>")
        + ", insecure="
        + insecure
        + ", bucket_lookup_type="
        + bucketLookupType.yaml()
        + ", part_size="
        + partSize
        + ", max_retries="
        + maxRetries
        + ", sse="
        + sse
        + "]";
  }
}
