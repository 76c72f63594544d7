/**
 * A small DNS client (A, AAAA, SRV over UDP with TCP fallback) and the resolver that turns
 * Thanos address specs ({@code dns+}, {@code dnssrv+}, {@code dnssrvnoa+}) into addresses.
 */
@NullMarked
package dev.hypnos.sidecarclient.dns;

import org.jspecify.annotations.NullMarked;
