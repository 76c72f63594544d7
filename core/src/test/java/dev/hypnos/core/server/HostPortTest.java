package dev.hypnos.core.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class HostPortTest {
  @Test
  void parsesTheFormsGoAccepts() {
    InetSocketAddress all = HostPort.parse("--http-address", "0.0.0.0:10902");
    assertThat(all.getPort()).isEqualTo(10902);
    assertThat(all.getAddress().isAnyLocalAddress()).isTrue();
    assertThat(HostPort.parse("--http-address", ":10902").getAddress().isAnyLocalAddress()).isTrue();
    assertThat(HostPort.format(HostPort.parse("--grpc-address", "127.0.0.1:0"))).isEqualTo("127.0.0.1:0");
    assertThat(HostPort.format(HostPort.parse("--grpc-address", "[::1]:10901"))).isEqualTo("[0:0:0:0:0:0:0:1]:10901");
  }

  @Test
  void rejectsWhatIsNotHostPort() {
    assertThatThrownBy(() -> HostPort.parse("--http-address", "10902"))
        .hasMessageContaining("--http-address 10902: expected host:port");
    assertThatThrownBy(() -> HostPort.parse("--http-address", "localhost:http"))
        .hasMessageContaining("port \"http\" is not a number");
    assertThatThrownBy(() -> HostPort.parse("--http-address", "localhost:70000"))
        .hasMessageContaining("outside 0..65535");
  }
}
