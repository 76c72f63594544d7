package dev.hypnos.core.objstore;

import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;

/** {@code type: FILESYSTEM} with {@code config: {directory: /path}}. */
public final class FilesystemBucketFactory implements BucketFactory {
  @Override
  public String type() {
    return "FILESYSTEM";
  }

  @Override
  public Bucket create(BucketConfig config) throws IOException {
    ConfigSection section = config.configSection();
    section.allowOnly(List.of("directory"));
    String directory = section.string("directory", "").trim();
    if (directory.isEmpty()) {
      throw section.error("directory", "missing: the FILESYSTEM bucket needs a directory");
    }
    Path path;
    try {
      path = Path.of(directory);
    } catch (InvalidPathException e) {
      throw section.error("directory", "invalid path \"" + directory + "\": " + e.getMessage());
    }
    return new FilesystemBucket(path);
  }
}
