package io.fleetkeeper.web;

import io.fleetkeeper.api.ErrorCode;
import io.swagger.v3.oas.annotations.Hidden;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Tomcat forwards an error response sent with {@code sendError} (a method Tomcat refuses, such as TRACE) to
 * {@code /error}; this replaces Spring Boot's JSON there with problem+json. Asked for directly, {@code /error}
 * is no endpoint.
 */
@Hidden
@RestController
class ProblemErrorController implements ErrorController {

    @RequestMapping("${server.error.path:/error}")
    ResponseEntity<ProblemDetail> error(HttpServletRequest request) {
        Object status = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        if (!(status instanceof Integer code)) {
            return ProblemHandler.render(ErrorCode.NOT_FOUND, "no such endpoint", List.of(), request);
        }
        var failure = ProblemErrorReportValve.classify(code,
                (Throwable) request.getAttribute(RequestDispatcher.ERROR_EXCEPTION));
        Object uri = request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
        return ResponseEntity.status(failure.code().status())
                .contentType(org.springframework.http.MediaType.APPLICATION_PROBLEM_JSON)
                .body(ProblemHandler.problem(failure.code(), failure.detail(), List.of(),
                        uri instanceof String s ? s : request.getRequestURI(), RequestIds.current(request)));
    }
}
