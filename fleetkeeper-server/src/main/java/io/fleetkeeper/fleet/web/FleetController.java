package io.fleetkeeper.fleet.web;

import io.fleetkeeper.fleet.Aggregate;
import io.fleetkeeper.fleet.FleetQueries;
import io.fleetkeeper.tenancy.Caller;
import java.util.Map;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Counting and aggregating the devices a fleet query selects. */
@RestController
@RequestMapping("/api/v1")
class FleetController {

    private final FleetQueries queries;

    FleetController(FleetQueries queries) {
        this.queries = queries;
    }

    @GetMapping("/devices/count")
    Map<String, Long> count(Caller caller, @RequestParam(required = false) String query) {
        return Map.of("count", queries.count(caller.tenantId(), queries.compile(caller.tenantId(), query)));
    }

    @GetMapping("/fleet/aggregate")
    Aggregate aggregate(Caller caller, @RequestParam(required = false) String query,
            @RequestParam(name = "group_by") String groupBy, @RequestParam(required = false) Integer limit) {
        return queries.aggregate(caller.tenantId(), query, groupBy, limit == null ? 100 : limit);
    }
}
