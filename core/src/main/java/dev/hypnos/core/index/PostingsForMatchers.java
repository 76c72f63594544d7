package dev.hypnos.core.index;

import dev.hypnos.core.labels.MatchType;
import dev.hypnos.core.labels.Matcher;
import java.util.ArrayList;
import java.util.List;

/**
 * Resolves label matchers to the postings of the series they select, with Prometheus's
 * semantics: a series without a label has that label's value "", so a matcher that matches the
 * empty string also selects series that lack the label.
 *
 * <p>Matchers that cannot match "" narrow the result by intersection; matchers that can are
 * applied by removing the series whose value fails them. With no narrowing matcher the start is
 * every series.
 */
public final class PostingsForMatchers {
  private PostingsForMatchers() {}

  public static Postings select(IndexReader index, List<Matcher> matchers) throws CorruptBlockException {
    List<Postings> intersect = new ArrayList<>();
    List<Postings> subtract = new ArrayList<>();
    for (Matcher m : matchers) {
      if (m.matchesEmpty()) {
        // Keep series whose value matches, and those without the label: remove the rest.
        List<String> failing = new ArrayList<>();
        for (String v : index.labelValues(m.name())) {
          if (!m.matches(v)) {
            failing.add(v);
          }
        }
        if (!failing.isEmpty()) {
          subtract.add(index.postings(m.name(), failing.toArray(String[]::new)));
        }
      } else {
        intersect.add(index.postings(m.name(), matchingValues(index, m)));
      }
    }
    Postings result =
        intersect.isEmpty() ? index.allPostings() : Postings.intersect(intersect);
    if (!subtract.isEmpty()) {
      result = Postings.without(result, Postings.merge(subtract));
    }
    return result;
  }

  private static String[] matchingValues(IndexReader index, Matcher m) throws CorruptBlockException {
    if (m.type() == MatchType.EQ) {
      return new String[] {m.value()};
    }
    List<String> set = m.setMatches();
    if (!set.isEmpty()) {
      return set.toArray(String[]::new);
    }
    List<String> out = new ArrayList<>();
    for (String v : index.labelValues(m.name())) {
      if (m.matches(v)) {
        out.add(v);
      }
    }
    return out.toArray(String[]::new);
  }
}
