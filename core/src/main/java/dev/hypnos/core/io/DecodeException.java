package dev.hypnos.core.io;

/**
 * Data could not be decoded: it ends early or holds an impossible value. Carries the absolute
 * offset (in the input the buffer came from) where decoding stopped, so callers can report
 * corruption precisely. Unchecked so inner decoding loops stay plain; readers catch it at their
 * boundary and rethrow a checked, contextual exception.
 */
public final class DecodeException extends RuntimeException {
  private final long offset;

  public DecodeException(String message, long offset) {
    super(message);
    this.offset = offset;
  }

  /** Absolute offset where decoding stopped. */
  public long offset() {
    return offset;
  }
}
