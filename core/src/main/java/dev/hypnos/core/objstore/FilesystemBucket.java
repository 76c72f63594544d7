package dev.hypnos.core.objstore;

import dev.hypnos.core.block.BlockId;
import dev.hypnos.core.labels.Labels;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A bucket in a local directory (the {@code FILESYSTEM} objstore type): the object {@code a/b/c}
 * is the file {@code <root>/a/b/c}.
 *
 * <p>Like Thanos's filesystem provider: directories are created on upload and removed again when a
 * delete leaves them empty (up to, not including, the root); empty directories are not listed.
 * Keys must stay inside the root: absolute keys, {@code .} and {@code ..} segments and empty
 * segments ({@code a//b}) are rejected.
 *
 * <p>An upload writes a hidden temporary file ({@value #TEMP_PREFIX}...) in the target directory
 * and renames it over the target atomically, so readers never see a partial object. Listings skip
 * such temporary files.
 *
 * <p>Range reads of immutable block files ({@code <ULID>/index} and {@code <ULID>/chunks/<digits>},
 * also below a prefix) go through a bounded cache of open read-only {@link FileChannel}s (at most
 * {@value #DEFAULT_MAX_OPEN_CHANNELS} by default, least recently used closed first): once a file
 * is open, a read costs one positional read ({@code pread}) per call, with no key resolution, stat
 * or open. Streams over a cached channel do not close it; a channel evicted while streams read it
 * is closed when the last of them is closed. Every other key ({@code meta.json}, mark files, ...)
 * may be rewritten and is opened afresh on each read. An upload or delete through this bucket
 * evicts the key's channel (a delete also evicts every key below it, as below a directory), and
 * {@link #close} closes all of them; later reads open the file again. A cached file deleted or
 * replaced by another process stays readable with its old contents through the open channel (the
 * inode lives while it is open) until the channel is evicted: acceptable for block files, which
 * never change while they exist (a rewritten block gets a new ULID), and which the store gateway
 * stops reading at its next sync once their block is gone.
 *
 * <p>The JDK closes a {@link FileChannel} when a thread is interrupted inside a read of it. A read
 * on a thread already interrupted fails with {@link InterruptedIOException} without touching the
 * channel; a read that finds its cached channel closed by someone else (another thread's
 * interrupt, an eviction) opens the file again, replaces the cache entry and retries once.
 *
 * <p>Concurrency: thread-safe; concurrent uploads of one key leave one of the uploaded contents.
 * Symbolic links are followed.
 */
public final class FilesystemBucket implements Bucket {
  static final String TEMP_PREFIX = ".hypnos-upload-";
  private static final int COPY_BUFFER = 64 * 1024;
  /** Open channels of immutable block files kept at most by default. */
  public static final int DEFAULT_MAX_OPEN_CHANNELS = 256;

  private final Path root;
  private final String name;
  private final int maxOpenChannels;

  /** Guards {@link #channels}, {@link #generation}, {@link #closed} and every entry's state. */
  private final Object lock = new Object();

  /** Open channels of immutable objects by key, in access order (eldest first). */
  private final LinkedHashMap<String, CachedChannel> channels = new LinkedHashMap<>(64, 0.75f, true);

  /**
   * Bumped by every invalidation (upload, delete, close): a channel opened before a bump may show
   * the replaced file, so it is used for the one read that opened it and not cached.
   */
  private long generation;

  private boolean closed;

  /** Channels opened for the cache and not closed yet (in the cache or still read after eviction). */
  private int openChannels;

  /** Opens a bucket rooted at {@code root}; the directory is created if missing. */
  public FilesystemBucket(Path root) throws IOException {
    this(root, DEFAULT_MAX_OPEN_CHANNELS);
  }

  /**
   * Opens a bucket rooted at {@code root} that keeps at most {@code maxOpenChannels} block files
   * open for range reads (0 opens every file per read).
   */
  public FilesystemBucket(Path root, int maxOpenChannels) throws IOException {
    if (maxOpenChannels < 0) {
      throw new IllegalArgumentException(
          "open filesystem bucket " + root + ": maxOpenChannels " + maxOpenChannels + " < 0");
    }
    this.maxOpenChannels = maxOpenChannels;
    this.root = root.toAbsolutePath().normalize();
    this.name = "fs:" + this.root;
    try {
      Files.createDirectories(this.root);
    } catch (IOException e) {
      throw new IOException("create bucket directory " + this.root + ": " + e, e);
    }
  }

  public Path root() {
    return root;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public boolean local() {
    return true;
  }

  /** The file for an object key, after checking the key stays inside the root. */
  private Path objectPath(String key) throws IOException {
    ObjectKeys.requireUploadKey(name, key);
    return resolve(key);
  }

  private Path resolve(String key) throws IOException {
    if (key.startsWith("/")) {
      throw new IOException("invalid key " + key + " for bucket " + name + ": it is absolute");
    }
    String trimmed = key.endsWith("/") ? key.substring(0, key.length() - 1) : key;
    if (trimmed.isEmpty()) {
      return root;
    }
    for (String segment : trimmed.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        throw new IOException(
            "invalid key "
                + key
                + " for bucket "
                + name
                + ": segments must not be empty, \".\" or \"..\"");
      }
      if (segment.indexOf('\0') >= 0) {
        throw new IOException("invalid key " + key + " for bucket " + name + ": it contains NUL");
      }
    }
    Path path = root.resolve(trimmed).normalize();
    if (!path.startsWith(root) || path.equals(root)) {
      throw new IOException("invalid key " + key + " for bucket " + name + ": outside the root");
    }
    return path;
  }

  /** Attributes of a regular file at {@code path}, or null if there is none. */
  private static @Nullable BasicFileAttributes fileAttributes(Path path) throws IOException {
    try {
      BasicFileAttributes attrs = Files.readAttributes(path, BasicFileAttributes.class);
      return attrs.isDirectory() ? null : attrs;
    } catch (NoSuchFileException | NotDirectoryException e) {
      return null;
    }
  }

  @Override
  public InputStream get(String key) throws IOException {
    return getRange(key, 0, Long.MAX_VALUE);
  }

  @Override
  public InputStream getRange(String key, long offset, long length) throws IOException {
    ObjectKeys.requireRange(name, key, offset, length);
    CachedChannel entry = acquire(key);
    if (entry == null) {
      if (maxOpenChannels == 0 || !immutable(key)) {
        return openUncached(key, offset, length);
      }
      entry = openCached(key, objectPath(key));
    }
    if (offset >= entry.size || length == 0) {
      release(entry);
      return InputStream.nullInputStream();
    }
    return new ChannelRangeStream(entry, offset, Math.min(length, entry.size - offset));
  }

  /** Opens the file for one read, as every read of a mutable object does. */
  private InputStream openUncached(String key, long offset, long length) throws IOException {
    FileChannel channel = openChannel(key, objectPath(key));
    try {
      long size = channel.size();
      if (offset >= size || length == 0) {
        channel.close();
        return InputStream.nullInputStream();
      }
      channel.position(offset);
      long remaining = Math.min(length, size - offset);
      return new BoundedInputStream(Channels.newInputStream(channel), remaining);
    } catch (IOException e) {
      channel.close();
      throw new IOException("read object " + key + " in bucket " + name + ": " + e, e);
    }
  }

  /**
   * Whether {@code key} names a file that never changes while it exists: {@code <ULID>/index} or
   * {@code <ULID>/chunks/<digits>}, the ULID directory at the start of the key or after a {@code /}.
   */
  static boolean immutable(String key) {
    int n = key.length();
    int ulidEnd;
    if (key.endsWith("/index")) {
      ulidEnd = n - "/index".length();
    } else {
      int slash = key.lastIndexOf('/');
      if (slash < 0 || slash == n - 1) {
        return false;
      }
      for (int i = slash + 1; i < n; i++) {
        char c = key.charAt(i);
        if (c < '0' || c > '9') {
          return false;
        }
      }
      if (!key.startsWith("/chunks", slash - "/chunks".length())) {
        return false;
      }
      ulidEnd = slash - "/chunks".length();
    }
    int ulidStart = ulidEnd - BlockId.LENGTH;
    if (ulidStart < 0 || (ulidStart > 0 && key.charAt(ulidStart - 1) != '/')) {
      return false;
    }
    for (int i = ulidStart; i < ulidEnd; i++) {
      if (!crockford(key.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  /** A digit or upper-case letter of Crockford's base32 (no I, L, O, U), as block directories are written. */
  private static boolean crockford(char c) {
    return (c >= '0' && c <= '9')
        || (c >= 'A' && c <= 'Z' && c != 'I' && c != 'L' && c != 'O' && c != 'U');
  }

  /** The cached channel of {@code key}, referenced once more, or null. */
  private @Nullable CachedChannel acquire(String key) {
    synchronized (lock) {
      CachedChannel entry = channels.get(key);
      if (entry != null) {
        entry.refs++;
      }
      return entry;
    }
  }

  /** Drops one reference; closes the channel when it was the last one of an evicted entry. */
  private void release(CachedChannel entry) {
    boolean close;
    synchronized (lock) {
      entry.refs--;
      close = entry.refs == 0 && entry.evicted && markClosed(entry);
    }
    if (close) {
      closeQuietly(entry.channel);
    }
  }

  /** Under {@link #lock}: true the first time an entry's channel is to be closed. */
  private boolean markClosed(CachedChannel entry) {
    if (entry.closed) {
      return false;
    }
    entry.closed = true;
    openChannels--;
    return true;
  }

  /** Under {@link #lock}: removes {@code entry} from the map's view; true when it is to be closed now. */
  private boolean evictLocked(CachedChannel entry) {
    entry.evicted = true;
    return entry.refs == 0 && markClosed(entry);
  }

  private static void closeQuietly(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      // a read-only channel has nothing to flush; the descriptor is released either way
    }
  }

  /**
   * Opens the file of an immutable object and returns it referenced once: cached unless another
   * thread cached the key meanwhile (then that entry is used and this channel closed) or the key
   * was invalidated since the open began (then the entry is private to the caller and closed when
   * its stream is).
   */
  private CachedChannel openCached(String key, Path path) throws IOException {
    long openedAt;
    synchronized (lock) {
      openedAt = generation;
    }
    FileChannel channel = openChannel(key, path);
    long size;
    try {
      size = channel.size();
    } catch (IOException e) {
      closeQuietly(channel);
      throw new IOException("read object " + key + " in bucket " + name + ": " + e, e);
    }
    CachedChannel fresh = new CachedChannel(key, path, channel, size);
    CachedChannel result;
    List<CachedChannel> toClose = new ArrayList<>(2);
    synchronized (lock) {
      openChannels++;
      CachedChannel existing = channels.get(key);
      if (existing != null) {
        existing.refs++;
        result = existing;
        fresh.evicted = true;
        markClosed(fresh);
        toClose.add(fresh);
      } else {
        fresh.refs = 1;
        result = fresh;
        if (closed || generation != openedAt) {
          fresh.evicted = true;
        } else {
          channels.put(key, fresh);
          Iterator<CachedChannel> eldest = channels.values().iterator();
          while (channels.size() > maxOpenChannels && eldest.hasNext()) {
            CachedChannel victim = eldest.next();
            eldest.remove();
            if (evictLocked(victim)) {
              toClose.add(victim);
            }
          }
        }
      }
    }
    for (CachedChannel c : toClose) {
      closeQuietly(c.channel);
    }
    return result;
  }

  /** Opens the file of {@code key} for reading; a missing file or a directory is not found. */
  private FileChannel openChannel(String key, Path path) throws IOException {
    try {
      if (Files.isDirectory(path)) {
        throw new ObjectNotFoundException(name, key);
      }
      return FileChannel.open(path, StandardOpenOption.READ);
    } catch (NoSuchFileException | NotDirectoryException e) {
      throw new ObjectNotFoundException(name, key);
    } catch (ObjectNotFoundException e) {
      throw e;
    } catch (IOException e) {
      throw new IOException("open object " + key + " in bucket " + name + ": " + e, e);
    }
  }

  /**
   * Replaces {@code stale}, found closed by a reader that holds a reference to it, with a freshly
   * opened channel of the same file (or the entry another thread put in its place), referenced
   * once; the reference to {@code stale} is dropped.
   */
  private CachedChannel reopen(CachedChannel stale) throws IOException {
    boolean close = false;
    synchronized (lock) {
      if (channels.get(stale.key) == stale) {
        channels.remove(stale.key);
        stale.evicted = true;
      }
      stale.refs--;
      if (stale.refs == 0 && stale.evicted) {
        close = markClosed(stale);
      }
    }
    if (close) {
      closeQuietly(stale.channel);
    }
    CachedChannel entry = acquire(stale.key);
    return entry != null ? entry : openCached(stale.key, stale.path);
  }

  /** Closes the cached channels of the block files under {@code dir} (readers still open keep theirs until they close). */
  @Override
  public void forgetOpen(String dir) {
    invalidate(dir.endsWith("/") ? dir.substring(0, dir.length() - 1) : dir);
  }

  /**
   * Evicts the channel of {@code key} and of every key below it (as below a directory), and makes
   * channels opened before now uncacheable. Called after the file system changed.
   */
  private void invalidate(String key) {
    List<CachedChannel> toClose = new ArrayList<>(1);
    synchronized (lock) {
      generation++;
      if (channels.isEmpty()) {
        return;
      }
      String below = key.endsWith("/") ? key : key + "/";
      Iterator<Map.Entry<String, CachedChannel>> it = channels.entrySet().iterator();
      while (it.hasNext()) {
        Map.Entry<String, CachedChannel> e = it.next();
        if (e.getKey().equals(key) || e.getKey().startsWith(below)) {
          it.remove();
          if (evictLocked(e.getValue())) {
            toClose.add(e.getValue());
          }
        }
      }
    }
    for (CachedChannel c : toClose) {
      closeQuietly(c.channel);
    }
  }

  /** Channels opened for range reads and not closed yet (tests). */
  int openChannelCount() {
    synchronized (lock) {
      return openChannels;
    }
  }

  /**
   * Closes the cached channel of {@code key} without telling the cache, as the JDK does when a
   * thread reading it is interrupted (tests); false if the key has none.
   */
  boolean closeChannelUnderneath(String key) throws IOException {
    CachedChannel entry;
    synchronized (lock) {
      entry = channels.get(key);
    }
    if (entry == null) {
      return false;
    }
    entry.channel.close();
    return true;
  }

  /** Keys with a cached channel, eldest first (tests). */
  List<String> cachedKeys() {
    synchronized (lock) {
      return List.copyOf(channels.keySet());
    }
  }

  @Override
  public void iter(String dir, Consumer<String> consumer) throws IOException {
    String prefix = ObjectKeys.dirPrefix(dir);
    for (String child : children(prefix)) {
      consumer.accept(child);
    }
  }

  @Override
  public void iterRecursive(String dir, Consumer<String> consumer) throws IOException {
    walk(ObjectKeys.dirPrefix(dir), consumer);
  }

  private void walk(String prefix, Consumer<String> consumer) throws IOException {
    for (String child : children(prefix)) {
      if (child.endsWith("/")) {
        walk(child, consumer);
      } else {
        consumer.accept(child);
      }
    }
  }

  /**
   * The listed children of the directory for {@code prefix} ("" or ending in /), sorted in byte
   * order of the listed names (sub-directories end in /, so they sort where their keys would).
   */
  private List<String> children(String prefix) throws IOException {
    Path dir = resolve(prefix);
    List<String> result = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path entry : entries) {
        String fileName = entry.getFileName().toString();
        if (fileName.startsWith(TEMP_PREFIX)) {
          continue;
        }
        BasicFileAttributes attrs;
        try {
          attrs = Files.readAttributes(entry, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
          continue; // deleted while listing
        }
        if (attrs.isDirectory()) {
          if (hasListedEntries(entry)) {
            result.add(prefix + fileName + "/");
          }
        } else {
          result.add(prefix + fileName);
        }
      }
    } catch (NoSuchFileException | NotDirectoryException e) {
      return List.of();
    } catch (IOException e) {
      throw new IOException("list directory " + prefix + " in bucket " + name + ": " + e, e);
    }
    result.sort(Labels::compareStrings);
    return result;
  }

  /** Whether a directory holds an object somewhere below it (empty trees are not listed). */
  private static boolean hasListedEntries(Path dir) throws IOException {
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path entry : entries) {
        if (entry.getFileName().toString().startsWith(TEMP_PREFIX)) {
          continue;
        }
        if (!Files.isDirectory(entry) || hasListedEntries(entry)) {
          return true;
        }
      }
    } catch (NoSuchFileException | NotDirectoryException e) {
      return false;
    }
    return false;
  }

  @Override
  public boolean exists(String key) throws IOException {
    return fileAttributes(objectPath(key)) != null;
  }

  @Override
  public ObjectAttributes attributes(String key) throws IOException {
    BasicFileAttributes attrs = fileAttributes(objectPath(key));
    if (attrs == null) {
      throw new ObjectNotFoundException(name, key);
    }
    return new ObjectAttributes(attrs.size(), attrs.lastModifiedTime().toInstant());
  }

  @Override
  public void upload(String key, InputStream in, long length) throws IOException {
    Path target = objectPath(key);
    if (length < 0) {
      throw new IOException(
          "upload object " + key + " to bucket " + name + ": invalid length " + length);
    }
    Path parent = target.getParent();
    Path temp = createTempFile(key, parent);
    boolean moved = false;
    try {
      long copied = copy(in, temp, length, key);
      if (copied < length) {
        throw new IOException(
            "upload object "
                + key
                + " to bucket "
                + name
                + ": the stream ended after "
                + copied
                + " of "
                + length
                + " bytes");
      }
      if (Files.isDirectory(target)) {
        throw new IOException(
            "upload object " + key + " to bucket " + name + ": a directory of that name exists");
      }
      try {
        Files.move(
            temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (IOException e) {
        throw new IOException("upload object " + key + " to bucket " + name + ": " + e, e);
      }
      moved = true;
      invalidate(key);
    } finally {
      if (!moved) {
        Files.deleteIfExists(temp);
        removeEmptyParents(parent);
      }
    }
  }

  /** Copies up to {@code length} bytes of {@code in} into {@code file}; returns the count. */
  private long copy(InputStream in, Path file, long length, String key) throws IOException {
    try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.WRITE)) {
      byte[] buffer = new byte[(int) Math.min(COPY_BUFFER, Math.max(1, length))];
      long copied = 0;
      while (copied < length) {
        int n = in.read(buffer, 0, (int) Math.min(buffer.length, length - copied));
        if (n < 0) {
          break;
        }
        out.write(buffer, 0, n);
        copied += n;
      }
      return copied;
    } catch (IOException e) {
      throw new IOException(
          "upload object " + key + " to bucket " + name + " via " + file + ": " + e, e);
    }
  }

  /**
   * Creates the temporary upload file next to the target. A concurrent delete may remove the
   * freshly created parent directories as empty, so creation is retried a few times.
   */
  private Path createTempFile(String key, Path parent) throws IOException {
    IOException last = null;
    for (int attempt = 0; attempt < 10; attempt++) {
      try {
        Files.createDirectories(parent);
        Path temp = parent.resolve(TEMP_PREFIX + UUID.randomUUID() + ".tmp");
        Files.createFile(temp);
        return temp;
      } catch (NoSuchFileException e) {
        last = e;
      } catch (IOException e) {
        throw new IOException("upload object " + key + " to bucket " + name + ": " + e, e);
      }
    }
    throw new IOException("upload object " + key + " to bucket " + name + ": " + last, last);
  }

  @Override
  public void delete(String key) throws IOException {
    Path path = objectPath(key);
    try {
      if (Files.isDirectory(path)) {
        throw new ObjectNotFoundException(name, key);
      }
      Files.delete(path);
    } catch (NoSuchFileException | NotDirectoryException e) {
      throw new ObjectNotFoundException(name, key);
    } catch (ObjectNotFoundException e) {
      throw e;
    } catch (IOException e) {
      throw new IOException("delete object " + key + " in bucket " + name + ": " + e, e);
    } finally {
      // Also when the key is a directory or the file was gone: what lies below may be cached.
      invalidate(key);
    }
    removeEmptyParents(path.getParent());
  }

  /** Removes {@code dir} and its parents while they are empty, stopping below the root. */
  private void removeEmptyParents(@Nullable Path dir) {
    Path current = dir;
    while (current != null && current.startsWith(root) && !current.equals(root)) {
      try {
        Files.delete(current);
      } catch (DirectoryNotEmptyException | NoSuchFileException e) {
        return;
      } catch (IOException e) {
        return; // leaving an empty directory behind is harmless: it is not listed
      }
      current = current.getParent();
    }
  }

  /**
   * Closes every cached channel, also those streams still read (their next read opens the file
   * again, uncached). Later reads open the file each time, as reads of mutable objects do.
   */
  @Override
  public void close() {
    List<CachedChannel> toClose;
    synchronized (lock) {
      closed = true;
      generation++;
      toClose = new ArrayList<>(channels.values());
      channels.clear();
      for (CachedChannel c : toClose) {
        c.evicted = true;
      }
      toClose.removeIf(c -> !markClosed(c));
    }
    for (CachedChannel c : toClose) {
      closeQuietly(c.channel);
    }
  }

  @Override
  public String toString() {
    return name;
  }

  /**
   * An open channel of an immutable object, with the size it had when opened. State fields are
   * guarded by the bucket's lock.
   */
  private static final class CachedChannel {
    final String key;
    final Path path;
    final FileChannel channel;
    final long size;
    /** Open streams reading the channel. */
    int refs;
    /** Out of the cache (or never in it): closed when the last stream is. */
    boolean evicted;
    /** Closed by the bucket (it counts in {@link #openChannels} until then). */
    boolean closed;

    CachedChannel(String key, Path path, FileChannel channel, long size) {
      this.key = key;
      this.path = path;
      this.channel = channel;
      this.size = size;
    }
  }

  /**
   * Reads {@code remaining} bytes from {@code position} of a cached channel with positional reads,
   * straight into the caller's array; closing it drops its reference to the channel.
   */
  private final class ChannelRangeStream extends InputStream {
    private CachedChannel entry;
    private long position;
    private long remaining;
    private boolean released;
    private byte @Nullable [] one;

    ChannelRangeStream(CachedChannel entry, long position, long remaining) {
      this.entry = entry;
      this.position = position;
      this.remaining = remaining;
    }

    @Override
    public int read() throws IOException {
      byte[] b = one;
      if (b == null) {
        b = one = new byte[1];
      }
      return read(b, 0, 1) == 1 ? b[0] & 0xFF : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      Objects.checkFromIndexSize(off, len, b.length);
      if (released) {
        throw new IOException("read object " + entry.key + " in bucket " + name + ": stream closed");
      }
      if (len == 0) {
        return 0;
      }
      if (remaining <= 0) {
        return -1;
      }
      int n = readAt(ByteBuffer.wrap(b, off, (int) Math.min(len, remaining)));
      if (n < 0) {
        remaining = 0; // the file is shorter than when it was opened
        return -1;
      }
      position += n;
      remaining -= n;
      return n;
    }

    /** One positional read; reopens the file once if its channel was closed by someone else. */
    private int readAt(ByteBuffer dst) throws IOException {
      if (Thread.currentThread().isInterrupted()) {
        // A read on an interrupted thread would close the channel that other readers share.
        throw interrupted(null);
      }
      int start = dst.position();
      try {
        return entry.channel.read(dst, position);
      } catch (ClosedByInterruptException e) {
        throw interrupted(e);
      } catch (ClosedChannelException e) {
        if (Thread.currentThread().isInterrupted()) {
          throw interrupted(e);
        }
      } catch (IOException e) {
        throw new IOException(
            "read object " + entry.key + " in bucket " + name + " at " + position + ": " + e, e);
      }
      try {
        entry = reopen(entry);
      } catch (IOException e) {
        released = true; // reopen dropped the stream's reference to the stale channel
        throw e;
      }
      dst.position(start);
      try {
        return entry.channel.read(dst, position);
      } catch (ClosedByInterruptException e) {
        throw interrupted(e);
      } catch (IOException e) {
        if (e instanceof ClosedChannelException && Thread.currentThread().isInterrupted()) {
          throw interrupted(e);
        }
        throw new IOException(
            "read object "
                + entry.key
                + " in bucket "
                + name
                + " at "
                + position
                + " (after opening it again): "
                + e,
            e);
      }
    }

    private InterruptedIOException interrupted(@Nullable IOException cause) {
      Thread.currentThread().interrupt();
      InterruptedIOException e =
          new InterruptedIOException(
              "read object " + entry.key + " in bucket " + name + " at " + position + ": interrupted");
      if (cause != null) {
        e.initCause(cause);
      }
      return e;
    }

    @Override
    public long skip(long n) {
      long skipped = Math.max(0, Math.min(n, remaining));
      position += skipped;
      remaining -= skipped;
      return skipped;
    }

    @Override
    public int available() {
      return released ? 0 : (int) Math.min(remaining, Integer.MAX_VALUE);
    }

    @Override
    public void close() {
      if (!released) {
        released = true;
        release(entry);
      }
    }
  }

  /** Reads at most {@code remaining} bytes from {@code in}. */
  private static final class BoundedInputStream extends InputStream {
    private final InputStream in;
    private long remaining;

    BoundedInputStream(InputStream in, long remaining) {
      this.in = in;
      this.remaining = remaining;
    }

    @Override
    public int read() throws IOException {
      if (remaining <= 0) {
        return -1;
      }
      int b = in.read();
      if (b >= 0) {
        remaining--;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (remaining <= 0) {
        return -1;
      }
      int n = in.read(b, off, (int) Math.min(len, remaining));
      if (n > 0) {
        remaining -= n;
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      long skipped = in.skip(Math.min(n, remaining));
      remaining -= skipped;
      return skipped;
    }

    @Override
    public int available() throws IOException {
      return (int) Math.min(in.available(), remaining);
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }
}
