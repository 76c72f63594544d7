package dev.hypnos.sidecar;

/** The contract with remote read answering in SAMPLES, re-encoded into XOR chunks. */
class PrometheusStoreSamplesContractTest extends PrometheusStoreContractBase {
  @Override
  boolean preferStreamed() {
    return false;
  }
}
