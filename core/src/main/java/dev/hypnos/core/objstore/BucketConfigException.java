package dev.hypnos.core.objstore;

import java.io.IOException;

/**
 * The objstore configuration is unreadable or invalid. The message is written for the person who
 * edits the file: it names the file and the offending key or position, and says what is expected.
 */
public class BucketConfigException extends IOException {
  private static final long serialVersionUID = 1L;

  public BucketConfigException(String message) {
    super(message);
  }

  public BucketConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
