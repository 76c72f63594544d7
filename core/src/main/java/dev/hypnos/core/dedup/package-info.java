/**
 * Merging the replicas of a series that HA pairs of Prometheus scraped twice, as the Thanos
 * querier does: the penalty algorithm (stay on one replica, switch only after a gap) with the
 * counter correction, and the chain algorithm (union by timestamp).
 */
@NullMarked
package dev.hypnos.core.dedup;

import org.jspecify.annotations.NullMarked;
