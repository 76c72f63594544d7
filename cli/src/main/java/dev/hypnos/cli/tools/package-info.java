/** {@code hypnos tools ...} commands. */
@NullMarked
package dev.hypnos.cli.tools;

import org.jspecify.annotations.NullMarked;
