package dev.hypnos.storegateway;

import dev.hypnos.core.index.Postings;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.labels.MatchType;
import dev.hypnos.core.labels.Matcher;
import dev.hypnos.storegateway.block.BucketBlock;
import dev.hypnos.storegateway.indexheader.IndexHeader;
import dev.hypnos.storegateway.indexheader.PostingsRange;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Resolves label matchers to the postings of one block, with Prometheus's semantics: a series
 * without a label has the value "", so a matcher that matches "" also selects series lacking the
 * label. Matchers that cannot match "" narrow by intersecting the union of their values' lists;
 * matchers that can match "" subtract the lists of the values they reject; with no narrowing
 * matcher the start is the all-series list. Every list needed is fetched in one batch, so nearby
 * lists share range requests.
 */
final class BlockPostings {
  private BlockPostings() {}

  /**
   * Matchers left after checking those on external labels against {@code external}: a matcher on
   * an external label is dropped when the label's value satisfies it; null when one does not (the
   * block has no matching series).
   */
  static @Nullable List<Matcher> withoutExternal(List<Matcher> matchers, Labels external) {
    List<Matcher> out = new ArrayList<>(matchers.size());
    for (Matcher m : matchers) {
      String v = external.get(m.name());
      if (v == null) {
        out.add(m);
      } else if (!m.matches(v)) {
        return null;
      }
    }
    return out;
  }

  private record Group(boolean subtract, int from, int to) {}

  /** The series of {@code block} matching every one of {@code matchers}, in ascending order. */
  static Postings select(BucketBlock block, List<Matcher> matchers) throws IOException {
    IndexHeader header = block.indexHeader();
    List<PostingsRange> ranges = new ArrayList<>();
    List<Group> groups = new ArrayList<>();
    boolean narrowed = false;
    for (Matcher m : matchers) {
      int from = ranges.size();
      if (!m.matchesEmpty()) {
        List<String> values = m.type() == MatchType.EQ ? List.of(m.value()) : m.setMatches();
        if (values.isEmpty()) {
          ranges.addAll(header.postingsRanges(m.name(), m::matches));
        }
        for (String v : values) {
          PostingsRange r = header.postingsRange(m.name(), v);
          if (r != null) {
            ranges.add(r);
          }
        }
        if (ranges.size() == from) {
          return Postings.EMPTY; // intersecting with nothing
        }
        groups.add(new Group(false, from, ranges.size()));
        narrowed = true;
      } else {
        if (m.type() == MatchType.NEQ) {
          PostingsRange r = header.postingsRange(m.name(), m.value());
          if (r != null) {
            ranges.add(r);
          }
        } else {
          ranges.addAll(header.postingsRanges(m.name(), v -> !m.matches(v)));
        }
        if (ranges.size() > from) {
          groups.add(new Group(true, from, ranges.size()));
        }
      }
    }
    int allAt = -1;
    if (!narrowed) {
      allAt = ranges.size();
      ranges.add(header.allPostingsRange());
    }
    Postings[] lists = block.postings(ranges);
    List<Postings> intersect = new ArrayList<>();
    List<Postings> subtract = new ArrayList<>();
    for (Group g : groups) {
      List<Postings> union = new ArrayList<>(g.to - g.from);
      for (int i = g.from; i < g.to; i++) {
        union.add(lists[i]);
      }
      (g.subtract ? subtract : intersect).add(Postings.merge(union));
    }
    if (allAt >= 0) {
      intersect.add(lists[allAt]);
    }
    Postings result = Postings.intersect(intersect);
    if (!subtract.isEmpty()) {
      result = Postings.without(result, Postings.merge(subtract));
    }
    return result;
  }
}
