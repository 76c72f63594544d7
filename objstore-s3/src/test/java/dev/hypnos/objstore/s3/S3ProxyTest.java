package dev.hypnos.objstore.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hypnos.testing.S3Proxy;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The S3Proxy fixture itself: start, bucket directories, clean stop, missing jar. */
class S3ProxyTest {
  @Test
  void startsAnswersAndCleansUp() throws IOException {
    Path base;
    ProcessHandle[] handle = new ProcessHandle[1];
    try (S3Proxy proxy = S3Proxy.start("k", "s")) {
      base = proxy.baseDir();
      assertThat(proxy.endpoint()).startsWith("http://127.0.0.1:");
      assertThat(proxy.createBucket("b1")).isDirectory().isEqualTo(base.resolve("b1"));
      assertThat(proxy.bucketDir("b2")).isEqualTo(base.resolve("b2"));
      HttpURLConnection c = (HttpURLConnection) URI.create(proxy.endpoint() + "/b1").toURL().openConnection();
      // S3Proxy's filesystem provider lets unsigned requests through; signed ones are checked
      assertThat(c.getResponseCode()).as("answers HTTP").isIn(200, 403);
      c.disconnect();
      handle[0] = ProcessHandle.current().children().filter(p -> p.info().commandLine().orElse("").contains("s3proxy")).findFirst().orElse(null);
    }
    assertThat(base).doesNotExist();
    if (handle[0] != null) {
      assertThat(handle[0].isAlive()).isFalse();
    }
  }

  @Test
  void missingJarIsAClearError() {
    String saved = System.getProperty(S3Proxy.JAR_PROPERTY);
    try {
      System.setProperty(S3Proxy.JAR_PROPERTY, "/nonexistent/s3proxy.jar");
      assertThatThrownBy(() -> S3Proxy.start("k", "s"))
          .isInstanceOf(IOException.class)
          .hasMessageStartingWith("S3Proxy jar /nonexistent/s3proxy.jar (system property hypnos.s3proxy.jar) does not exist");
    } finally {
      if (saved == null) {
        System.clearProperty(S3Proxy.JAR_PROPERTY);
      } else {
        System.setProperty(S3Proxy.JAR_PROPERTY, saved);
      }
    }
  }
}
