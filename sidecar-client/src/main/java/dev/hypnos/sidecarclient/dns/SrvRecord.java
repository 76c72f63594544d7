package dev.hypnos.sidecarclient.dns;

import java.util.Objects;

/**
 * An SRV record's data.
 *
 * @param target host name of the target, without the trailing dot
 */
public record SrvRecord(int priority, int weight, int port, String target) {
  public SrvRecord {
    Objects.requireNonNull(target, "target");
  }
}
