package dev.hypnos.core.dedup;

import dev.hypnos.core.chunk.ChunkIterator;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.storage.ChainIterator;
import dev.hypnos.core.storage.Series;
import dev.hypnos.core.storage.SeriesSet;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Merges consecutive series with equal labels (the replicas of one series, once the replica
 * labels are gone) into one. The input must be sorted by labels.
 *
 * <p>Concurrency: not thread-safe.
 */
public final class DedupSeriesSet implements SeriesSet {
  /** How replicas are merged ({@code --deduplication.func}). */
  public enum Algorithm {
    /** Stay on one replica, switch after a gap; counter-aware for rate-like functions. */
    PENALTY,
    /** Union by timestamp; the first replica wins on equal timestamps. */
    CHAIN;

    /** Parses the flag value {@code penalty} or {@code chain}. */
    public static Algorithm parse(String s) {
      return switch (s) {
        case "penalty" -> PENALTY;
        case "chain" -> CHAIN;
        default -> throw new IllegalArgumentException(
            "unknown deduplication function " + s + " (supported: penalty, chain)");
      };
    }
  }

  private final SeriesSet in;
  private final Algorithm algorithm;
  private final boolean counter;
  private @Nullable Series peek;
  private boolean started;
  private @Nullable Series current;

  /**
   * @param func the PromQL function the series are read for (selects counter handling: {@code
   *     rate}, {@code increase}, {@code irate}, {@code resets}), "" for none
   */
  public DedupSeriesSet(SeriesSet in, Algorithm algorithm, String func) {
    this.in = in;
    this.algorithm = algorithm;
    this.counter = isCounterFunction(func);
  }

  /** Thanos's guess of which functions read counters. */
  public static boolean isCounterFunction(String func) {
    return func.equals("increase") || func.equals("rate") || func.equals("irate") || func.equals("resets");
  }

  @Override
  public boolean next() throws IOException {
    if (!started) {
      started = true;
      peek = in.next() ? in.at() : null;
    }
    Series first = peek;
    if (first == null) {
      current = null;
      return false;
    }
    Labels labels = first.labels();
    List<Series> replicas = new ArrayList<>(2);
    replicas.add(first);
    peek = null;
    while (in.next()) {
      Series s = in.at();
      if (!s.labels().equals(labels)) {
        peek = s;
        break;
      }
      replicas.add(s);
    }
    current = replicas.size() == 1 ? first : new Merged(labels, List.copyOf(replicas), algorithm, counter);
    return true;
  }

  @Override
  public Series at() {
    Series c = current;
    if (c == null) {
      throw new IllegalStateException("no current series");
    }
    return c;
  }

  @Override
  public List<String> warnings() {
    return in.warnings();
  }

  @Override
  public void close() throws IOException {
    in.close();
  }

  private record Merged(Labels labels, List<Series> replicas, Algorithm algorithm, boolean counter)
      implements Series {
    @Override
    public ChunkIterator iterator() {
      List<ChunkIterator> its = new ArrayList<>(replicas.size());
      for (Series s : replicas) {
        its.add(s.iterator());
      }
      return algorithm == Algorithm.CHAIN
          ? new ChainIterator(its.toArray(ChunkIterator[]::new))
          : PenaltyDedupIterator.of(its, counter);
    }
  }
}
