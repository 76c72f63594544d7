package dev.hypnos.storegateway;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.hypnos.core.block.BlockId;
import dev.hypnos.core.labels.Matcher;
import dev.hypnos.proto.hints.Block;
import dev.hypnos.proto.hints.LabelNamesRequestHints;
import dev.hypnos.proto.hints.LabelNamesResponseHints;
import dev.hypnos.proto.hints.LabelValuesRequestHints;
import dev.hypnos.proto.hints.LabelValuesResponseHints;
import dev.hypnos.proto.hints.QueryStats;
import dev.hypnos.proto.hints.SeriesRequestHints;
import dev.hypnos.proto.hints.SeriesResponseHints;
import dev.hypnos.proto.thanos.store.LabelMatcher;
import dev.hypnos.storeapi.ProtoConverters;
import dev.hypnos.storeapi.StoreApiException;
import dev.hypnos.storeapi.StoreSeries;
import dev.hypnos.storegateway.block.BucketBlock;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The store gateway's {@code hintspb} hints, as Thanos's BucketStore reads and writes them: request
 * hints carry block matchers (over each block's external labels plus {@code __block_id}) and, for
 * Series, whether to return query stats; response hints name the blocks queried.
 */
final class StoreHints {
  /** The pseudo label holding a block's ULID for block matchers (Thanos's {@code block.BlockIDLabel}). */
  static final String BLOCK_ID_LABEL = "__block_id";

  private StoreHints() {}

  /** What a Series request's hints ask for. */
  record Request(List<Matcher> blockMatchers, boolean queryStats) {
    static final Request NONE = new Request(List.of(), false);
  }

  /**
   * Parses a Series request's hints; none gives {@link Request#NONE}.
   *
   * @throws StoreApiException INVALID_ARGUMENT when they are not {@code hintspb.SeriesRequestHints}
   */
  static Request parseSeries(@Nullable Any hints) {
    if (hints == null) {
      return Request.NONE;
    }
    SeriesRequestHints h = unpack(hints, SeriesRequestHints.class, "series");
    return new Request(matchers(h.getBlockMatchersList()), h.getEnableQueryStats());
  }

  /** The block matchers of a LabelNames request's hints (empty without hints). */
  static List<Matcher> parseLabelNames(@Nullable Any hints) {
    if (hints == null) {
      return List.of();
    }
    return matchers(unpack(hints, LabelNamesRequestHints.class, "label names").getBlockMatchersList());
  }

  /** The block matchers of a LabelValues request's hints (empty without hints). */
  static List<Matcher> parseLabelValues(@Nullable Any hints) {
    if (hints == null) {
      return List.of();
    }
    return matchers(unpack(hints, LabelValuesRequestHints.class, "label values").getBlockMatchersList());
  }

  private static <T extends com.google.protobuf.Message> T unpack(Any hints, Class<T> type, String what) {
    try {
      return hints.unpack(type);
    } catch (InvalidProtocolBufferException e) {
      throw StoreApiException.invalidArgument("unmarshal " + what + " request hints of type "
          + hints.getTypeUrl() + ": " + e.getMessage());
    }
  }

  private static List<Matcher> matchers(List<LabelMatcher> ms) {
    return ProtoConverters.toMatchers(ms); // INVALID_ARGUMENT naming the matcher when one is bad
  }

  /** The blocks of {@code blocks} whose external labels and id match every one of {@code matchers}. */
  static List<BucketBlock> matching(List<BucketBlock> blocks, List<Matcher> matchers) {
    if (matchers.isEmpty()) {
      return blocks;
    }
    List<BucketBlock> out = new ArrayList<>(blocks.size());
    for (BucketBlock b : blocks) {
      if (matches(b, matchers)) {
        out.add(b);
      }
    }
    return out;
  }

  static boolean matches(BucketBlock b, List<Matcher> matchers) {
    for (Matcher m : matchers) {
      String v;
      if (m.name().equals(BLOCK_ID_LABEL)) {
        v = b.id().toString();
      } else {
        String ext = b.externalLabels().get(m.name());
        v = ext == null ? "" : ext;
      }
      if (!m.matches(v)) {
        return false;
      }
    }
    return true;
  }

  /** Collects what one call did, for its response hints. Not thread-safe. */
  static final class Response {
    private final List<Block> queried = new ArrayList<>();
    private long series;
    private long chunks;

    void queried(BlockId id) {
      queried.add(Block.newBuilder().setId(id.toString()).build());
    }

    void sent(StoreSeries s) {
      series++;
      chunks += s.chunks().size();
    }

    Any seriesHints(boolean withStats) {
      SeriesResponseHints.Builder b = SeriesResponseHints.newBuilder().addAllQueriedBlocks(queried);
      if (withStats) {
        b.setQueryStats(QueryStats.newBuilder()
            .setBlocksQueried(queried.size())
            .setMergedSeriesCount(series)
            .setMergedChunksCount(chunks)
            .setGetAllDuration(com.google.protobuf.Duration.getDefaultInstance())
            .setMergeDuration(com.google.protobuf.Duration.getDefaultInstance()));
      }
      return Any.pack(b.build());
    }

    Any labelNamesHints() {
      return Any.pack(LabelNamesResponseHints.newBuilder().addAllQueriedBlocks(queried).build());
    }

    Any labelValuesHints() {
      return Any.pack(LabelValuesResponseHints.newBuilder().addAllQueriedBlocks(queried).build());
    }
  }
}
