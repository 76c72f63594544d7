/** {@code hypnos demo}: a generated bucket of realistic blocks, served by an in-process store gateway and querier. */
@NullMarked
package dev.hypnos.cli.demo;

import org.jspecify.annotations.NullMarked;
