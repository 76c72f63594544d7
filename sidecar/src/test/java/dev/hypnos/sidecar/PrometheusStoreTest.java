package dev.hypnos.sidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hypnos.core.chunk.XorIterator;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.labels.Matcher;
import dev.hypnos.storeapi.SeriesRequest;
import dev.hypnos.storeapi.SeriesResponse;
import dev.hypnos.storeapi.StoreChunk;
import dev.hypnos.storeapi.StoreSeries;
import dev.hypnos.testing.OpenMetricsGenerator;
import dev.hypnos.testing.PrometheusServer;
import dev.hypnos.testing.Promtool;
import dev.hypnos.testing.storeapi.Dataset;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** PrometheusStore and PrometheusClient details on a real Prometheus 2.42. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PrometheusStoreTest {
  private Dataset dataset;
  private PrometheusFixture fixture;

  @BeforeAll
  void start() throws IOException {
    dataset = Dataset.standard();
    fixture = PrometheusFixture.start(dataset, dataset.externalLabels());
  }

  @AfterAll
  void stop() throws IOException {
    if (fixture != null) {
      fixture.close();
    }
  }

  @Test
  void streamedChunksAndSamplesFallbackGiveTheSameSamples() throws IOException {
    SeriesRequest req = SeriesRequest.builder(dataset.minTime(), dataset.maxTime(), List.of(Matcher.re("__name__", ".+"))).build();
    try (PrometheusStore streamed = PrometheusStore.start(fixture.client(), null, Duration.ZERO, true);
        PrometheusStore samples = PrometheusStore.start(fixture.client(), null, Duration.ZERO, false)) {
      List<StoreSeries> a = collect(streamed, req);
      assertThat(streamed.lastResponseType()).isEqualTo(PrometheusClient.ResponseType.STREAMED_XOR_CHUNKS);
      List<StoreSeries> b = collect(samples, req);
      assertThat(samples.lastResponseType()).isEqualTo(PrometheusClient.ResponseType.SAMPLES);

      assertThat(a).hasSize(dataset.series().size());
      assertThat(b.stream().map(StoreSeries::labels).toList()).isEqualTo(a.stream().map(StoreSeries::labels).toList());
      for (int i = 0; i < a.size(); i++) {
        assertThat(samplesOf(b.get(i))).as("samples of %s", a.get(i).labels()).isEqualTo(samplesOf(a.get(i)));
        for (StoreChunk c : a.get(i).chunks()) {
          assertThat(c.raw().hashMatches()).isTrue();
        }
        for (StoreChunk c : b.get(i).chunks()) {
          assertThat(c.raw().hashMatches()).isTrue();
          assertThat(c.raw().asXor().numSamples()).isBetween(1, PrometheusClient.MAX_SAMPLES_PER_CHUNK);
        }
      }
      // every dataset sample came back, with the external labels added
      Map<Labels, List<String>> expected = new LinkedHashMap<>();
      for (OpenMetricsGenerator.Series s : dataset.series()) {
        List<String> ss = new ArrayList<>();
        for (int k = 0; k < s.timestamps().length; k++) {
          ss.add(s.timestamps()[k] + " " + Double.doubleToLongBits(s.values()[k]));
        }
        Map<String, String> m = new LinkedHashMap<>(s.labels().toMap());
        m.putAll(dataset.externalLabels().toMap());
        expected.put(Labels.fromMap(m), ss);
      }
      for (StoreSeries s : b) {
        assertThat(samplesOf(s)).as("samples of %s", s.labels()).isEqualTo(expected.get(s.labels()));
      }
    }
  }

  @Test
  void readsExternalLabelsAndTimeRangeFromPrometheus() throws IOException {
    try (PrometheusStore store = PrometheusStore.start(fixture.client(), fixture.dataDir, Duration.ZERO, true)) {
      assertThat((Object) store.externalLabels()).isEqualTo(dataset.externalLabels());
      var info = store.info();
      assertThat(info.labelSets()).containsExactly(dataset.externalLabels());
      assertThat(info.minTime()).isLessThanOrEqualTo(dataset.minTime()).isGreaterThan(dataset.minTime() - 2 * 3_600_000L);
      assertThat(info.maxTime()).isEqualTo(Long.MAX_VALUE);
      assertThat(info.supportsWithoutReplicaLabels()).isTrue();
      store.refreshExternalLabels();
      assertThat((Object) store.externalLabels()).isEqualTo(dataset.externalLabels());
    }
  }

  @Test
  void refusesToStartWithoutExternalLabels() throws IOException {
    Path dir = Files.createTempDirectory("hypnos-prom-noext");
    try (PrometheusServer bare = PrometheusServer.start(dir.resolve("data"), Labels.EMPTY, List.of())) {
      assertThatThrownBy(() -> PrometheusStore.start(PrometheusClient.create(bare.url()), null, Duration.ZERO, true))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("external_labels")
          .hasMessageContaining(bare.url().toString());
    } finally {
      Promtool.deleteTree(dir);
    }
  }

  @Test
  void externalLabelsAreRefreshedAfterAReload() throws IOException {
    Path dir = Files.createTempDirectory("hypnos-prom-reload");
    try (PrometheusServer prom = PrometheusServer.start(dir.resolve("data"), Labels.of("cluster", "a"), List.of());
        PrometheusStore store = PrometheusStore.start(PrometheusClient.create(prom.url()), null, Duration.ZERO, true)) {
      assertThat((Object) store.externalLabels()).isEqualTo(Labels.of("cluster", "a"));
      prom.reloadWithExternalLabels(Labels.of("cluster", "b", "replica", "1"));
      store.refreshExternalLabels();
      assertThat((Object) store.externalLabels()).isEqualTo(Labels.of("cluster", "b", "replica", "1"));
      assertThat(store.info().labelSets()).containsExactly(Labels.of("cluster", "b", "replica", "1"));
      // a configuration without external labels later on keeps the last good ones
      prom.reloadWithExternalLabels(Labels.EMPTY);
      store.refreshExternalLabels();
      assertThat((Object) store.externalLabels()).isEqualTo(Labels.of("cluster", "b", "replica", "1"));
    } finally {
      Promtool.deleteTree(dir);
    }
  }

  @Test
  void unreachablePrometheusIsAClearStartupError() {
    URI nowhere = URI.create("http://127.0.0.1:1");
    assertThatThrownBy(() -> PrometheusStore.start(PrometheusClient.create(nowhere), null, Duration.ZERO, true))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("127.0.0.1:1/api/v1/status/config");
  }

  @Test
  void httpErrorsNameTheUrlAndStatus() {
    PrometheusClient client = fixture.client();
    assertThatThrownBy(() -> client.labelValues("job", 0, 1000, List.of(Matcher.eq("zone", ""))))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("/api/v1/label/job/values")
        .hasMessageContaining("HTTP status 400");
  }

  @Test
  void selectorQuotesValuesAsGoDoes() {
    assertThat(PrometheusClient.selector(List.of(Matcher.eq("a", "x\"y\\z"), Matcher.re("b", "c.+"))))
        .isEqualTo("{a=\"x\\\"y\\\\z\",b=~\"c.+\"}");
  }

  @Test
  void snappyRoundTrip() throws IOException {
    byte[] data = new byte[200_000];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) (i * 31 + i / 7);
    }
    assertThat(Snappy.decompress(Snappy.compress(data), data.length)).isEqualTo(data);
    assertThat(Snappy.decompress(Snappy.compress(new byte[0]), 0)).isEmpty();
    // a copy element (tag 01): "abcd" then copy 4 bytes at offset 4
    byte[] block = {8, 3 << 2, 'a', 'b', 'c', 'd', 0x01, 4};
    assertThat(new String(Snappy.decompress(block, 8), java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("abcdabcd");
    assertThatThrownBy(() -> Snappy.decompress(new byte[] {8, 0x01, 9}, 8)).isInstanceOf(IOException.class);
  }

  private static List<StoreSeries> collect(PrometheusStore store, SeriesRequest req) throws IOException {
    List<StoreSeries> out = new ArrayList<>();
    store.series(req, r -> {
      if (r instanceof SeriesResponse.SeriesItem s) {
        out.add(s.series());
      }
    });
    return out;
  }

  private static List<String> samplesOf(StoreSeries s) {
    List<String> out = new ArrayList<>();
    XorIterator it = new XorIterator();
    long last = Long.MIN_VALUE;
    for (StoreChunk c : s.chunks()) {
      it.reset(c.raw().asXor());
      while (it.next()) {
        if (it.timestamp() > last) {
          out.add(it.timestamp() + " " + it.valueBits());
          last = it.timestamp();
        }
      }
    }
    return out;
  }
}
