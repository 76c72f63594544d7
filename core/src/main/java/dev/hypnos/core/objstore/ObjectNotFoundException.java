package dev.hypnos.core.objstore;

import java.io.FileNotFoundException;

/** The object does not exist in the bucket. */
public class ObjectNotFoundException extends FileNotFoundException {
  private static final long serialVersionUID = 1L;

  public ObjectNotFoundException(String bucket, String key) {
    super("object " + key + " not found in bucket " + bucket);
  }
}
