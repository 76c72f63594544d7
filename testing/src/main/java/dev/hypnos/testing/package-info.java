/** Test fixtures: real components run as processes (S3Proxy, promtool), data generators. */
@NullMarked
package dev.hypnos.testing;

import org.jspecify.annotations.NullMarked;
