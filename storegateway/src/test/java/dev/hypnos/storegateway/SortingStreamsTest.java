package dev.hypnos.storegateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hypnos.core.labels.Labels;
import dev.hypnos.storeapi.StoreSeries;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** External labels can reorder a block's series; the re-sorting streams restore label order. */
class SortingStreamsTest {
  /** A block's stream: each series marked as extending the group root the way BlockSeriesStream does. */
  static SeriesStream of(List<Labels> own, SeriesLabels t) {
    Iterator<Labels> it = own.iterator();
    Labels[] root = {null};
    return () -> {
      if (!it.hasNext()) {
        return null;
      }
      Labels l = it.next();
      boolean ext = root[0] != null && root[0].size() < l.size() && SortingStreams.isPrefix(root[0], l);
      if (!ext) {
        root[0] = l;
      }
      return new SeriesStream.Item(new StoreSeries(t.apply(l), List.of()), ext);
    };
  }

  static List<Labels> drain(SeriesStream s) throws IOException {
    List<Labels> out = new ArrayList<>();
    for (SeriesStream.Item i = s.next(); i != null; i = s.next()) {
      out.add(i.series().labels());
    }
    return out;
  }

  static final List<Labels> BLOCK = List.of(
      Labels.of("a", "1"),
      Labels.of("a", "1", "b", "1"),
      Labels.of("a", "1", "b", "1", "d", "x"),
      Labels.of("a", "1", "d", "0"),
      Labels.of("a", "2"),
      Labels.of("a", "2", "b", "0"),
      Labels.of("a", "3", "z", "9"));

  static List<Labels> sortedTransformed(SeriesLabels t) {
    List<Labels> want = new ArrayList<>();
    for (Labels l : BLOCK) {
      want.add(t.apply(l));
    }
    want.sort(null);
    return want;
  }

  @Test
  void externalLabelsBreakOrderAndPrefixGroupsRestoreIt() throws IOException {
    SeriesLabels t = new SeriesLabels(Labels.of("c", "0"), Set.of());
    List<Labels> raw = drain(of(BLOCK, t));
    assertThat(raw).as("the plain stream is out of order").isNotEqualTo(sortedTransformed(t));
    assertThat(drain(SortingStreams.prefixGroups(of(BLOCK, t)))).isEqualTo(sortedTransformed(t));
  }

  @Test
  void droppedLabelsAndOverlappingNamesAreSortedFully() throws IOException {
    SeriesLabels t = new SeriesLabels(Labels.of("b", "5", "r", "x"), Set.of("r", "d"));
    assertThat(drain(SortingStreams.fully(of(BLOCK, t)))).isEqualTo(sortedTransformed(t));
    assertThat(t.apply(Labels.of("a", "1", "b", "1", "d", "x")).toString()).isEqualTo(Labels.of("a", "1", "b", "5").toString());
  }

  @Test
  void mergeJoinsEqualLabelSetsAcrossAndWithinStreams() throws IOException {
    SeriesLabels t = new SeriesLabels(Labels.of("b", "5"), Set.of("d"));
    MergedSeriesStream m = new MergedSeriesStream(List.of(
        SortingStreams.fully(of(BLOCK, t)), SortingStreams.fully(of(List.of(Labels.of("a", "1")), t))));
    List<Labels> out = new ArrayList<>();
    for (StoreSeries s = m.next(); s != null; s = m.next()) {
      out.add(s.labels());
    }
    List<Labels> want = new ArrayList<>(new java.util.TreeSet<>(sortedTransformed(t)));
    assertThat(out).isEqualTo(want);
  }
}
