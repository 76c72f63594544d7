package dev.hypnos.objstore.s3;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.objstore.Bucket;
import dev.hypnos.core.objstore.ObjectAttributes;
import dev.hypnos.core.objstore.ObjectKeys;
import dev.hypnos.core.objstore.ObjectNotFoundException;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpConfigurationOption;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.AbortMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.DeleteObjectRequest;
import software.amazon.awssdk.services.s3.model.EncodingType;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadBucketRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsRequest;
import software.amazon.awssdk.services.s3.model.ListObjectsResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;
import software.amazon.awssdk.utils.AttributeMap;

/**
 * A {@link Bucket} on S3 or an S3-compatible store, through AWS SDK v2 with the Apache HttpClient 5 transport.
 *
 * <ul>
 *   <li>Objects up to {@code part_size} are sent with one PUT; larger ones as a multipart upload
 *       of {@code part_size} parts, aborted if any part fails. Parts are buffered in memory so the
 *       SDK can retry them.
 *   <li>Ranges are read with {@code Range: bytes=a-b}; a range starting at or past the end (HTTP
 *       416) is an empty stream.
 *   <li>Listings use the delimiter {@code /} and URL-encoded keys. Keys ending in {@code /}
 *       (directory markers) are not reported as objects.
 *   <li>{@link #delete} and a zero-length {@link #getRange} issue a HEAD first, since S3 answers a
 *       DELETE of a missing key with success.
 *   <li>The SDK's default CRC checksums are only sent when an operation requires them, since many
 *       S3-compatible stores reject them; {@code send_content_md5} adds Content-MD5 instead.
 * </ul>
 *
 * <p>Errors say what was being done, with which key, bucket and endpoint; wrong credentials, a
 * missing bucket and an unreachable endpoint each get a message that says what to check.
 *
 * <p>Concurrency: thread-safe (the SDK client is).
 */
public final class S3Bucket implements Bucket {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final S3Config config;
  private final String bucket;
  private final String name;
  private final String endpoint;
  private final SdkHttpClient httpClient;
  private final S3Client client;
  /** Set once the bucket is known to exist, so a HEAD answered 404 means a missing object. */
  private volatile boolean bucketSeen;

  public S3Bucket(S3Config config) {
    this.config = Objects.requireNonNull(config, "config");
    this.bucket = config.bucket();
    this.name = "s3:" + bucket;
    URI endpointUri = config.endpointUri();
    this.endpoint = endpointUri.toString();
    S3Config.Http http = config.http();
    Apache5HttpClient.Builder httpBuilder =
        Apache5HttpClient.builder()
            .connectionTimeout(Duration.ofSeconds(30))
            .socketTimeout(positiveOr(http.responseHeaderTimeout(), Duration.ofMinutes(2)))
            .connectionMaxIdleTime(positiveOr(http.idleConnTimeout(), Duration.ofSeconds(90)))
            .maxConnections(
                http.maxConnsPerHost() > 0
                    ? http.maxConnsPerHost()
                    : Math.max(50, http.maxIdleConnsPerHost()));
    AttributeMap.Builder httpDefaults = AttributeMap.builder();
    if (http.insecureSkipVerify()) {
      httpDefaults.put(SdkHttpConfigurationOption.TRUST_ALL_CERTIFICATES, Boolean.TRUE);
    }
    this.httpClient = httpBuilder.buildWithDefaults(httpDefaults.build());
    ClientOverrideConfiguration.Builder override = ClientOverrideConfiguration.builder();
    if (config.maxRetries() > 0) {
      override.retryStrategy(
          AwsRetryStrategy.standardRetryStrategy().toBuilder()
              .maxAttempts(config.maxRetries() + 1)
              .build());
    }
    this.client =
        S3Client.builder()
            .httpClient(httpClient)
            .endpointOverride(endpointUri)
            .region(Region.of(config.effectiveRegion()))
            .forcePathStyle(config.pathStyle())
            .credentialsProvider(credentials(config))
            .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
            .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
            .overrideConfiguration(override.build())
            .build();
  }

  private static Duration positiveOr(Duration value, Duration fallback) {
    return value.isZero() || value.isNegative() ? fallback : value;
  }

  private static AwsCredentialsProvider credentials(S3Config config) {
    if (config.accessKey().isEmpty()) {
      return DefaultCredentialsProvider.builder().build();
    }
    if (!config.sessionToken().isEmpty()) {
      return StaticCredentialsProvider.create(
          AwsSessionCredentials.create(config.accessKey(), config.secretKey(), config.sessionToken()));
    }
    return StaticCredentialsProvider.create(
        AwsBasicCredentials.create(config.accessKey(), config.secretKey()));
  }

  /** The SDK client, for tests that inspect the store directly. */
  S3Client client() {
    return client;
  }

  public S3Config config() {
    return config;
  }

  @Override
  public String name() {
    return name;
  }

  // ---- reads

  @Override
  public InputStream get(String key) throws IOException {
    ObjectKeys.requireObjectKey(name, key);
    return openObject(key, null);
  }

  @Override
  public InputStream getRange(String key, long offset, long length) throws IOException {
    ObjectKeys.requireObjectKey(name, key);
    ObjectKeys.requireRange(name, key, offset, length);
    if (length == 0) {
      head(key, "read range of");
      return InputStream.nullInputStream();
    }
    long last = length > Long.MAX_VALUE - offset ? Long.MAX_VALUE : offset + length - 1;
    String range = last == Long.MAX_VALUE ? "bytes=" + offset + "-" : "bytes=" + offset + "-" + last;
    return openObject(key, range);
  }

  private InputStream openObject(String key, @Nullable String range) throws IOException {
    GetObjectRequest.Builder request = GetObjectRequest.builder().bucket(bucket).key(key);
    if (range != null) {
      request.range(range);
    }
    if (config.sse().type() == S3Config.SseType.SSE_C) {
      byte[] k = config.sse().customerKey();
      request.sseCustomerAlgorithm("AES256").sseCustomerKey(base64(k)).sseCustomerKeyMD5(base64(md5(k, 0, k.length)));
    }
    String op = range == null ? "read" : "read range " + range + " of";
    try {
      ResponseInputStream<GetObjectResponse> stream = client.getObject(request.build());
      bucketSeen = true;
      return new ObjectStream(stream, key);
    } catch (S3Exception e) {
      if (range != null && e.statusCode() == 416) {
        bucketSeen = true;
        return InputStream.nullInputStream(); // the range starts at or after the end
      }
      throw translate(e, op, key);
    } catch (SdkException e) {
      throw translate(e, op, key);
    }
  }

  private HeadObjectResponse head(String key, String op) throws IOException {
    HeadObjectRequest.Builder request = HeadObjectRequest.builder().bucket(bucket).key(key);
    if (config.sse().type() == S3Config.SseType.SSE_C) {
      byte[] k = config.sse().customerKey();
      request.sseCustomerAlgorithm("AES256").sseCustomerKey(base64(k)).sseCustomerKeyMD5(base64(md5(k, 0, k.length)));
    }
    try {
      HeadObjectResponse response = client.headObject(request.build());
      bucketSeen = true;
      return response;
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        // A HEAD answer has no body, so a missing bucket looks like a missing key: ask once.
        checkBucketExists(op, key);
        throw new ObjectNotFoundException(name, key);
      }
      throw translate(e, op, key);
    } catch (SdkException e) {
      throw translate(e, op, key);
    }
  }

  private void checkBucketExists(String op, String key) throws IOException {
    if (bucketSeen) {
      return;
    }
    try {
      client.headBucket(HeadBucketRequest.builder().bucket(bucket).build());
      bucketSeen = true;
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        throw new IOException(missingBucketMessage(null));
      }
      throw translate(e, op, key);
    } catch (SdkException e) {
      throw translate(e, op, key);
    }
  }

  @Override
  public boolean exists(String key) throws IOException {
    ObjectKeys.requireObjectKey(name, key);
    try {
      head(key, "check existence of");
      return true;
    } catch (ObjectNotFoundException e) {
      return false;
    }
  }

  @Override
  public ObjectAttributes attributes(String key) throws IOException {
    ObjectKeys.requireObjectKey(name, key);
    HeadObjectResponse response = head(key, "read attributes of");
    return new ObjectAttributes(
        response.contentLength() == null ? 0 : response.contentLength(), response.lastModified());
  }

  // ---- listings

  @Override
  public void iter(String dir, Consumer<String> consumer) throws IOException {
    list(ObjectKeys.dirPrefix(dir), true, consumer);
  }

  @Override
  public void iterRecursive(String dir, Consumer<String> consumer) throws IOException {
    list(ObjectKeys.dirPrefix(dir), false, consumer);
  }

  private void list(String prefix, boolean delimited, Consumer<String> consumer) throws IOException {
    String op = delimited ? "list" : "list recursively";
    try {
      if (config.listObjectsVersion().equals("v1")) {
        listV1(prefix, delimited, consumer);
      } else {
        listV2(prefix, delimited, consumer);
      }
      bucketSeen = true;
    } catch (SdkException e) {
      throw translate(e, op, prefix.isEmpty() ? "/" : prefix);
    }
  }

  private void listV2(String prefix, boolean delimited, Consumer<String> consumer) {
    @Nullable String token = null;
    do {
      ListObjectsV2Request.Builder request =
          ListObjectsV2Request.builder().bucket(bucket).prefix(prefix).encodingType(EncodingType.URL);
      if (delimited) {
        request.delimiter("/");
      }
      if (token != null) {
        request.continuationToken(token);
      }
      ListObjectsV2Response response = client.listObjectsV2(request.build());
      emitPage(prefix, response.contents(), response.commonPrefixes(), consumer);
      token = Boolean.TRUE.equals(response.isTruncated()) ? response.nextContinuationToken() : null;
    } while (token != null);
  }

  private void listV1(String prefix, boolean delimited, Consumer<String> consumer) {
    @Nullable String marker = null;
    do {
      ListObjectsRequest.Builder request =
          ListObjectsRequest.builder().bucket(bucket).prefix(prefix).encodingType(EncodingType.URL);
      if (delimited) {
        request.delimiter("/");
      }
      if (marker != null) {
        request.marker(marker);
      }
      ListObjectsResponse response = client.listObjects(request.build());
      emitPage(prefix, response.contents(), response.commonPrefixes(), consumer);
      if (!Boolean.TRUE.equals(response.isTruncated())) {
        marker = null;
      } else if (response.nextMarker() != null) {
        marker = response.nextMarker();
      } else {
        // Without a delimiter S3 leaves NextMarker out: continue after the last key or prefix.
        String lastKey = response.contents().isEmpty() ? null : response.contents().getLast().key();
        String lastPrefix =
            response.commonPrefixes().isEmpty() ? null : response.commonPrefixes().getLast().prefix();
        marker =
            lastKey == null
                ? lastPrefix
                : lastPrefix == null || Labels.compareStrings(lastKey, lastPrefix) > 0 ? lastKey : lastPrefix;
      }
    } while (marker != null);
  }

  /** One page: objects and sub-directories merged into byte order (S3 returns them apart). */
  private static void emitPage(
      String prefix, List<S3Object> contents, List<CommonPrefix> prefixes, Consumer<String> consumer) {
    List<String> page = new ArrayList<>(contents.size() + prefixes.size());
    for (S3Object object : contents) {
      // Keys ending in "/" are directory markers (some stores, S3Proxy's filesystem provider
      // among them, list one per directory), not objects.
      if (!object.key().endsWith("/")) {
        page.add(object.key());
      }
    }
    for (CommonPrefix p : prefixes) {
      page.add(p.prefix());
    }
    page.sort(Labels::compareStrings);
    page.forEach(consumer);
  }

  // ---- writes

  @Override
  public void upload(String key, InputStream in, long length) throws IOException {
    ObjectKeys.requireUploadKey(name, key);
    if (length < 0) {
      throw new IOException("upload object " + key + " to bucket " + name + ": invalid length " + length);
    }
    if (length <= config.partSize() || config.disableMultipart() && length <= Integer.MAX_VALUE - 8) {
      byte[] data = readPart(in, key, (int) length, 0, length);
      putObject(key, data);
    } else if (config.disableMultipart()) {
      putStreaming(key, in, length);
    } else {
      multipartUpload(key, in, length);
    }
  }

  private byte[] readPart(InputStream in, String key, int size, long before, long total) throws IOException {
    byte[] data = in.readNBytes(size);
    if (data.length != size) {
      throw shortStream(key, before + data.length, total);
    }
    return data;
  }

  private IOException shortStream(String key, long read, long total) {
    return new IOException(
        "upload object " + key + " to bucket " + name + ": the stream ended after " + read + " of " + total + " bytes");
  }

  private void putObject(String key, byte[] data) throws IOException {
    PutObjectRequest.Builder request =
        PutObjectRequest.builder().bucket(bucket).key(key).contentLength((long) data.length);
    if (config.sendContentMd5()) {
      request.contentMD5(base64(md5(data, 0, data.length)));
    }
    if (!config.putUserMetadata().isEmpty()) {
      request.metadata(config.putUserMetadata());
    }
    if (!config.storageClass().isEmpty()) {
      request.storageClass(config.storageClass());
    }
    applySse(request);
    try {
      client.putObject(request.build(), RequestBody.fromInputStream(new ByteArrayInputStream(data), data.length));
      bucketSeen = true;
    } catch (SdkException e) {
      throw translate(e, "upload", key);
    }
  }

  private void putStreaming(String key, InputStream in, long length) throws IOException {
    PutObjectRequest.Builder request = PutObjectRequest.builder().bucket(bucket).key(key).contentLength(length);
    if (!config.putUserMetadata().isEmpty()) {
      request.metadata(config.putUserMetadata());
    }
    if (!config.storageClass().isEmpty()) {
      request.storageClass(config.storageClass());
    }
    applySse(request);
    try {
      client.putObject(request.build(), RequestBody.fromInputStream(in, length));
    } catch (SdkException e) {
      throw translate(e, "upload", key);
    }
  }

  private void applySse(PutObjectRequest.Builder request) {
    S3Config.Sse sse = config.sse();
    switch (sse.type()) {
      case NONE -> {}
      case SSE_S3 -> request.serverSideEncryption(ServerSideEncryption.AES256);
      case SSE_KMS -> {
        request.serverSideEncryption(ServerSideEncryption.AWS_KMS).ssekmsKeyId(sse.kmsKeyId());
        request.ssekmsEncryptionContext(kmsContext(sse));
      }
      case SSE_C -> {
        byte[] k = sse.customerKey();
        request.sseCustomerAlgorithm("AES256").sseCustomerKey(base64(k)).sseCustomerKeyMD5(base64(md5(k, 0, k.length)));
      }
    }
  }

  private void applySse(CreateMultipartUploadRequest.Builder request) {
    S3Config.Sse sse = config.sse();
    switch (sse.type()) {
      case NONE -> {}
      case SSE_S3 -> request.serverSideEncryption(ServerSideEncryption.AES256);
      case SSE_KMS -> {
        request.serverSideEncryption(ServerSideEncryption.AWS_KMS).ssekmsKeyId(sse.kmsKeyId());
        request.ssekmsEncryptionContext(kmsContext(sse));
      }
      case SSE_C -> {
        byte[] k = sse.customerKey();
        request.sseCustomerAlgorithm("AES256").sseCustomerKey(base64(k)).sseCustomerKeyMD5(base64(md5(k, 0, k.length)));
      }
    }
  }

  private static String kmsContext(S3Config.Sse sse) {
    try {
      // An empty context is sent as "{}": AWS rejects a missing JSON object here.
      return base64(JSON.writeValueAsBytes(sse.kmsEncryptionContext()));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("encode KMS encryption context", e);
    }
  }

  private void multipartUpload(String key, InputStream in, long length) throws IOException {
    // S3 allows at most 10000 parts: grow the part size for very large objects.
    long partSize = Math.max(config.partSize(), (length + 9_999) / 10_000);
    if (partSize > Integer.MAX_VALUE - 8) {
      throw new IOException("upload object " + key + " to bucket " + name + ": " + length + " bytes is too large");
    }
    CreateMultipartUploadRequest.Builder create = CreateMultipartUploadRequest.builder().bucket(bucket).key(key);
    if (!config.putUserMetadata().isEmpty()) {
      create.metadata(config.putUserMetadata());
    }
    if (!config.storageClass().isEmpty()) {
      create.storageClass(config.storageClass());
    }
    applySse(create);
    String uploadId;
    try {
      uploadId = client.createMultipartUpload(create.build()).uploadId();
      bucketSeen = true;
    } catch (SdkException e) {
      throw translate(e, "start multipart upload of", key);
    }
    try {
      List<CompletedPart> parts = new ArrayList<>();
      byte[] buffer = new byte[(int) Math.min(partSize, length)];
      long sent = 0;
      int partNumber = 1;
      while (sent < length) {
        int size = (int) Math.min(partSize, length - sent);
        int n = in.readNBytes(buffer, 0, size);
        if (n != size) {
          throw shortStream(key, sent + n, length);
        }
        UploadPartRequest.Builder part =
            UploadPartRequest.builder()
                .bucket(bucket)
                .key(key)
                .uploadId(uploadId)
                .partNumber(partNumber)
                .contentLength((long) size);
        if (config.sendContentMd5()) {
          part.contentMD5(base64(md5(buffer, 0, size)));
        }
        if (config.sse().type() == S3Config.SseType.SSE_C) {
          byte[] k = config.sse().customerKey();
          part.sseCustomerAlgorithm("AES256").sseCustomerKey(base64(k)).sseCustomerKeyMD5(base64(md5(k, 0, k.length)));
        }
        String etag;
        try {
          etag =
              client
                  .uploadPart(part.build(), RequestBody.fromInputStream(new ByteArrayInputStream(buffer, 0, size), size))
                  .eTag();
        } catch (SdkException e) {
          throw translate(e, "upload part " + partNumber + " of", key);
        }
        parts.add(CompletedPart.builder().partNumber(partNumber).eTag(etag).build());
        sent += size;
        partNumber++;
      }
      try {
        client.completeMultipartUpload(
            CompleteMultipartUploadRequest.builder()
                .bucket(bucket)
                .key(key)
                .uploadId(uploadId)
                .multipartUpload(m -> m.parts(parts))
                .build());
      } catch (SdkException e) {
        throw translate(e, "complete multipart upload of", key);
      }
    } catch (IOException | RuntimeException e) {
      abort(key, uploadId, e);
      throw e;
    }
  }

  private void abort(String key, String uploadId, Exception cause) {
    try {
      client.abortMultipartUpload(
          AbortMultipartUploadRequest.builder().bucket(bucket).key(key).uploadId(uploadId).build());
    } catch (SdkException e) {
      cause.addSuppressed(translate(e, "abort multipart upload " + uploadId + " of", key));
    }
  }

  @Override
  public void delete(String key) throws IOException {
    ObjectKeys.requireObjectKey(name, key);
    head(key, "delete");
    try {
      client.deleteObject(DeleteObjectRequest.builder().bucket(bucket).key(key).build());
    } catch (SdkException e) {
      throw translate(e, "delete", key);
    }
  }

  @Override
  public void close() {
    client.close();
    httpClient.close();
  }

  @Override
  public String toString() {
    return name + " at " + endpoint;
  }

  // ---- errors

  private String missingBucketMessage(@Nullable String s3Said) {
    return "bucket " + bucket + " does not exist at endpoint " + endpoint + (s3Said == null ? "" : " (S3 said: " + s3Said + ")");
  }

  /** Turns an SDK failure of {@code op} on {@code key} into a message a user can act on. */
  IOException translate(SdkException e, String op, String key) {
    String what = op.startsWith("list") ? op + " prefix " + key : op + " object " + key;
    if (e instanceof S3Exception s3) {
      AwsErrorDetails details = s3.awsErrorDetails();
      String code = details == null ? null : details.errorCode();
      String message = details == null ? null : details.errorMessage();
      String said = code == null && message == null ? "HTTP " + s3.statusCode() : (code + ": " + message);
      if ("NoSuchKey".equals(code)) {
        return new ObjectNotFoundException(name, key);
      }
      if ("NoSuchBucket".equals(code)) {
        return new IOException(missingBucketMessage(said), e);
      }
      if ("InvalidAccessKeyId".equals(code) || "SignatureDoesNotMatch".equals(code)) {
        return new IOException(
            "access denied to bucket " + bucket + " at endpoint " + endpoint + ": check access_key/secret_key (S3 said: " + said + ")",
            e);
      }
      if (s3.statusCode() == 403) {
        return new IOException(
            "access denied to bucket "
                + bucket
                + " at endpoint "
                + endpoint
                + " to "
                + what
                + ": check access_key/secret_key and the bucket's permissions (S3 said: "
                + said
                + ")",
            e);
      }
      return new IOException(what + " in bucket " + bucket + " at endpoint " + endpoint + ": S3 said: " + said + " (HTTP " + s3.statusCode() + ")", e);
    }
    if (e instanceof SdkClientException) {
      Throwable root = e;
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof ConnectException
            || t instanceof UnknownHostException
            || t instanceof SocketTimeoutException
            || t instanceof SSLException) {
          root = t;
          break;
        }
      }
      if (root instanceof ConnectException) {
        return new IOException(
            "connect to S3 endpoint " + endpoint + " for bucket " + bucket + " (" + what + "): connection refused: is the endpoint right and the server up?", e);
      }
      if (root instanceof UnknownHostException) {
        return new IOException(
            "connect to S3 endpoint " + endpoint + " for bucket " + bucket + ": unknown host " + root.getMessage(), e);
      }
      if (root instanceof SSLException) {
        return new IOException(
            "TLS to S3 endpoint " + endpoint + " for bucket " + bucket + ": " + root.getMessage()
                + " (use insecure: true for a plain-HTTP endpoint, or http_config.insecure_skip_verify for an untrusted certificate)",
            e);
      }
      if (root instanceof SocketTimeoutException) {
        return new IOException(
            what + " in bucket " + bucket + " at endpoint " + endpoint + ": timed out (" + root.getMessage() + ")", e);
      }
    }
    return new IOException(what + " in bucket " + bucket + " at endpoint " + endpoint + ": " + e.getMessage(), e);
  }

  private static String base64(byte[] bytes) {
    return Base64.getEncoder().encodeToString(bytes);
  }

  private static byte[] md5(byte[] data, int offset, int length) {
    try {
      MessageDigest digest = MessageDigest.getInstance("MD5");
      digest.update(data, offset, length);
      return digest.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("MD5 is part of every JDK", e);
    }
  }

  /** The object body; a read failure names the object, closing early aborts the connection. */
  private final class ObjectStream extends FilterInputStream {
    private final ResponseInputStream<GetObjectResponse> response;
    private final String key;
    private final long expected;
    private long read;
    private boolean eof;

    ObjectStream(ResponseInputStream<GetObjectResponse> response, String key) {
      super(response);
      this.response = response;
      this.key = key;
      Long length = response.response().contentLength();
      this.expected = length == null ? -1 : length;
    }

    @Override
    public int read() throws IOException {
      try {
        int b = super.read();
        if (b < 0) {
          eof = true;
        } else {
          read++;
        }
        return b;
      } catch (IOException e) {
        throw readError(e);
      }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      try {
        int n = super.read(b, off, len);
        if (n < 0) {
          eof = true;
        } else {
          read += n;
        }
        return n;
      } catch (IOException e) {
        throw readError(e);
      }
    }

    @Override
    public long skip(long n) throws IOException {
      try {
        long skipped = super.skip(n);
        read += skipped;
        return skipped;
      } catch (IOException e) {
        throw readError(e);
      }
    }

    @Override
    public boolean markSupported() {
      return false;
    }

    private IOException readError(IOException e) {
      return new IOException("read object " + key + " in bucket " + bucket + " at endpoint " + endpoint + ": " + e, e);
    }

    @Override
    public void close() throws IOException {
      if (!eof && (expected < 0 || read < expected)) {
        // Do not drain the rest of a large object just to reuse the connection.
        response.abort();
      }
      super.close();
    }
  }
}
