package io.fleetkeeper.api;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * An opaque keyset cursor: the sort key and id of the last item of a page. Clients pass it back
 * verbatim as {@code cursor}; it is only valid with the same sort.
 */
public record Cursor(String sort, String key, String id) {

    private static final Base64.Encoder ENC = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DEC = Base64.getUrlDecoder();

    public String encode() {
        String raw = sort + "\n" + (key == null ? "\u0000" : key) + "\n" + id;
        return ENC.encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    /** Decodes a cursor made for {@code expectedSort}; {@code null} input means the first page. */
    public static Cursor decode(String text, String expectedSort) {
        if (text == null || text.isEmpty()) {
            return null;
        }
        try {
            String raw = new String(DEC.decode(text), StandardCharsets.UTF_8);
            List<String> parts = List.of(raw.split("\n", -1));
            if (parts.size() != 3 || !parts.get(0).equals(expectedSort)) {
                throw new IllegalArgumentException();
            }
            String key = parts.get(1).equals("\u0000") ? null : parts.get(1);
            return new Cursor(parts.get(0), key, parts.get(2));
        } catch (IllegalArgumentException e) {
            throw new ApiException(ErrorCode.INVALID_CURSOR, "cursor is not valid for this listing and sort");
        }
    }
}
