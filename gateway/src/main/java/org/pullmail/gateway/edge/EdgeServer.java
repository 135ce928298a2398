package org.pullmail.gateway.edge;

import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.pullmail.gateway.GatewayProperties;
import org.springframework.boot.jetty.servlet.JettyServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.stereotype.Component;

/**
 * The gateway's servlet container is Jetty, not Tomcat, because the edge must bound what a slow client holds,
 * and only Jetty gives the hooks for it:
 * <ul>
 * <li>Tomcat hands a request to a thread as soon as its headers arrive, and the thread then waits for the body,
 * whose only limit is a timeout between two bytes: 80 clients that trickled a byte every 4 s held every thread.
 * Jetty's handler API can read a body asynchronously before the servlet stack sees the request, so
 * {@link BodyDeadline} reads small bodies without a thread and enforces a deadline for the whole body.</li>
 * <li>The same hook bounds a larger body (a message upload) by a minimum data rate while it is proxied.</li>
 * <li>Jetty tells listeners about every connection it accepts, before reading from it, so
 * {@link ConnectionsPerAddress} can refuse a client's connections beyond a cap.</li>
 * <li>PMP/1 requests, which authenticate themselves by signature, are proxied by Jetty's asynchronous proxy before
 * the servlet stack ({@link PmpEdge}): a notification costs the edge a fraction of a user API call.</li>
 * </ul>
 */
@Component
class EdgeServer implements WebServerFactoryCustomizer<JettyServletWebServerFactory> {

    private final GatewayProperties gateway;
    private final GatewayProperties.Edge edge;

    EdgeServer(GatewayProperties gateway) {
        this.gateway = gateway;
        this.edge = gateway.edge();
    }

    @Override
    public void customize(JettyServletWebServerFactory factory) {
        factory.addServerCustomizers(this::customize);
    }

    private void customize(Server server) {
        for (Connector connector : server.getConnectors()) {
            if (connector instanceof ServerConnector listening) {
                // never share the port with another process: a second one must fail to start, not take half the traffic
                listening.setReusePort(false);
            }
        }
        ConnectionsPerAddress perAddress = edge.maxConnectionsPerAddress() > 0
                ? new ConnectionsPerAddress(edge.maxConnectionsPerAddress()) : null;
        if (perAddress != null) {
            for (Connector connector : server.getConnectors()) {
                connector.addBean(perAddress);
            }
        }
        // PMP/1 goes past the servlet stack (PmpEdge), after the body deadline like every request
        Handler routes = new PmpEdge(server.getHandler(), new PmpEdge.Services(gateway.inboxUrl(), gateway.outboxUrl(),
                gateway.notifierUrl(), gateway.bridgeUrl()));
        server.setHandler(new BodyDeadline(routes, edge.bodyDeadline(), edge.bufferedBodyBytes(),
                edge.minRequestDataRate()));
    }
}
