package dev.eventpublisher.daemon.http;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLException;

import com.codahale.metrics.MetricRegistry;
import dev.eventpublisher.EventPublisher;
import dev.eventpublisher.daemon.config.HttpSettings;
import dev.eventpublisher.daemon.idempotency.IdempotencyKeys;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.handler.codec.http.HttpContentDecompressor;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.timeout.IdleStateHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP ingestion server (Netty): HTTP/1.1 with keep-alive, optional TLS, bodies aggregated up to
 * {@code max-body-bytes}, gzip/deflate request bodies accepted, idle connections closed after a minute.
 */
public final class HttpServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HttpServer.class);
    private static final int IDLE_SECONDS = 60;

    /** Shared between the server and its handlers: once draining, new events are refused with 503. */
    static final class Lifecycle {
        private volatile boolean draining;

        boolean isDraining() {
            return draining;
        }
    }

    private final HttpSettings settings;
    private final Lifecycle lifecycle = new Lifecycle();
    private final RequestHandler handler;
    private final SslContext ssl;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private Channel serverChannel;

    public HttpServer(HttpSettings settings, EventPublisher publisher, ReadinessProbe readiness, MetricRegistry registry,
                      IdempotencyKeys idempotencyKeys) {
        this.settings = settings;
        this.handler = new RequestHandler(publisher, settings, readiness, new MetricsRenderer(registry), lifecycle, registry,
                idempotencyKeys);
        this.ssl = settings.tls() ? sslContext(settings) : null;
        this.boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        this.workers = new MultiThreadIoEventLoopGroup(settings.ioThreads(), NioIoHandler.newFactory());
    }

    private static SslContext sslContext(HttpSettings settings) {
        try {
            return SslContextBuilder.forServer(settings.certificate().toFile(), settings.privateKey().toFile()).build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalStateException("cannot load the TLS certificate " + settings.certificate() + " and key "
                    + settings.privateKey() + ": " + e.getMessage(), e);
        }
    }

    /** Binds and starts serving; returns the bound port. */
    public int start() throws InterruptedException {
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(boss, workers)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        ChannelPipeline p = channel.pipeline();
                        if (ssl != null) {
                            p.addLast(ssl.newHandler(channel.alloc()));
                        }
                        p.addLast(new IdleStateHandler(IDLE_SECONDS, 0, 0, TimeUnit.SECONDS));
                        p.addLast(new HttpServerCodec());
                        p.addLast(new HttpContentDecompressor());
                        p.addLast(new JsonErrorAggregator(settings.maxBodyBytes()));
                        p.addLast(handler);
                    }
                });
        serverChannel = bootstrap.bind(settings.host(), settings.port()).sync().channel();
        int port = ((InetSocketAddress) serverChannel.localAddress()).getPort();
        LOG.info("HTTP{} listening on {}:{}", ssl != null ? "S" : "", settings.host(), port);
        return port;
    }

    /** Stops accepting connections, and makes open connections refuse new events with 503. */
    public void stopAccepting() {
        lifecycle.draining = true;
        if (serverChannel != null) {
            serverChannel.close().syncUninterruptibly();
        }
    }

    /** Stops the event loops, letting responses in progress (e.g. sync requests) be written first. */
    @Override
    public void close() {
        stopAccepting();
        workers.shutdownGracefully(100, 5000, TimeUnit.MILLISECONDS).syncUninterruptibly();
        boss.shutdownGracefully(0, 1000, TimeUnit.MILLISECONDS).syncUninterruptibly();
    }

    /**
     * Answers an oversized body with our JSON 413, readable by clients that send the whole body before
     * reading (most SDKs): closing at once would leave their data unread, and the kernel then resets the
     * connection, destroying the 413 in flight. So, like nginx's lingering close, the answer is sent, our
     * side of the connection is shut for writing, and the rest of the body is read and thrown away until
     * it ends, or {@link #LINGER_BYTES} more bytes, or {@link #LINGER_MILLIS}; then the connection closes.
     */
    private static final class JsonErrorAggregator extends HttpObjectAggregator {
        static final long LINGER_BYTES = 64L << 20;
        static final long LINGER_MILLIS = 10_000;
        private final int maxBodyBytes;
        private boolean lingering;
        private long discarded;

        JsonErrorAggregator(int maxBodyBytes) {
            super(maxBodyBytes);
            this.maxBodyBytes = maxBodyBytes;
        }

        private FullHttpResponse tooLarge() {
            FullHttpResponse response = Responses.error(413, "payload_too_large",
                    "the body is larger than publisher.http.max-body-bytes (" + maxBodyBytes + " bytes)");
            response.headers().set("connection", "close");
            return response;
        }

        @Override
        protected Object newContinueResponse(HttpMessage start, int maxContentLength, ChannelPipeline pipeline) {
            Object answer = super.newContinueResponse(start, maxContentLength, pipeline);
            if (answer instanceof HttpResponse r && r.status().code() == 413) {
                ReferenceCountUtil.release(answer);
                return tooLarge(); // "Expect: 100-continue" with a too-large Content-Length: the body never comes
            }
            return answer;
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            lingering = true;
            ctx.writeAndFlush(tooLarge()).addListener((ChannelFutureListener) written -> {
                if (written.channel() instanceof SocketChannel socket && socket.pipeline().get(SslHandler.class) == null) {
                    socket.shutdownOutput(); // EOF after the answer; TLS needs its own close_notify, so not there
                }
            });
            ctx.executor().schedule(() -> ctx.close(), LINGER_MILLIS, TimeUnit.MILLISECONDS);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            if (!lingering) {
                super.channelRead(ctx, msg);
                return;
            }
            boolean last = msg instanceof LastHttpContent;
            if (msg instanceof HttpContent content) {
                discarded += content.content().readableBytes();
            }
            ReferenceCountUtil.release(msg);
            if (last || discarded > LINGER_BYTES) {
                ctx.close();
            }
        }
    }
}
