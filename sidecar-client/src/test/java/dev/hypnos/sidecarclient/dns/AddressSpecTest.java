package dev.hypnos.sidecarclient.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class AddressSpecTest {
  @Test
  void parsesEveryForm() {
    assertThat(AddressSpec.parse("store:10901")).isEqualTo(new AddressSpec("store:10901", AddressSpec.Kind.STATIC, "store", 10901));
    assertThat(AddressSpec.parse("[::1]:10901").host()).isEqualTo("::1");
    assertThat(AddressSpec.parse("dns+store.test:10901"))
        .isEqualTo(new AddressSpec("dns+store.test:10901", AddressSpec.Kind.DNS, "store.test", 10901));
    AddressSpec srv = AddressSpec.parse("dnssrv+_grpc._tcp.store.test");
    assertThat(srv.kind()).isEqualTo(AddressSpec.Kind.DNSSRV);
    assertThat(srv.host()).isEqualTo("_grpc._tcp.store.test");
    assertThat(srv.port()).isEqualTo(-1);
    assertThat(srv.isDynamic()).isTrue();
    assertThat(AddressSpec.parse("dnssrv+_grpc._tcp.store.test:9000").port()).isEqualTo(9000);
    assertThat(AddressSpec.parse("dnssrvnoa+_grpc._tcp.store.test").kind()).isEqualTo(AddressSpec.Kind.DNSSRVNOA);
    assertThat(AddressSpec.parse("store:10901").isDynamic()).isFalse();
  }

  @Test
  void errorsNameTheSpec() {
    assertThatThrownBy(() -> AddressSpec.parse("dns+store.test"))
        .hasMessageContaining("\"dns+store.test\"").hasMessageContaining("missing port");
    assertThatThrownBy(() -> AddressSpec.parse("store"))
        .hasMessageContaining("\"store\"").hasMessageContaining("missing port");
    assertThatThrownBy(() -> AddressSpec.parse("dnsfoo+x:1"))
        .hasMessageContaining("unknown lookup prefix \"dnsfoo+\"");
    assertThatThrownBy(() -> AddressSpec.parse("store:http"))
        .hasMessageContaining("port \"http\" is not a number");
    assertThatThrownBy(() -> AddressSpec.parse("store:70000")).hasMessageContaining("outside 0-65535");
    assertThatThrownBy(() -> AddressSpec.parse("::1:10901")).hasMessageContaining("needs brackets");
    assertThatThrownBy(() -> AddressSpec.parse(":10901")).hasMessageContaining("empty host");
  }

  @Test
  void joinsIpv6WithBrackets() {
    assertThat(AddressSpec.joinHostPort("::1", 1)).isEqualTo("[::1]:1");
    assertThat(AddressSpec.joinHostPort("10.0.0.1", 1)).isEqualTo("10.0.0.1:1");
  }
}
