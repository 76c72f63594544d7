package dev.hypnos.core.labels;

import java.util.Objects;

/** One label: a name and a value. */
public record Label(String name, String value) {
  public Label {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(value, "value");
  }
}
