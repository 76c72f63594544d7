package dev.hypnos.sidecar;

import dev.hypnos.core.labels.Labels;
import dev.hypnos.testing.PrometheusServer;
import dev.hypnos.testing.Promtool;
import dev.hypnos.testing.storeapi.Dataset;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A real Prometheus serving a dataset's promtool blocks, and the temp folder behind it. */
final class PrometheusFixture implements AutoCloseable {
  final Path work;
  final Path dataDir;
  final PrometheusServer server;

  private PrometheusFixture(Path work, Path dataDir, PrometheusServer server) {
    this.work = work;
    this.dataDir = dataDir;
    this.server = server;
  }

  /** Blocks of {@code dataset} moved into a fresh data dir, Prometheus started on it. */
  static PrometheusFixture start(Dataset dataset, Labels externalLabels) throws IOException {
    Path work = Files.createTempDirectory("hypnos-sidecar-test");
    Path data = work.resolve("data");
    Files.createDirectories(data);
    List<Path> blocks = dataset.writeBlocks(Promtool.require(), work.resolve("gen"));
    for (Path b : blocks) {
      Files.move(b, data.resolve(b.getFileName()));
    }
    return new PrometheusFixture(work, data, PrometheusServer.start(data, externalLabels, List.of()));
  }

  PrometheusClient client() {
    return PrometheusClient.create(server.url());
  }

  @Override
  public void close() throws IOException {
    try {
      server.close();
    } finally {
      Promtool.deleteTree(work);
    }
  }
}
