package dev.hypnos.querier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hypnos.core.chunk.ChunkIterator;
import dev.hypnos.core.dedup.DedupSeriesSet;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.labels.Matcher;
import dev.hypnos.core.storage.MemoryStorage;
import dev.hypnos.core.storage.Querier;
import dev.hypnos.core.storage.SelectHints;
import dev.hypnos.core.storage.SeriesSet;
import dev.hypnos.storeapi.QueryableStoreApi;
import dev.hypnos.storeapi.StoreApi;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Two HA replicas behind the fan-out, read back as PromQL would, with and without dedup. */
class StoreApiQueryableTest {
  static final int N = 600;

  /** Replica {@code r} of a Prometheus HA pair: scrapes every 15 s, missing one stretch. */
  static StoreApi replica(String r, int gapFrom, int gapTo, long phase) {
    MemoryStorage st = new MemoryStorage();
    for (int i = 0; i < N; i++) {
      if (i >= gapFrom && i < gapTo) {
        continue;
      }
      st.append(Labels.of("__name__", "requests_total", "job", "api"), i * 15_000L + phase, i * 10);
    }
    return new QueryableStoreApi(st, Labels.of("cluster", "eu", "replica", r));
  }

  static List<String> read(SeriesSet set) throws IOException {
    List<String> out = new ArrayList<>();
    while (set.next()) {
      ChunkIterator it = set.at().iterator();
      int n = 0;
      long first = -1;
      long last = -1;
      while (it.next()) {
        if (n++ == 0) {
          first = it.timestamp();
        }
        last = it.timestamp();
      }
      out.add(set.at().labels() + " n=" + n + " first=" + first + " last=" + last);
    }
    return out;
  }

  @Test
  void withDedupTheReplicasBecomeOneCompleteSeriesWithoutItBothComeBack() throws Exception {
    StoreApi r0 = replica("0", 100, 160, 0);
    StoreApi r1 = replica("1", 400, 450, 700);
    try (ProxyStore proxy = new ProxyStore(
        () -> List.of(new ProxyStore.Member("r0", r0, info(r0)), new ProxyStore.Member("r1", r1, info(r1))),
        Duration.ofSeconds(10), true)) {
      List<Matcher> sel = List.of(Matcher.eq("__name__", "requests_total"));
      SelectHints hints = new SelectHints(0, N * 15_000L, 15_000, "rate", 300_000, List.of(), false);

      try (StoreApiQueryable q = new StoreApiQueryable(proxy,
              new StoreApiQueryable.Options(List.of("replica"), DedupSeriesSet.Algorithm.PENALTY, true));
          Querier querier = q.querier(0, N * 15_000L)) {
        List<String> got = read(querier.select(hints, sel));
        assertThat(got).hasSize(1);
        assertThat(got.get(0)).startsWith("{__name__=\"requests_total\", cluster=\"eu\", job=\"api\"}")
            .contains("first=0 ");
        // The gaps are covered by the other replica; a switch skips at most a couple of scrapes.
        int n = Integer.parseInt(got.get(0).replaceAll(".* n=(\\d+) .*", "$1"));
        assertThat(n).isBetween(N - 6, N);
        assertThat(got.get(0)).endsWith("last=" + ((N - 1) * 15_000L));
      }

      try (StoreApiQueryable q = new StoreApiQueryable(proxy,
              new StoreApiQueryable.Options(List.of(), DedupSeriesSet.Algorithm.PENALTY, true));
          Querier querier = q.querier(0, N * 15_000L)) {
        assertThat(read(querier.select(hints, sel))).containsExactly(
            "{__name__=\"requests_total\", cluster=\"eu\", job=\"api\", replica=\"0\"} n=540 first=0 last=8985000",
            "{__name__=\"requests_total\", cluster=\"eu\", job=\"api\", replica=\"1\"} n=550 first=700 last=8985700");
        assertThat(querier.labelValues("replica", List.of())).containsExactly("0", "1");
      }
    }
  }

  @Test
  void aStoreErrorSurfacesFromNextWhenPartialResponseIsOff() throws Exception {
    StoreApi r0 = replica("0", 0, 0, 0);
    StoreApi broken = ProxyStoreTest.failing(r0);
    try (ProxyStore proxy = new ProxyStore(() -> List.of(new ProxyStore.Member("broken", broken, info(r0))),
            Duration.ofSeconds(10), false);
        StoreApiQueryable q = new StoreApiQueryable(proxy,
            new StoreApiQueryable.Options(List.of(), DedupSeriesSet.Algorithm.PENALTY, false));
        Querier querier = q.querier(0, 1_000_000)) {
      SeriesSet set = querier.select(SelectHints.range(0, 1_000_000), List.of(Matcher.eq("__name__", "requests_total")));
      assertThatThrownBy(set::next).hasMessageContaining("broken").hasMessageContaining("disk on fire");
    }
  }

  static dev.hypnos.storeapi.StoreInfo info(StoreApi s) {
    try {
      return s.info();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
