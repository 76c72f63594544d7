package dev.hypnos.storeapi;

import dev.hypnos.proto.thanos.info.InfoGrpc;
import dev.hypnos.proto.thanos.info.InfoRequest;
import dev.hypnos.proto.thanos.info.InfoResponse;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.Executor;
import java.util.Objects;

/**
 * Serves {@code thanos.info.Info} for a {@link StoreApi}: the store's external label sets, a
 * component type ({@code "store"} for a store gateway, {@code "sidecar"} for a sidecar) and the
 * store section built from {@link StoreApi#info()}. Asked anew on every call, so the answer follows
 * the store as it changes (e.g. blocks synced).
 *
 * <p>Concurrency: thread-safe when the store is.
 */
public final class InfoGrpcService extends InfoGrpc.InfoImplBase {
  /** The component type a store gateway reports. */
  public static final String COMPONENT_STORE = "store";
  /** The component type a sidecar reports. */
  public static final String COMPONENT_SIDECAR = "sidecar";

  private final StoreApi store;
  private final String componentType;

  public InfoGrpcService(StoreApi store, String componentType) {
    this.store = Objects.requireNonNull(store, "store");
    this.componentType = Objects.requireNonNull(componentType, "componentType");
  }

  /** An Info service reporting component type {@code "store"}. */
  public static InfoGrpcService forStore(StoreApi store) {
    return new InfoGrpcService(store, COMPONENT_STORE);
  }

  @Override
  public void info(InfoRequest request, StreamObserver<InfoResponse> responseObserver) {
    // Off the callback thread: a store's info may block (a sidecar asks Prometheus), and the
    // server may run callbacks on its transport threads (see GrpcServers#start).
    StoreGrpcService.offload(VIRTUAL_THREAD_PER_CALL, responseObserver, "info",
        () -> ProtoConverters.toInfoResponse(store.info(), componentType));
  }

  private static final Executor VIRTUAL_THREAD_PER_CALL =
      task -> Thread.ofVirtual().name("store-api-info").start(task);
}
