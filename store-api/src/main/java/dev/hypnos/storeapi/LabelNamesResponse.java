package dev.hypnos.storeapi;

import com.google.protobuf.Any;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Label names, sorted in Go byte order and distinct, with warnings and optional store hints.
 */
public record LabelNamesResponse(List<String> names, List<String> warnings, @Nullable Any hints) {
  public LabelNamesResponse {
    names = List.copyOf(names);
    warnings = List.copyOf(warnings);
  }

  public static LabelNamesResponse of(List<String> names) {
    return new LabelNamesResponse(names, List.of(), null);
  }
}
