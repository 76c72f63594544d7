package dev.hypnos.storegateway;

import dev.hypnos.core.labels.Labels;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Restores label order after a block's series were given external labels or lost replica labels.
 *
 * <p>Why order can break, and where: a block streams series sorted by their own labels. Adding the
 * same external labels to each keeps the order of two series that differ at some label, as long as
 * no external label name occurs in the block itself; it can swap a series {@code X} and a later
 * {@code Y} that has all of {@code X}'s labels plus more ({@code {a="1"}} and {@code {a="1",
 * b="1"}} with external {@code c="0"} become {@code {a="1",c="0"}} after {@code {a="1",b="1",
 * c="0"}}). Such series follow their prefix contiguously in the block, so {@link #prefixGroups}
 * buffers a series together with the series that extend it and sorts only that group: memory
 * stays at one group, normally one series. When external or dropped label names also occur among
 * the block's own labels, {@link #fully} sorts the whole block in memory (a rare configuration).
 */
final class SortingStreams {
  private SortingStreams() {}

  private static final Comparator<SeriesStream.Item> BY_LABELS =
      Comparator.comparing(i -> i.series().labels());

  static SeriesStream prefixGroups(SeriesStream inner) {
    return new SeriesStream() {
      // The current group while it has one series (the common case: no sorting, no copying).
      private @Nullable Item held;
      // The current group once a series extended its root; sorted when it ends.
      private final List<Item> group = new ArrayList<>();
      private final ArrayDeque<Item> out = new ArrayDeque<>();
      private boolean done;

      @Override
      public @Nullable Item next() throws IOException {
        while (true) {
          Item o = out.poll();
          if (o != null) {
            return o;
          }
          if (done) {
            return null;
          }
          Item it = inner.next();
          if (it == null) {
            done = true;
            Item h = held;
            held = null;
            if (h != null) {
              return h;
            }
            flushGroup();
            continue;
          }
          if (it.extendsRoot() && (held != null || !group.isEmpty())) {
            Item h = held;
            if (h != null) {
              group.add(h);
              held = null;
            }
            group.add(it);
            continue;
          }
          Item prev = held;
          flushGroup();
          held = it;
          if (prev != null) {
            return prev;
          }
        }
      }

      private void flushGroup() {
        if (!group.isEmpty()) {
          group.sort(BY_LABELS);
          out.addAll(group);
          group.clear();
        }
      }
    };
  }

  static SeriesStream fully(SeriesStream inner) {
    return new SeriesStream() {
      private @Nullable ArrayDeque<Item> out;

      @Override
      public @Nullable Item next() throws IOException {
        ArrayDeque<Item> o = out;
        if (o == null) {
          List<Item> all = new ArrayList<>();
          for (Item it = inner.next(); it != null; it = inner.next()) {
            all.add(it);
          }
          all.sort(BY_LABELS);
          o = new ArrayDeque<>(all);
          out = o;
        }
        return o.poll();
      }
    };
  }

  /** Whether {@code a}'s labels are the first labels of {@code b}. */
  static boolean isPrefix(Labels a, Labels b) {
    if (a.size() > b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      if (!a.name(i).equals(b.name(i)) || !a.value(i).equals(b.value(i))) {
        return false;
      }
    }
    return true;
  }
}
