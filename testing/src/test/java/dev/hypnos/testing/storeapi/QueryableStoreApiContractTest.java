package dev.hypnos.testing.storeapi;

import dev.hypnos.core.storage.MemoryStorage;
import dev.hypnos.storeapi.QueryableStoreApi;
import dev.hypnos.storeapi.StoreApi;
import dev.hypnos.testing.OpenMetricsGenerator;

/** The contract suite against the reference store: an in-memory storage behind QueryableStoreApi. */
class QueryableStoreApiContractTest extends StoreApiContract {
  @Override
  protected StoreApi createStore(Dataset dataset) {
    MemoryStorage storage = new MemoryStorage();
    for (OpenMetricsGenerator.Series s : dataset.series()) {
      for (int i = 0; i < s.timestamps().length; i++) {
        storage.append(s.labels(), s.timestamps()[i], s.values()[i]);
      }
    }
    return new QueryableStoreApi(storage, dataset.externalLabels(), dataset.minTime(), dataset.maxTime());
  }
}
