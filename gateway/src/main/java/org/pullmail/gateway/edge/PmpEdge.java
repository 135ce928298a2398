package org.pullmail.gateway.edge;

import java.net.URI;
import java.nio.ByteBuffer;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.proxy.ProxyHandler;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.pullmail.protocol.Pmp;
import org.pullmail.protocol.ProblemType;
import org.pullmail.service.ProblemResponses;

/**
 * PMP/1 traffic past the user API's machinery: notifications, fetches, status reports and the discovery
 * document are proxied by Jetty's own asynchronous proxy, before the servlet stack (Spring Security, Spring MVC,
 * Spring Cloud Gateway) sees them. They authenticate themselves by signature in the service that answers, so the
 * edge has nothing to check but what it checked before: the media type and size of a PMP/1 body (415 and 413,
 * as the services answer them) and the client's address, which it states in {@value #CLIENT_HEADER} (always
 * overwritten, so that a client cannot choose its own). No thread waits while a peer sends or reads, and the
 * bytes of a fetched message stream through. The routes are the same as the gateway's configuration gave:
 * {@code /pmp/v1/notifications} to the inbox, {@code /pmp/v1/messages/**} to the outbox (but
 * {@code /pmp/v1/messages/smtp/**}, mail bridged from SMTP, to the SMTP bridge),
 * {@code /.well-known/pullmail} to the notifier; every other path goes on to the servlet stack.
 */
final class PmpEdge extends Handler.Wrapper {

    static final String CLIENT_HEADER = ClientAddressHeader.HEADER;

    private final Proxy proxy;

    /** Where each service is. */
    record Services(URI inbox, URI outbox, URI notifier, URI bridge) {
    }

    /** The path prefix of mail bridged from SMTP, which the bridge serves (PROTOCOL.md 3.6). */
    static final String BRIDGED_FETCH_PATH = Pmp.FETCH_PATH + "/smtp/";

    PmpEdge(Handler next, Services services) {
        super(next);
        this.proxy = new Proxy(services);
        addBean(proxy);
    }

    @Override
    public void setServer(Server server) {
        super.setServer(server);
        proxy.setServer(server); // the proxy is this handler's bean, not a handler in the chain: it needs telling
    }

    /** The service a PMP/1 path goes to, by its decoded and normalised path; null for any other path. */
    static URI route(String canonicalPath, Services services) {
        if (canonicalPath == null) {
            return null;
        }
        if (canonicalPath.equals(Pmp.NOTIFY_PATH)) {
            return services.inbox();
        }
        if (canonicalPath.startsWith(BRIDGED_FETCH_PATH)) {
            return services.bridge();
        }
        if (canonicalPath.startsWith(Pmp.FETCH_PATH + "/")) {
            return services.outbox();
        }
        if (canonicalPath.equals(Pmp.WELL_KNOWN_PATH)) {
            return services.notifier();
        }
        return null;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        URI upstream = proxy.upstream(request);
        if (upstream == null) {
            return super.handle(request, response, callback);
        }
        boolean hasBody = request.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH) > 0
                || request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING);
        if ("POST".equals(request.getMethod()) && !Pmp.isJson(request.getHeaders().get(HttpHeader.CONTENT_TYPE))) {
            problem(response, callback, ProblemType.UNSUPPORTED_MEDIA_TYPE, "PMP/1 requests with a body are application/json");
            return true;
        }
        if (hasBody && request.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH) > Pmp.MAX_NOTIFICATION_BYTES) {
            problem(response, callback, ProblemType.TOO_LARGE,
                    "this endpoint takes at most " + Pmp.MAX_NOTIFICATION_BYTES + " bytes");
            return true;
        }
        return proxy.handle(request, response, callback);
    }

    private static void problem(Response response, Callback callback, ProblemType type, String detail) {
        response.setStatus(type.status());
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/problem+json");
        response.write(true, ByteBuffer.wrap(ProblemResponses.body(type.slug(), type.title(), type.status(), detail)),
                callback);
    }

    /** Jetty's reverse proxy, to the service each PMP/1 path belongs to. */
    private static final class Proxy extends ProxyHandler {

        private final Services services;

        Proxy(Services services) {
            this.services = services;
            // the services are the proxy's only servers: its client's threads are the edge's own
            setUseServerThreadPool(true);
        }

        URI upstream(Request request) {
            HttpURI uri = request.getHttpURI();
            // the path is forwarded as sent, so it is routed here only when it needs no decoding or normalising
            // (PMP/1's paths never do): a path that two parsers might read differently goes on to the servlet stack
            if (uri.getPath() == null || !uri.getPath().equals(uri.getCanonicalPath())) {
                return null;
            }
            return route(uri.getCanonicalPath(), services);
        }

        @Override
        protected HttpURI rewriteHttpURI(Request clientToProxy) {
            URI upstream = upstream(clientToProxy);
            // the path as the peer sent it (its signature covers it), on the service's origin
            return HttpURI.build(clientToProxy.getHttpURI()).scheme(upstream.getScheme()).host(upstream.getHost())
                    .port(upstream.getPort());
        }

        /** The edge writes its own Date: the service's would make two of them, bytes on every answer. */
        @Override
        protected HttpField filterServerToProxyResponseField(HttpField field) {
            return field.getHeader() == HttpHeader.DATE ? null : super.filterServerToProxyResponseField(field);
        }

        @Override
        protected void addProxyHeaders(Request clientToProxy, org.eclipse.jetty.client.Request proxyToServer) {
            super.addProxyHeaders(clientToProxy, proxyToServer);
            String client = Request.getRemoteAddr(clientToProxy);
            proxyToServer.headers(headers -> headers.put(CLIENT_HEADER, client));
        }
    }
}
