package dev.hypnos.testing.storeapi;

import dev.hypnos.core.storage.MemoryStorage;
import dev.hypnos.storeapi.GrpcServers;
import dev.hypnos.storeapi.GrpcStoreApiClient;
import dev.hypnos.storeapi.InfoGrpcService;
import dev.hypnos.storeapi.QueryableStoreApi;
import dev.hypnos.storeapi.StoreApi;
import dev.hypnos.storeapi.StoreGrpcService;
import dev.hypnos.testing.OpenMetricsGenerator;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The contract over two gRPC hops: the suite serves a {@link GrpcStoreApiClient} that reads from a
 * second server holding the reference store, so the client's decoding (batch frames included) and
 * error mapping must be lossless.
 */
class GrpcClientContractTest extends StoreApiContract {
  private @Nullable Server inner;
  private @Nullable ManagedChannel innerChannel;

  @Override
  protected StoreApi createStore(Dataset dataset) throws Exception {
    MemoryStorage storage = new MemoryStorage();
    for (OpenMetricsGenerator.Series s : dataset.series()) {
      for (int i = 0; i < s.timestamps().length; i++) {
        storage.append(s.labels(), s.timestamps()[i], s.values()[i]);
      }
    }
    StoreApi reference = new QueryableStoreApi(storage, dataset.externalLabels(), dataset.minTime(), dataset.maxTime());
    inner = GrpcServers.start("127.0.0.1:0", List.of(new StoreGrpcService(reference), InfoGrpcService.forStore(reference)));
    innerChannel = GrpcServers.plaintextChannel("127.0.0.1", inner.getPort());
    return new GrpcStoreApiClient(innerChannel, "127.0.0.1:" + inner.getPort());
  }

  @Override
  protected void closeStore(StoreApi store) throws Exception {
    if (innerChannel != null) {
      GrpcServers.shutdown(innerChannel, Duration.ofSeconds(5));
    }
    if (inner != null) {
      GrpcServers.shutdown(inner, Duration.ofSeconds(5));
    }
  }
}
