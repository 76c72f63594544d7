package dev.hypnos.core.objstore;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/** Opens buckets from Thanos objstore configuration. */
public final class Buckets {
  /** The types named to users in messages (MEMORY exists for tests and is not advertised). */
  static final List<String> LISTED_TYPES = List.of("S3", "FILESYSTEM");

  private Buckets() {}

  /** Opens the bucket described by the objstore YAML file {@code configFile}. */
  public static Bucket open(Path configFile) throws IOException {
    return open(BucketConfig.parse(configFile));
  }

  /**
   * Opens the bucket described by objstore YAML.
   *
   * @param sourceName names the YAML's origin in messages
   */
  public static Bucket open(String yaml, String sourceName) throws IOException {
    return open(BucketConfig.parse(yaml, sourceName));
  }

  /** Opens the bucket for a parsed configuration, applying its prefix. */
  public static Bucket open(BucketConfig config) throws IOException {
    BucketFactory factory = factory(config);
    Bucket bucket = factory.create(config);
    return PrefixedBucket.wrap(bucket, config.prefix());
  }

  private static BucketFactory factory(BucketConfig config) throws BucketConfigException {
    List<BucketFactory> factories = new ArrayList<>();
    ServiceLoader.load(BucketFactory.class, Buckets.class.getClassLoader()).forEach(factories::add);
    ClassLoader context = Thread.currentThread().getContextClassLoader();
    if (context != null && context != Buckets.class.getClassLoader()) {
      ServiceLoader.load(BucketFactory.class, context).forEach(factories::add);
    }
    for (BucketFactory factory : factories) {
      if (factory.type().equals(config.type())) {
        return factory;
      }
    }
    if (LISTED_TYPES.contains(config.type())) {
      throw new BucketConfigException(
          "objstore config "
              + config.source()
              + ": type "
              + config.type()
              + " needs the hypnos-objstore-"
              + config.type().toLowerCase(java.util.Locale.ROOT)
              + " module, which is not on the class path");
    }
    throw new BucketConfigException(
        "objstore config "
            + config.source()
            + ": objstore type "
            + config.type()
            + " is not supported by Hypnos (supported: "
            + String.join(", ", LISTED_TYPES)
            + ")");
  }
}
