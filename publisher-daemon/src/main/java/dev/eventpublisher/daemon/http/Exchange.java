package dev.eventpublisher.daemon.http;

import java.util.ArrayDeque;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.util.AttributeKey;

/**
 * One request and its eventual response. HTTP/1.1 lets a client pipeline requests on a connection and
 * expects the responses in the same order; a {@code ?sync=true} answer comes later, from Kafka's
 * callback, so responses wait in a per-connection queue and leave in arrival order.
 *
 * <p>The queue is touched only on the connection's event loop; {@link #reply} may be called from any thread.
 */
final class Exchange {
    private static final AttributeKey<ArrayDeque<Exchange>> IN_ORDER = AttributeKey.valueOf("eventpublisher.responses");

    private final ChannelHandlerContext ctx;
    private final boolean keepAlive;
    private final ArrayDeque<Exchange> queue;
    private FullHttpResponse response;

    private Exchange(ChannelHandlerContext ctx, boolean keepAlive, ArrayDeque<Exchange> queue) {
        this.ctx = ctx;
        this.keepAlive = keepAlive;
        this.queue = queue;
    }

    /** Event loop: a request arrived; its response will leave after those of earlier requests. */
    static Exchange begin(ChannelHandlerContext ctx, boolean keepAlive) {
        ArrayDeque<Exchange> queue = ctx.channel().attr(IN_ORDER).get();
        if (queue == null) {
            queue = new ArrayDeque<>();
            ctx.channel().attr(IN_ORDER).set(queue);
        }
        Exchange exchange = new Exchange(ctx, keepAlive, queue);
        queue.add(exchange);
        return exchange;
    }

    boolean keepAlive() {
        return keepAlive;
    }

    /** Any thread: the response is ready; it is written once every earlier response has been. */
    void reply(FullHttpResponse ready) {
        if (ctx.executor().inEventLoop()) {
            deliver(ready);
        } else {
            ctx.executor().execute(() -> deliver(ready));
        }
    }

    private void deliver(FullHttpResponse ready) {
        this.response = ready;
        while (!queue.isEmpty() && queue.peek().response != null) {
            Exchange head = queue.poll();
            Responses.send(head.ctx, head.keepAlive, head.response);
        }
    }
}
