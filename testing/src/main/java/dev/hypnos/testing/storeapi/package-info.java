/**
 * The Store API contract suite ({@link dev.hypnos.testing.storeapi.StoreApiContract}) and its
 * dataset: every Store API implementation (store gateway, sidecar, proxy) runs the same cases
 * over real gRPC.
 */
@NullMarked
package dev.hypnos.testing.storeapi;

import org.jspecify.annotations.NullMarked;
