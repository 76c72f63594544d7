package dev.hypnos.core.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hypnos.core.chunk.ChunkIterator;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.labels.Matcher;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MemoryStorageTest {
  @Test
  void selectsMatchingSeriesInLabelOrderWithinTheRange() throws IOException {
    MemoryStorage st = new MemoryStorage();
    Labels b = Labels.of("__name__", "x", "job", "b");
    Labels a = Labels.of("__name__", "x", "job", "a");
    Labels y = Labels.of("__name__", "y");
    for (long t = 0; t <= 100; t += 10) {
      st.append(b, t, t);
      st.append(a, t, -t);
      st.append(y, t, 1);
    }
    try (Querier q = st.querier(0, 1000)) {
      SeriesSet set = q.select(SelectHints.range(15, 40), List.of(Matcher.eq("__name__", "x")));
      List<String> got = new ArrayList<>();
      while (set.next()) {
        ChunkIterator it = set.at().iterator();
        while (it.next()) {
          got.add(set.at().labels().get("job") + "@" + it.timestamp() + "=" + it.value());
        }
      }
      assertThat(got).containsExactly("a@20=-20.0", "a@30=-30.0", "a@40=-40.0", "b@20=20.0", "b@30=30.0", "b@40=40.0");
      assertThat(q.labelValues("job", List.of())).containsExactly("a", "b");
      assertThat(q.labelNames(List.of(Matcher.eq("__name__", "y")))).containsExactly("__name__");
    }
    assertThatThrownBy(() -> st.append(a, 50, 0)).hasMessageContaining("out-of-order");
  }
}
