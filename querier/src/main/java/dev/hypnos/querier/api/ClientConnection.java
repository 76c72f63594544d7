package dev.hypnos.querier.api;

import io.javalin.http.Context;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Request;
import org.jspecify.annotations.Nullable;

/**
 * Tells whether the HTTP client of a request in progress has gone away, so that a long query can
 * be cancelled (Go's HTTP server does the same with its background read, which cancels the
 * request context).
 *
 * <p>Jetty 11 does not read from a connection while its request is being handled, so a client
 * that closes its side goes unnoticed until the response is written. {@link #closed()} therefore
 * makes a non-blocking read of one byte on the connection: end of stream or a reset means the
 * client is gone. A byte that does arrive belongs to a pipelined next request and cannot be given
 * back to Jetty: watching stops and the response asks for the connection to be closed after it
 * ({@link #mustClose()}), so the client sends that request again on a new connection. This is
 * only safe once the request body has been read whole, which the caller ensures.
 *
 * <p>Concurrency: not thread-safe; used by the request's handler thread only, while no other
 * code reads from or writes to the connection.
 */
final class ClientConnection {
  private final @Nullable EndPoint endPoint;
  private final ByteBuffer probe = ByteBuffer.allocate(1);
  private boolean stopped;
  private boolean mustClose;

  private ClientConnection(@Nullable EndPoint endPoint) {
    this.endPoint = endPoint;
  }

  /** The connection of {@code ctx}'s request; one that never reports closing when not on Jetty. */
  static ClientConnection of(Context ctx) {
    EndPoint ep = null;
    try {
      Request base = Request.getBaseRequest(ctx.req());
      if (base != null && base.getHttpChannel() != null) {
        ep = base.getHttpChannel().getEndPoint();
      }
    } catch (RuntimeException e) {
      // Not a Jetty request (or one already recycled): nothing to watch.
      ep = null;
    }
    return new ClientConnection(ep);
  }

  /** True once the client has closed or reset the connection. Never blocks. */
  boolean closed() {
    EndPoint ep = endPoint;
    if (ep == null || stopped) {
      return false;
    }
    if (!ep.isOpen() || ep.isInputShutdown()) {
      return true;
    }
    probe.clear().limit(0);
    int n;
    try {
      n = ep.fill(probe);
    } catch (IOException e) {
      return true;
    }
    if (n < 0) {
      return true;
    }
    if (n > 0) {
      stopped = true;
      mustClose = true;
    }
    return false;
  }

  /** Whether a pipelined byte was consumed, so the response must close the connection. */
  boolean mustClose() {
    return mustClose;
  }
}
