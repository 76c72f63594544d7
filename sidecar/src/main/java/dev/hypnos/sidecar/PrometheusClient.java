package dev.hypnos.sidecar;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.google.protobuf.CodedInputStream;
import dev.hypnos.core.chunk.XorEncoder;
import dev.hypnos.core.labels.Label;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.labels.Matcher;
import dev.hypnos.proto.prometheus.Chunk;
import dev.hypnos.proto.prometheus.ChunkedReadResponse;
import dev.hypnos.proto.prometheus.ChunkedSeries;
import dev.hypnos.proto.prometheus.LabelMatcher;
import dev.hypnos.proto.prometheus.Query;
import dev.hypnos.proto.prometheus.QueryResult;
import dev.hypnos.proto.prometheus.ReadRequest;
import dev.hypnos.proto.prometheus.ReadResponse;
import dev.hypnos.proto.prometheus.Sample;
import dev.hypnos.proto.prometheus.TimeSeries;
import dev.hypnos.storeapi.ChunkData;
import dev.hypnos.storeapi.StoreApiException;
import dev.hypnos.storeapi.StoreChunk;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.zip.CRC32C;

/**
 * A client for the parts of Prometheus's HTTP API the sidecar needs: remote read (streamed XOR
 * chunks preferred, SAMPLES as fallback), the loaded configuration (external labels), label names
 * and values, series, TSDB status and readiness. Errors name the URL and the HTTP status.
 *
 * <p>Concurrency: thread-safe.
 */
public final class PrometheusClient {
  /** Samples per chunk when re-encoding a SAMPLES response, as Thanos does. */
  public static final int MAX_SAMPLES_PER_CHUNK = 120;
  /** Largest streamed frame accepted, as the Thanos reader caps it. */
  public static final int MAX_FRAME_BYTES = 50_000_000;
  private static final int MAX_SAMPLES_BODY = 512 << 20;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final YAMLMapper YAML = new YAMLMapper();

  /** How a remote read answer came back. */
  public enum ResponseType {
    STREAMED_XOR_CHUNKS,
    SAMPLES
  }

  /** Receives the series of a remote read, in Prometheus's order, one at a time. */
  @FunctionalInterface
  public interface SeriesHandler {
    /**
     * One series: its labels as Prometheus sent them and its chunks (sorted by min time). A series
     * split over several streamed frames arrives once, merged.
     */
    void series(Labels labels, List<StoreChunk> chunks) throws IOException;
  }

  private final URI base;
  private final HttpClient http;
  private final Duration timeout;

  /**
   * @param base Prometheus's base URL, e.g. {@code http://127.0.0.1:9090}
   * @param timeout per-request timeout
   */
  public PrometheusClient(URI base, HttpClient http, Duration timeout) {
    String s = Objects.requireNonNull(base, "base").toString();
    this.base = URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
    this.http = Objects.requireNonNull(http, "http");
    this.timeout = Objects.requireNonNull(timeout, "timeout");
  }

  /** A client with a fresh HTTP/1.1 client and a two-minute timeout. */
  public static PrometheusClient create(URI base) {
    return new PrometheusClient(
        base,
        HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build(),
        Duration.ofMinutes(2));
  }

  public URI baseUrl() {
    return base;
  }

  // ------------------------------------------------------------------------------------------
  // Remote read

  /**
   * Reads the series matching {@code matchers} with data in {@code [start, end]} through remote
   * read. With {@code preferStreamed} the request accepts {@code [STREAMED_XOR_CHUNKS, SAMPLES]},
   * otherwise only SAMPLES; samples are re-encoded into XOR chunks of at most {@value
   * #MAX_SAMPLES_PER_CHUNK} samples.
   *
   * @return the response type Prometheus chose
   */
  public ResponseType remoteRead(long start, long end, List<Matcher> matchers, boolean preferStreamed, SeriesHandler handler)
      throws IOException {
    Query.Builder q = Query.newBuilder().setStartTimestampMs(start).setEndTimestampMs(end);
    for (Matcher m : matchers) {
      q.addMatchers(LabelMatcher.newBuilder()
          .setType(switch (m.type()) {
            case EQ -> LabelMatcher.Type.EQ;
            case NEQ -> LabelMatcher.Type.NEQ;
            case RE -> LabelMatcher.Type.RE;
            case NRE -> LabelMatcher.Type.NRE;
          })
          .setName(m.name())
          .setValue(m.value()));
    }
    ReadRequest.Builder req = ReadRequest.newBuilder().addQueries(q);
    if (preferStreamed) {
      req.addAcceptedResponseTypes(ReadRequest.ResponseType.STREAMED_XOR_CHUNKS);
    }
    req.addAcceptedResponseTypes(ReadRequest.ResponseType.SAMPLES);
    URI uri = URI.create(base + "/api/v1/read");
    HttpRequest request = HttpRequest.newBuilder(uri)
        .timeout(timeout)
        .header("Content-Encoding", "snappy")
        .header("Content-Type", "application/x-protobuf")
        .header("X-Prometheus-Remote-Read-Version", "0.1.0")
        .header("User-Agent", "hypnos-sidecar")
        .POST(HttpRequest.BodyPublishers.ofByteArray(Snappy.compress(req.build().toByteArray())))
        .build();
    HttpResponse<InputStream> resp = send(request, HttpResponse.BodyHandlers.ofInputStream(), "remote read");
    try (InputStream body = resp.body()) {
      if (resp.statusCode() / 100 != 2) {
        throw statusError("remote read", uri, resp.statusCode(), new String(body.readNBytes(4096), StandardCharsets.UTF_8));
      }
      String contentType = resp.headers().firstValue("Content-Type").orElse("");
      if (contentType.startsWith("application/x-streamed-protobuf")) {
        readStreamed(uri, body, handler);
        return ResponseType.STREAMED_XOR_CHUNKS;
      }
      byte[] compressed = body.readAllBytes();
      readSamples(uri, Snappy.decompress(compressed, MAX_SAMPLES_BODY), handler);
      return ResponseType.SAMPLES;
    }
  }

  private static void readStreamed(URI uri, InputStream body, SeriesHandler handler) throws IOException {
    Labels pendingLabels = null;
    List<StoreChunk> pendingChunks = new ArrayList<>();
    CRC32C crc = new CRC32C();
    byte[] buf = new byte[4096];
    long frameNo = 0;
    while (true) {
      long len = readUvarint(body);
      if (len < 0) {
        break;
      }
      frameNo++;
      if (len > MAX_FRAME_BYTES) {
        throw new IOException("read remote read stream from " + uri + ": frame " + frameNo + " of " + len
            + " bytes exceeds the limit of " + MAX_FRAME_BYTES);
      }
      byte[] head = body.readNBytes(4);
      if (head.length < 4) {
        throw new EOFException("read remote read stream from " + uri + ": frame " + frameNo + " ends inside its checksum");
      }
      int expected = (head[0] & 0xFF) << 24 | (head[1] & 0xFF) << 16 | (head[2] & 0xFF) << 8 | (head[3] & 0xFF);
      if (buf.length < len) {
        buf = new byte[(int) Math.max(len, buf.length * 2L)];
      }
      int n = body.readNBytes(buf, 0, (int) len);
      if (n < len) {
        throw new EOFException("read remote read stream from " + uri + ": frame " + frameNo + " has " + n + " of " + len + " bytes");
      }
      crc.reset();
      crc.update(buf, 0, n);
      if ((int) crc.getValue() != expected) {
        throw new IOException("read remote read stream from " + uri + ": frame " + frameNo + " fails its CRC32C check");
      }
      ChunkedReadResponse frame = ChunkedReadResponse.parseFrom(CodedInputStream.newInstance(buf, 0, n));
      for (ChunkedSeries cs : frame.getChunkedSeriesList()) {
        Labels labels = toLabels(cs.getLabelsList());
        if (pendingLabels != null && !pendingLabels.equals(labels)) {
          handler.series(pendingLabels, pendingChunks);
          pendingChunks = new ArrayList<>();
        }
        pendingLabels = labels;
        for (Chunk c : cs.getChunksList()) {
          pendingChunks.add(toStoreChunk(uri, labels, c));
        }
      }
    }
    if (pendingLabels != null) {
      handler.series(pendingLabels, pendingChunks);
    }
  }

  private static StoreChunk toStoreChunk(URI uri, Labels labels, Chunk c) {
    ChunkData.Encoding enc = switch (c.getTypeValue()) {
      case 1 -> ChunkData.Encoding.XOR;
      case 2 -> ChunkData.Encoding.HISTOGRAM;
      case 3 -> ChunkData.Encoding.FLOAT_HISTOGRAM;
      default -> throw StoreApiException.internal("read remote read chunk of " + labels + " from " + uri
          + ": chunk encoding " + c.getTypeValue() + " cannot be carried by the Store API", null);
    };
    return StoreChunk.raw(c.getMinTimeMs(), c.getMaxTimeMs(), ChunkData.hashed(enc, c.getData().toByteArray()));
  }

  private static void readSamples(URI uri, byte[] decoded, SeriesHandler handler) throws IOException {
    ReadResponse resp = ReadResponse.parseFrom(decoded);
    XorEncoder enc = new XorEncoder(1024);
    for (QueryResult r : resp.getResultsList()) {
      for (TimeSeries ts : r.getTimeseriesList()) {
        Labels labels = toLabels(ts.getLabelsList());
        if (ts.getHistogramsCount() > 0) {
          throw StoreApiException.internal("read remote read samples of " + labels + " from " + uri
              + ": native histograms are not supported in the SAMPLES response", null);
        }
        List<StoreChunk> chunks = new ArrayList<>(ts.getSamplesCount() / MAX_SAMPLES_PER_CHUNK + 1);
        enc.reset();
        long first = 0;
        for (int i = 0; i < ts.getSamplesCount(); i++) {
          Sample s = ts.getSamples(i);
          if (enc.numSamples() == 0) {
            first = s.getTimestamp();
          }
          enc.append(s.getTimestamp(), s.getValue());
          if (enc.numSamples() == MAX_SAMPLES_PER_CHUNK) {
            chunks.add(StoreChunk.raw(first, s.getTimestamp(), ChunkData.hashed(ChunkData.Encoding.XOR, enc.bytes())));
            enc.reset();
          }
        }
        if (enc.numSamples() > 0) {
          chunks.add(StoreChunk.raw(first, enc.lastTimestamp(), ChunkData.hashed(ChunkData.Encoding.XOR, enc.bytes())));
        }
        handler.series(labels, chunks);
      }
    }
  }

  private static Labels toLabels(List<dev.hypnos.proto.prometheus.Label> pb) {
    List<Label> out = new ArrayList<>(pb.size());
    for (dev.hypnos.proto.prometheus.Label l : pb) {
      out.add(new Label(l.getName(), l.getValue()));
    }
    return Labels.fromUnsorted(out);
  }

  /** An unsigned varint, or -1 at a clean end of stream. */
  private static long readUvarint(InputStream in) throws IOException {
    long v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      int b = in.read();
      if (b < 0) {
        if (shift == 0) {
          return -1;
        }
        throw new EOFException("read remote read frame length: stream ends inside it");
      }
      v |= (long) (b & 0x7F) << shift;
      if (b < 0x80) {
        return v;
      }
    }
    throw new IOException("read remote read frame length: varint longer than 64 bits");
  }

  // ------------------------------------------------------------------------------------------
  // JSON API

  /**
   * The external labels of the configuration Prometheus has loaded ({@code global.external_labels}
   * from {@code /api/v1/status/config}); empty when there are none.
   */
  public Labels externalLabels() throws IOException {
    JsonNode data = getJson("/api/v1/status/config", Map.of());
    String yaml = data.path("yaml").asText("");
    JsonNode cfg;
    try {
      cfg = YAML.readTree(yaml);
    } catch (IOException e) {
      throw new IOException("parse the configuration YAML from " + base + "/api/v1/status/config: " + e.getMessage(), e);
    }
    JsonNode ext = cfg == null ? null : cfg.path("global").path("external_labels");
    if (ext == null || !ext.isObject()) {
      return Labels.EMPTY;
    }
    List<Label> out = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = ext.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      out.add(new Label(e.getKey(), e.getValue().asText()));
    }
    return Labels.fromUnsorted(out);
  }

  /** Label names of the series matching {@code matchers} (all series when empty) in range. */
  public List<String> labelNames(long start, long end, List<Matcher> matchers) throws IOException {
    return strings(getJson("/api/v1/labels", timeParams(start, end, matchers)));
  }

  /** Values of {@code name} over the series matching {@code matchers} in range. */
  public List<String> labelValues(String name, long start, long end, List<Matcher> matchers) throws IOException {
    String path = "/api/v1/label/" + URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20") + "/values";
    return strings(getJson(path, timeParams(start, end, matchers)));
  }

  /** Label sets of the series matching {@code matchers} (not empty) in range. */
  public List<Labels> series(long start, long end, List<Matcher> matchers) throws IOException {
    JsonNode data = getJson("/api/v1/series", timeParams(start, end, matchers));
    List<Labels> out = new ArrayList<>(data.size());
    for (JsonNode s : data) {
      List<Label> ls = new ArrayList<>(s.size());
      for (Iterator<Map.Entry<String, JsonNode>> it = s.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        ls.add(new Label(e.getKey(), e.getValue().asText()));
      }
      out.add(Labels.fromUnsorted(ls));
    }
    return out;
  }

  /** The head block's min time from {@code /api/v1/status/tsdb}, empty when the head has no data. */
  public OptionalLong headMinTime() throws IOException {
    JsonNode head = getJson("/api/v1/status/tsdb", Map.of()).path("headStats");
    if (!head.has("minTime") || head.path("numSeries").asLong(0) == 0) {
      return OptionalLong.empty();
    }
    long t = head.path("minTime").asLong();
    return t == Long.MAX_VALUE ? OptionalLong.empty() : OptionalLong.of(t);
  }

  /** Whether {@code /-/ready} answers 200. */
  public boolean ready() {
    try {
      HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/-/ready")).timeout(Duration.ofSeconds(5)).GET().build();
      return http.send(req, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static Map<String, Object> timeParams(long start, long end, List<Matcher> matchers) {
    Map<String, Object> p = new java.util.LinkedHashMap<>();
    p.put("start", BigDecimal.valueOf(start, 3).toPlainString());
    p.put("end", BigDecimal.valueOf(end, 3).toPlainString());
    if (!matchers.isEmpty()) {
      p.put("match[]", selector(matchers));
    }
    return p;
  }

  /** {@code matchers} as a PromQL series selector, values quoted as Go does. */
  static String selector(List<Matcher> matchers) {
    StringBuilder sb = new StringBuilder("{");
    for (int i = 0; i < matchers.size(); i++) {
      Matcher m = matchers.get(i);
      if (i > 0) {
        sb.append(',');
      }
      if (Labels.isLegacyName(m.name())) {
        sb.append(m.name());
      } else {
        Labels.quoteGo(sb, m.name());
      }
      sb.append(m.type().operator());
      Labels.quoteGo(sb, m.value());
    }
    return sb.append('}').toString();
  }

  private static List<String> strings(JsonNode data) {
    List<String> out = new ArrayList<>(data.size());
    for (JsonNode n : data) {
      out.add(n.asText());
    }
    return out;
  }

  private JsonNode getJson(String path, Map<String, Object> params) throws IOException {
    StringBuilder q = new StringBuilder();
    for (Map.Entry<String, Object> e : params.entrySet()) {
      q.append(q.isEmpty() ? '?' : '&')
          .append(URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8))
          .append('=')
          .append(URLEncoder.encode(String.valueOf(e.getValue()), StandardCharsets.UTF_8));
    }
    URI uri = URI.create(base + path + q);
    HttpRequest req = HttpRequest.newBuilder(uri).timeout(timeout).header("Accept", "application/json").GET().build();
    HttpResponse<byte[]> resp = send(req, HttpResponse.BodyHandlers.ofByteArray(), "GET " + path);
    String what = "GET " + base + path;
    if (resp.statusCode() / 100 != 2) {
      byte[] b = resp.body();
      throw statusError(what, uri, resp.statusCode(), new String(b, 0, Math.min(b.length, 4096), StandardCharsets.UTF_8));
    }
    JsonNode root;
    try {
      root = JSON.readTree(resp.body());
    } catch (IOException e) {
      throw new IOException(what + ": the answer is not JSON: " + e.getMessage(), e);
    }
    if (!"success".equals(root.path("status").asText())) {
      throw new IOException(what + ": status " + root.path("status").asText() + ": " + root.path("error").asText());
    }
    return root.path("data");
  }

  private <T> HttpResponse<T> send(HttpRequest req, HttpResponse.BodyHandler<T> handler, String what) throws IOException {
    try {
      return http.send(req, handler);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException(what + " at " + req.uri() + ": interrupted");
    } catch (IOException e) {
      throw new IOException(what + " at " + req.uri() + ": " + e, e);
    }
  }

  private static IOException statusError(String what, URI uri, int status, String body) {
    return new IOException(what + " at " + uri + ": HTTP status " + status + ": " + body.strip());
  }
}
