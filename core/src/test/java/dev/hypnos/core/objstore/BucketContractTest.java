package dev.hypnos.core.objstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The behaviour every {@link Bucket} must have (see its javadoc). A subclass supplies a fresh,
 * empty bucket per test; the same tests run for the in-memory, filesystem and S3 buckets.
 */
public abstract class BucketContractTest {
  /** Larger than the part size the S3 test configures (5 MiB), to exercise multipart uploads. */
  protected static final int LARGE_OBJECT_SIZE = 12 * 1024 * 1024;

  protected Bucket bucket;

  @TempDir protected Path tempDir;

  /** A new, empty bucket. */
  protected abstract Bucket newBucket() throws Exception;

  /** Called after each test, after the bucket is closed. */
  protected void cleanup() throws Exception {}

  @BeforeEach
  void openBucket() throws Exception {
    bucket = newBucket();
  }

  @AfterEach
  void closeBucket() throws Exception {
    try {
      bucket.close();
    } finally {
      cleanup();
    }
  }

  protected void put(String key, String content) throws IOException {
    put(key, content.getBytes(StandardCharsets.UTF_8));
  }

  protected void put(String key, byte[] content) throws IOException {
    bucket.upload(key, new ByteArrayInputStream(content), content.length);
  }

  protected static byte[] readAll(InputStream in) throws IOException {
    try (in) {
      return in.readAllBytes();
    }
  }

  protected static String readString(InputStream in) throws IOException {
    return new String(readAll(in), StandardCharsets.UTF_8);
  }

  protected List<String> iter(String dir) throws IOException {
    List<String> keys = new ArrayList<>();
    bucket.iter(dir, keys::add);
    return keys;
  }

  protected List<String> iterRecursive(String dir) throws IOException {
    List<String> keys = new ArrayList<>();
    bucket.iterRecursive(dir, keys::add);
    return keys;
  }

  protected static byte[] randomBytes(int size, long seed) {
    byte[] data = new byte[size];
    new Random(seed).nextBytes(data);
    return data;
  }

  // ---- get / getRange

  @Test
  void getReturnsWholeObject() throws IOException {
    put("dir/object", "hello world");
    assertThat(readString(bucket.get("dir/object"))).isEqualTo("hello world");
  }

  @Test
  void missingObjectIsNotFoundEverywhere() throws IOException {
    put("other", "x");
    assertThatThrownBy(() -> bucket.get("missing")).isInstanceOf(ObjectNotFoundException.class);
    assertThatThrownBy(() -> bucket.getRange("missing", 0, 10))
        .isInstanceOf(ObjectNotFoundException.class);
    assertThatThrownBy(() -> bucket.getRange("missing", 0, 0))
        .isInstanceOf(ObjectNotFoundException.class);
    assertThatThrownBy(() -> bucket.attributes("missing"))
        .isInstanceOf(ObjectNotFoundException.class);
    assertThatThrownBy(() -> bucket.delete("missing")).isInstanceOf(ObjectNotFoundException.class);
    assertThat(bucket.exists("missing")).isFalse();
  }

  @Test
  void notFoundMessageNamesBucketAndKey() {
    assertThatThrownBy(() -> bucket.get("some/missing-key"))
        .isInstanceOf(ObjectNotFoundException.class)
        .hasMessageContaining("some/missing-key")
        .hasMessageContaining(bucket.name());
  }

  @Test
  void getRangeInsideObject() throws IOException {
    put("o", "0123456789");
    assertThat(readString(bucket.getRange("o", 2, 3))).isEqualTo("234");
    assertThat(readString(bucket.getRange("o", 0, 10))).isEqualTo("0123456789");
    assertThat(readString(bucket.getRange("o", 9, 1))).isEqualTo("9");
  }

  @Test
  void getRangePastTheEndIsShortRead() throws IOException {
    put("o", "0123456789");
    assertThat(readString(bucket.getRange("o", 7, 100))).isEqualTo("789");
    assertThat(readString(bucket.getRange("o", 0, Long.MAX_VALUE))).isEqualTo("0123456789");
  }

  @Test
  void getRangeAtOrPastTheEndIsEmpty() throws IOException {
    put("o", "0123456789");
    assertThat(readAll(bucket.getRange("o", 10, 5))).isEmpty();
    assertThat(readAll(bucket.getRange("o", 11, 5))).isEmpty();
    assertThat(readAll(bucket.getRange("o", 1000, 1))).isEmpty();
  }

  @Test
  void getRangeOfZeroLengthIsEmpty() throws IOException {
    put("o", "0123456789");
    assertThat(readAll(bucket.getRange("o", 3, 0))).isEmpty();
    assertThat(readAll(bucket.getRange("o", 0, 0))).isEmpty();
  }

  @Test
  void getRangeRejectsNegativeValues() throws IOException {
    put("o", "0123456789");
    assertThatThrownBy(() -> bucket.getRange("o", -1, 3)).isInstanceOf(IOException.class);
    assertThatThrownBy(() -> bucket.getRange("o", 0, -3)).isInstanceOf(IOException.class);
  }

  @Test
  void emptyObject() throws IOException {
    put("empty", new byte[0]);
    assertThat(bucket.exists("empty")).isTrue();
    assertThat(readAll(bucket.get("empty"))).isEmpty();
    assertThat(readAll(bucket.getRange("empty", 0, 10))).isEmpty();
    assertThat(bucket.attributes("empty").size()).isZero();
    assertThat(iter("")).containsExactly("empty");
  }

  // ---- iter

  @Test
  void iterRootListsObjectsAndDirectories() throws IOException {
    put("a", "1");
    put("b/c", "2");
    put("b/d/e", "3");
    put("f/g", "4");
    assertThat(iter("")).containsExactly("a", "b/", "f/");
  }

  @Test
  void iterNestedDirectoryWithOrWithoutTrailingSlash() throws IOException {
    put("b/c", "2");
    put("b/d/e", "3");
    put("b/d/f", "3");
    put("bb/x", "4");
    assertThat(iter("b")).containsExactly("b/c", "b/d/");
    assertThat(iter("b/")).containsExactly("b/c", "b/d/");
    assertThat(iter("b/d")).containsExactly("b/d/e", "b/d/f");
  }

  @Test
  void iterMissingPrefixIsEmpty() throws IOException {
    assertThat(iter("")).isEmpty();
    put("a/b", "1");
    assertThat(iter("nothing")).isEmpty();
    assertThat(iter("nothing/")).isEmpty();
    assertThat(iter("a/b")).as("an object is not a directory").isEmpty();
    assertThat(iterRecursive("nothing")).isEmpty();
  }

  @Test
  void iterIsInByteOrder() throws IOException {
    // Byte order: "B" < "a-b" < "a/" < "a0" < "z" < "é" (UTF-8 0xC3 0xA9) < "😀" (0xF0 ...)
    List<String> keys = List.of("z", "a0", "\uD83D\uDE00", "B", "a/x", "é", "a-b");
    for (String key : keys) {
      put(key, key);
    }
    assertThat(iter("")).containsExactly("B", "a-b", "a/", "a0", "z", "é", "\uD83D\uDE00");
  }

  @Test
  void iterRecursiveListsAllObjectsInOrder() throws IOException {
    put("x/a", "1");
    put("x/b/c", "2");
    put("x/b/d/e", "3");
    put("x/b-c", "4");
    put("x0", "5");
    put("y", "6");
    assertThat(iterRecursive("x"))
        .containsExactly("x/a", "x/b-c", "x/b/c", "x/b/d/e");
    assertThat(iterRecursive("x/b/")).containsExactly("x/b/c", "x/b/d/e");
    assertThat(iterRecursive(""))
        .containsExactly("x/a", "x/b-c", "x/b/c", "x/b/d/e", "x0", "y");
  }

  // ---- exists / attributes

  @Test
  void existsIsTrueOnlyForObjects() throws IOException {
    put("dir/object", "x");
    assertThat(bucket.exists("dir/object")).isTrue();
    assertThat(bucket.exists("dir")).as("a directory is no object").isFalse();
    assertThat(bucket.exists("dir/obj")).isFalse();
  }

  @Test
  void attributesGiveSizeAndLastModified() throws IOException {
    Instant before = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(Duration.ofSeconds(2));
    put("dir/object", randomBytes(1234, 1));
    Instant after = Instant.now().plus(Duration.ofSeconds(2));
    ObjectAttributes attributes = bucket.attributes("dir/object");
    assertThat(attributes.size()).isEqualTo(1234);
    assertThat(attributes.lastModified()).isBetween(before, after);
  }

  // ---- upload

  @Test
  void uploadReplacesExistingObject() throws IOException {
    put("o", "a longer first version");
    put("o", "second");
    assertThat(readString(bucket.get("o"))).isEqualTo("second");
    assertThat(bucket.attributes("o").size()).isEqualTo(6);
    assertThat(iter("")).containsExactly("o");
  }

  @Test
  void uploadLargeObject() throws IOException {
    byte[] data = randomBytes(LARGE_OBJECT_SIZE, 42);
    put("large/object", data);
    assertThat(bucket.attributes("large/object").size()).isEqualTo(LARGE_OBJECT_SIZE);
    assertThat(Arrays.equals(readAll(bucket.get("large/object")), data)).isTrue();
    int from = 5 * 1024 * 1024 - 10;
    assertThat(readAll(bucket.getRange("large/object", from, 20)))
        .isEqualTo(Arrays.copyOfRange(data, from, from + 20));
  }

  @Test
  void uploadFile() throws IOException {
    Path file = tempDir.resolve("local-file");
    byte[] data = randomBytes(100_000, 7);
    Files.write(file, data);
    bucket.upload("from/file", file);
    assertThat(Arrays.equals(readAll(bucket.get("from/file")), data)).isTrue();
  }

  @Test
  void uploadOfShortStreamFailsAndLeavesNoObject() throws IOException {
    byte[] data = "only ten b".getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> bucket.upload("short", new ByteArrayInputStream(data), 20))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("short");
    assertThat(bucket.exists("short")).isFalse();
    assertThat(iter("")).isEmpty();
  }

  @Test
  void uploadRejectsDirectoryLikeKeys() {
    assertThatThrownBy(() -> put("dir/", "x")).isInstanceOf(IOException.class).hasMessageContaining("ends with /");
    assertThatThrownBy(() -> put("", "x")).isInstanceOf(IOException.class);
  }

  @Test
  void failedUploadKeepsTheExistingObject() throws IOException {
    put("keep", "old content");
    assertThatThrownBy(() -> bucket.upload("keep", new ByteArrayInputStream(new byte[2]), 5))
        .isInstanceOf(IOException.class);
    assertThat(readString(bucket.get("keep"))).isEqualTo("old content");
  }

  @Test
  void keysWithSpacesAndUnicode() throws IOException {
    List<String> keys =
        List.of(
            "dir with space/ob ject+plus%20.txt",
            "ünïcödé/日本語.bin",
            "special/a=b&c;d,e@f(g)!'$*~",
            "emoji/\uD83D\uDE00");
    for (String key : keys) {
      put(key, "content of " + key);
    }
    for (String key : keys) {
      assertThat(readString(bucket.get(key))).isEqualTo("content of " + key);
      assertThat(bucket.exists(key)).isTrue();
    }
    assertThat(iter("")).containsExactly("dir with space/", "emoji/", "special/", "ünïcödé/");
    assertThat(iter("dir with space")).containsExactly("dir with space/ob ject+plus%20.txt");
    assertThat(iterRecursive("")).containsExactlyInAnyOrderElementsOf(keys);
    bucket.delete("ünïcödé/日本語.bin");
    assertThat(bucket.exists("ünïcödé/日本語.bin")).isFalse();
  }

  @Test
  void concurrentUploadsFromSeveralThreads() throws Exception {
    int threads = 4;
    int perThread = 8;
    ExecutorService executor = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        futures.add(
            executor.submit(
                () -> {
                  for (int i = 0; i < perThread; i++) {
                    put("concurrent/t" + thread + "/o" + i, randomBytes(10_000 + i, thread * 100L + i));
                    put("concurrent/shared", randomBytes(5_000, thread));
                  }
                  return null;
                }));
      }
      for (Future<?> future : futures) {
        future.get();
      }
    } finally {
      executor.shutdownNow();
    }
    for (int t = 0; t < threads; t++) {
      for (int i = 0; i < perThread; i++) {
        assertThat(readAll(bucket.get("concurrent/t" + t + "/o" + i)))
            .isEqualTo(randomBytes(10_000 + i, t * 100L + i));
      }
    }
    byte[] shared = readAll(bucket.get("concurrent/shared"));
    List<byte[]> candidates = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      candidates.add(randomBytes(5_000, t));
    }
    assertThat(candidates).anySatisfy(c -> assertThat(c).isEqualTo(shared));
    assertThat(iterRecursive("concurrent")).hasSize(threads * perThread + 1);
  }

  // ---- delete

  @Test
  void deleteRemovesObjectAndEmptyDirectories() throws IOException {
    put("a/b/c", "1");
    put("a/x", "2");
    bucket.delete("a/b/c");
    assertThat(bucket.exists("a/b/c")).isFalse();
    assertThatThrownBy(() -> bucket.get("a/b/c")).isInstanceOf(ObjectNotFoundException.class);
    assertThat(iter("a")).containsExactly("a/x");
    bucket.delete("a/x");
    assertThat(iter("")).isEmpty();
  }

  @Test
  void deleteMissingObjectIsNotFound() throws IOException {
    put("a/b", "1");
    assertThatThrownBy(() -> bucket.delete("a/c")).isInstanceOf(ObjectNotFoundException.class);
    assertThatThrownBy(() -> bucket.delete("a")).isInstanceOf(ObjectNotFoundException.class);
    bucket.delete("a/b");
    assertThatThrownBy(() -> bucket.delete("a/b")).isInstanceOf(ObjectNotFoundException.class);
  }

  @Test
  void uploadAfterDeleteInSameDirectory() throws IOException {
    put("d/one", "1");
    bucket.delete("d/one");
    put("d/two", "2");
    assertThat(iter("d")).containsExactly("d/two");
  }
}
