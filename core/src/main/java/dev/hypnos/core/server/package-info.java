/**
 * What every Hypnos server shares besides its API: the operations HTTP endpoint ({@code
 * /metrics}, {@code /-/healthy}, {@code /-/ready}), readiness checks, and an orderly shutdown on
 * SIGTERM.
 */
@NullMarked
package dev.hypnos.core.server;

import org.jspecify.annotations.NullMarked;
