package dev.hypnos.core.block;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import dev.hypnos.core.labels.Labels;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * A block's {@code meta.json}: the Prometheus TSDB block meta plus the optional Thanos section.
 * Field names are exactly those Prometheus ({@code tsdb/block.go}) and Thanos
 * ({@code pkg/block/metadata/meta.go}) write. Read and write with {@link BlockMetaJson}.
 *
 * @param ulid the block id
 * @param minTime first millisecond covered (inclusive)
 * @param maxTime end of the covered range (exclusive)
 * @param version meta format version; always 1
 * @param thanos the Thanos section, or null for a plain Prometheus block
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonPropertyOrder({"ulid", "minTime", "maxTime", "stats", "compaction", "version", "thanos"})
public record BlockMeta(
    @JsonProperty("ulid") BlockId ulid,
    @JsonProperty("minTime") long minTime,
    @JsonProperty("maxTime") long maxTime,
    @JsonProperty("stats") Stats stats,
    @JsonProperty("compaction") Compaction compaction,
    @JsonProperty("version") int version,
    @JsonProperty("thanos") @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable Thanos thanos) {
  /** The only meta.json format version. */
  public static final int VERSION_1 = 1;

  public BlockMeta {
    if (ulid == null) {
      throw new IllegalArgumentException("field \"ulid\" is missing");
    }
    stats = stats == null ? Stats.EMPTY : stats;
    compaction = compaction == null ? new Compaction(1, List.of(), false, List.of(), false, List.of()) : compaction;
    if (version != VERSION_1) {
      throw new IllegalArgumentException("meta.json version " + version + " is not supported, expected " + VERSION_1);
    }
  }

  /** A copy with another Thanos section. */
  public BlockMeta withThanos(@Nullable Thanos t) {
    return new BlockMeta(ulid, minTime, maxTime, stats, compaction, version, t);
  }

  /** Resolution in ms from the Thanos section, 0 (raw) without one. */
  public long resolution() {
    Thanos t = thanos;
    return t == null ? 0 : t.downsample().resolution();
  }

  /** Block statistics; every field is omitted from JSON when zero. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  @JsonInclude(JsonInclude.Include.NON_DEFAULT)
  @JsonPropertyOrder({"numSamples", "numFloatSamples", "numHistogramSamples", "numSeries", "numChunks", "numTombstones"})
  public record Stats(
      @JsonProperty("numSamples") long numSamples,
      @JsonProperty("numFloatSamples") long numFloatSamples,
      @JsonProperty("numHistogramSamples") long numHistogramSamples,
      @JsonProperty("numSeries") long numSeries,
      @JsonProperty("numChunks") long numChunks,
      @JsonProperty("numTombstones") long numTombstones) {
    public static final Stats EMPTY = new Stats(0, 0, 0, 0, 0, 0);
  }

  /** Compaction history. All but {@code level} are omitted from JSON when empty or false. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  @JsonPropertyOrder({"level", "sources", "deletable", "parents", "failed", "hints"})
  public record Compaction(
      @JsonProperty("level") int level,
      @JsonProperty("sources") @JsonInclude(JsonInclude.Include.NON_EMPTY) List<BlockId> sources,
      @JsonProperty("deletable") @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean deletable,
      @JsonProperty("parents") @JsonInclude(JsonInclude.Include.NON_EMPTY) List<BlockDesc> parents,
      @JsonProperty("failed") @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean failed,
      @JsonProperty("hints") @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> hints) {
    public Compaction {
      sources = sources == null ? List.of() : List.copyOf(sources);
      parents = parents == null ? List.of() : List.copyOf(parents);
      hints = hints == null ? List.of() : List.copyOf(hints);
    }
  }

  /** A parent block in the compaction history. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  @JsonPropertyOrder({"ulid", "minTime", "maxTime"})
  public record BlockDesc(
      @JsonProperty("ulid") BlockId ulid,
      @JsonProperty("minTime") long minTime,
      @JsonProperty("maxTime") long maxTime) {
    public BlockDesc {
      if (ulid == null) {
        throw new IllegalArgumentException("parent has no \"ulid\"");
      }
    }
  }

  /**
   * The Thanos section.
   *
   * @param version Thanos section version; 0 (absent) is read as 1
   * @param labels external labels, sorted by name in Go byte order
   * @param source component that produced the block, such as {@code sidecar} or {@code compactor}
   * @param segmentFiles deprecated list of chunk segment file names
   * @param files files of the block sorted by relative path, with sizes and optional hashes
   * @param rewrites rewrite history kept as raw JSON, or null
   * @param indexStats largest series and chunk sizes seen when writing the index
   * @param extensions component-specific raw JSON, or null
   * @param uploadTime RFC 3339 upload time as written by Go, or null when absent
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  @JsonPropertyOrder({"version", "labels", "downsample", "source", "segment_files", "files", "rewrites",
      "index_stats", "extensions", "upload_time"})
  public record Thanos(
      @JsonProperty("version") @JsonInclude(JsonInclude.Include.NON_DEFAULT) int version,
      @JsonProperty("labels") Map<String, String> labels,
      @JsonProperty("downsample") Downsample downsample,
      @JsonProperty("source") String source,
      @JsonProperty("segment_files") @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> segmentFiles,
      @JsonProperty("files") @JsonInclude(JsonInclude.Include.NON_EMPTY) List<File> files,
      @JsonProperty("rewrites") @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable JsonNode rewrites,
      @JsonProperty("index_stats") IndexStats indexStats,
      @JsonProperty("extensions") @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable JsonNode extensions,
      @JsonProperty("upload_time") @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable String uploadTime) {
    public static final int VERSION_1 = 1;

    public Thanos {
      if (version != 0 && version != VERSION_1) {
        throw new IllegalArgumentException("meta.json Thanos section version " + version + " is not supported, expected 1");
      }
      TreeMap<String, String> sorted = new TreeMap<>(Labels::compareStrings);
      if (labels != null) {
        sorted.putAll(labels);
      }
      labels = Collections.unmodifiableMap(sorted);
      downsample = downsample == null ? new Downsample(0) : downsample;
      source = source == null ? "" : source;
      segmentFiles = segmentFiles == null ? List.of() : List.copyOf(segmentFiles);
      files = files == null ? List.of() : List.copyOf(files);
      indexStats = indexStats == null ? new IndexStats(0, 0) : indexStats;
      if (rewrites != null && rewrites.isNull()) {
        rewrites = null;
      }
      if (extensions != null && extensions.isNull()) {
        extensions = null;
      }
    }

    /** A minimal section: version 1, labels, resolution and source. */
    public static Thanos of(Map<String, String> labels, long resolution, String source) {
      return new Thanos(VERSION_1, labels, new Downsample(resolution), source, List.of(), List.of(), null,
          new IndexStats(0, 0), null, null);
    }

    /** External labels as {@link Labels}. */
    public Labels externalLabels() {
      return Labels.fromMap(labels);
    }
  }

  public record Downsample(@JsonProperty("resolution") long resolution) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  @JsonInclude(JsonInclude.Include.NON_DEFAULT)
  @JsonPropertyOrder({"series_max_size", "chunk_max_size"})
  public record IndexStats(
      @JsonProperty("series_max_size") long seriesMaxSize,
      @JsonProperty("chunk_max_size") long chunkMaxSize) {}

  /** A file of the block; {@code sizeBytes} 0 means unknown, {@code hash} is optional. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  @JsonPropertyOrder({"rel_path", "size_bytes", "hash"})
  public record File(
      @JsonProperty("rel_path") String relPath,
      @JsonProperty("size_bytes") @JsonInclude(JsonInclude.Include.NON_DEFAULT) long sizeBytes,
      @JsonProperty("hash") @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable ObjectHash hash) {
    public File {
      if (relPath == null) {
        throw new IllegalArgumentException("file entry has no \"rel_path\"");
      }
    }
  }

  /** A file hash, {@code hashFunc} such as {@code SHA256}, {@code value} hex. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  @JsonPropertyOrder({"hashFunc", "value"})
  public record ObjectHash(@JsonProperty("hashFunc") String hashFunc, @JsonProperty("value") String value) {
    public ObjectHash {
      if (hashFunc == null) {
        throw new IllegalArgumentException("hash has no \"hashFunc\"");
      }
      value = value == null ? "" : value;
    }
  }
}
