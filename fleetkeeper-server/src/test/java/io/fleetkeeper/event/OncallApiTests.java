package io.fleetkeeper.event;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.Reply;
import io.fleetkeeper.testing.TestTenant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** On-call schedules over HTTP: rotations in a time zone, overrides, who is on call, bad input, isolation. */
class OncallApiTests extends ApiTest {

    private static Map<String, Object> member(String name) {
        return Map.of("name", name, "email", name.toLowerCase() + "@example.com");
    }

    private static Map<String, Object> schedule(String zone, String start, int days, List<String> members) {
        Map<String, Object> body = new HashMap<>();
        body.put("name", randomName("primary-"));
        body.put("time_zone", zone);
        body.put("rotation", Map.of("start", start, "length_days", days,
                "members", members.stream().map(OncallApiTests::member).toList()));
        return body;
    }

    private JsonNode onCall(TestTenant t, String id, String at) {
        return api.get(t.admin(), "/api/v1/oncall-schedules/" + id + "/on-call?at=" + at).expect(200);
    }

    @Test
    void theRotationHandsOffAtTheLocalTimeAcrossDaylightSavingAndOverridesWin() {
        TestTenant t = newTenant();
        JsonNode s = api.post(t.admin(), "/api/v1/oncall-schedules", schedule("Europe/Berlin", "2027-03-20T09:00", 1,
                List.of("Ann", "Ben", "Cem"))).expect(201);
        String id = s.path("id").asString();
        assertThat(s.path("rotation").path("start").asString()).isEqualTo("2027-03-20T09:00:00");
        assertThat(s.path("time_zone").asString()).isEqualTo("Europe/Berlin");

        // 20 Mar Ann, 21 Ben, ... 27 Ben, 28 Cem; clocks go forward on 28 Mar, 09:00 is then 07:00Z (not 08:00Z)
        assertThat(onCall(t, id, "2027-03-20T08:00:00Z").path("member").path("name").asString()).isEqualTo("Ann");
        assertThat(onCall(t, id, "2027-03-20T07:59:59Z").path("member").path("name").asString())
                .as("before the first hand-off the turn before it").isEqualTo("Cem");
        assertThat(onCall(t, id, "2027-03-28T06:59:59Z").path("member").path("name").asString()).isEqualTo("Ben");
        JsonNode cem = onCall(t, id, "2027-03-28T07:00:00Z");
        assertThat(cem.path("member").path("name").asString()).isEqualTo("Cem");
        assertThat(cem.path("member").path("email").asString()).isEqualTo("cem@example.com");
        assertThat(cem.path("source").asString()).isEqualTo("rotation");
        assertThat(cem.path("since").asString()).isEqualTo("2027-03-28T07:00:00Z");
        assertThat(cem.path("until").asString()).isEqualTo("2027-03-29T07:00:00Z");

        JsonNode o = api.post(t.admin(), "/api/v1/oncall-schedules/" + id + "/overrides", Map.of("name", "Dee",
                "email", "dee@example.com", "starts_at", "2027-03-28T12:00:00Z", "ends_at", "2027-03-28T14:00:00Z"))
                .expect(201);
        JsonNode dee = onCall(t, id, "2027-03-28T13:00:00Z");
        assertThat(dee.path("member").path("name").asString()).isEqualTo("Dee");
        assertThat(dee.path("source").asString()).isEqualTo("override");
        assertThat(dee.path("until").asString()).isEqualTo("2027-03-28T14:00:00Z");
        assertThat(onCall(t, id, "2027-03-28T08:00:00Z").path("until").asString())
                .as("the rotation's turn is cut by the override").isEqualTo("2027-03-28T12:00:00Z");
        assertThat(onCall(t, id, "2027-03-28T14:00:00Z").path("member").path("name").asString()).isEqualTo("Cem");
        api.post(t.admin(), "/api/v1/oncall-schedules/" + id + "/overrides", Map.of("name", "Eve",
                "email", "eve@example.com", "starts_at", "2027-03-28T13:59:00Z", "ends_at", "2027-03-28T15:00:00Z"))
                .expectProblem(400, "VALIDATION_FAILED");
        assertThat(api.get(t.admin(), "/api/v1/oncall-schedules/" + id + "/overrides").expect(200).path("items")
                .findValuesAsString("id")).containsExactly(o.path("id").asString());
        api.delete(t.admin(), "/api/v1/oncall-schedules/" + id + "/overrides/" + o.path("id").asString()).expect(204);
        assertThat(onCall(t, id, "2027-03-28T13:00:00Z").path("member").path("name").asString()).isEqualTo("Cem");

        Reply changed = api.patch(t.admin(), "/api/v1/oncall-schedules/" + id, Map.of("rotation", Map.of(
                "start", "2027-03-20T09:00", "length_days", 7, "members", List.of(member("Fay"), member("Gus")))),
                "\"1\"");
        assertThat(changed.expect(200).path("version").asLong()).isEqualTo(2);
        assertThat(onCall(t, id, "2027-03-28T07:00:00Z").path("member").path("name").asString()).isEqualTo("Gus");
        api.patch(t.admin(), "/api/v1/oncall-schedules/" + id, Map.of("name", "x"), "\"1\"")
                .expectProblem(412, "PRECONDITION_FAILED");
        assertThat(api.get(t.admin(), "/api/v1/audit?target_id=" + id).expect(200).path("items")
                .findValuesAsString("action")).contains("oncall_schedule.create", "oncall_schedule.override",
                        "oncall_schedule.override_delete", "oncall_schedule.update");
    }

    @Test
    void badSchedulesAreRefusedWithTheFieldAndNothingIsCreated() {
        TestTenant t = newTenant();
        Map<String, Object> zone = schedule("Mars/Olympus", "2027-01-01T09:00", 7, List.of("Ann"));
        assertThat(api.post(t.admin(), "/api/v1/oncall-schedules", zone).expectProblem(400, "VALIDATION_FAILED")
                .path("errors").findValuesAsString("field")).containsExactly("time_zone");
        Map<String, Object> start = schedule("UTC", "next monday", 7, List.of("Ann"));
        assertThat(api.post(t.admin(), "/api/v1/oncall-schedules", start).expectProblem(400, "VALIDATION_FAILED")
                .path("errors").findValuesAsString("field")).containsExactly("rotation.start");
        Map<String, Object> members = schedule("UTC", "2027-01-01T09:00", 0, List.of());
        assertThat(api.post(t.admin(), "/api/v1/oncall-schedules", members).expectProblem(400, "VALIDATION_FAILED")
                .path("errors").findValuesAsString("field"))
                .containsExactlyInAnyOrder("rotation.length_days", "rotation.members");
        Map<String, Object> email = schedule("UTC", "2027-01-01T09:00", 7, List.of("Ann"));
        email.put("rotation", Map.of("start", "2027-01-01T09:00", "length_days", 7,
                "members", List.of(Map.of("name", "Ann", "email", "ann at example"))));
        email.put("quiet_hours", Map.of("from", "22:00", "to", "22:00"));
        assertThat(api.post(t.admin(), "/api/v1/oncall-schedules", email).expectProblem(400, "VALIDATION_FAILED")
                .path("errors").findValuesAsString("field"))
                .containsExactlyInAnyOrder("rotation.members.email", "quiet_hours");
        assertThat(api.get(t.admin(), "/api/v1/oncall-schedules").expect(200).path("items")).isEmpty();
        api.post(token(t, "viewer"), "/api/v1/oncall-schedules", schedule("UTC", "2027-01-01T09:00", 7,
                List.of("Ann"))).expectProblem(403, "FORBIDDEN");
    }

    @Test
    void anotherTenantSeesNoScheduleAndAScheduleInUseIsNotDeleted() {
        TestTenant t = newTenant();
        TestTenant other = newTenant();
        JsonNode s = api.post(t.admin(), "/api/v1/oncall-schedules", schedule("UTC", "2027-01-01T09:00", 7,
                List.of("Ann"))).expect(201);
        String id = s.path("id").asString();
        api.get(other.admin(), "/api/v1/oncall-schedules/" + id).expectProblem(404, "NOT_FOUND");
        api.get(other.admin(), "/api/v1/oncall-schedules/" + id + "/on-call").expectProblem(404, "NOT_FOUND");
        api.post(other.admin(), "/api/v1/oncall-schedules/" + id + "/overrides", Map.of("name", "Eve",
                "email", "eve@example.com", "starts_at", "2027-03-28T13:59:00Z", "ends_at", "2027-03-28T15:00:00Z"))
                .expectProblem(404, "NOT_FOUND");
        api.delete(other.admin(), "/api/v1/oncall-schedules/" + id).expectProblem(404, "NOT_FOUND");
        assertThat(api.get(other.admin(), "/api/v1/oncall-schedules").expect(200).path("items")).isEmpty();
        api.post(other.admin(), "/api/v1/alert-rules", Map.of("name", "r", "kind", "job_failed", "severity", "info",
                "escalation", Map.of("after_minutes", 5, "schedule_id", id)))
                .expectProblem(400, "VALIDATION_FAILED");

        String rule = api.post(t.admin(), "/api/v1/alert-rules", Map.of("name", "r", "kind", "job_failed",
                "severity", "info", "escalation", Map.of("after_minutes", 5, "schedule_id", id))).expect(201)
                .path("id").asString();
        api.delete(t.admin(), "/api/v1/oncall-schedules/" + id).expectProblem(409, "IN_USE");
        api.delete(t.admin(), "/api/v1/alert-rules/" + rule).expect(204);
        api.delete(t.admin(), "/api/v1/oncall-schedules/" + id).expect(204);
        api.get(t.admin(), "/api/v1/oncall-schedules/" + id).expectProblem(404, "NOT_FOUND");
    }
}
