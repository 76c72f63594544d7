/** Wire-compatibility tests for the generated protobuf and gRPC classes. */
@NullMarked
package dev.hypnos.proto;

import org.jspecify.annotations.NullMarked;
