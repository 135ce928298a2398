package org.pullmail.inbox.request;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** For admins: requests waiting, and how long requests wait for their user's decision. */
@RestController
class RequestFiguresController {

    private final RequestFigures figures;

    RequestFiguresController(RequestFigures figures) {
        this.figures = figures;
    }

    @GetMapping("/api/v1/admin/inbound/requests")
    RequestFigures.Figures requests() {
        return figures.now();
    }
}
