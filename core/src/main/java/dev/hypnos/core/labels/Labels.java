package dev.hypnos.core.labels;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;

/**
 * An immutable label set, sorted by name in Go byte order (unsigned UTF-8 bytes), names unique.
 *
 * <p>Ordering between label sets ({@link #compareTo}) is Prometheus's {@code labels.Compare}:
 * pairwise name then value, and on a common prefix the shorter set sorts first.
 *
 * <p>Concurrency: immutable, safe to share.
 */
public final class Labels implements Comparable<Labels>, Iterable<Label> {
  public static final Labels EMPTY = new Labels(new String[0]);

  /** Alternating name, value; names strictly increasing in Go byte order. */
  private final String[] kv;
  private int hash; // cached, 0 = not computed

  private Labels(String[] kv) {
    this.kv = kv;
  }

  /** Builds from alternating name/value strings, in any order. Duplicate names are rejected. */
  public static Labels of(String... nameValues) {
    if (nameValues.length % 2 != 0) {
      throw new IllegalArgumentException("labels need name/value pairs, got " + nameValues.length + " strings");
    }
    Label[] ls = new Label[nameValues.length / 2];
    for (int i = 0; i < ls.length; i++) {
      ls[i] = new Label(nameValues[2 * i], nameValues[2 * i + 1]);
    }
    return fromUnsorted(Arrays.asList(ls));
  }

  /** Builds from a map, in any order. */
  public static Labels fromMap(Map<String, String> map) {
    List<Label> ls = new ArrayList<>(map.size());
    map.forEach((k, v) -> ls.add(new Label(k, v)));
    return fromUnsorted(ls);
  }

  /** Builds from labels in any order. Duplicate names are rejected. */
  public static Labels fromUnsorted(List<Label> labels) {
    Label[] arr = labels.toArray(new Label[0]);
    Arrays.sort(arr, (a, b) -> compareStrings(a.name(), b.name()));
    String[] kv = new String[arr.length * 2];
    for (int i = 0; i < arr.length; i++) {
      if (i > 0 && arr[i].name().equals(arr[i - 1].name())) {
        throw new IllegalArgumentException("duplicate label name " + arr[i].name());
      }
      kv[2 * i] = arr[i].name();
      kv[2 * i + 1] = arr[i].value();
    }
    return new Labels(kv);
  }

  /**
   * Wraps alternating name/value strings that the caller guarantees are already sorted by name
   * with unique names (for example as read from a TSDB index). The array is not copied.
   */
  public static Labels fromSortedUnsafe(String[] nameValues) {
    return new Labels(nameValues);
  }

  public int size() {
    return kv.length / 2;
  }

  public boolean isEmpty() {
    return kv.length == 0;
  }

  public String name(int i) {
    return kv[2 * i];
  }

  public String value(int i) {
    return kv[2 * i + 1];
  }

  /** The value for {@code name}, or null when absent. */
  public @Nullable String get(String name) {
    for (int i = 0; i < kv.length; i += 2) {
      if (kv[i].equals(name)) {
        return kv[i + 1];
      }
    }
    return null;
  }

  /** The value for {@code name}, or "" when absent (Prometheus's convention). */
  public String getOrEmpty(String name) {
    String v = get(name);
    return v == null ? "" : v;
  }

  public void forEach(BiConsumer<String, String> consumer) {
    for (int i = 0; i < kv.length; i += 2) {
      consumer.accept(kv[i], kv[i + 1]);
    }
  }

  public Map<String, String> toMap() {
    Map<String, String> m = new LinkedHashMap<>();
    forEach(m::put);
    return m;
  }

  public List<Label> toList() {
    List<Label> l = new ArrayList<>(size());
    forEach((n, v) -> l.add(new Label(n, v)));
    return l;
  }

  @Override
  public Iterator<Label> iterator() {
    return new Iterator<>() {
      int i;

      @Override
      public boolean hasNext() {
        return i < kv.length;
      }

      @Override
      public Label next() {
        if (i >= kv.length) {
          throw new NoSuchElementException();
        }
        Label l = new Label(kv[i], kv[i + 1]);
        i += 2;
        return l;
      }
    };
  }

  /** Prometheus {@code labels.Compare}. */
  @Override
  public int compareTo(Labels o) {
    if (kv == o.kv) {
      return 0;
    }
    int n = Math.min(kv.length, o.kv.length);
    for (int i = 0; i < n; i += 2) {
      int c = compareStrings(kv[i], o.kv[i]);
      if (c != 0) {
        return c;
      }
      c = compareStrings(kv[i + 1], o.kv[i + 1]);
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(kv.length, o.kv.length);
  }

  /**
   * Compares two strings as Go does: by their UTF-8 bytes, unsigned. This differs from {@link
   * String#compareTo} only when a supplementary character (a surrogate pair) meets a character in
   * U+E000..U+FFFF, so the fast path compares chars and falls back to code points there.
   */
  public static int compareStrings(String a, String b) {
    // Equal strings (names, and values shared by the series compared) are the common case when
    // merging series of several blocks: the vectorised equals settles them without a char loop.
    if (a == b || a.equals(b)) {
      return 0;
    }
    int n = Math.min(a.length(), b.length());
    for (int i = 0; i < n; i++) {
      char ca = a.charAt(i);
      char cb = b.charAt(i);
      if (ca != cb) {
        if (Character.isSurrogate(ca) || Character.isSurrogate(cb)) {
          // UTF-8 byte order equals code point order.
          return Integer.compare(a.codePointAt(i), b.codePointAt(i));
        }
        return Character.compare(ca, cb);
      }
    }
    return Integer.compare(a.length(), b.length());
  }

  /** The Go byte order of two UTF-8 strings given as bytes. */
  public static int compareBytes(byte[] a, byte[] b) {
    return Arrays.compareUnsigned(a, b);
  }

  @Override
  public boolean equals(Object o) {
    return this == o || (o instanceof Labels other && Arrays.equals(kv, other.kv));
  }

  @Override
  public int hashCode() {
    int h = hash;
    if (h == 0) {
      h = Arrays.hashCode(kv);
      hash = h == 0 ? 1 : h;
    }
    return h;
  }

  /**
   * Prometheus's text form: {@code {a="1", b="2"}} with Go-style quoting of values; names that
   * are not legacy identifiers are quoted too, as Prometheus 3 does ({@code {"a.b"="1"}}).
   */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(16 * size()).append('{');
    for (int i = 0; i < kv.length; i += 2) {
      if (i > 0) {
        sb.append(", ");
      }
      if (isLegacyName(kv[i])) {
        sb.append(kv[i]);
      } else {
        quoteGo(sb, kv[i]);
      }
      sb.append('=');
      quoteGo(sb, kv[i + 1]);
    }
    return sb.append('}').toString();
  }

  /** Appends {@code s} quoted as Go's {@code strconv.Quote} does for printable text. */
  public static void quoteGo(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      i += Character.charCount(cp);
      switch (cp) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        case 0x07 -> sb.append("\\a");
        case 0x08 -> sb.append("\\b");
        case 0x0c -> sb.append("\\f");
        case 0x0b -> sb.append("\\v");
        default -> {
          if (cp < 0x20 || cp == 0x7f) {
            sb.append(String.format("\\x%02x", cp));
          } else if (!isGoPrintable(cp)) {
            if (cp < 0x10000) {
              sb.append(String.format("\\u%04x", cp));
            } else {
              sb.append(String.format("\\U%08x", cp));
            }
          } else {
            sb.appendCodePoint(cp);
          }
        }
      }
    }
    sb.append('"');
  }

  /** Whether {@code name} matches {@code [a-zA-Z_][a-zA-Z0-9_]*}, the pre-UTF-8 label name syntax. */
  public static boolean isLegacyName(String name) {
    if (name.isEmpty()) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean ok = c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i > 0 && c >= '0' && c <= '9');
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private static boolean isGoPrintable(int cp) {
    if (cp < 0x80) {
      return cp >= 0x20 && cp != 0x7f;
    }
    int type = Character.getType(cp);
    return switch (type) {
      case Character.UNASSIGNED, Character.CONTROL, Character.FORMAT, Character.PRIVATE_USE,
          Character.SURROGATE, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR -> false;
      case Character.SPACE_SEPARATOR -> cp == 0x20;
      default -> true;
    };
  }

  /** Total UTF-8 size of names and values, for memory accounting. */
  public long utf8Size() {
    long n = 0;
    for (String s : kv) {
      n += utf8Length(s);
    }
    return n;
  }

  /** UTF-8 length of {@code s} without encoding it (an unpaired surrogate counts as '?', as the encoder writes it). */
  private static int utf8Length(String s) {
    int len = s.length();
    int n = len;
    for (int i = 0; i < len; i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        continue;
      }
      if (c < 0x800) {
        n += 1;
      } else if (Character.isHighSurrogate(c) && i + 1 < len && Character.isLowSurrogate(s.charAt(i + 1))) {
        n += 2; // a pair: 4 bytes for 2 chars
        i++;
      } else if (Character.isSurrogate(c)) {
        // unpaired: replaced by one byte
      } else {
        n += 2;
      }
    }
    return n;
  }

  /** A copy without the given label names. */
  public Labels without(String... names) {
    List<String> out = new ArrayList<>(kv.length);
    outer:
    for (int i = 0; i < kv.length; i += 2) {
      for (String n : names) {
        if (kv[i].equals(n)) {
          continue outer;
        }
      }
      out.add(kv[i]);
      out.add(kv[i + 1]);
    }
    return out.size() == kv.length ? this : new Labels(out.toArray(new String[0]));
  }
}
