package dev.hypnos.compactor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hypnos.core.block.BlockId;
import dev.hypnos.core.block.BucketBlocks;
import dev.hypnos.core.objstore.Bucket;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;

/**
 * Thanos block marker files ({@code pkg/block/metadata/markers.go}): writing and reading {@code
 * deletion-mark.json}, presence of {@code no-compact-mark.json} and {@code no-downsample-mark.json}.
 * A deletion mark is {@code {"id":"<ULID>","version":1,"details":"...","deletion_time":<unix s>}}
 * ({@code details} left out when empty). A no-compact mark is {@code
 * {"id":"<ULID>","version":1,"details":"...","no_compact_time":<unix s>,"reason":"..."}}. A
 * no-downsample mark is the same with {@code no_downsample_time} (Thanos writes it only on request,
 * with reason {@code manual}; we also write it for a downsampling candidate whose files are corrupt,
 * so that it does not fail every iteration).
 */
public final class Marks {
  /** Marker format version. */
  public static final int VERSION = 1;
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Thanos's no-compact reason for a block with overlapping (out-of-order) chunks in a series. */
  public static final String REASON_OUT_OF_ORDER_CHUNKS = "block-index-out-of-order-chunk";
  /**
   * No-compact reason for a block whose files do not match their format (bad checksum, truncation,
   * bad magic); Thanos has no reason of its own for this (it halts), readers take any string.
   */
  public static final String REASON_CORRUPTED = "block-corrupted";

  private Marks() {}

  /** Uploads {@code <id>/deletion-mark.json} with the given time (unix seconds in the file). */
  public static void markForDeletion(Bucket bucket, BlockId id, Instant now, String details) throws IOException {
    ObjectNode n = JSON.createObjectNode();
    n.put("id", id.toString());
    n.put("version", VERSION);
    if (!details.isEmpty()) {
      n.put("details", details);
    }
    n.put("deletion_time", now.getEpochSecond());
    byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(n);
    bucket.upload(id + "/" + BucketBlocks.DELETION_MARK, new ByteArrayInputStream(bytes), bytes.length);
  }

  /**
   * The deletion time of a block's deletion mark.
   *
   * @throws dev.hypnos.core.objstore.ObjectNotFoundException when the block has no mark
   * @throws IOException when the mark is not valid JSON of version 1 naming this block
   */
  public static Instant deletionTime(Bucket bucket, BlockId id) throws IOException {
    String key = id + "/" + BucketBlocks.DELETION_MARK;
    JsonNode n;
    try (InputStream in = bucket.get(key)) {
      n = JSON.readTree(in);
    }
    if (n == null || !n.isObject()) {
      throw new IOException("read deletion mark " + bucket.name() + ":" + key + ": not a JSON object");
    }
    if (n.path("version").asInt() != VERSION) {
      throw new IOException("read deletion mark " + bucket.name() + ":" + key + ": version "
          + n.path("version") + " is not supported, expected 1");
    }
    if (!id.toString().equals(n.path("id").asText())) {
      throw new IOException("read deletion mark " + bucket.name() + ":" + key + ": names another block "
          + n.path("id").asText());
    }
    if (!n.path("deletion_time").canConvertToLong()) {
      throw new IOException("read deletion mark " + bucket.name() + ":" + key + ": no deletion_time");
    }
    return Instant.ofEpochSecond(n.path("deletion_time").asLong());
  }

  /**
   * Uploads {@code <id>/no-compact-mark.json} as Thanos writes it: the block is then left out of
   * compaction (and the planner works around it) until the mark is removed.
   */
  public static void markNoCompact(Bucket bucket, BlockId id, Instant now, String reason, String details)
      throws IOException {
    uploadReasonMark(bucket, id, BucketBlocks.NO_COMPACT_MARK, "no_compact_time", now, reason, details);
  }

  /**
   * The reason field of a block's no-compact mark.
   *
   * @throws dev.hypnos.core.objstore.ObjectNotFoundException when the block has no such mark
   */
  public static String noCompactReason(Bucket bucket, BlockId id) throws IOException {
    String key = id + "/" + BucketBlocks.NO_COMPACT_MARK;
    JsonNode n;
    try (InputStream in = bucket.get(key)) {
      n = JSON.readTree(in);
    }
    if (n == null || !n.isObject()) {
      throw new IOException("read no-compact mark " + bucket.name() + ":" + key + ": not a JSON object");
    }
    return n.path("reason").asText();
  }

  /**
   * Uploads {@code <id>/no-downsample-mark.json} as Thanos's {@code NoDownsampleMark}: the block is
   * then not downsampled (it is still compacted and served) until the mark is removed.
   */
  public static void markNoDownsample(Bucket bucket, BlockId id, Instant now, String reason, String details)
      throws IOException {
    uploadReasonMark(bucket, id, BucketBlocks.NO_DOWNSAMPLE_MARK, "no_downsample_time", now, reason, details);
  }

  /** A mark in Thanos's layout for no-compact and no-downsample marks: id, version, details, time, reason. */
  private static void uploadReasonMark(Bucket bucket, BlockId id, String file, String timeField, Instant now,
      String reason, String details) throws IOException {
    ObjectNode n = JSON.createObjectNode();
    n.put("id", id.toString());
    n.put("version", VERSION);
    if (!details.isEmpty()) {
      n.put("details", details);
    }
    n.put(timeField, now.getEpochSecond());
    n.put("reason", reason);
    byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(n);
    bucket.upload(id + "/" + file, new ByteArrayInputStream(bytes), bytes.length);
  }

  public static boolean hasNoCompactMark(Bucket bucket, BlockId id) throws IOException {
    return bucket.exists(id + "/" + BucketBlocks.NO_COMPACT_MARK);
  }

  public static boolean hasNoDownsampleMark(Bucket bucket, BlockId id) throws IOException {
    return bucket.exists(id + "/" + BucketBlocks.NO_DOWNSAMPLE_MARK);
  }
}
