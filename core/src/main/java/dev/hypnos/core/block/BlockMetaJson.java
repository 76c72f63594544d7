package dev.hypnos.core.block;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.channels.FileChannel;

/**
 * Reads and writes {@code meta.json}. Reading ignores unknown fields and requires {@code version}
 * 1. Writing produces what Go's {@code json.Encoder} with {@code SetIndent("", "\t")} produces: tab
 * indentation, {@code "key": value}, one array element per line, {@code {}} for empty objects, and
 * a trailing newline.
 *
 * <p>Concurrency: stateless, safe to share.
 */
public final class BlockMetaJson {
  public static final String FILE_NAME = "meta.json";

  private static final ObjectMapper MAPPER = createMapper();
  private static final ObjectWriter WRITER = MAPPER.writer(new GoPrettyPrinter());

  private BlockMetaJson() {}

  private static ObjectMapper createMapper() {
    SimpleModule m = new SimpleModule("hypnos-block-id");
    m.addSerializer(BlockId.class, new JsonSerializer<>() {
      @Override
      public void serialize(BlockId v, JsonGenerator g, SerializerProvider p) throws IOException {
        g.writeString(v.toString());
      }
    });
    m.addDeserializer(BlockId.class, new JsonDeserializer<>() {
      @Override
      public BlockId deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
        String s = p.getValueAsString();
        if (s == null) {
          throw ctx.weirdStringException(p.getText(), BlockId.class, "a ULID must be a JSON string");
        }
        try {
          return BlockId.parse(s);
        } catch (IllegalArgumentException e) {
          throw ctx.weirdStringException(s, BlockId.class, e.getMessage());
        }
      }
    });
    return new ObjectMapper()
        .registerModule(m)
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  }

  /** Parses meta.json bytes; {@code source} names where they came from, for error messages. */
  public static BlockMeta parse(byte[] json, String source) throws IOException {
    try {
      BlockMeta m = MAPPER.readValue(json, BlockMeta.class);
      if (m == null) {
        throw new IOException("parse " + source + ": the file holds JSON null, not a block meta object");
      }
      return m;
    } catch (ValueInstantiationException e) {
      Throwable c = e.getCause();
      String why = c != null && c.getMessage() != null ? c.getMessage() : e.getOriginalMessage();
      throw new IOException("parse " + source + ": " + why, e);
    } catch (JsonProcessingException e) {
      throw new IOException("parse " + source + ": " + e.getOriginalMessage()
          + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr() + ", column "
              + e.getLocation().getColumnNr() + ")" : ""), e);
    }
  }

  /** Reads {@code <blockDir>/meta.json}. A missing file raises a message naming the directory. */
  public static BlockMeta read(Path blockDir) throws IOException {
    Path file = blockDir.resolve(FILE_NAME);
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new NoSuchFileException(file.toString(), null,
          "block directory " + blockDir + " has no " + FILE_NAME + " (partial or not a block)");
    }
    return parse(bytes, file.toString());
  }

  /** The JSON bytes, formatted like Thanos writes them, with a trailing newline. */
  public static byte[] toBytes(BlockMeta meta) {
    try {
      String s = WRITER.writeValueAsString(meta);
      return (s + "\n").getBytes(StandardCharsets.UTF_8);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("serialize meta of block " + meta.ulid(), e);
    }
  }

  /** The JSON on one line, without a trailing newline (for tools that print one block a line). */
  public static byte[] toCompactBytes(BlockMeta meta) {
    try {
      return MAPPER.writeValueAsBytes(meta);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("serialize meta of block " + meta.ulid(), e);
    }
  }

  /** Writes {@code <blockDir>/meta.json} atomically (temp file, fsync, rename). */
  public static void write(Path blockDir, BlockMeta meta) throws IOException {
    writeAtomically(blockDir.resolve(FILE_NAME), toBytes(meta));
  }

  /**
   * Writes {@code bytes} to {@code target} so that readers see either the old or the new content:
   * writes {@code target.tmp}, forces it to disk, renames it over {@code target}, then syncs the
   * directory where the platform allows.
   */
  public static void writeAtomically(Path target, byte[] bytes) throws IOException {
    Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes);
      while (b.hasRemaining()) {
        ch.write(b);
      }
      ch.force(true);
    }
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
    }
    Path dir = target.toAbsolutePath().getParent();
    if (dir != null) {
      try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
        d.force(true);
      } catch (IOException | UnsupportedOperationException ignored) {
        // Directory sync is best effort: not every platform can open a directory.
      }
    }
  }

  /** Go's MarshalIndent layout: tabs, {@code ": "}, arrays one element per line, {@code {}} / {@code []} when empty. */
  private static final class GoPrettyPrinter extends DefaultPrettyPrinter {
    private static final long serialVersionUID = 1L;

    GoPrettyPrinter() {
      super(Separators.createDefaultInstance()
          .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
          .withObjectEntrySpacing(Separators.Spacing.NONE)
          .withArrayValueSpacing(Separators.Spacing.NONE)
          .withRootSeparator(""));
      DefaultIndenter tabs = new DefaultIndenter("\t", "\n");
      indentObjectsWith(tabs);
      indentArraysWith(tabs);
    }

    GoPrettyPrinter(GoPrettyPrinter base) {
      super(base);
    }

    @Override
    public DefaultPrettyPrinter createInstance() {
      return new GoPrettyPrinter(this);
    }

    @Override
    public void writeEndObject(JsonGenerator g, int nrOfEntries) throws IOException {
      if (!_objectIndenter.isInline()) {
        --_nesting;
      }
      if (nrOfEntries > 0) {
        _objectIndenter.writeIndentation(g, _nesting);
      }
      g.writeRaw('}');
    }

    @Override
    public void writeEndArray(JsonGenerator g, int nrOfValues) throws IOException {
      if (!_arrayIndenter.isInline()) {
        --_nesting;
      }
      if (nrOfValues > 0) {
        _arrayIndenter.writeIndentation(g, _nesting);
      }
      g.writeRaw(']');
    }
  }
}
