package org.pullmail.service;

import java.net.URI;
import java.util.Collections;

import org.pullmail.protocol.http.HttpRequestView;

import jakarta.servlet.http.HttpServletRequest;

/** How a service sees an incoming PMP/1 request to verify it, written once for every endpoint. */
public final class IncomingRequests {

    private IncomingRequests() {
    }

    /**
     * The request as its signer saw it: its method, the public URL it was sent to (this domain's, as peers
     * sign it, not the address the service listens on behind the gateway) and every header field as received.
     */
    public static HttpRequestView view(HttpServletRequest request, URI publicTarget) {
        HttpRequestView view = new HttpRequestView(request.getMethod(), publicTarget);
        for (String name : Collections.list(request.getHeaderNames())) {
            Collections.list(request.getHeaders(name)).forEach(value -> view.header(name, value));
        }
        return view;
    }

    /**
     * The sending client's address, as this domain's gateway saw it (it always overwrites the header), else
     * the connection's peer when the service is reached directly on its own network.
     */
    public static String clientAddress(HttpServletRequest request) {
        String client = request.getHeader("X-Pullmail-Client");
        return client == null || client.isBlank() ? request.getRemoteAddr() : client.trim();
    }

    /** The public URL of the request's own path and query on this domain. */
    public static URI publicTarget(HttpServletRequest request, PullmailProperties pullmail) {
        String query = request.getQueryString();
        return pullmail.publicUri(request.getRequestURI() + (query == null ? "" : "?" + query));
    }
}
