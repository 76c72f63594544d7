package dev.hypnos.storeapi;

import com.google.protobuf.Any;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Label values, sorted in Go byte order and distinct, with warnings and optional store hints.
 */
public record LabelValuesResponse(List<String> values, List<String> warnings, @Nullable Any hints) {
  public LabelValuesResponse {
    values = List.copyOf(values);
    warnings = List.copyOf(warnings);
  }

  public static LabelValuesResponse of(List<String> values) {
    return new LabelValuesResponse(values, List.of(), null);
  }
}
