package dev.hypnos.testing.storeapi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hypnos.testing.OpenMetricsGenerator;
import dev.hypnos.testing.Promtool;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract dataset survives the trip through the real promtool unchanged, so a store that
 * reads promtool's blocks can be held to exactly the dataset's samples.
 */
class DatasetTest {
  @TempDir Path tmp;

  @Test
  void promtoolBlocksHoldExactlyTheDataset() throws IOException {
    Dataset dataset = Dataset.standard();
    Promtool promtool = Promtool.require();
    List<Path> blocks = dataset.writeBlocks(promtool, tmp);
    assertThat(blocks).hasSizeGreaterThanOrEqualTo(3);

    Map<String, List<Long>> times = new HashMap<>();
    Map<String, List<Long>> bits = new HashMap<>();
    for (String line : promtool.dump(tmp.resolve("blocks"))) {
      int sp2 = line.lastIndexOf(' ');
      int sp1 = line.lastIndexOf(' ', sp2 - 1);
      String series = line.substring(0, sp1);
      times.computeIfAbsent(series, k -> new ArrayList<>()).add(Long.parseLong(line.substring(sp2 + 1)));
      bits.computeIfAbsent(series, k -> new ArrayList<>())
          .add(Double.doubleToRawLongBits(Double.parseDouble(line.substring(sp1 + 1, sp2))));
    }
    assertThat(times).hasSize(dataset.series().size());
    for (OpenMetricsGenerator.Series s : dataset.series()) {
      String key = s.labels().toString();
      List<Long> wantTimes = new ArrayList<>();
      List<Long> wantBits = new ArrayList<>();
      for (int i = 0; i < s.timestamps().length; i++) {
        wantTimes.add(s.timestamps()[i]);
        wantBits.add(Double.doubleToRawLongBits(s.values()[i]));
      }
      assertThat(times.get(key)).as("timestamps of %s", key).containsExactlyElementsOf(wantTimes);
      assertThat(bits.get(key)).as("values of %s", key).containsExactlyElementsOf(wantBits);
    }
  }
}
