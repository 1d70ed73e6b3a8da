package io.fleetkeeper.console.web;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.console.ConsoleProperties;
import io.fleetkeeper.console.internal.ConsoleSessions.Session;
import io.fleetkeeper.event.EventStreams;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.Role;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;

/**
 * What every console page knows (the CSRF token, the caller's role, whether it may change things, the refresh
 * interval, the event id its live stream starts after), and errors as pages rather than problem documents:
 * another tenant's or an unknown object is a not-found page.
 */
@ControllerAdvice(basePackageClasses = ConsoleAdvice.class)
@Order(Ordered.HIGHEST_PRECEDENCE)
class ConsoleAdvice {

    private final ConsoleProperties properties;
    private final EventStreams streams;

    ConsoleAdvice(ConsoleProperties properties, EventStreams streams) {
        this.properties = properties;
        this.streams = streams;
    }

    @ModelAttribute
    void common(HttpServletRequest request, Model model) {
        Caller caller = (Caller) request.getAttribute(Caller.class.getName());
        Session session = (Session) request.getAttribute(ConsoleFilter.SESSION);
        model.addAttribute("signedIn", caller != null);
        model.addAttribute("csrf", session == null ? "" : session.csrf());
        model.addAttribute("role", caller == null ? "" : caller.role().wire());
        model.addAttribute("canChange", caller != null && caller.role().covers(Role.OPERATOR));
        model.addAttribute("canAdmin", caller != null && caller.role().covers(Role.ADMIN));
        model.addAttribute("platform", caller != null && caller.isPlatform());
        model.addAttribute("refreshMillis", properties.refreshInterval().toMillis());
        if (caller != null && !caller.isPlatform() && request.getHeader("HX-Request") == null) {
            model.addAttribute("liveAfter", streams.newest());
        }
    }

    @ExceptionHandler(ApiException.class)
    String failed(ApiException e, HttpServletRequest request, HttpServletResponse response, Model model) {
        common(request, model);
        response.setStatus(e.code().status().value());
        boolean missing = e.code() == ErrorCode.NOT_FOUND;
        model.addAttribute("title", missing ? "Not found" : e.code().title());
        model.addAttribute("message", missing ? "There is nothing here, or it belongs to another tenant."
                : e.getMessage());
        return "console/error";
    }

    /** A malformed id in the address, or a form without a required field (only a forged request lacks one). */
    @ExceptionHandler({MethodArgumentTypeMismatchException.class, MissingServletRequestParameterException.class})
    String malformed(Exception e, HttpServletRequest request, HttpServletResponse response, Model model) {
        common(request, model);
        boolean path = e instanceof MethodArgumentTypeMismatchException;
        response.setStatus(path ? 404 : 400);
        model.addAttribute("title", path ? "Not found" : "Bad request");
        model.addAttribute("message", path ? "There is nothing here, or it belongs to another tenant."
                : "The form was incomplete; nothing was changed.");
        return "console/error";
    }
}
