package dev.hypnos.sidecarclient;

import dev.hypnos.core.labels.Labels;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What the querier knows about one endpoint, for {@code /api/v1/stores} and logs.
 *
 * @param address {@code host:port}
 * @param spec the configured spec it came from
 * @param componentType what the endpoint said it is ({@code "sidecar"}, {@code "store"}, ...),
 *     null before its first successful check
 * @param labelSets its external label sets (from its last successful check)
 * @param minTime earliest time it serves, milliseconds
 * @param maxTime latest time it serves, milliseconds
 * @param supportsWithoutReplicaLabels whether it can strip replica labels itself
 * @param lastCheck when its last successful check finished, null before any
 * @param lastError the error of the last check, null when it succeeded
 * @param healthy whether the last check succeeded
 * @param strict whether it stays in the fan-out while unhealthy
 * @param storeApi whether it serves the Store API (its Info answer has a store section)
 */
public record EndpointStatus(
    String address,
    String spec,
    @Nullable String componentType,
    List<Labels> labelSets,
    long minTime,
    long maxTime,
    boolean supportsWithoutReplicaLabels,
    @Nullable Instant lastCheck,
    @Nullable String lastError,
    boolean healthy,
    boolean strict,
    boolean storeApi) {
  public EndpointStatus {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(spec, "spec");
    labelSets = List.copyOf(labelSets);
  }
}
