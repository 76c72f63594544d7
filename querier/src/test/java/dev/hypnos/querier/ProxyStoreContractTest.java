package dev.hypnos.querier;

import dev.hypnos.core.storage.MemoryStorage;
import dev.hypnos.storeapi.QueryableStoreApi;
import dev.hypnos.storeapi.StoreApi;
import dev.hypnos.testing.OpenMetricsGenerator;
import dev.hypnos.testing.storeapi.Dataset;
import dev.hypnos.testing.storeapi.StoreApiContract;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The Store API contract suite against the fan-out over one store (streamed straight through, no
 * producer thread); {@link ProxyStoreFanOutContractTest} deals the dataset to three stores.
 */
class ProxyStoreContractTest extends StoreApiContract {
  @Override
  protected StoreApi createStore(Dataset dataset) throws Exception {
    return proxy(dataset, 1, Duration.ZERO);
  }

  /** {@code parts} stores, series dealt round-robin, each a QueryableStoreApi with the dataset's external labels. */
  static ProxyStore proxy(Dataset dataset, int parts, Duration timeout) throws Exception {
    List<MemoryStorage> storages = new ArrayList<>();
    for (int i = 0; i < parts; i++) {
      storages.add(new MemoryStorage());
    }
    int n = 0;
    for (OpenMetricsGenerator.Series s : dataset.series()) {
      MemoryStorage st = storages.get(n++ % parts);
      for (int i = 0; i < s.timestamps().length; i++) {
        st.append(s.labels(), s.timestamps()[i], s.values()[i]);
      }
    }
    List<ProxyStore.Member> members = new ArrayList<>();
    for (int i = 0; i < parts; i++) {
      QueryableStoreApi api = new QueryableStoreApi(storages.get(i), dataset.externalLabels(), dataset.minTime(),
          dataset.maxTime());
      members.add(new ProxyStore.Member("store-" + i, api, api.info()));
    }
    return new ProxyStore(() -> members, timeout, true);
  }
}
