package dev.hypnos.querier;

import dev.hypnos.storeapi.StoreApi;
import dev.hypnos.testing.storeapi.Dataset;
import dev.hypnos.testing.storeapi.StoreApiContract;
import java.time.Duration;

/** The Store API contract suite against the fan-out over the dataset dealt to three stores. */
class ProxyStoreFanOutContractTest extends StoreApiContract {
  @Override
  protected StoreApi createStore(Dataset dataset) throws Exception {
    return ProxyStoreContractTest.proxy(dataset, 3, Duration.ofMinutes(1));
  }
}
