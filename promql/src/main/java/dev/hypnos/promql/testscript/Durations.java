package dev.hypnos.promql.testscript;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Prometheus duration syntax ({@code 1h30m}, {@code 10s53ms}, {@code 0}) as used in script command lines. */
final class Durations {
  private static final Pattern DURATION =
      Pattern.compile("^(?:(\\d+)y)?(?:(\\d+)w)?(?:(\\d+)d)?(?:(\\d+)h)?(?:(\\d+)m)?(?:(\\d+)s)?(?:(\\d+)ms)?$");
  private static final long[] UNIT_MS = {
    365L * 24 * 3600 * 1000, 7L * 24 * 3600 * 1000, 24L * 3600 * 1000, 3600_000L, 60_000L, 1000L, 1L
  };

  private Durations() {}

  /** Milliseconds of {@code text}; throws {@link ScriptException} when it is not a duration. */
  static long parseMillis(String text, int line) {
    String s = text.trim();
    if (s.equals("0")) {
      return 0;
    }
    Matcher m = DURATION.matcher(s);
    if (s.isEmpty() || !m.matches()) {
      throw new ScriptException(line, "not a valid duration string: " + text);
    }
    long total = 0;
    for (int i = 0; i < UNIT_MS.length; i++) {
      String g = m.group(i + 1);
      if (g != null) {
        total = Math.addExact(total, Math.multiplyExact(Long.parseLong(g), UNIT_MS[i]));
      }
    }
    return total;
  }
}
