package io.fleetkeeper.device;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.TestTenant;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/** {@code GET /api/v1/devices}: every filter, every sort and keyset pagination. */
class DeviceListApiTests extends ApiTest {

    private TestTenant tenant;
    private String siteA;
    private final List<JsonNode> fleet = new ArrayList<>();

    /** A small fleet of this test's own, with names repeated so that sorts need their id tie-break. */
    @BeforeEach
    void fleet() {
        tenant = newTenant();
        siteA = createSite(tenant.admin(), "site a").path("id").asString();
        String siteB = createSite(tenant.admin(), "site b").path("id").asString();
        add("cam-1", "camera", "SN-A-001", siteA, List.of("outdoor", "ptz"), Map.of("room", "101"), "2.0.0");
        add("cam-2", "camera", "SN-A-002", siteB, List.of("outdoor"), Map.of("room", "102"), "2.1.0");
        add("meter", "meter", "SN-B-001", siteA, List.of("indoor"), Map.of("room", "101", "floor", "1"), "1.0.0");
        add("meter", "meter", null, null, List.of(), Map.of(), "1.0.0");
        add("alpha", "sensor", "SN-B-002", siteB, List.of("outdoor", "ptz"), Map.of("floor", "1"), null);
        add("meter", "sensor", "SN-C-001", null, List.of(), Map.of("room", "101"), "2.0.0");
        add("zulu", "camera", null, siteA, List.of("indoor"), Map.of(), null);
        api.post(tenant.admin(), "/api/v1/devices/" + idOf("cam-2") + "/suspend", null).expect(200);
        api.post(tenant.admin(), "/api/v1/devices/" + idOf("zulu") + "/decommission", null).expect(200);
    }

    @Test
    void eachFilterSelectsExactlyTheMatchingDevices() {
        assertThat(names("type=camera")).containsExactlyInAnyOrder("cam-1", "cam-2", "zulu");
        assertThat(names("status=suspended")).containsExactlyInAnyOrder("cam-2");
        assertThat(names("status=active")).containsExactlyInAnyOrder("cam-1", "meter", "meter", "alpha", "meter");
        assertThat(names("status=decommissioned")).containsExactlyInAnyOrder("zulu");
        assertThat(names("site=" + siteA)).containsExactlyInAnyOrder("cam-1", "meter", "zulu");
        assertThat(names("tag=outdoor")).containsExactlyInAnyOrder("cam-1", "cam-2", "alpha");
        assertThat(names("metadata=floor=1")).containsExactlyInAnyOrder("meter", "alpha");
        assertThat(names("firmware=2.0.0")).containsExactlyInAnyOrder("cam-1", "meter");
        assertThat(names("serial_prefix=SN-A")).containsExactlyInAnyOrder("cam-1", "cam-2");
        assertThat(names("serial_prefix=SN-B-00")).containsExactlyInAnyOrder("meter", "alpha");
        assertThat(names("type=nothing")).isEmpty();
    }

    @Test
    void repeatedAndCombinedFiltersMustAllMatch() {
        assertThat(names("tag=outdoor&tag=ptz")).containsExactlyInAnyOrder("cam-1", "alpha");
        assertThat(names("metadata=room=101&metadata=floor=1")).containsExactlyInAnyOrder("meter");
        assertThat(names("type=camera&status=active")).containsExactlyInAnyOrder("cam-1");
        assertThat(names("site=" + siteA + "&tag=indoor&type=meter")).containsExactlyInAnyOrder("meter");
        assertThat(ids(list("type=meter&serial_prefix=SN-B"))).containsExactlyInAnyOrder(idOf("SN-B-001"));
    }

    @Test
    void lastSeenFiltersMatchOnlyDevicesThatHaveBeenSeen() {
        assertThat(names("last_seen_from=2000-01-01T00:00:00Z")).isEmpty();
        assertThat(names("last_seen_to=2100-01-01T00:00:00Z")).isEmpty();
        assertThat(names("last_seen_from=2000-01-01T00:00:00Z&last_seen_to=2100-01-01T00:00:00Z")).isEmpty();
        api.get(tenant.admin(), "/api/v1/devices?last_seen_from=yesterday").expectProblem(400, "INVALID_PARAMETER");
    }

    @Test
    void invalidFilterValuesAreRefused() {
        api.get(tenant.admin(), "/api/v1/devices?status=broken").expectProblem(400, "INVALID_PARAMETER");
        api.get(tenant.admin(), "/api/v1/devices?metadata=room").expectProblem(400, "INVALID_PARAMETER");
        api.get(tenant.admin(), "/api/v1/devices?sort=colour").expectProblem(400, "INVALID_PARAMETER");
        api.get(tenant.admin(), "/api/v1/devices?limit=0").expectProblem(400, "INVALID_PARAMETER");
        api.get(tenant.admin(), "/api/v1/devices?limit=1001").expectProblem(400, "INVALID_PARAMETER");
    }

    @Test
    void sortsOrderByTheirKeyThenById() {
        Comparator<JsonNode> byId = Comparator.comparing(d -> d.path("id").asString());
        Comparator<JsonNode> byName = Comparator.<JsonNode, String>comparing(d -> d.path("name").asString())
                .thenComparing(byId);
        Comparator<JsonNode> bySerial = Comparator.<JsonNode, String>comparing(d -> d.path("serial").asString(""))
                .thenComparing(byId);

        assertThat(ids(list(""))).containsExactlyElementsOf(sorted(byId));
        assertThat(ids(list("sort=id"))).containsExactlyElementsOf(sorted(byId));
        assertThat(ids(list("sort=-id"))).containsExactlyElementsOf(sorted(byId.reversed()));
        assertThat(ids(list("sort=name"))).containsExactlyElementsOf(sorted(byName));
        assertThat(ids(list("sort=-name"))).containsExactlyElementsOf(sorted(byName.reversed()));
        assertThat(ids(list("sort=serial"))).containsExactlyElementsOf(sorted(bySerial));
        assertThat(ids(list("sort=-serial"))).containsExactlyElementsOf(sorted(bySerial.reversed()));
    }

    @ParameterizedTest(name = "sort={0}")
    @ValueSource(strings = {"id", "-id", "name", "-name", "serial", "-serial"})
    void keysetPagesVisitEveryDeviceOnceInSortOrder(String sort) {
        List<String> all = ids(list("sort=" + sort));

        for (int limit : new int[] {1, 2, 3, 7}) {
            assertThat(walk("sort=" + sort, limit)).as("limit %d", limit).containsExactlyElementsOf(all);
        }
    }

    @Test
    void paginationKeepsTheFilters() {
        assertThat(walk("status=active&sort=name", 2)).containsExactlyElementsOf(ids(list("status=active&sort=name")))
                .hasSize(5);
        assertThat(walk("tag=outdoor&sort=-serial", 1)).hasSize(3);
    }

    @Test
    void invalidCursorIsRefused() {
        String nameCursor = list("sort=name&limit=2").path("next_cursor").asString();
        String bogus = Base64.getUrlEncoder().withoutPadding().encodeToString("id\nx".getBytes(StandardCharsets.UTF_8));

        for (String cursor : List.of("not-a-cursor", "%%%", bogus)) {
            api.get(tenant.admin(), "/api/v1/devices?cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8))
                    .expectProblem(400, "INVALID_CURSOR");
        }
        api.get(tenant.admin(), "/api/v1/devices?sort=serial&cursor=" + nameCursor)
                .expectProblem(400, "INVALID_CURSOR");
        String auditCursor = api.get(tenant.admin(), "/api/v1/audit?limit=1").expect(200).path("next_cursor")
                .asString();
        api.get(tenant.admin(), "/api/v1/devices?cursor=" + auditCursor).expectProblem(400, "INVALID_CURSOR");
        api.get(tenant.admin(), "/api/v1/devices?sort=name&cursor=" + nameCursor).expect(200);
    }

    @Test
    void defaultPageIsFiftyAndTheLastPageHasNoCursor() {
        JsonNode page = list("");

        assertThat(page.path("items")).hasSize(7);
        assertThat(page.path("next_cursor").isNull()).isTrue();
    }

    private void add(String name, String type, String serial, String site, List<String> tags,
            Map<String, String> metadata, String firmware) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("name", name);
        fields.put("device_type", type);
        fields.put("serial", serial);
        fields.put("site", site);
        fields.put("tags", tags);
        fields.put("metadata", metadata);
        fields.put("firmware_version", firmware);
        fleet.add(createDevice(tenant.admin(), fields));
    }

    /** The id of the first device with this name or serial. */
    private String idOf(String nameOrSerial) {
        return fleet.stream().filter(d -> d.path("name").asString().equals(nameOrSerial)
                || d.path("serial").asString("").equals(nameOrSerial)).findFirst().orElseThrow().path("id").asString();
    }

    private List<String> sorted(Comparator<JsonNode> order) {
        return fleet.stream().sorted(order).map(d -> d.path("id").asString()).toList();
    }

    private JsonNode list(String query) {
        return api.get(tenant.admin(), "/api/v1/devices?" + query).expect(200);
    }

    /** Names of the matching devices (in id order, which is creation order only across milliseconds). */
    private List<String> names(String query) {
        return list(query).path("items").findValuesAsString("name");
    }

    /** Walks every page of a listing with {@code limit}; returns the ids in the order received. */
    private List<String> walk(String query, int limit) {
        List<String> seen = new ArrayList<>();
        String cursor = null;
        for (int pages = 0; pages <= fleet.size() + 1; pages++) {
            JsonNode page = list(query + "&limit=" + limit + (cursor == null ? "" : "&cursor=" + cursor));
            assertThat(page.path("items").size()).isLessThanOrEqualTo(limit);
            seen.addAll(ids(page));
            cursor = page.path("next_cursor").asString(null);
            if (cursor == null) {
                return seen;
            }
        }
        throw new AssertionError("pagination did not end: " + seen);
    }
}
