package dev.hypnos.sidecarclient;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Prometheus file service discovery ({@code --store.sd-files}): files matching the given paths
 * (a glob is allowed in the last path element, e.g. {@code /etc/thanos/stores/*.yml}) hold a list
 * of target groups, {@code [{targets: ["host:port", ...], labels: {...}}]}, in YAML
 * ({@code .yml}, {@code .yaml}) or JSON ({@code .json}). The targets may be any address spec
 * ({@code dns+...} too), as Thanos hands them to its DNS provider.
 *
 * <p>{@link #refresh} re-reads files whose modification time or size changed (every file when
 * forced); a file that cannot be parsed keeps its previous targets and its error is reported by
 * {@link #errors()}; a file that disappeared drops its targets.
 *
 * <p>Concurrency: not thread-safe; one refresher calls it.
 */
public final class FileSd {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final YAMLMapper YAML = new YAMLMapper();

  private final List<String> patterns;
  private final Map<Path, FileState> files = new TreeMap<>();
  private final Map<String, String> errors = new LinkedHashMap<>();

  private record FileState(long modified, long size, List<String> targets) {}

  public FileSd(List<String> patterns) {
    this.patterns = List.copyOf(patterns);
    for (String p : this.patterns) {
      String ext = extension(Path.of(p).getFileName() == null ? p : Path.of(p).getFileName().toString());
      if (!ext.equals("json") && !ext.equals("yml") && !ext.equals("yaml")) {
        throw new IllegalArgumentException("file SD path \"" + p + "\" must end in .json, .yml or .yaml");
      }
    }
  }

  /**
   * Re-reads changed files (all when {@code force}) and returns every target, in file order,
   * without duplicates.
   */
  public List<String> refresh(boolean force) {
    errors.clear();
    LinkedHashSet<Path> current = new LinkedHashSet<>();
    for (String pattern : patterns) {
      try {
        current.addAll(expand(pattern));
      } catch (IOException e) {
        errors.put(pattern, "list files for file SD pattern " + pattern + ": " + e);
      }
    }
    files.keySet().retainAll(current);
    for (Path f : current) {
      BasicFileAttributes attrs;
      try {
        attrs = Files.readAttributes(f, BasicFileAttributes.class);
      } catch (NoSuchFileException e) {
        files.remove(f);
        continue;
      } catch (IOException e) {
        errors.put(f.toString(), "stat file SD file " + f + ": " + e);
        continue;
      }
      FileState old = files.get(f);
      long mtime = attrs.lastModifiedTime().toMillis();
      if (!force && old != null && old.modified() == mtime && old.size() == attrs.size()) {
        continue;
      }
      try {
        files.put(f, new FileState(mtime, attrs.size(), read(f)));
      } catch (ConfigException e) {
        errors.put(f.toString(), e.getMessage());
      }
    }
    LinkedHashSet<String> out = new LinkedHashSet<>();
    for (FileState s : files.values()) {
      out.addAll(s.targets());
    }
    return List.copyOf(out);
  }

  /** Errors of the last refresh, by file or pattern. */
  public Map<String, String> errors() {
    return Map.copyOf(errors);
  }

  private static List<Path> expand(String pattern) throws IOException {
    Path p = Path.of(pattern);
    Path name = p.getFileName();
    if (name == null) {
      return List.of();
    }
    String n = name.toString();
    if (n.indexOf('*') < 0 && n.indexOf('?') < 0 && n.indexOf('[') < 0 && n.indexOf('{') < 0) {
      return Files.isRegularFile(p) ? List.of(p) : List.of();
    }
    Path dir = p.getParent() == null ? Path.of(".") : p.getParent();
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + n);
    List<Path> out = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path f : ds) {
        if (f.getFileName() != null && m.matches(f.getFileName()) && Files.isRegularFile(f)) {
          out.add(f);
        }
      }
    }
    out.sort(null);
    return out;
  }

  /** Parses one file SD file into its targets. */
  static List<String> read(Path file) throws ConfigException {
    String what = "file SD file " + file;
    JsonNode root;
    try {
      byte[] content = Files.readAllBytes(file);
      root = extension(file.getFileName().toString()).equals("json") ? JSON.readTree(content) : YAML.readTree(content);
    } catch (JsonProcessingException e) {
      throw new ConfigException("parse " + what + ": " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new ConfigException("read " + what + ": " + e, e);
    }
    if (root == null || root.isNull() || root.isMissingNode()) {
      return List.of();
    }
    if (!root.isArray()) {
      throw new ConfigException("parse " + what + ": expected a list of target groups");
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < root.size(); i++) {
      JsonNode g = root.get(i);
      if (!g.isObject()) {
        throw new ConfigException("parse " + what + ": group " + i + " must be a mapping with targets and labels");
      }
      for (Iterator<String> it = g.fieldNames(); it.hasNext(); ) {
        String k = it.next();
        if (!k.equals("targets") && !k.equals("labels")) {
          throw new ConfigException("parse " + what + ": group " + i + " has unknown key " + k + " (allowed: labels, targets)");
        }
      }
      JsonNode labels = g.get("labels");
      if (labels != null && !labels.isNull() && !labels.isObject()) {
        throw new ConfigException("parse " + what + ": group " + i + " labels must be a mapping");
      }
      JsonNode targets = g.get("targets");
      if (targets == null || targets.isNull()) {
        continue;
      }
      if (!targets.isArray()) {
        throw new ConfigException("parse " + what + ": group " + i + " targets must be a list");
      }
      for (JsonNode t : targets) {
        if (!t.isTextual() || t.asText().isBlank()) {
          throw new ConfigException("parse " + what + ": group " + i + " has a target that is not a non-empty string: " + t);
        }
        out.add(t.asText().strip());
      }
    }
    return out;
  }

  private static String extension(String name) {
    int dot = name.lastIndexOf('.');
    return dot < 0 ? "" : name.substring(dot + 1);
  }

  @Override
  public String toString() {
    return "FileSd" + Objects.toString(patterns);
  }
}
