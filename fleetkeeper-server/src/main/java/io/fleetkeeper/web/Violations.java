package io.fleetkeeper.web;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** Collects field errors and throws one {@code VALIDATION_FAILED} listing them all. */
public final class Violations {

    private final List<ApiException.FieldError> errors = new ArrayList<>();

    public Violations add(String field, String message) {
        errors.add(new ApiException.FieldError(field, message));
        return this;
    }

    public Violations required(String field, Object value) {
        if (value == null || (value instanceof String s && s.isBlank())) {
            add(field, "is required");
        }
        return this;
    }

    public Violations maxLength(String field, String value, int max) {
        if (value != null && value.length() > max) {
            add(field, "must be at most " + max + " characters");
        }
        return this;
    }

    public Violations pattern(String field, String value, Pattern pattern, String description) {
        if (value != null && !pattern.matcher(value).matches()) {
            add(field, "must be " + description);
        }
        return this;
    }

    public boolean isEmpty() {
        return errors.isEmpty();
    }

    public void throwIfAny() {
        if (!errors.isEmpty()) {
            throw new ApiException(ErrorCode.VALIDATION_FAILED,
                    errors.size() == 1 ? "1 field is invalid" : errors.size() + " fields are invalid", errors);
        }
    }
}
