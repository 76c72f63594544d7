package dev.hypnos.storeapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class GrpcServersTest {
  @Test
  void parsesListenAddresses() {
    InetSocketAddress a = GrpcServers.parseAddress("127.0.0.1:10901");
    assertThat(a.getAddress().getHostAddress()).isEqualTo("127.0.0.1");
    assertThat(a.getPort()).isEqualTo(10901);
    InetSocketAddress any = GrpcServers.parseAddress(":0");
    assertThat(any.getAddress().isAnyLocalAddress()).isTrue();
    InetSocketAddress v6 = GrpcServers.parseAddress("[::1]:19090");
    assertThat(v6.getAddress().isLoopbackAddress()).isTrue();
    assertThat(v6.getPort()).isEqualTo(19090);
  }

  @Test
  void rejectsBadAddresses() {
    assertThatThrownBy(() -> GrpcServers.parseAddress("localhost"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected host:port");
    assertThatThrownBy(() -> GrpcServers.parseAddress("localhost:http"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"http\" is not a number");
    assertThatThrownBy(() -> GrpcServers.parseAddress("localhost:70000"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside 0-65535");
  }
}
