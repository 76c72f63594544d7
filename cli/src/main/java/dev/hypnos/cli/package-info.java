/** The {@code hypnos} executable: picocli commands that wire the modules together, no logic. */
@NullMarked
package dev.hypnos.cli;

import org.jspecify.annotations.NullMarked;
