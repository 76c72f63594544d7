package dev.hypnos.core.server;

import dev.hypnos.core.objstore.Bucket;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A readiness check that the object store answers: it asks whether a key exists (one HEAD
 * request; the key need not exist, only the answer matters) and fails with the error when the
 * bucket cannot be reached. The answer is kept for {@code ttl} so that frequent {@code /-/ready}
 * probes do not turn into a stream of bucket requests; a failure is retried on the next probe
 * after the ttl, so readiness recovers by itself when the bucket returns.
 *
 * <p>Concurrency: thread-safe; concurrent probes within the ttl share one answer.
 */
public final class BucketProbe implements ReadinessCheck {
  /** The key asked about; nothing is ever written there. */
  public static final String PROBE_KEY = "hypnos-readiness-probe";

  private final Bucket bucket;
  private final Duration ttl;
  private final InstantSource clock;
  private @Nullable Instant checkedAt;
  private Optional<String> lastAnswer = Optional.empty();

  public BucketProbe(Bucket bucket, Duration ttl, InstantSource clock) {
    this.bucket = Objects.requireNonNull(bucket, "bucket");
    this.ttl = Objects.requireNonNull(ttl, "ttl");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  @Override
  public synchronized Optional<String> notReadyReason() {
    Instant now = clock.instant();
    Instant at = checkedAt;
    if (at != null && now.isBefore(at.plus(ttl)) && !now.isBefore(at)) {
      return lastAnswer;
    }
    Optional<String> answer;
    try {
      bucket.exists(PROBE_KEY);
      answer = Optional.empty();
    } catch (IOException | RuntimeException e) {
      answer = Optional.of("object store " + bucket.name() + " unreachable: " + e.getMessage());
    }
    checkedAt = now;
    lastAnswer = answer;
    return answer;
  }
}
