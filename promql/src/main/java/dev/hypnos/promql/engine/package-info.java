/** PromQL engine. */
@NullMarked
package dev.hypnos.promql.engine;

import org.jspecify.annotations.NullMarked;
