package dev.hypnos.sidecarclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSdTest {
  @TempDir Path dir;

  @Test
  void readsYamlAndJsonThroughAGlob() throws Exception {
    Files.writeString(dir.resolve("a.yml"), """
        - targets: ["10.0.0.1:10901", "dns+store.test:10901"]
          labels: {team: a}
        """);
    Files.writeString(dir.resolve("b.json"), """
        [{"targets": ["10.0.0.2:10901"]}]
        """);
    Files.writeString(dir.resolve("ignored.txt"), "- targets: [\"10.9.9.9:1\"]");
    FileSd sd = new FileSd(java.util.List.of(dir.resolve("*.yml").toString(), dir.resolve("*.json").toString()));
    assertThat(sd.refresh(false)).containsExactly("10.0.0.1:10901", "dns+store.test:10901", "10.0.0.2:10901");
    assertThat(sd.errors()).isEmpty();
  }

  @Test
  void reloadsChangedFilesAndKeepsTargetsOfABrokenOne() throws Exception {
    Path f = dir.resolve("stores.yaml");
    Files.writeString(f, "- targets: [\"10.0.0.1:10901\"]\n");
    FileSd sd = new FileSd(java.util.List.of(f.toString()));
    assertThat(sd.refresh(false)).containsExactly("10.0.0.1:10901");

    Files.writeString(f, "- targets: [\"10.0.0.1:10901\", \"10.0.0.3:10901\"]\n");
    Files.setLastModifiedTime(f, FileTime.from(Instant.parse("2030-01-01T00:00:00Z")));
    assertThat(sd.refresh(false)).containsExactly("10.0.0.1:10901", "10.0.0.3:10901");

    Files.writeString(f, "- targets: 10.0.0.4:10901\n");
    Files.setLastModifiedTime(f, FileTime.from(Instant.parse("2030-01-02T00:00:00Z")));
    assertThat(sd.refresh(false)).containsExactly("10.0.0.1:10901", "10.0.0.3:10901");
    assertThat(sd.errors()).containsKey(f.toString());
    assertThat(sd.errors().get(f.toString())).contains("file SD file " + f).contains("targets must be a list");

    Files.delete(f);
    assertThat(sd.refresh(false)).isEmpty();
  }

  @Test
  void unknownKeyInAGroupIsAnError() throws Exception {
    Path f = Files.writeString(dir.resolve("x.yml"), "- target: [\"a:1\"]\n");
    assertThatThrownBy(() -> FileSd.read(f)).hasMessageContaining("group 0 has unknown key target");
  }

  @Test
  void pathsNeedAKnownExtension() {
    assertThatThrownBy(() -> new FileSd(java.util.List.of("/etc/stores.txt")))
        .hasMessageContaining("must end in .json, .yml or .yaml");
  }
}
