package dev.hypnos.storeapi;

/**
 * What a fan-out should do when one of its stores fails ({@code thanos.PartialResponseStrategy}):
 * carry on with a warning, or fail the whole request. A single store ignores it.
 */
public enum PartialResponseStrategy {
  WARN,
  ABORT
}
