package dev.hypnos.core.objstore;

import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * One mapping of an objstore YAML file ({@code config:} or a nested section like {@code
 * sse_config:}) with typed accessors. Every error names the file and the full key path, e.g.
 * {@code objstore config /etc/objstore.yml: config.part_size: expected a number of bytes, got
 * "big"}.
 *
 * <p>A provider calls {@link #allowOnly} first so that a misspelt key is reported instead of being
 * silently ignored (Thanos unmarshals strictly too).
 */
public final class ConfigSection {
  private static final Pattern DURATION =
      Pattern.compile(
          "(?:(\\d+)y)?(?:(\\d+)w)?(?:(\\d+)d)?(?:(\\d+)h)?(?:(\\d+)m)?(?:(\\d+)s)?(?:(\\d+)ms)?");

  private final Map<String, @Nullable Object> values;
  private final String path;
  private final String source;

  /**
   * @param values the mapping as parsed (keys to String, Boolean, Number, List, Map or null)
   * @param path the key path of this section, e.g. {@code config.sse_config}
   * @param source the file (or other source) name for messages
   */
  public ConfigSection(Map<String, @Nullable Object> values, String path, String source) {
    this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    this.path = Objects.requireNonNull(path, "path");
    this.source = Objects.requireNonNull(source, "source");
  }

  public Map<String, @Nullable Object> values() {
    return values;
  }

  public String path() {
    return path;
  }

  public String source() {
    return source;
  }

  /** The full path of a key of this section, for messages. */
  public String keyPath(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  /** An error about {@code key} of this section. */
  public BucketConfigException error(String key, String problem) {
    return new BucketConfigException("objstore config " + source + ": " + keyPath(key) + ": " + problem);
  }

  /** An error about this section as a whole. */
  public BucketConfigException error(String problem) {
    return new BucketConfigException(
        "objstore config " + source + (path.isEmpty() ? "" : ": " + path) + ": " + problem);
  }

  /** Rejects any key not in {@code known}, naming it and listing the known ones. */
  public void allowOnly(Collection<String> known) throws BucketConfigException {
    for (String key : values.keySet()) {
      if (!known.contains(key)) {
        throw new BucketConfigException(
            "objstore config "
                + source
                + ": unknown key \""
                + keyPath(key)
                + "\" ("
                + (known.isEmpty()
                    ? "no keys are allowed"
                    : "known keys" + (path.isEmpty() ? "" : " under " + path) + ": " + String.join(", ", known))
                + ")");
      }
    }
  }

  public boolean has(String key) {
    return values.get(key) != null;
  }

  public String string(String key, String defaultValue) throws BucketConfigException {
    Object value = values.get(key);
    if (value == null) {
      return defaultValue;
    }
    if (value instanceof Map || value instanceof List) {
      throw error(key, "expected a string, got a " + (value instanceof Map ? "mapping" : "list"));
    }
    return value.toString();
  }

  public boolean bool(String key, boolean defaultValue) throws BucketConfigException {
    Object value = values.get(key);
    if (value == null) {
      return defaultValue;
    }
    if (value instanceof Boolean b) {
      return b;
    }
    if (value instanceof String s) {
      switch (s.toLowerCase(Locale.ROOT)) {
        case "true", "yes", "on" -> {
          return true;
        }
        case "false", "no", "off" -> {
          return false;
        }
        default -> {}
      }
    }
    throw error(key, "expected true or false, got " + describe(value));
  }

  public long longValue(String key, long defaultValue) throws BucketConfigException {
    Object value = values.get(key);
    if (value == null) {
      return defaultValue;
    }
    if (value instanceof Long || value instanceof Integer || value instanceof Short) {
      return ((Number) value).longValue();
    }
    if (value instanceof String s) {
      try {
        return Long.parseLong(s.trim());
      } catch (NumberFormatException e) {
        // reported below
      }
    }
    throw error(key, "expected an integer, got " + describe(value));
  }

  /**
   * A duration in Prometheus notation ({@code 90s}, {@code 2m}, {@code 1h30m}, {@code 500ms},
   * {@code 0}).
   */
  public Duration duration(String key, Duration defaultValue) throws BucketConfigException {
    Object value = values.get(key);
    if (value == null) {
      return defaultValue;
    }
    String text = value.toString().trim();
    if (text.equals("0")) {
      return Duration.ZERO;
    }
    Matcher m = DURATION.matcher(text);
    if (text.isEmpty() || !m.matches() || value instanceof Map || value instanceof List) {
      throw error(key, "expected a duration like 90s, 2m or 1h30m, got " + describe(value));
    }
    long[] millisPerUnit = {
      365L * 24 * 3600_000, 7L * 24 * 3600_000, 24L * 3600_000, 3600_000, 60_000, 1000, 1
    };
    long millis = 0;
    for (int i = 0; i < millisPerUnit.length; i++) {
      String group = m.group(i + 1);
      if (group != null) {
        millis = Math.addExact(millis, Math.multiplyExact(Long.parseLong(group), millisPerUnit[i]));
      }
    }
    return Duration.ofMillis(millis);
  }

  /** A nested mapping; a missing or null key gives an empty section. */
  @SuppressWarnings("unchecked")
  public ConfigSection section(String key) throws BucketConfigException {
    Object value = values.get(key);
    if (value == null) {
      return new ConfigSection(Map.of(), keyPath(key), source);
    }
    if (!(value instanceof Map)) {
      throw error(key, "expected a mapping, got " + describe(value));
    }
    return new ConfigSection((Map<String, @Nullable Object>) value, keyPath(key), source);
  }

  /** A mapping of strings to strings; a missing or null key gives an empty map. */
  public Map<String, String> stringMap(String key) throws BucketConfigException {
    ConfigSection section = section(key);
    Map<String, String> result = new LinkedHashMap<>();
    for (Map.Entry<String, @Nullable Object> e : section.values.entrySet()) {
      result.put(e.getKey(), section.string(e.getKey(), ""));
    }
    return Collections.unmodifiableMap(result);
  }

  private static String describe(Object value) {
    if (value instanceof Map) {
      return "a mapping";
    }
    if (value instanceof List) {
      return "a list";
    }
    return value instanceof String ? "\"" + value + "\"" : value.toString();
  }

  @Override
  public String toString() {
    return source + ":" + path;
  }
}
