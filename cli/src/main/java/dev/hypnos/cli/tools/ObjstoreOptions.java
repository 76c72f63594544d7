package dev.hypnos.cli.tools;

import dev.hypnos.core.objstore.Bucket;
import dev.hypnos.core.objstore.Buckets;
import java.io.IOException;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/** The Thanos objstore flags: {@code --objstore.config-file=F} or {@code --objstore.config=YAML}. */
public final class ObjstoreOptions {
  @ArgGroup(exclusive = true, multiplicity = "1")
  Source source;

  static final class Source {
    @Option(
        names = "--objstore.config-file",
        paramLabel = "FILE",
        description = "Path to a YAML file with the object store configuration (Thanos format).")
    @Nullable Path file;

    @Option(
        names = "--objstore.config",
        paramLabel = "YAML",
        description = "Alternative to --objstore.config-file: the YAML itself.")
    @Nullable String content;
  }

  /** Opens the configured bucket; the caller closes it. */
  public Bucket open() throws IOException {
    if (source.file != null) {
      return Buckets.open(source.file);
    }
    if (source.content != null) {
      return Buckets.open(source.content, "--objstore.config");
    }
    throw new IllegalStateException("picocli requires one objstore option");
  }
}
