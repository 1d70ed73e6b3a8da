package io.fleetkeeper.tenancy;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** What a credential may do. Tenant roles nest (admin ⊇ operator ⊇ viewer); platform is separate. */
public enum Role {
    VIEWER, OPERATOR, ADMIN, PLATFORM;

    public boolean covers(Role required) {
        if (this == PLATFORM || required == PLATFORM) {
            return this == required;
        }
        return ordinal() >= required.ordinal();
    }

    /** The wire form ({@code admin}, ...), used in every response, as in requests. */
    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a tenant role name ({@code admin}, {@code operator}, {@code viewer}); null when it is not one. */
    public static Role tenantRole(String text) {
        if (text == null) {
            return null;
        }
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "admin" -> ADMIN;
            case "operator" -> OPERATOR;
            case "viewer" -> VIEWER;
            default -> null;
        };
    }
}
