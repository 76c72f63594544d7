package dev.hypnos.cli;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/** Flag value types written as Thanos writes them: Go/Prometheus durations and byte sizes. */
public final class FlagTypes {
  private FlagTypes() {}

  private static final Pattern DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|ms|s|m|h|d|w|y)");
  private static final Map<String, BigDecimal> DURATION_NANOS = Map.of(
      "ns", BigDecimal.ONE,
      "us", BigDecimal.valueOf(1_000L),
      "µs", BigDecimal.valueOf(1_000L),
      "ms", BigDecimal.valueOf(1_000_000L),
      "s", BigDecimal.valueOf(1_000_000_000L),
      "m", BigDecimal.valueOf(60_000_000_000L),
      "h", BigDecimal.valueOf(3_600_000_000_000L),
      "d", BigDecimal.valueOf(86_400_000_000_000L),
      "w", BigDecimal.valueOf(7 * 86_400_000_000_000L),
      "y", BigDecimal.valueOf(365 * 86_400_000_000_000L));

  /**
   * Parses a non-negative duration as Go's {@code time.ParseDuration} does ({@code 15m}, {@code
   * 1h30m}, {@code 1.5h}, {@code 500ms}, {@code 0}), also accepting Prometheus's {@code d}, {@code
   * w} and {@code y} units (Thanos's model durations, such as {@code --consistency-delay=1d}).
   *
   * @throws IllegalArgumentException naming the value when it is not such a duration
   */
  public static Duration parseDuration(String s) {
    if (s.equals("0")) {
      return Duration.ZERO;
    }
    Matcher m = DURATION_PART.matcher(s);
    BigDecimal nanos = BigDecimal.ZERO;
    int pos = 0;
    while (pos < s.length()) {
      if (!m.find(pos) || m.start() != pos) {
        throw new IllegalArgumentException("invalid duration \"" + s
            + "\": expected a number and a unit (ns, us, ms, s, m, h, d, w, y) such as 15m, 1h30m or 2d");
      }
      nanos = nanos.add(new BigDecimal(m.group(1).startsWith(".") ? "0" + m.group(1) : m.group(1))
          .multiply(DURATION_NANOS.get(m.group(2))));
      pos = m.end();
    }
    if (pos == 0) {
      throw new IllegalArgumentException("invalid duration \"\": expected a number and a unit such as 15m");
    }
    try {
      return Duration.ofNanos(nanos.setScale(0, RoundingMode.DOWN).longValueExact());
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("invalid duration \"" + s + "\": too long");
    }
  }

  private static final Pattern BYTES = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([KMGTP]?i?B?)", Pattern.CASE_INSENSITIVE);

  /**
   * Parses a byte size as Thanos's flags take it ({@code 250MB}, {@code 1GiB}, {@code 512KB},
   * {@code 1024}): every unit is a power of 1024, as in kingpin's {@code Base2Bytes}.
   */
  public static long parseBytes(String s) {
    Matcher m = BYTES.matcher(s.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("invalid byte size \"" + s + "\": expected a number and a unit such as 250MB or 1GiB");
    }
    String unit = m.group(2).toUpperCase(Locale.ROOT);
    int shift = switch (unit.isEmpty() ? ' ' : unit.charAt(0)) {
      case 'K' -> 10;
      case 'M' -> 20;
      case 'G' -> 30;
      case 'T' -> 40;
      case 'P' -> 50;
      default -> 0;
    };
    if (unit.equals("I") || unit.equals("IB") || (shift > 0 && unit.length() == 2 && unit.charAt(1) == 'I')) {
      throw new IllegalArgumentException("invalid byte size \"" + s + "\": unknown unit \"" + m.group(2) + "\"");
    }
    try {
      return new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(1L << shift))
          .setScale(0, RoundingMode.DOWN).longValueExact();
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("invalid byte size \"" + s + "\": too large");
    }
  }

  /** picocli converter for {@link #parseDuration}. */
  public static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      try {
        return parseDuration(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }

  /** picocli converter for {@link #parseBytes}. */
  public static final class BytesConverter implements CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
      try {
        return parseBytes(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }
}
