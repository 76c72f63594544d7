package dev.hypnos.core.objstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class FilesystemBucketTest extends BucketContractTest {
  private Path root;

  @Override
  protected Bucket newBucket() throws IOException {
    root = tempDir.resolve("bucket-root");
    return new FilesystemBucket(root);
  }

  @Test
  void objectsAreFilesUnderTheRoot() throws IOException {
    put("01ABC/chunks/000001", "chunk bytes");
    assertThat(root.resolve("01ABC/chunks/000001")).hasContent("chunk bytes");
    Files.createDirectories(root.resolve("laid/out"));
    Files.writeString(root.resolve("laid/out/by-hand"), "hand");
    assertThat(readString(bucket.get("laid/out/by-hand"))).isEqualTo("hand");
    assertThat(iter("")).containsExactly("01ABC/", "laid/");
    assertThat(bucket.name()).isEqualTo("fs:" + root.toAbsolutePath().normalize());
  }

  @Test
  void deleteRemovesEmptyDirectoriesUpToButNotIncludingTheRoot() throws IOException {
    put("a/b/c/d", "1");
    put("a/keep", "2");
    bucket.delete("a/b/c/d");
    assertThat(root.resolve("a/b")).doesNotExist();
    assertThat(root.resolve("a")).isDirectory();
    bucket.delete("a/keep");
    assertThat(root.resolve("a")).doesNotExist();
    assertThat(root).isDirectory();
  }

  @Test
  void emptyDirectoriesAreNotListed() throws IOException {
    Files.createDirectories(root.resolve("empty/nested"));
    put("full/x", "1");
    assertThat(iter("")).containsExactly("full/");
    assertThat(iterRecursive("")).containsExactly("full/x");
  }

  @Test
  void uploadLeavesNoTemporaryFiles() throws IOException {
    put("d/o", "1");
    put("d/o", "2");
    try (Stream<Path> files = Files.list(root.resolve("d"))) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("o");
    }
  }

  @Test
  void failedUploadLeavesNoTemporaryFilesNorDirectories() {
    assertThatThrownBy(
            () -> bucket.upload("new/dir/o", new ByteArrayInputStream(new byte[3]), 10))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("new/dir/o")
        .hasMessageContaining("ended after 3 of 10 bytes");
    assertThat(root.resolve("new")).doesNotExist();
  }

  @Test
  void temporaryUploadFilesAreNotListed() throws IOException {
    put("d/o", "1");
    Files.writeString(root.resolve("d/" + FilesystemBucket.TEMP_PREFIX + "x.tmp"), "partial");
    assertThat(iter("d")).containsExactly("d/o");
  }

  @Test
  void keysEscapingTheRootAreRejected() throws IOException {
    Files.writeString(tempDir.resolve("outside"), "secret", StandardCharsets.UTF_8);
    for (String key : new String[] {"../outside", "a/../../outside", "/etc/passwd", "a//b", "./a", "a/."}) {
      assertThatThrownBy(() -> bucket.get(key))
          .as(key)
          .isInstanceOf(IOException.class)
          .isNotInstanceOf(ObjectNotFoundException.class)
          .hasMessageContaining("invalid key");
      assertThatThrownBy(() -> put(key, "x")).as(key).hasMessageContaining("invalid key");
    }
    assertThatThrownBy(() -> iter("../")).hasMessageContaining("invalid key");
    assertThatThrownBy(() -> bucket.delete("../outside")).hasMessageContaining("invalid key");
    assertThat(tempDir.resolve("outside")).hasContent("secret");
  }

  @Test
  void keyEndingInSlashIsNoObjectKey() {
    assertThatThrownBy(() -> put("dir/", "x")).hasMessageContaining("ends with /");
  }

  @Test
  void getOfDirectoryIsNotFound() throws IOException {
    put("dir/o", "x");
    assertThatThrownBy(() -> bucket.get("dir")).isInstanceOf(ObjectNotFoundException.class);
    assertThatThrownBy(() -> bucket.attributes("dir")).isInstanceOf(ObjectNotFoundException.class);
    assertThatThrownBy(() -> bucket.delete("dir")).isInstanceOf(ObjectNotFoundException.class);
    assertThat(bucket.exists("dir/o")).isTrue();
  }
}
