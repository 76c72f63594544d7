package dev.hypnos.sidecarclient;

import dev.hypnos.proto.thanos.info.InfoGrpc;
import dev.hypnos.proto.thanos.info.InfoRequest;
import dev.hypnos.proto.thanos.info.InfoResponse;
import dev.hypnos.storeapi.GrpcStoreApiClient;
import dev.hypnos.storeapi.ProtoConverters;
import dev.hypnos.storeapi.StoreApi;
import dev.hypnos.storeapi.StoreInfo;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The endpoints the querier talks to: one gRPC channel per address, opened when the address
 * appears, reused across {@link #update}s while its TLS settings stay the same, and shut down
 * when it disappears or on {@link #close()}.
 *
 * <p>Health: {@link #checkHealth()} calls {@code thanos.info.Info/Info} on every endpoint at once
 * (each with {@code infoTimeout}) and records the answer or the error. An endpoint is in
 * {@link #activeStores()} once an Info call succeeded with a store section, leaves it when a
 * check fails, and comes back with the next success. A strict endpoint stays in the fan-out
 * while down (with its last known info, or no labels and the whole time range when never
 * reached), as in Thanos. {@link #statuses()} lists every endpoint, healthy or not.
 *
 * <p>Concurrency: thread-safe. {@code update} and {@code checkHealth} may run at the same time;
 * readers get immutable snapshots.
 */
public final class EndpointSet implements Closeable {
  /** How long {@link #close()} and a removed endpoint's shutdown wait for calls to end. */
  private static final Duration CLOSE_GRACE = Duration.ofSeconds(5);
  private static final String UNKNOWN = "unknown";

  private final InstantSource clock;
  private final Duration infoTimeout;
  private final Map<String, Entry> entries = new LinkedHashMap<>();
  private boolean closed;

  /**
   * @param clock time of last checks
   * @param infoTimeout deadline of one Info call (Thanos: 5s)
   */
  public EndpointSet(InstantSource clock, Duration infoTimeout) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.infoTimeout = Objects.requireNonNull(infoTimeout, "infoTimeout");
  }

  /** The health state of one endpoint; replaced whole. */
  private record State(
      @Nullable String componentType,
      @Nullable StoreInfo info,
      @Nullable Instant lastCheck,
      @Nullable String lastError,
      boolean healthy) {}

  private static final class Entry {
    final ResolvedEndpoint endpoint;
    final @Nullable ManagedChannel channel;
    final @Nullable StoreApi client;
    volatile State state;

    Entry(ResolvedEndpoint endpoint, @Nullable ManagedChannel channel, State state) {
      this.endpoint = endpoint;
      this.channel = channel;
      this.client = channel == null ? null : new GrpcStoreApiClient(channel, endpoint.address());
      this.state = state;
    }
  }

  /**
   * Makes the set hold exactly {@code endpoints}: opens channels for new addresses (and for
   * addresses whose TLS settings changed), shuts down those of addresses that are gone. New
   * endpoints are unhealthy until their first check. An endpoint whose channel cannot be
   * configured (e.g. an unreadable CA file) is listed with that error and never checked.
   */
  public void update(List<ResolvedEndpoint> endpoints) {
    List<ManagedChannel> toClose = new ArrayList<>();
    synchronized (this) {
      if (closed) {
        throw new IllegalStateException("update endpoint set: already closed");
      }
      Map<String, Entry> next = new LinkedHashMap<>();
      for (ResolvedEndpoint e : endpoints) {
        if (next.containsKey(e.address())) {
          continue;
        }
        Entry old = entries.get(e.address());
        if (old != null && Objects.equals(old.endpoint.tls(), e.tls()) && old.channel != null) {
          Entry kept = old;
          if (!old.endpoint.equals(e)) {
            // Same connection, other attributes (strict flag, spec): keep channel and state.
            kept = new Entry(e, old.channel, old.state);
          }
          next.put(e.address(), kept);
          continue;
        }
        next.put(e.address(), open(e));
      }
      for (Map.Entry<String, Entry> old : entries.entrySet()) {
        Entry now = next.get(old.getKey());
        ManagedChannel ch = old.getValue().channel;
        if (ch != null && (now == null || now.channel != ch)) {
          toClose.add(ch);
        }
      }
      entries.clear();
      entries.putAll(next);
    }
    for (ManagedChannel ch : toClose) {
      ch.shutdown();
    }
  }

  private Entry open(ResolvedEndpoint e) {
    try {
      return new Entry(e, EndpointChannels.open(e.host(), e.port(), e.tls()), new State(null, null, null, null, false));
    } catch (IOException | RuntimeException ex) {
      return new Entry(e, null, new State(null, null, null, ex.getMessage(), false));
    }
  }

  /**
   * Calls Info on every endpoint at once and waits for all answers (each bounded by the Info
   * timeout), then records them.
   */
  public void checkHealth() {
    List<Entry> snapshot;
    synchronized (this) {
      snapshot = List.copyOf(entries.values());
    }
    List<CompletableFuture<InfoResponse>> calls = new ArrayList<>(snapshot.size());
    for (Entry e : snapshot) {
      if (e.channel == null) {
        calls.add(null);
        continue;
      }
      calls.add(info(e.channel));
    }
    for (int i = 0; i < snapshot.size(); i++) {
      Entry e = snapshot.get(i);
      CompletableFuture<InfoResponse> call = calls.get(i);
      if (call == null) {
        continue;
      }
      State old = e.state;
      try {
        InfoResponse r = call.get();
        StoreInfo info = ProtoConverters.toStoreInfo(r);
        String type = r.getComponentType().isEmpty() ? UNKNOWN : r.getComponentType();
        e.state = new State(type, info, clock.instant(), null, true);
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
        for (CompletableFuture<InfoResponse> c : calls) {
          if (c != null) {
            c.cancel(true);
          }
        }
        return;
      } catch (ExecutionException ex) {
        String error = "check endpoint " + e.endpoint.address() + " with Info: " + describe(ex.getCause(), e.endpoint.tls());
        e.state = new State(old.componentType(), old.info(), old.lastCheck(), error, false);
      } catch (RuntimeException ex) {
        String error = "check endpoint " + e.endpoint.address() + " with Info: " + describe(ex, e.endpoint.tls());
        e.state = new State(old.componentType(), old.info(), old.lastCheck(), error, false);
      }
    }
  }

  private CompletableFuture<InfoResponse> info(ManagedChannel channel) {
    CompletableFuture<InfoResponse> f = new CompletableFuture<>();
    if (channel.getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
      // gRPC backs off reconnecting up to minutes; the health check is the moment to try again,
      // so an endpoint that came back is seen at the next check.
      channel.resetConnectBackoff();
    }
    try {
      InfoGrpc.newStub(channel)
          .withDeadlineAfter(infoTimeout.toMillis(), TimeUnit.MILLISECONDS)
          .info(InfoRequest.getDefaultInstance(), new StreamObserver<>() {
            @Override
            public void onNext(InfoResponse value) {
              f.complete(value);
            }

            @Override
            public void onError(Throwable t) {
              f.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
              f.completeExceptionally(Status.INTERNAL.withDescription("Info returned no answer").asRuntimeException());
            }
          });
    } catch (RuntimeException e) {
      f.completeExceptionally(e);
    }
    return f;
  }

  /**
   * One line for a failed Info call. TLS failures name the root cause (not gRPC's pipeline dump)
   * and, for the common misconfigurations, what to change.
   */
  static String describe(@Nullable Throwable t, @Nullable TlsConfig tls) {
    if (t == null) {
      return "unknown error";
    }
    if (!(t instanceof StatusRuntimeException sre)) {
      return EndpointChannels.messageChain(t);
    }
    Status s = sre.getStatus();
    Throwable tlsCause = null;
    for (Throwable c = s.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
      if (c instanceof javax.net.ssl.SSLException || c instanceof java.security.cert.CertificateException
          || c instanceof java.security.GeneralSecurityException) {
        tlsCause = c;
      }
    }
    if (tlsCause != null) {
      Throwable root = tlsCause;
      while (root.getCause() != null && root.getCause() != root) {
        root = root.getCause();
      }
      String msg = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
      return s.getCode().name() + ": TLS handshake: " + msg + tlsHint(msg, tls);
    }
    StringBuilder sb = new StringBuilder(s.getCode().name());
    if (s.getDescription() != null) {
      sb.append(": ").append(s.getDescription());
    }
    if (s.getCause() != null) {
      String causes = EndpointChannels.messageChain(s.getCause());
      if (s.getDescription() == null || !s.getDescription().contains(causes)) {
        sb.append(": ").append(causes);
      }
    }
    String text = sb.toString();
    if (tls == null && s.getCode() == Status.Code.UNAVAILABLE
        && (text.contains("Network closed") || text.contains("Connection reset") || text.contains("SETTINGS"))) {
      sb.append(" (the connection is plaintext; does the endpoint expect TLS?)");
    }
    return sb.toString().replace('\n', ' ');
  }

  private static String tlsHint(String msg, @Nullable TlsConfig tls) {
    if (msg.contains("IP address") && msg.contains("subject alternative names")) {
      return " (the certificate has no IP SAN for the dialled address: set server_name to a DNS name it carries)";
    }
    if (msg.contains("subject alternative DNS name") && tls != null && tls.serverName() != null) {
      return " (server_name " + tls.serverName() + " is not among the certificate's names)";
    }
    if (msg.contains("certification path") || msg.contains("PKIX")) {
      return tls != null && tls.caFile() != null
          ? " (the server certificate is not signed by a CA in ca_file " + tls.caFile() + ")"
          : " (the server certificate is not signed by a CA the JDK trusts: set ca_file)";
    }
    if (msg.contains("CERTIFICATE_REQUIRED") || msg.contains("certificate_required") || msg.contains("bad_certificate")
        || msg.contains("BAD_CERTIFICATE")) {
      return tls != null && tls.certFile() != null
          ? " (the server did not accept client certificate " + tls.certFile() + ")"
          : " (the server requires a client certificate: set cert_file and key_file)";
    }
    return "";
  }

  /**
   * The endpoints to fan out to: healthy ones serving the Store API, and strict ones whatever
   * their health. Sorted by address.
   */
  public List<ActiveStore> activeStores() {
    List<Entry> snapshot;
    synchronized (this) {
      snapshot = List.copyOf(entries.values());
    }
    List<ActiveStore> out = new ArrayList<>();
    for (Entry e : snapshot) {
      State s = e.state;
      if (e.client == null) {
        continue;
      }
      if (s.healthy() && s.info() != null) {
        out.add(new ActiveStore(e.endpoint.address(), Objects.requireNonNull(s.componentType()), s.info(), e.client, true));
      } else if (e.endpoint.strict() && !s.healthy()) {
        StoreInfo info = s.info() != null ? s.info()
            : new StoreInfo(List.of(), Long.MIN_VALUE, Long.MAX_VALUE, false, false, List.of());
        out.add(new ActiveStore(e.endpoint.address(), s.componentType() == null ? UNKNOWN : s.componentType(),
            info, e.client, false));
      }
    }
    out.sort(Comparator.comparing(ActiveStore::address));
    return List.copyOf(out);
  }

  /** Every endpoint's status, sorted by address. */
  public List<EndpointStatus> statuses() {
    List<Entry> snapshot;
    synchronized (this) {
      snapshot = List.copyOf(entries.values());
    }
    List<EndpointStatus> out = new ArrayList<>(snapshot.size());
    for (Entry e : snapshot) {
      State s = e.state;
      StoreInfo info = s.info();
      out.add(new EndpointStatus(
          e.endpoint.address(),
          e.endpoint.spec(),
          s.componentType(),
          info == null ? List.of() : info.labelSets(),
          info == null ? Long.MIN_VALUE : info.minTime(),
          info == null ? Long.MAX_VALUE : info.maxTime(),
          info != null && info.supportsWithoutReplicaLabels(),
          s.lastCheck(),
          s.lastError(),
          s.healthy(),
          e.endpoint.strict(),
          info != null));
    }
    out.sort(Comparator.comparing(EndpointStatus::address));
    return List.copyOf(out);
  }

  /** The channel of {@code address}, for tests of channel ownership. */
  synchronized @Nullable ManagedChannel channel(String address) {
    Entry e = entries.get(address);
    return e == null ? null : e.channel;
  }

  /** Shuts every channel down, waiting up to a few seconds for running calls. Idempotent. */
  @Override
  public void close() {
    List<ManagedChannel> channels = new ArrayList<>();
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      for (Entry e : entries.values()) {
        if (e.channel != null) {
          channels.add(e.channel);
        }
      }
      entries.clear();
    }
    for (ManagedChannel ch : channels) {
      ch.shutdown();
    }
    long deadline = System.nanoTime() + CLOSE_GRACE.toNanos();
    for (ManagedChannel ch : channels) {
      try {
        if (!ch.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
          ch.shutdownNow();
        }
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
        ch.shutdownNow();
      }
    }
  }
}
