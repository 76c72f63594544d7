package dev.hypnos.core.block;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BlockIdTest {
  @Test
  void parsesTimestampOfKnownUlid() {
    // oklog/ulid README: ulid.Timestamp(time.Unix(1000000, 0)) gives the prefix 0000XSNJG0.
    BlockId id = BlockId.parse("0000XSNJG0MQJHBF4QX1EFD6Y3");
    assertThat(id.timestamp()).isEqualTo(1_000_000_000L);
    assertThat(id.toString()).isEqualTo("0000XSNJG0MQJHBF4QX1EFD6Y3");
  }

  @Test
  void roundTripsAndOrdersLikeText() {
    SplittableRandom r = new SplittableRandom(7);
    List<BlockId> ids = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      BlockId id = BlockId.of(r.nextLong() >>> 16, r.nextLong());
      assertThat(BlockId.parse(id.toString())).isEqualTo(id);
      assertThat(BlockId.parse(id.toString().toLowerCase())).isEqualTo(id);
      ids.add(id);
    }
    for (int i = 1; i < ids.size(); i++) {
      BlockId a = ids.get(i - 1);
      BlockId b = ids.get(i);
      assertThat(Integer.signum(a.compareTo(b))).isEqualTo(Integer.signum(a.toString().compareTo(b.toString())));
    }
    assertThat(BlockId.parse("7ZZZZZZZZZZZZZZZZZZZZZZZZZ").mostSignificantBits()).isEqualTo(-1L);
  }

  @Test
  void generateUsesClockAndRandom() {
    InstantSource clock = InstantSource.fixed(Instant.ofEpochMilli(1_700_000_000_123L));
    BlockId a = BlockId.generate(clock, new Random(1));
    BlockId b = BlockId.generate(clock, new Random(1));
    BlockId c = BlockId.generate(clock, new Random(2));
    assertThat(a.timestamp()).isEqualTo(1_700_000_000_123L);
    assertThat(a).isEqualTo(b).isNotEqualTo(c);
    assertThat(a.toString()).hasSize(26);
  }

  @Test
  void rejectsInvalidTextWithReason() {
    assertThatThrownBy(() -> BlockId.parse("01ARZ3NDEK"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("01ARZ3NDEK").hasMessageContaining("26");
    assertThatThrownBy(() -> BlockId.parse("01ARZ3NDEKTSV4RRFFQ69G5FAU"))
        .hasMessageContaining("'U'").hasMessageContaining("position 25");
    assertThatThrownBy(() -> BlockId.parse("81ARZ3NDEKTSV4RRFFQ69G5FAV")).hasMessageContaining("overflows");
    assertThat(BlockId.isValid("debug")).isFalse();
    assertThatThrownBy(() -> BlockId.of(-1, new Random())).isInstanceOf(IllegalArgumentException.class);
  }
}
