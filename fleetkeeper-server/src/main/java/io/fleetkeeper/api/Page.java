package io.fleetkeeper.api;

import jakarta.annotation.Nullable;
import java.util.List;
import java.util.UUID;
import java.util.function.BiFunction;
import java.util.function.Function;

/** One page of a keyset-paginated listing; {@code nextCursor} is null on the last page. */
public record Page<T>(List<T> items, @Nullable String nextCursor) {

    public <R> Page<R> map(Function<T, R> mapper) {
        return new Page<>(items.stream().map(mapper).toList(), nextCursor);
    }

    /**
     * Builds a page from {@code limit + 1} fetched rows: the extra row only says another page exists.
     */
    public static <T> Page<T> of(List<T> fetched, int limit, Function<T, Cursor> cursorOf) {
        if (fetched.size() <= limit) {
            return new Page<>(fetched, null);
        }
        List<T> items = fetched.subList(0, limit);
        return new Page<>(List.copyOf(items), cursorOf.apply(items.get(limit - 1)).encode());
    }

    /**
     * A listing in ascending order of a UUID key (ids are time-ordered, so this is creation order):
     * {@code fetch} receives the key after which to start ({@code null} for the first page) and how
     * many rows to read.
     */
    public static <T> Page<T> afterId(String sort, @Nullable String cursor, int limit,
            BiFunction<UUID, Integer, List<T>> fetch, Function<T, UUID> idOf) {
        Cursor c = Cursor.decode(cursor, sort);
        UUID after = null;
        if (c != null) {
            try {
                after = UUID.fromString(c.id());
            } catch (IllegalArgumentException e) {
                throw new ApiException(ErrorCode.INVALID_CURSOR, "cursor is not valid for this listing and sort");
            }
        }
        return of(fetch.apply(after, limit + 1), limit, t -> new Cursor(sort, null, idOf.apply(t).toString()));
    }
}
