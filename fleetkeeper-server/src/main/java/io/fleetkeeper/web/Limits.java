package io.fleetkeeper.web;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import org.springframework.stereotype.Component;

/** Page-size rules shared by every listing. */
@Component
public class Limits {

    public static final int DEFAULT_PAGE = 50;
    private final ApiProperties props;

    Limits(ApiProperties props) {
        this.props = props;
    }

    public int pageSize(Integer requested) {
        if (requested == null) {
            return DEFAULT_PAGE;
        }
        if (requested < 1 || requested > props.maxPageSize()) {
            throw new ApiException(ErrorCode.INVALID_PARAMETER,
                    "limit must be between 1 and " + props.maxPageSize());
        }
        return requested;
    }
}
