package io.fleetkeeper.web;

/** Strong ETags carrying a resource version, and If-Match checks against them. */
public final class Etags {

    private Etags() {
    }

    public static String of(long version) {
        return "\"" + version + "\"";
    }

    /**
     * The version an {@code If-Match} header demands, or {@code null} when the header is absent or
     * {@code *}. A header that names no version this server issued can never match.
     */
    public static Long expectedVersion(String ifMatch) {
        if (ifMatch == null || ifMatch.isBlank() || ifMatch.trim().equals("*")) {
            return null;
        }
        String v = ifMatch.trim();
        if (v.startsWith("W/")) {
            return -1L; // If-Match uses strong comparison (RFC 9110 13.1.1): a weak tag never matches
        }
        if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
            v = v.substring(1, v.length() - 1);
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            return -1L;
        }
    }
}
