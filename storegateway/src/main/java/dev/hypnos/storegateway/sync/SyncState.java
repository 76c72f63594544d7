package dev.hypnos.storegateway.sync;

/**
 * Why a block is, or is not, in the synced set: the {@code state} label of {@code
 * thanos_blocks_meta_synced}, with Thanos's label values so dashboards and alerts carry over.
 */
public enum SyncState {
  /** Served. */
  LOADED("loaded"),
  /** A block directory without meta.json: an upload in progress or abandoned. */
  NO_META("no-meta-json"),
  /** meta.json exists but cannot be parsed, or names another block. */
  CORRUPTED_META("corrupted-meta-json"),
  /** meta.json could not be read (an object store error); the view is incomplete. */
  FAILED("failed"),
  /** Younger than the consistency delay. */
  TOO_FRESH("too-fresh"),
  /** Outside {@code --min-time}/{@code --max-time}. */
  TIME_EXCLUDED("time-excluded"),
  /** Dropped by the selector relabel configuration. */
  LABEL_EXCLUDED("label-excluded"),
  /** Its data is entirely contained in a compacted block that is also in the bucket. */
  DUPLICATE("duplicate"),
  /** Carries a deletion mark older than the ignore-deletion-marks delay. */
  MARKED_FOR_DELETION("marked-for-deletion");

  private final String label;

  SyncState(String label) {
    this.label = label;
  }

  /** The metric label value. */
  public String label() {
    return label;
  }
}
