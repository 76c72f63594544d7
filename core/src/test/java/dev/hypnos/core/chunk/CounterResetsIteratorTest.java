package dev.hypnos.core.chunk;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CounterResetsIteratorTest {
  static XorChunk chunk(double... tv) {
    XorEncoder e = new XorEncoder();
    for (int i = 0; i < tv.length; i += 2) {
      e.append((long) tv[i], tv[i + 1]);
    }
    return e.toChunk();
  }

  static List<String> read(XorChunk... chunks) {
    List<XorIterator> its = new ArrayList<>();
    for (XorChunk c : chunks) {
      its.add(c.iterator(null));
    }
    CounterResetsIterator it = new CounterResetsIterator(its);
    List<String> out = new ArrayList<>();
    while (it.next()) {
      out.add(it.timestamp() + "=" + it.value());
    }
    out.add("last=" + it.lastRawValue());
    return out;
  }

  @Test
  void resetsInsideAChunkAreAddedUp() {
    assertThat(read(chunk(1, 5, 2, 8, 3, 2, 4, 4))).containsExactly("1=5.0", "2=8.0", "3=10.0", "4=12.0", "last=4.0");
  }

  @Test
  void duplicateTimestampCarriesTheLastRawValueAcrossChunks() {
    // Aggregate-style chunks: first raw sample, windows (running totals), then (last window, last raw).
    XorChunk a = chunk(0, 10, 99, 30, 99, 30); // raw 10 .. 30
    XorChunk b = chunk(100, 3, 199, 13, 199, 13); // reset: raw 3 .. 13
    assertThat(read(a, b)).containsExactly("0=10.0", "99=30.0", "100=33.0", "199=43.0", "last=13.0");
    // The true last value of a (5, lower than its running total 30) shows that b's 7 is no reset.
    XorChunk a2 = chunk(0, 10, 99, 30, 99, 5);
    XorChunk b2 = chunk(100, 7, 199, 9, 199, 9);
    assertThat(read(a2, b2)).containsExactly("0=10.0", "99=30.0", "100=32.0", "199=34.0", "last=9.0");
  }

  @Test
  void nanAndOverlapsAreSkipped() {
    XorChunk a = chunk(1, 1, 2, Double.NaN, 3, 3);
    XorChunk b = chunk(2, 100, 3, 100, 4, 5);
    // (2, 100) goes back in time: skipped; (3, 100) repeats the last timestamp: it only becomes the
    // last raw value, so 5 at t=4 is a reset from 100 (as Thanos does).
    assertThat(read(a, b)).containsExactly("1=1.0", "3=3.0", "4=8.0", "last=5.0");
  }
}
