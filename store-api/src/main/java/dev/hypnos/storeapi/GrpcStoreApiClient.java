package dev.hypnos.storeapi;

import dev.hypnos.proto.thanos.info.InfoGrpc;
import dev.hypnos.proto.thanos.info.InfoRequest;
import dev.hypnos.proto.thanos.store.StoreGrpc;
import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.StatusRuntimeException;
import java.util.Iterator;
import java.util.Objects;

/**
 * A {@link StoreApi} backed by a remote {@code thanos.Store} and {@code thanos.info.Info} endpoint.
 * Responses are decoded into domain types; both {@code series} and {@code batch} frames are
 * accepted. Remote statuses become {@link StoreApiException}s through {@link GrpcStatuses}.
 *
 * <p>Backpressure: the Series stream is read one frame at a time, so the server sends no faster
 * than the sink takes. When the sink throws, the remote call is cancelled.
 *
 * <p>The channel is owned by the caller. Concurrency: thread-safe.
 */
public final class GrpcStoreApiClient implements StoreApi {
  private final Channel channel;
  private final String name;

  /**
   * @param channel channel to the endpoint (not closed by this client)
   * @param name how error messages name the endpoint, e.g. its address
   */
  public GrpcStoreApiClient(Channel channel, String name) {
    this.channel = Objects.requireNonNull(channel, "channel");
    this.name = Objects.requireNonNull(name, "name");
  }

  @Override
  public void series(SeriesRequest request, SeriesSink sink) {
    var proto = ProtoConverters.toProto(request);
    try (Context.CancellableContext ctx = Context.current().withCancellation()) {
      Context previous = ctx.attach();
      try {
        Iterator<dev.hypnos.proto.thanos.store.SeriesResponse> it = StoreGrpc.newBlockingStub(channel).series(proto);
        while (it.hasNext()) {
          for (SeriesResponse r : ProtoConverters.toSeriesResponses(it.next())) {
            sink.send(r);
          }
        }
      } catch (StatusRuntimeException e) {
        throw GrpcStatuses.fromStatus("read series from store " + name, e.getStatus());
      } finally {
        ctx.detach(previous);
      }
    }
  }

  @Override
  public LabelNamesResponse labelNames(LabelNamesRequest request) {
    try {
      return ProtoConverters.toLabelNamesResponse(
          StoreGrpc.newBlockingStub(channel).labelNames(ProtoConverters.toProto(request)));
    } catch (StatusRuntimeException e) {
      throw GrpcStatuses.fromStatus("read label names from store " + name, e.getStatus());
    }
  }

  @Override
  public LabelValuesResponse labelValues(LabelValuesRequest request) {
    try {
      return ProtoConverters.toLabelValuesResponse(
          StoreGrpc.newBlockingStub(channel).labelValues(ProtoConverters.toProto(request)));
    } catch (StatusRuntimeException e) {
      throw GrpcStatuses.fromStatus(
          "read values of label " + request.label() + " from store " + name, e.getStatus());
    }
  }

  /**
   * @throws StoreApiException UNAVAILABLE-like categories from the remote; INTERNAL when the
   *     endpoint exposes no Store API
   */
  @Override
  public StoreInfo info() {
    try {
      StoreInfo info = ProtoConverters.toStoreInfo(InfoGrpc.newBlockingStub(channel).info(InfoRequest.getDefaultInstance()));
      if (info == null) {
        throw StoreApiException.internal("read info of store " + name + ": the endpoint exposes no Store API", null);
      }
      return info;
    } catch (StatusRuntimeException e) {
      throw GrpcStatuses.fromStatus("read info of store " + name, e.getStatus());
    }
  }

  @Override
  public String toString() {
    return "GrpcStoreApiClient{" + name + "}";
  }
}
