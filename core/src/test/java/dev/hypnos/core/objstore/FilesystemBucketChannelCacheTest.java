package dev.hypnos.core.objstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The open-channel cache of {@link FilesystemBucket} range reads of immutable block files. */
class FilesystemBucketChannelCacheTest {
  private static final String ULID = "01HZX3M4N5P6Q7R8S9T0VWXYZA";
  private static final String ULID2 = "01HZX3M4N5P6Q7R8S9T0VWXYZB";
  private static final String INDEX = ULID + "/index";
  private static final String CHUNKS = ULID + "/chunks/000001";

  @TempDir Path tempDir;
  private Path root;
  private FilesystemBucket bucket;

  @BeforeEach
  void open() throws IOException {
    root = tempDir.resolve("root");
    bucket = new FilesystemBucket(root);
  }

  @AfterEach
  void close() {
    bucket.close();
  }

  private void put(FilesystemBucket b, String key, byte[] content) throws IOException {
    b.upload(key, new ByteArrayInputStream(content), content.length);
  }

  private static byte[] random(int size, long seed) {
    byte[] data = new byte[size];
    new Random(seed).nextBytes(data);
    return data;
  }

  private static byte[] read(Bucket b, String key, long offset, long length) throws IOException {
    try (InputStream in = b.getRange(key, offset, length)) {
      return in.readAllBytes();
    }
  }

  private static byte[] expected(byte[] file, long offset, long length) {
    if (offset >= file.length) {
      return new byte[0];
    }
    return Arrays.copyOfRange(file, (int) offset, (int) Math.min(file.length, offset + Math.min(length, file.length)));
  }

  /** Open descriptors of this process that point below the test's temporary directory. */
  private long openFilesUnderTempDir() throws IOException {
    Path real = tempDir.toRealPath();
    long n = 0;
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      for (Path fd : fds.toList()) {
        try {
          if (Files.readSymbolicLink(fd).startsWith(real)) {
            n++;
          }
        } catch (IOException e) {
          // the descriptor of the listing itself, or one closed meanwhile
        }
      }
    }
    return n;
  }

  @Test
  void onlyBlockIndexAndChunkFilesAreImmutable() {
    for (String key : new String[] {INDEX, CHUNKS, ULID + "/chunks/1", "tenant/a/" + INDEX, "p/" + CHUNKS}) {
      assertThat(FilesystemBucket.immutable(key)).as(key).isTrue();
    }
    for (String key :
        new String[] {
          ULID + "/meta.json",
          ULID + "/deletion-mark.json",
          ULID + "/no-compact-mark.json",
          ULID + "/chunks/",
          ULID + "/chunks/00000a",
          ULID + "/chunkz/000001",
          ULID + "/index/x",
          ULID + "/indexx",
          "X" + INDEX,
          ULID.toLowerCase() + "/index",
          "01HZX3M4N5P6Q7R8S9T0VWXYZI/index",
          ULID.substring(1) + "/index",
          "index",
          "/index",
          "chunks/000001",
          "debug/metas/" + ULID + ".json",
        }) {
      assertThat(FilesystemBucket.immutable(key)).as(key).isFalse();
    }
  }

  @Test
  void randomRangesOfACachedKeyMatchTheFile() throws IOException {
    byte[] file = random(300_000, 1);
    put(bucket, CHUNKS, file);
    Random random = new Random(2);
    for (int i = 0; i < 3000; i++) {
      long offset = switch (i % 10) {
        case 0 -> file.length + random.nextInt(100); // at or past the end
        case 1 -> 0;
        default -> random.nextInt(file.length);
      };
      long length = switch (i % 7) {
        case 0 -> 0;
        case 1 -> Long.MAX_VALUE;
        case 2 -> random.nextInt(200_000);
        default -> random.nextInt(600);
      };
      assertThat(read(bucket, CHUNKS, offset, length)).as("offset %d length %d", offset, length)
          .isEqualTo(expected(file, offset, length));
    }
    assertThat(bucket.cachedKeys()).containsExactly(CHUNKS);
    assertThat(bucket.openChannelCount()).isEqualTo(1);
    assertThat(readAllOf(bucket.get(CHUNKS))).isEqualTo(file);
  }

  private static byte[] readAllOf(InputStream in) throws IOException {
    try (in) {
      return in.readAllBytes();
    }
  }

  @Test
  void streamReadsBytesSkipsAndSmallArrays() throws IOException {
    byte[] file = random(10_000, 3);
    put(bucket, INDEX, file);
    try (InputStream in = bucket.getRange(INDEX, 100, 5000)) {
      assertThat(in.read()).isEqualTo(file[100] & 0xFF);
      assertThat(in.skip(99)).isEqualTo(99);
      byte[] small = new byte[7];
      assertThat(in.read(small, 2, 5)).isEqualTo(5);
      assertThat(Arrays.copyOfRange(small, 2, 7)).isEqualTo(Arrays.copyOfRange(file, 200, 205));
      assertThat(in.read(small, 0, 0)).isZero();
      assertThat(in.available()).isEqualTo(5000 - 105);
      assertThat(in.skip(1_000_000)).isEqualTo(5000 - 105);
      assertThat(in.read()).isEqualTo(-1);
      assertThat(in.read(small, 0, 7)).isEqualTo(-1);
    }
    InputStream closed = bucket.getRange(INDEX, 0, 10);
    closed.close();
    closed.close(); // a second close releases nothing more
    assertThatThrownBy(() -> closed.read()).isInstanceOf(IOException.class).hasMessageContaining(INDEX);
    assertThat(bucket.openChannelCount()).isEqualTo(1);
  }

  @Test
  void concurrentReadersGetTheirOwnBytes() throws Exception {
    String[] keys = {INDEX, CHUNKS, ULID + "/chunks/000002"};
    byte[][] files = new byte[keys.length][];
    for (int k = 0; k < keys.length; k++) {
      files[k] = random(200_000 + k * 1000, 10 + k);
      put(bucket, keys[k], files[k]);
    }
    ExecutorService pool = Executors.newFixedThreadPool(6);
    try {
      List<Future<Integer>> results = new ArrayList<>();
      for (int t = 0; t < 6; t++) {
        long seed = 100 + t;
        results.add(pool.submit(() -> {
          Random random = new Random(seed);
          int checked = 0;
          for (int i = 0; i < 1500; i++) {
            int k = random.nextInt(keys.length);
            long offset = random.nextInt(files[k].length + 10);
            long length = random.nextInt(5000);
            byte[] got = read(bucket, keys[k], offset, length);
            if (!Arrays.equals(got, expected(files[k], offset, length))) {
              throw new AssertionError(keys[k] + " offset " + offset + " length " + length + " differs");
            }
            checked++;
          }
          return checked;
        }));
      }
      for (Future<Integer> f : results) {
        assertThat(f.get(60, TimeUnit.SECONDS)).isEqualTo(1500);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(bucket.openChannelCount()).isEqualTo(keys.length);
  }

  @Test
  void deletedAndUploadedAgainThroughTheBucketIsReadAnew() throws IOException {
    put(bucket, INDEX, "first".getBytes(StandardCharsets.UTF_8));
    assertThat(read(bucket, INDEX, 0, 100)).asString().isEqualTo("first");
    bucket.delete(INDEX);
    assertThat(bucket.cachedKeys()).isEmpty();
    assertThat(bucket.openChannelCount()).isZero();
    assertThatThrownBy(() -> bucket.getRange(INDEX, 0, 1)).isInstanceOf(ObjectNotFoundException.class);
    put(bucket, INDEX, "second".getBytes(StandardCharsets.UTF_8));
    assertThat(read(bucket, INDEX, 0, 100)).asString().isEqualTo("second");
    // An upload over a cached key, without a delete in between.
    put(bucket, INDEX, "third!".getBytes(StandardCharsets.UTF_8));
    assertThat(read(bucket, INDEX, 0, 100)).asString().isEqualTo("third!");
    assertThat(bucket.openChannelCount()).isEqualTo(1);
  }

  /** Uploads and reads the index and a chunks file of ULID and the index of ULID2: three cached channels. */
  private void cacheTwoBlocks() throws IOException {
    put(bucket, INDEX, new byte[10]);
    put(bucket, CHUNKS, new byte[10]);
    put(bucket, ULID2 + "/index", new byte[10]);
    for (String key : List.of(INDEX, CHUNKS, ULID2 + "/index")) {
      read(bucket, key, 0, 10);
    }
    assertThat(bucket.openChannelCount()).isEqualTo(3);
  }

  @Test
  void deletingADirectoryLikeKeyEvictsWhatLiesBelowIt() throws IOException {
    cacheTwoBlocks();
    assertThatThrownBy(() -> bucket.delete(ULID)).isInstanceOf(ObjectNotFoundException.class);
    assertThat(bucket.cachedKeys()).containsExactly(ULID2 + "/index");
    assertThat(bucket.openChannelCount()).isEqualTo(1);
  }

  @Test
  void forgettingABlockClosesItsChannelsAndChangesNothingElse() throws IOException {
    cacheTwoBlocks();
    bucket.forgetOpen(ULID);
    assertThat(bucket.cachedKeys()).containsExactly(ULID2 + "/index");
    assertThat(bucket.openChannelCount()).isEqualTo(1);
    assertThat(bucket.exists(INDEX)).isTrue();
    assertThat(read(bucket, INDEX, 0, 10)).hasSize(10);
    bucket.forgetOpen(ULID2 + "/");
    assertThat(bucket.cachedKeys()).containsExactly(INDEX);
  }

  @Test
  void mutableKeysRewrittenOnDiskAreReadFresh() throws IOException {
    String meta = ULID + "/meta.json";
    String mark = ULID + "/deletion-mark.json";
    put(bucket, meta, "{\"v\":1}".getBytes(StandardCharsets.UTF_8));
    put(bucket, mark, "{\"m\":1}".getBytes(StandardCharsets.UTF_8));
    for (int v = 2; v < 6; v++) {
      assertThat(read(bucket, meta, 0, 100)).asString().isEqualTo("{\"v\":" + (v - 1) + "}");
      assertThat(readAllOf(bucket.get(mark))).asString().isEqualTo("{\"m\":" + (v - 1) + "}");
      // Rewritten in place (same inode) and replaced by a rename (new inode).
      Files.writeString(root.resolve(meta), "{\"v\":" + v + "}");
      Path fresh = tempDir.resolve("mark");
      Files.writeString(fresh, "{\"m\":" + v + "}");
      Files.move(fresh, root.resolve(mark), StandardCopyOption.REPLACE_EXISTING);
    }
    assertThat(bucket.cachedKeys()).isEmpty();
    assertThat(bucket.openChannelCount()).isZero();
    Files.delete(root.resolve(meta));
    assertThatThrownBy(() -> bucket.getRange(meta, 0, 1)).isInstanceOf(ObjectNotFoundException.class);
  }

  @Test
  void blockFileReplacedBehindTheBucketIsStillReadThroughItsOpenChannel() throws IOException {
    put(bucket, INDEX, "old contents".getBytes(StandardCharsets.UTF_8));
    assertThat(read(bucket, INDEX, 0, 3)).asString().isEqualTo("old");
    Path other = tempDir.resolve("other");
    Files.writeString(other, "new contents");
    Files.move(other, root.resolve(INDEX), StandardCopyOption.REPLACE_EXISTING);
    // Documented: block files never change, so the open channel is trusted.
    assertThat(read(bucket, INDEX, 0, 100)).asString().isEqualTo("old contents");
    Files.delete(root.resolve(INDEX));
    assertThat(read(bucket, INDEX, 4, 100)).asString().isEqualTo("contents");
  }

  @Test
  void missingBlockFilesAndDirectoriesAreNotFoundAndLeaveNothingOpen() throws IOException {
    long before = openFilesUnderTempDir();
    assertThatThrownBy(() -> bucket.getRange(INDEX, 0, 10)).isInstanceOf(ObjectNotFoundException.class);
    Files.createDirectories(root.resolve(CHUNKS));
    assertThatThrownBy(() -> bucket.getRange(CHUNKS, 0, 10)).isInstanceOf(ObjectNotFoundException.class);
    assertThatThrownBy(() -> bucket.getRange("../" + INDEX, 0, 10))
        .isNotInstanceOf(ObjectNotFoundException.class)
        .hasMessageContaining("invalid key");
    assertThat(bucket.cachedKeys()).isEmpty();
    assertThat(openFilesUnderTempDir()).isEqualTo(before);
  }

  @Test
  void aChannelClosedUnderneathIsOpenedAgainAndTheReadRetried() throws IOException {
    byte[] file = random(50_000, 4);
    put(bucket, CHUNKS, file);
    long baseline = openFilesUnderTempDir();
    try (InputStream held = bucket.getRange(CHUNKS, 1000, 20_000)) {
      byte[] head = held.readNBytes(500);
      assertThat(head).isEqualTo(Arrays.copyOfRange(file, 1000, 1500));
      assertThat(bucket.closeChannelUnderneath(CHUNKS)).isTrue();
      // The stream that read the closed channel reopens the file and goes on where it was.
      assertThat(held.readNBytes(19_500)).isEqualTo(Arrays.copyOfRange(file, 1500, 21_000));
      assertThat(held.read()).isEqualTo(-1);
    }
    assertThat(read(bucket, CHUNKS, 7, 100)).isEqualTo(Arrays.copyOfRange(file, 7, 107));
    assertThat(bucket.openChannelCount()).isEqualTo(1);
    assertThat(openFilesUnderTempDir()).isEqualTo(baseline + 1);
    // A new stream over the closed channel also recovers.
    assertThat(bucket.closeChannelUnderneath(CHUNKS)).isTrue();
    assertThat(read(bucket, CHUNKS, 49_990, 100)).isEqualTo(Arrays.copyOfRange(file, 49_990, 50_000));
    assertThat(openFilesUnderTempDir()).isEqualTo(baseline + 1);
  }

  @Test
  void aReopenThatFindsTheFileGoneReportsNotFound() throws IOException {
    put(bucket, INDEX, new byte[100]);
    InputStream held = bucket.getRange(INDEX, 0, 100);
    assertThat(held.read()).isZero();
    Files.delete(root.resolve(INDEX));
    bucket.closeChannelUnderneath(INDEX);
    assertThatThrownBy(() -> held.readNBytes(10)).isInstanceOf(ObjectNotFoundException.class);
    held.close();
    assertThat(bucket.openChannelCount()).isZero();
    assertThat(bucket.cachedKeys()).isEmpty();
  }

  @Test
  void interruptingOneReaderDoesNotBreakOtherReaders() throws Exception {
    byte[] file = random(4 << 20, 5);
    put(bucket, INDEX, file);
    Random random = new Random(6);
    for (int round = 0; round < 20; round++) {
      CountDownLatch reading = new CountDownLatch(1);
      AtomicBoolean sawInterrupt = new AtomicBoolean();
      AtomicInteger failures = new AtomicInteger();
      Thread victim = new Thread(() -> {
        try {
          while (true) {
            try (InputStream in = bucket.getRange(INDEX, 0, file.length)) {
              reading.countDown();
              byte[] buf = new byte[64 * 1024];
              while (in.read(buf, 0, buf.length) > 0) {}
            }
          }
        } catch (InterruptedIOException e) {
          sawInterrupt.set(Thread.currentThread().isInterrupted());
        } catch (IOException e) {
          failures.incrementAndGet();
        }
      });
      victim.start();
      assertThat(reading.await(30, TimeUnit.SECONDS)).isTrue();
      // A stream opened before the interrupt, read after it.
      long offset = random.nextInt(file.length);
      try (InputStream held = bucket.getRange(INDEX, offset, 100_000)) {
        Thread.sleep(round % 3);
        victim.interrupt();
        victim.join(30_000);
        assertThat(victim.isAlive()).isFalse();
        assertThat(sawInterrupt).as("round %d: interrupted reader ends with the flag set", round).isTrue();
        assertThat(failures).hasValue(0);
        assertThat(held.readAllBytes()).isEqualTo(expected(file, offset, 100_000));
      }
      long other = random.nextInt(file.length);
      assertThat(read(bucket, INDEX, other, 5000)).isEqualTo(expected(file, other, 5000));
    }
    assertThat(bucket.openChannelCount()).isEqualTo(1);
  }

  @Test
  void anInterruptedThreadFailsWithoutClosingTheSharedChannel() throws IOException {
    put(bucket, INDEX, new byte[1000]);
    try (InputStream in = bucket.getRange(INDEX, 0, 1000)) {
      Thread.currentThread().interrupt();
      try {
        assertThatThrownBy(() -> in.read(new byte[10])).isInstanceOf(InterruptedIOException.class)
            .hasMessageContaining(INDEX);
        assertThat(Thread.currentThread().isInterrupted()).isTrue();
      } finally {
        Thread.interrupted();
      }
      assertThat(in.readNBytes(10)).hasSize(10);
    }
  }

  @Test
  void evictionKeepsTheBoundAndClosesChannels() throws IOException {
    bucket.close();
    bucket = new FilesystemBucket(root, 4);
    List<String> keys = new ArrayList<>();
    List<byte[]> files = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      String key = ULID + "/chunks/" + String.format("%06d", i + 1);
      byte[] file = random(1000 + i, 20 + i);
      put(bucket, key, file);
      keys.add(key);
      files.add(file);
    }
    long baseline = openFilesUnderTempDir();
    InputStream held = bucket.getRange(keys.get(0), 10, 900);
    for (int round = 0; round < 3; round++) {
      for (int i = 0; i < keys.size(); i++) {
        assertThat(read(bucket, keys.get(i), i, 500)).isEqualTo(expected(files.get(i), i, 500));
        assertThat(bucket.cachedKeys()).hasSizeLessThanOrEqualTo(4);
      }
    }
    assertThat(bucket.cachedKeys()).containsExactlyElementsOf(keys.subList(8, 12));
    // The stream on the long evicted first key still reads its channel, which stays open until then.
    assertThat(bucket.openChannelCount()).isEqualTo(5);
    assertThat(openFilesUnderTempDir()).isEqualTo(baseline + 5);
    assertThat(held.readAllBytes()).isEqualTo(expected(files.get(0), 10, 900));
    held.close();
    assertThat(bucket.openChannelCount()).isEqualTo(4);
    assertThat(openFilesUnderTempDir()).isEqualTo(baseline + 4);
  }

  @Test
  void closeClosesEveryChannelAndLaterReadsOpenTheFileEachTime() throws IOException {
    long baseline = openFilesUnderTempDir();
    byte[] file = random(5000, 7);
    put(bucket, INDEX, file);
    put(bucket, CHUNKS, file);
    read(bucket, INDEX, 0, 10);
    InputStream held = bucket.getRange(CHUNKS, 100, 4000);
    assertThat(openFilesUnderTempDir()).isEqualTo(baseline + 2);
    bucket.close();
    assertThat(bucket.openChannelCount()).isZero();
    assertThat(openFilesUnderTempDir()).isEqualTo(baseline);
    // A stream still open reads on through a file opened again, closed with it.
    assertThat(held.readAllBytes()).isEqualTo(expected(file, 100, 4000));
    held.close();
    assertThat(read(bucket, INDEX, 10, 20)).isEqualTo(expected(file, 10, 20));
    assertThat(bucket.cachedKeys()).isEmpty();
    assertThat(openFilesUnderTempDir()).isEqualTo(baseline);
  }

  @Test
  void prefixedKeysAreCachedAndEvictedThroughThePrefix() throws IOException {
    Bucket prefixed = new PrefixedBucket(bucket, "tenant/a");
    byte[] file = random(3000, 8);
    prefixed.upload(INDEX, new ByteArrayInputStream(file), file.length);
    assertThat(read(prefixed, INDEX, 5, 50)).isEqualTo(expected(file, 5, 50));
    assertThat(bucket.cachedKeys()).containsExactly("tenant/a/" + INDEX);
    prefixed.forgetOpen(ULID);
    assertThat(bucket.cachedKeys()).isEmpty();
    assertThat(read(prefixed, INDEX, 5, 50)).isEqualTo(expected(file, 5, 50));
    assertThat(bucket.cachedKeys()).containsExactly("tenant/a/" + INDEX);
    prefixed.delete(INDEX);
    assertThat(bucket.cachedKeys()).isEmpty();
    assertThatThrownBy(() -> prefixed.getRange(INDEX, 0, 1)).isInstanceOf(ObjectNotFoundException.class);
  }

  @Test
  void aZeroBoundOpensEveryReadAfresh() throws IOException {
    bucket.close();
    bucket = new FilesystemBucket(root, 0);
    put(bucket, INDEX, "abc".getBytes(StandardCharsets.UTF_8));
    assertThat(read(bucket, INDEX, 1, 5)).asString().isEqualTo("bc");
    assertThat(bucket.cachedKeys()).isEmpty();
    assertThat(bucket.openChannelCount()).isZero();
  }
}
