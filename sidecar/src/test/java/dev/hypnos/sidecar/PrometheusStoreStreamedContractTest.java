package dev.hypnos.sidecar;

/** The contract with remote read answering in streamed XOR chunks, passed through unchanged. */
class PrometheusStoreStreamedContractTest extends PrometheusStoreContractBase {
  @Override
  boolean preferStreamed() {
    return true;
  }
}
