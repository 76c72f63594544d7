package dev.hypnos.storegateway.sync;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A point in time given either absolutely (RFC 3339, such as {@code 2024-01-01T00:00:00Z}) or
 * relative to now (a Prometheus duration with an optional minus sign, such as {@code -2w}, {@code
 * -1d}, {@code 2h45m}); the flag type of Thanos's {@code --min-time}/{@code --max-time} ({@code
 * model.TimeOrDurationValue}). A relative value is resolved against the clock each time it is
 * used, so a long-running store's window moves with time.
 *
 * <p>Duration units are those of Prometheus: {@code ms}, {@code s}, {@code m}, {@code h}, {@code
 * d} (24h), {@code w} (7d), {@code y} (365d), largest first, each at most once.
 */
public final class TimeOrDuration {
  /** Thanos's default {@code --min-time}. */
  public static final String MIN_DEFAULT = "0000-01-01T00:00:00Z";
  /** Thanos's default {@code --max-time}. */
  public static final String MAX_DEFAULT = "9999-12-31T23:59:59Z";

  private static final Pattern DURATION = Pattern.compile(
      "(?:(\\d+)y)?(?:(\\d+)w)?(?:(\\d+)d)?(?:(\\d+)h)?(?:(\\d+)m)?(?:(\\d+)s)?(?:(\\d+)ms)?");
  private static final long[] UNIT_MS = {
    365L * 24 * 3600 * 1000, 7L * 24 * 3600 * 1000, 24L * 3600 * 1000, 3600L * 1000, 60L * 1000, 1000L, 1L
  };

  private final String text;
  private final @Nullable Instant time;
  private final @Nullable Duration offset;

  private TimeOrDuration(String text, @Nullable Instant time, @Nullable Duration offset) {
    this.text = text;
    this.time = time;
    this.offset = offset;
  }

  /**
   * Parses a flag value.
   *
   * @throws IllegalArgumentException naming the value when it is neither RFC 3339 nor a duration
   */
  public static TimeOrDuration parse(String s) {
    Objects.requireNonNull(s, "s");
    try {
      return new TimeOrDuration(s, OffsetDateTime.parse(s, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant(), null);
    } catch (DateTimeParseException notATime) {
      // Try a duration next.
    }
    boolean negative = s.startsWith("-");
    String d = negative ? s.substring(1) : s;
    Duration dur = parseDuration(d);
    if (dur == null) {
      throw new IllegalArgumentException("\"" + s + "\" is neither an RFC 3339 time (2006-01-02T15:04:05Z) "
          + "nor a duration relative to now (such as -2w, -1d or 2h45m; units ms, s, m, h, d, w, y)");
    }
    return new TimeOrDuration(s, null, negative ? dur.negated() : dur);
  }

  /** A Prometheus duration ({@code 1d12h}, {@code 0}), or null when {@code s} is not one. */
  static @Nullable Duration parseDuration(String s) {
    if (s.equals("0")) {
      return Duration.ZERO;
    }
    if (s.isEmpty()) {
      return null;
    }
    Matcher m = DURATION.matcher(s);
    if (!m.matches()) {
      return null;
    }
    long ms = 0;
    for (int i = 0; i < UNIT_MS.length; i++) {
      String g = m.group(i + 1);
      if (g != null) {
        try {
          ms = Math.addExact(ms, Math.multiplyExact(Long.parseLong(g), UNIT_MS[i]));
        } catch (ArithmeticException | NumberFormatException e) {
          return null;
        }
      }
    }
    return Duration.ofMillis(ms);
  }

  /** The time in Unix milliseconds, relative values resolved against {@code clock}. */
  public long toEpochMillis(InstantSource clock) {
    Instant t = time;
    if (t != null) {
      return toMillisSaturated(t);
    }
    return toMillisSaturated(clock.instant().plus(Objects.requireNonNull(offset)));
  }

  private static long toMillisSaturated(Instant t) {
    try {
      return t.toEpochMilli();
    } catch (ArithmeticException e) {
      return t.isBefore(Instant.EPOCH) ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  /** Whether the value is relative to now. */
  public boolean isRelative() {
    return time == null;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TimeOrDuration t && Objects.equals(time, t.time) && Objects.equals(offset, t.offset);
  }

  @Override
  public int hashCode() {
    return Objects.hash(time, offset);
  }

  @Override
  public String toString() {
    return text;
  }
}
