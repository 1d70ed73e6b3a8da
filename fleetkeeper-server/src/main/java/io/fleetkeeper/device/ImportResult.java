package io.fleetkeeper.device;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fleetkeeper.api.ApiException.FieldError;
import java.util.List;
import java.util.UUID;

/**
 * The outcome of one import row. {@code result} is {@code created}, {@code failed}, or (atomic imports
 * that failed) {@code rolled_back}.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record ImportResult(long line, String result, UUID id, String code, String detail, List<FieldError> errors) {

    public static ImportResult created(long line, UUID id) {
        return new ImportResult(line, "created", id, null, null, List.of());
    }

    public static ImportResult failed(long line, String code, String detail, List<FieldError> errors) {
        return new ImportResult(line, "failed", null, code, detail, errors);
    }

    ImportResult rolledBack() {
        return "created".equals(result) ? new ImportResult(line, "rolled_back", null, null, null, List.of()) : this;
    }

    boolean ok() {
        return "created".equals(result);
    }

    /** Totals, sent as the last line of the response. */
    public record Summary(long rows, long created, long failed, boolean atomic, boolean committed,
            boolean truncated) {
    }
}
