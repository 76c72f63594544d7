package dev.hypnos.sidecar;

import dev.hypnos.storeapi.StoreApi;
import dev.hypnos.testing.storeapi.Dataset;
import dev.hypnos.testing.storeapi.StoreApiContract;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/** The Store API contract for {@link PrometheusStore} on a real Prometheus 2.42 serving the dataset's blocks. */
abstract class PrometheusStoreContractBase extends StoreApiContract {
  private @Nullable PrometheusFixture fixture;

  abstract boolean preferStreamed();

  @Override
  protected StoreApi createStore(Dataset dataset) throws Exception {
    fixture = PrometheusFixture.start(dataset, dataset.externalLabels());
    return PrometheusStore.start(fixture.client(), fixture.dataDir, Duration.ofSeconds(30), preferStreamed());
  }

  @Override
  protected void closeStore(StoreApi store) throws Exception {
    try {
      super.closeStore(store);
    } finally {
      if (fixture != null) {
        fixture.close();
      }
    }
  }
}
