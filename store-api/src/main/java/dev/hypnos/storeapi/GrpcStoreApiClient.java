package dev.hypnos.storeapi;

import dev.hypnos.proto.thanos.info.InfoGrpc;
import dev.hypnos.proto.thanos.info.InfoRequest;
import dev.hypnos.proto.thanos.store.StoreGrpc;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Objects;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A {@link StoreApi} backed by a remote {@code thanos.Store} and {@code thanos.info.Info} endpoint.
 * Responses are decoded into domain types; both {@code series} and {@code batch} frames are
 * accepted. Remote statuses become {@link StoreApiException}s through {@link GrpcStatuses}.
 *
 * <p>Backpressure: at most {@value #WINDOW_FRAMES} Series frames are asked for ahead of the sink,
 * so the server sends little faster than the sink takes. When the sink throws or the reading
 * thread is interrupted, the remote call is cancelled. The call carries the current gRPC context's
 * deadline and is cancelled with it.
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
    SeriesListener listener = new SeriesListener();
    // Callbacks run on the transport thread and only enqueue; this thread decodes and sends. A
    // blocking stub would instead hop to the transport thread and back for every frame.
    ClientCall<dev.hypnos.proto.thanos.store.SeriesRequest, dev.hypnos.proto.thanos.store.SeriesResponse> call =
        channel.newCall(StoreGrpc.getSeriesMethod(), CallOptions.DEFAULT.withExecutor(MoreExecutors.directExecutor()));
    boolean closed = false;
    try {
      call.start(listener, new Metadata());
      call.request(WINDOW_FRAMES);
      call.sendMessage(proto);
      call.halfClose();
      int consumed = 0;
      while (true) {
        Object item = listener.queue.take();
        if (item instanceof Status status) {
          closed = true;
          if (!status.isOk()) {
            throw GrpcStatuses.fromStatus("read series from store " + name, status);
          }
          return;
        }
        for (SeriesResponse r : ProtoConverters.toSeriesResponses((dev.hypnos.proto.thanos.store.SeriesResponse) item)) {
          sink.send(r);
        }
        if (++consumed == WINDOW_FRAMES / 2) {
          consumed = 0;
          call.request(WINDOW_FRAMES / 2);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      call.cancel("the reading thread was interrupted", e);
      closed = true;
      throw StoreApiException.cancelled("read series from store " + name + ": interrupted");
    } catch (RuntimeException | Error e) {
      if (!closed) {
        call.cancel("the series sink failed", e);
        closed = true;
      }
      throw e;
    }
  }

  /**
   * Frames the server may send ahead of the reader: the reader asks for half a window more each
   * time it has taken half a window, so the transport thread rarely waits for it and it rarely
   * hops to the transport thread.
   */
  private static final int WINDOW_FRAMES = 8;

  /** Collects a Series call's frames and its closing status, on the transport thread. */
  private static final class SeriesListener extends ClientCall.Listener<dev.hypnos.proto.thanos.store.SeriesResponse> {
    /** Frames, then one {@link Status}; bounded by the frames requested. */
    final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();

    @Override
    public void onMessage(dev.hypnos.proto.thanos.store.SeriesResponse message) {
      queue.add(message);
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      queue.add(status);
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
