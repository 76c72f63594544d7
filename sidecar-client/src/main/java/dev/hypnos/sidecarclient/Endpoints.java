package dev.hypnos.sidecarclient;

import java.io.Closeable;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Runs discovery and health checks on a schedule: every {@code discoveryInterval}
 * ({@code --store.sd-dns-interval}, Thanos default 30s) {@link EndpointDiscovery#refresh()} feeds
 * {@link EndpointSet#update}; every {@code healthInterval} (Thanos: 5s) {@link
 * EndpointSet#checkHealth()} runs. {@link #start()} does one round of each before returning, so
 * the first query already sees the healthy endpoints.
 *
 * <p>Concurrency: thread-safe. Owns the set (closed by {@link #close()}) and, when created by
 * {@link #create}, the scheduler.
 */
public final class Endpoints implements Closeable {
  /** Thanos's {@code --store.sd-dns-interval} default. */
  public static final Duration DEFAULT_DISCOVERY_INTERVAL = Duration.ofSeconds(30);
  /** How often Thanos checks endpoints with Info. */
  public static final Duration DEFAULT_HEALTH_INTERVAL = Duration.ofSeconds(5);
  /** Thanos's deadline of one Info call. */
  public static final Duration DEFAULT_INFO_TIMEOUT = Duration.ofSeconds(5);

  private final EndpointDiscovery discovery;
  private final EndpointSet set;
  private final ScheduledExecutorService scheduler;
  private final boolean ownsScheduler;
  private final Duration discoveryInterval;
  private final Duration healthInterval;
  private @Nullable ScheduledFuture<?> discoveryTask;
  private @Nullable ScheduledFuture<?> healthTask;
  private volatile List<String> discoveryErrors = List.of();

  public Endpoints(EndpointDiscovery discovery, EndpointSet set, ScheduledExecutorService scheduler,
      Duration discoveryInterval, Duration healthInterval) {
    this(discovery, set, scheduler, false, discoveryInterval, healthInterval);
  }

  private Endpoints(EndpointDiscovery discovery, EndpointSet set, ScheduledExecutorService scheduler,
      boolean ownsScheduler, Duration discoveryInterval, Duration healthInterval) {
    this.discovery = Objects.requireNonNull(discovery, "discovery");
    this.set = Objects.requireNonNull(set, "set");
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    this.ownsScheduler = ownsScheduler;
    if (discoveryInterval.isNegative() || discoveryInterval.isZero() || healthInterval.isNegative() || healthInterval.isZero()) {
      throw new IllegalArgumentException("endpoint intervals must be positive, got discovery " + discoveryInterval
          + " and health " + healthInterval);
    }
    this.discoveryInterval = discoveryInterval;
    this.healthInterval = healthInterval;
  }

  /** Like the constructor, with its own two-thread daemon scheduler. */
  public static Endpoints create(EndpointDiscovery discovery, EndpointSet set, Duration discoveryInterval,
      Duration healthInterval) {
    ScheduledExecutorService s = Executors.newScheduledThreadPool(2, r -> {
      Thread t = new Thread(r, "hypnos-endpoints");
      t.setDaemon(true);
      return t;
    });
    return new Endpoints(discovery, set, s, true, discoveryInterval, healthInterval);
  }

  /** One discovery round and one health round now, then both on their schedules. */
  public synchronized void start() {
    if (discoveryTask != null) {
      throw new IllegalStateException("endpoints already started");
    }
    refreshNow();
    set.checkHealth();
    long d = discoveryInterval.toMillis();
    long h = healthInterval.toMillis();
    discoveryTask = scheduler.scheduleWithFixedDelay(this::refreshSafely, d, d, TimeUnit.MILLISECONDS);
    healthTask = scheduler.scheduleWithFixedDelay(this::checkSafely, h, h, TimeUnit.MILLISECONDS);
  }

  /** Runs discovery and updates the set. */
  public void refreshNow() {
    set.update(discovery.refresh());
    discoveryErrors = discovery.errors();
  }

  private void refreshSafely() {
    try {
      refreshNow();
    } catch (RuntimeException e) {
      // Never let an exception cancel the periodic task; the next round tries again.
      discoveryErrors = List.of("refresh endpoints: " + e);
    }
  }

  private void checkSafely() {
    try {
      set.checkHealth();
    } catch (RuntimeException e) {
      // Same as above: a failed round must not stop health checking.
    }
  }

  /** The endpoint set, for {@code activeStores()} and {@code statuses()}. */
  public EndpointSet set() {
    return set;
  }

  /** Problems of the last discovery round (bad files, failed DNS lookups). */
  public List<String> discoveryErrors() {
    return discoveryErrors;
  }

  @Override
  public synchronized void close() {
    if (discoveryTask != null) {
      discoveryTask.cancel(false);
    }
    if (healthTask != null) {
      healthTask.cancel(false);
    }
    if (ownsScheduler) {
      scheduler.shutdownNow();
    }
    set.close();
  }
}
