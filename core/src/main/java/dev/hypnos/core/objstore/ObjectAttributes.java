package dev.hypnos.core.objstore;

import java.time.Instant;

/** Size in bytes and last modification time of one object. */
public record ObjectAttributes(long size, Instant lastModified) {}
