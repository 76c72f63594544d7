package dev.hypnos.core.objstore;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The Thanos objstore configuration ({@code --objstore.config-file}):
 *
 * <pre>
 * type: S3            # case-insensitive, as in Thanos
 * prefix: some/path   # optional
 * config:             # provider-specific keys, checked by the provider
 *   bucket: ...
 * </pre>
 *
 * <p>Parsing is strict like Thanos's: an unknown top-level key, a duplicate key or malformed YAML
 * is an error naming the file (and the line and column for YAML syntax).
 *
 * <p>{@link #toString()} leaves out the provider config, which may hold secrets.
 *
 * @param type the provider type, upper-cased ({@code S3}, {@code FILESYSTEM}, {@code MEMORY}, ...)
 * @param prefix the key prefix, "" for none
 * @param config the provider's {@code config:} mapping, as parsed
 * @param source where the configuration came from, for messages
 */
public record BucketConfig(
    String type, String prefix, Map<String, @Nullable Object> config, String source) {
  static final List<String> TOP_LEVEL_KEYS = List.of("type", "config", "prefix");

  private static final YAMLMapper MAPPER = createMapper();

  public BucketConfig {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(prefix, "prefix");
    Objects.requireNonNull(source, "source");
    config = Collections.unmodifiableMap(new LinkedHashMap<>(config));
  }

  private static YAMLMapper createMapper() {
    YAMLMapper mapper = new YAMLMapper();
    mapper.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    return mapper;
  }

  /** The provider's {@code config:} section with typed accessors. */
  public ConfigSection configSection() {
    return new ConfigSection(config, "config", source);
  }

  /** Reads and parses a config file. */
  public static BucketConfig parse(Path file) throws BucketConfigException {
    String yaml;
    try {
      yaml = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new BucketConfigException("objstore config file " + file + " does not exist");
    } catch (IOException e) {
      throw new BucketConfigException("read objstore config file " + file + ": " + e, e);
    }
    return parse(yaml, file.toString());
  }

  /**
   * Parses config YAML.
   *
   * @param sourceName the file name or other origin, for messages
   */
  public static BucketConfig parse(String yaml, String sourceName) throws BucketConfigException {
    JsonNode root;
    try {
      root = MAPPER.readTree(yaml);
    } catch (JsonProcessingException e) {
      throw new BucketConfigException(yamlError(e, sourceName), e);
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      throw new BucketConfigException(
          "objstore config " + sourceName + " is empty: it needs at least \"type:\"");
    }
    if (!root.isObject()) {
      throw new BucketConfigException(
          "objstore config "
              + sourceName
              + ": expected a mapping with type, config and prefix, got "
              + root.getNodeType().toString().toLowerCase(Locale.ROOT));
    }
    @SuppressWarnings("unchecked")
    Map<String, @Nullable Object> top = (Map<String, @Nullable Object>) toJava(root);
    ConfigSection section = new ConfigSection(top, "", sourceName);
    section.allowOnly(TOP_LEVEL_KEYS);
    String type = section.string("type", "").trim();
    if (type.isEmpty()) {
      throw new BucketConfigException(
          "objstore config "
              + sourceName
              + ": missing \"type\" (supported: "
              + String.join(", ", Buckets.LISTED_TYPES)
              + ")");
    }
    String prefix = section.string("prefix", "");
    ConfigSection config = section.section("config");
    return new BucketConfig(type.toUpperCase(Locale.ROOT), prefix, config.values(), sourceName);
  }

  private static final java.util.regex.Pattern SNAKE_POSITION =
      java.util.regex.Pattern.compile("line (\\d+), column (\\d+)");

  private static String yamlError(JsonProcessingException e, String sourceName) {
    String original = e.getOriginalMessage();
    // SnakeYAML's message has unindented lines saying what is wrong, each followed by indented
    // lines quoting the position; keep the former, take the last position quoted.
    StringBuilder problem = new StringBuilder();
    long line = -1;
    long column = -1;
    for (String text : original.split("\n")) {
      if (text.isBlank()) {
        continue;
      }
      if (Character.isWhitespace(text.charAt(0))) {
        java.util.regex.Matcher m = SNAKE_POSITION.matcher(text);
        if (m.find()) {
          line = Long.parseLong(m.group(1));
          column = Long.parseLong(m.group(2));
        }
        continue;
      }
      if (problem.length() > 0) {
        problem.append(", ");
      }
      problem.append(text.trim());
    }
    JsonLocation location = e.getLocation();
    if (line < 0 && location != null && location.getLineNr() > 0) {
      line = location.getLineNr();
      column = location.getColumnNr();
    }
    StringBuilder sb = new StringBuilder("objstore config ").append(sourceName).append(": invalid YAML");
    if (line > 0) {
      sb.append(" at line ").append(line).append(", column ").append(column);
    }
    return sb.append(": ").append(problem).toString();
  }

  private static @Nullable Object toJava(JsonNode node) {
    if (node.isObject()) {
      Map<String, @Nullable Object> map = new LinkedHashMap<>();
      for (Map.Entry<String, JsonNode> e : node.properties()) {
        map.put(e.getKey(), toJava(e.getValue()));
      }
      return map;
    }
    if (node.isArray()) {
      List<@Nullable Object> list = new ArrayList<>();
      for (JsonNode element : node) {
        list.add(toJava(element));
      }
      return list;
    }
    if (node.isNull() || node.isMissingNode()) {
      return null;
    }
    if (node.isBoolean()) {
      return node.booleanValue();
    }
    if (node.isIntegralNumber()) {
      return node.canConvertToLong() ? (Object) node.longValue() : node.bigIntegerValue();
    }
    if (node.isNumber()) {
      return node.doubleValue();
    }
    return node.asText();
  }

  @Override
  public String toString() {
    return "BucketConfig[type=" + type + ", prefix=" + prefix + ", source=" + source + "]";
  }
}
