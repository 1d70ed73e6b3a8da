package io.fleetkeeper.console.web;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.Role;
import jakarta.servlet.http.HttpServletResponse;
import java.util.function.Supplier;
import org.springframework.ui.Model;

/**
 * What the console's list pages do with a form: run the change through the feature's service; on a refusal, show
 * the page again with the reason (a lost version race explained) and the refusal's status; another tenant's or an
 * unknown object stays a not-found page.
 */
final class Forms {

    /** What a form that lost a version race says. */
    static final String LOST_RACE = "It changed since this page was shown; nothing was done. Its current state is "
            + "below.";

    private Forms() {
    }

    /** Whether the form being answered lost a version race (see {@link #apply}). */
    static boolean lostRace(Model model) {
        return LOST_RACE.equals(model.getAttribute("formError"));
    }

    /** Runs {@code change}; returns {@code done}, or on a refusal the re-rendered page from {@code page}. */
    static String apply(Model model, HttpServletResponse response, Runnable change, String done,
            Supplier<String> page) {
        try {
            change.run();
            return done;
        } catch (ApiException e) {
            if (e.code() == ErrorCode.NOT_FOUND) {
                throw e;
            }
            boolean race = e.code() == ErrorCode.PRECONDITION_FAILED || e.code() == ErrorCode.VERSION_CONFLICT;
            model.addAttribute("formError", race ? LOST_RACE : message(e));
            response.setStatus(e.code().status().value());
            return page.get();
        }
    }

    /** The refusal as a sentence: its detail, and each invalid field with what is wrong with it. */
    static String message(ApiException e) {
        if (e.errors().isEmpty()) {
            return e.getMessage();
        }
        StringBuilder b = new StringBuilder("Nothing was saved:");
        for (ApiException.FieldError f : e.errors()) {
            b.append(' ').append(f.field().replace('_', ' ')).append(' ').append(f.message()).append(';');
        }
        b.setCharAt(b.length() - 1, '.');
        return b.toString();
    }

    /** The same rule as the API's {@code @RequiresRole(ADMIN)} endpoints. */
    static void requireAdmin(Caller caller) {
        if (!caller.role().covers(Role.ADMIN)) {
            throw new ApiException(ErrorCode.FORBIDDEN, "This page needs the admin role; yours is "
                    + caller.role().wire() + ".");
        }
    }

    /** Operator pages: a tenant's caller is told there is nothing here. */
    static void requirePlatform(Caller caller) {
        if (!caller.isPlatform()) {
            throw ApiException.notFound("page");
        }
    }

    static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
