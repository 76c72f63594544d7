package dev.hypnos.sidecarclient;

import dev.hypnos.storeapi.StoreApi;
import dev.hypnos.storeapi.StoreInfo;
import java.util.Objects;

/**
 * An endpoint taking part in the fan-out: its client and what it last said about itself.
 *
 * @param address {@code host:port}, how warnings name the store
 * @param componentType e.g. {@code "sidecar"} or {@code "store"}; {@code "unknown"} for a strict
 *     endpoint never reached
 * @param info label sets, time range, capabilities from its last successful Info call; for a
 *     strict endpoint never reached, no labels and the whole time range
 * @param client Store API over the endpoint's channel (owned by the {@link EndpointSet})
 * @param healthy false only for a strict endpoint whose last check failed
 */
public record ActiveStore(String address, String componentType, StoreInfo info, StoreApi client, boolean healthy) {
  public ActiveStore {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(componentType, "componentType");
    Objects.requireNonNull(info, "info");
    Objects.requireNonNull(client, "client");
  }
}
