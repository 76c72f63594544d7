package dev.hypnos.storegateway.sync;


import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.labels.RegexTemplates;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.jspecify.annotations.Nullable;

/**
 * One Prometheus {@code relabel_config} entry, restricted to what selecting blocks needs: the
 * actions {@code keep}, {@code drop}, {@code hashmod} and {@code labelmap} (Thanos's
 * {@code --selector.relabel-config} accepts keep, drop and hashmod). Semantics are Prometheus's:
 * the values of {@code source_labels} joined by {@code separator} are matched against the fully
 * anchored {@code regex}; {@code hashmod} sets {@code target_label} to the MD5 of that value
 * (its last 8 bytes as a big-endian unsigned integer) modulo {@code modulus}; {@code labelmap}
 * copies each label whose name matches to the name given by {@code replacement} ({@code $1},
 * {@code ${name}} expanded as Go's {@code regexp.Expand} does).
 *
 * <p>Regexes use Java's engine, anchored as Prometheus anchors them; the RE2 syntax used in
 * practice ({@code .*}, alternation, classes, groups) means the same in both.
 */
public final class RelabelConfig {
  /** The actions this type can apply. */
  public enum Action {
    KEEP, DROP, HASHMOD, LABELMAP;

    String yamlName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Actions Thanos's block selector accepts, plus labelmap. */
  public static final Set<Action> SELECTOR_ACTIONS = Set.of(Action.KEEP, Action.DROP, Action.HASHMOD, Action.LABELMAP);

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
  private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

  private final List<String> sourceLabels;
  private final String separator;
  private final String regexText;
  private final Pattern regex;
  private final long modulus;
  private final String targetLabel;
  private final String replacement;
  private final Action action;

  /** The YAML shape of one entry; field names are Prometheus's. */
  private record Yaml(
      @JsonProperty("source_labels") @Nullable List<String> sourceLabels,
      @JsonProperty("separator") @Nullable String separator,
      @JsonProperty("regex") @Nullable String regex,
      @JsonProperty("modulus") @Nullable BigInteger modulus,
      @JsonProperty("target_label") @Nullable String targetLabel,
      @JsonProperty("replacement") @Nullable String replacement,
      @JsonProperty("action") @Nullable String action) {}

  public RelabelConfig(List<String> sourceLabels, String separator, String regex, long modulus, String targetLabel,
      String replacement, Action action) {
    this.sourceLabels = List.copyOf(sourceLabels);
    this.separator = Objects.requireNonNull(separator, "separator");
    this.regexText = Objects.requireNonNull(regex, "regex");
    try {
      this.regex = Pattern.compile("^(?:" + regex + ")$", Pattern.DOTALL);
    } catch (PatternSyntaxException e) {
      throw new IllegalArgumentException("invalid regex \"" + regex + "\": " + e.getDescription());
    }
    this.modulus = modulus;
    this.targetLabel = Objects.requireNonNull(targetLabel, "targetLabel");
    this.replacement = Objects.requireNonNull(replacement, "replacement");
    this.action = Objects.requireNonNull(action, "action");
    if (action == Action.HASHMOD) {
      if (modulus == 0) {
        throw new IllegalArgumentException("action hashmod requires a non-zero modulus");
      }
      if (targetLabel.isEmpty()) {
        throw new IllegalArgumentException("action hashmod requires target_label");
      }
      if (!LABEL_NAME.matcher(targetLabel).matches()) {
        throw new IllegalArgumentException("target_label \"" + targetLabel + "\" is not a valid label name");
      }
    }
    if ((action == Action.KEEP || action == Action.DROP || action == Action.HASHMOD) && this.sourceLabels.isEmpty()) {
      throw new IllegalArgumentException("action " + action.yamlName() + " requires source_labels");
    }
  }

  /**
   * Parses a YAML list of relabel configs (the content of {@code --selector.relabel-config} or
   * its file). Empty content means no relabelling.
   *
   * @param source names the content in messages, such as {@code --selector.relabel-config-file=sel.yaml}
   * @param allowed the actions accepted; others are rejected with the list of allowed ones
   * @throws IllegalArgumentException naming the source, the entry number (from 1) and what is wrong
   */
  public static List<RelabelConfig> parseList(String yaml, String source, Set<Action> allowed) {
    JsonNode root;
    try {
      root = YAML.readTree(yaml);
    } catch (IOException e) {
      throw new IllegalArgumentException(source + ": parse YAML: " + e.getMessage(), e);
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      return List.of();
    }
    if (!root.isArray()) {
      throw new IllegalArgumentException(source + ": expected a YAML list of relabel configs, not a YAML "
          + (root.isObject() ? "mapping" : "scalar"));
    }
    List<RelabelConfig> out = new ArrayList<>();
    for (int i = 0; i < root.size(); i++) {
      String where = source + ": relabel config #" + (i + 1);
      Yaml y;
      try {
        y = YAML.treeToValue(root.get(i), Yaml.class);
      } catch (UnrecognizedPropertyException e) {
        throw new IllegalArgumentException(where + ": unknown field \"" + e.getPropertyName() + "\"", e);
      } catch (JsonProcessingException e) {
        throw new IllegalArgumentException(where + ": " + e.getOriginalMessage(), e);
      }
      if (y == null) {
        throw new IllegalArgumentException(where + ": empty entry");
      }
      String actionText = y.action() == null ? "replace" : y.action().toLowerCase(Locale.ROOT);
      Action action = null;
      for (Action a : Action.values()) {
        if (a.yamlName().equals(actionText)) {
          action = a;
        }
      }
      if (action == null || !allowed.contains(action)) {
        throw new IllegalArgumentException(where + ": action \"" + actionText + "\" is not supported here; supported: "
            + allowedList(allowed));
      }
      long modulus = 0;
      if (y.modulus() != null) {
        BigInteger mod = y.modulus();
        if (mod.signum() < 0 || mod.bitLength() > 64) {
          throw new IllegalArgumentException(where + ": modulus " + mod + " is not an unsigned 64-bit integer");
        }
        modulus = mod.longValue();
      }
      try {
        out.add(new RelabelConfig(
            y.sourceLabels() == null ? List.of() : y.sourceLabels(),
            y.separator() == null ? ";" : y.separator(),
            y.regex() == null ? "(.*)" : y.regex(),
            modulus,
            y.targetLabel() == null ? "" : y.targetLabel(),
            y.replacement() == null ? "$1" : y.replacement(),
            action));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
      }
    }
    return List.copyOf(out);
  }

  private static String allowedList(Set<Action> allowed) {
    StringBuilder sb = new StringBuilder();
    for (Action a : Action.values()) {
      if (allowed.contains(a)) {
        sb.append(sb.isEmpty() ? "" : ", ").append(a.yamlName());
      }
    }
    return sb.toString();
  }

  public Action action() {
    return action;
  }

  /**
   * Applies {@code configs} in order to {@code labels}; returns null when a keep or drop removed
   * the set, else the resulting labels.
   */
  public static @Nullable Labels process(Labels labels, List<RelabelConfig> configs) {
    TreeMap<String, String> lb = new TreeMap<>(Labels::compareStrings);
    lb.putAll(labels.toMap());
    for (RelabelConfig c : configs) {
      if (!c.apply(lb)) {
        return null;
      }
    }
    lb.values().removeIf(String::isEmpty);
    return Labels.fromMap(lb);
  }

  /** Applies this config in place; false when the set is dropped. */
  private boolean apply(TreeMap<String, String> lb) {
    StringBuilder joined = new StringBuilder();
    for (int i = 0; i < sourceLabels.size(); i++) {
      if (i > 0) {
        joined.append(separator);
      }
      joined.append(lb.getOrDefault(sourceLabels.get(i), ""));
    }
    String val = joined.toString();
    switch (action) {
      case DROP -> {
        return !regex.matcher(val).matches();
      }
      case KEEP -> {
        return regex.matcher(val).matches();
      }
      case HASHMOD -> {
        lb.put(targetLabel, Long.toUnsignedString(Long.remainderUnsigned(md5Sum64(val), modulus)));
        return true;
      }
      case LABELMAP -> {
        Map<String, String> additions = new TreeMap<>();
        for (Map.Entry<String, String> e : lb.entrySet()) {
          Matcher m = regex.matcher(e.getKey());
          if (m.matches()) {
            additions.put(RegexTemplates.expand(m, replacement), e.getValue());
          }
        }
        lb.putAll(additions);
        return true;
      }
    }
    throw new AssertionError(action);
  }

  /** The last 8 bytes of the MD5 digest of {@code s} as a big-endian unsigned 64-bit integer (Prometheus sum64). */
  static long md5Sum64(String s) {
    byte[] d;
    try {
      d = MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("MD5 is required of every Java platform", e);
    }
    long v = 0;
    for (int i = 8; i < 16; i++) {
      v = (v << 8) | (d[i] & 0xFF);
    }
    return v;
  }

  @Override
  public String toString() {
    return "{action: " + action.yamlName() + ", source_labels: " + sourceLabels + ", regex: " + regexText
        + (action == Action.HASHMOD ? ", modulus: " + Long.toUnsignedString(modulus) + ", target_label: " + targetLabel : "")
        + (action == Action.LABELMAP ? ", replacement: " + replacement : "") + "}";
  }
}
