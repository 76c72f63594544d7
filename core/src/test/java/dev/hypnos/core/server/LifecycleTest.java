package dev.hypnos.core.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class LifecycleTest {
  @Test
  void stopsPartsInReverseOrderWithTheGracePeriodOnce() {
    List<String> events = Collections.synchronizedList(new ArrayList<>());
    Lifecycle lc = new Lifecycle(Duration.ofSeconds(7));
    lc.addCloseable("bucket", () -> events.add("bucket closed"));
    lc.add("grpc", grace -> events.add("grpc stopped within " + grace));
    lc.add("http", grace -> events.add("http stopped within " + grace));
    lc.close();
    lc.close();
    assertThat(events).containsExactly(
        "http stopped within PT7S", "grpc stopped within PT7S", "bucket closed");
  }

  @Test
  void aFailingPartDoesNotKeepTheOthersRunning() {
    List<String> events = new ArrayList<>();
    Lifecycle lc = new Lifecycle(Duration.ZERO);
    lc.addCloseable("first", () -> events.add("first closed"));
    lc.add("broken", grace -> {
      throw new IllegalStateException("cannot stop");
    });
    lc.close();
    assertThat(events).containsExactly("first closed");
  }

  @Test
  void requestStopWakesTheWaiterWithTheReason() throws Exception {
    Lifecycle lc = new Lifecycle(Duration.ZERO);
    assertThat(lc.awaitStopRequest(Duration.ofMillis(1))).isFalse();
    Thread t = new Thread(() -> lc.requestStop("received SIGTERM"));
    t.start();
    lc.awaitStopRequest();
    t.join();
    assertThat(lc.stopReason()).isEqualTo("received SIGTERM");
    lc.requestStop("again");
    assertThat(lc.stopReason()).isEqualTo("received SIGTERM");
  }

  @Test
  void closeAlsoReleasesTheWaiter() throws Exception {
    Lifecycle lc = new Lifecycle(Duration.ZERO);
    lc.close();
    assertThat(lc.awaitStopRequest(Duration.ZERO)).isTrue();
    assertThatThrownBy(() -> lc.add("late", g -> {})).hasMessageContaining("already closing");
  }

  @Test
  void rejectsANegativeGracePeriod() {
    assertThatThrownBy(() -> new Lifecycle(Duration.ofSeconds(-1))).hasMessageContaining("negative");
  }
}
