package org.pullmail.gateway.edge;

import java.io.IOException;

/** A request body that came in more slowly than the edge's minimum data rate; answered 408. */
public class SlowRequestBody extends IOException {

    SlowRequestBody(long minRequestDataRate) {
        super("the request body came in more slowly than " + minRequestDataRate + " bytes per second");
    }
}
