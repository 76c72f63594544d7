/** JMH benchmarks of Hypnos hot paths; see bench/README.md. */
@NullMarked
package dev.hypnos.bench;

import org.jspecify.annotations.NullMarked;
