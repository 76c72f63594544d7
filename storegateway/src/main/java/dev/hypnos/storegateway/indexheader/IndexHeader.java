package dev.hypnos.storegateway.indexheader;

import dev.hypnos.core.index.CorruptBlockException;
import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * What the store gateway needs from a block's index without reading the index itself: symbols,
 * label names and values, and where each postings list lies in the original index file.
 *
 * <p>Concurrency: implementations are safe for concurrent use; {@link #close} must not race with
 * other calls (except for {@link LazyIndexHeader}, which handles that itself).
 */
public interface IndexHeader extends Closeable {
  /** The version byte of the original index (2). */
  int indexVersion() throws IOException;

  /** The symbol with sequential reference {@code ref}. */
  String symbol(long ref) throws IOException;

  /**
   * Resolves {@code refs[from..to)} (unsigned 32-bit symbol references) into {@code out[outOff..]}:
   * one call for a whole series or batch, so that a wrapper takes its lock once.
   */
  default void symbols(int[] refs, int from, int to, String[] out, int outOff) throws IOException {
    for (int i = from; i < to; i++) {
      out[outOff + i - from] = symbol(refs[i] & 0xFFFF_FFFFL);
    }
  }

  /** All label names, sorted in Go byte order, without the empty all-postings key. */
  List<String> labelNames() throws IOException;

  /** All values of {@code name}, sorted; empty when the name is unknown. */
  List<String> labelValues(String name) throws IOException;

  /** The postings range of {@code name=value}, or null when the pair does not occur. */
  @Nullable PostingsRange postingsRange(String name, String value) throws IOException;

  /**
   * The postings ranges of every value of {@code name} that {@code accept} takes, in value order:
   * one pass over the name's entries instead of a lookup per value.
   */
  default List<PostingsRange> postingsRanges(String name, Predicate<String> accept) throws IOException {
    List<PostingsRange> out = new ArrayList<>();
    for (String v : labelValues(name)) {
      if (accept.test(v)) {
        PostingsRange r = postingsRange(name, v);
        if (r != null) {
          out.add(r);
        }
      }
    }
    return out;
  }

  /** The postings range of the all-series list (the {@code ("", "")} key). */
  default PostingsRange allPostingsRange() throws IOException {
    PostingsRange r = postingsRange("", "");
    if (r == null) {
      throw new CorruptBlockException(toString(), "index-header", 0, "missing all-postings entry",
          "the postings offset table has no (\"\", \"\") entry");
    }
    return r;
  }
}
