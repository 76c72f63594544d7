/** PromQL testscript. */
@NullMarked
package dev.hypnos.promql.testscript;

import org.jspecify.annotations.NullMarked;
