package io.fleetkeeper.command;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.TestTenant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The operators' command API: create, idempotency, limits, cancel, listing, roles and tenant isolation. */
class CommandApiTests extends ApiTest {

    private TestTenant tenant;
    private String path;

    @BeforeEach
    void setUp() {
        tenant = newTenant();
        path = "/api/v1/devices/" + createDevice(tenant.admin(), device("pump")).path("id").asString() + "/commands";
    }

    static Map<String, Object> command(String name, Object payload) {
        Map<String, Object> c = new HashMap<>();
        c.put("name", name);
        c.put("payload", payload);
        return c;
    }

    @Test
    void createdCommandIsQueuedWithItsTtlAndReadsBack() {
        Map<String, Object> body = command("reboot", Map.of("delay", 5));
        body.put("ttl", 120);
        JsonNode c = api.post(tenant.admin(), path, body).expect(201);
        assertThat(c.path("status").asString()).isEqualTo("QUEUED");
        assertThat(c.path("name").asString()).isEqualTo("reboot");
        assertThat(c.path("payload").path("delay").asInt()).isEqualTo(5);
        assertThat(java.time.Duration.between(java.time.Instant.parse(c.path("created_at").asString()),
                java.time.Instant.parse(c.path("expires_at").asString())).toSeconds()).isEqualTo(120);
        JsonNode read = api.get(tenant.admin(), path + "/" + c.path("id").asString()).expect(200);
        assertThat(read).isEqualTo(c);
        JsonNode events = api.get(tenant.admin(), path.replace("/commands", "/events")).expect(200).path("items");
        assertThat(events.get(0).path("type").asString()).isEqualTo("COMMAND-QUEUED");
        assertThat(api.get(tenant.admin(), "/api/v1/audit?action=command.create").expect(200).path("items"))
                .hasSize(1);
    }

    @Test
    void sameIdempotencyKeyWithinTheTtlReturnsTheFirstCommand() {
        Map<String, Object> body = command("reboot", null);
        body.put("idempotency_key", "op-42");
        JsonNode first = api.post(tenant.admin(), path, body).expect(201);
        JsonNode again = api.post(tenant.admin(), path, body).expect(200);
        assertThat(again.path("id")).isEqualTo(first.path("id"));
        body.put("idempotency_key", "op-43");
        assertThat(api.post(tenant.admin(), path, body).expect(201).path("id")).isNotEqualTo(first.path("id"));
        assertThat(api.get(tenant.admin(), path).expect(200).path("items")).hasSize(2);
    }

    @Test
    void payloadOver64KbIsRefusedWith413AndBadFieldsWith400() {
        api.post(tenant.admin(), path, command("big", Map.of("blob", "x".repeat(70_000))))
                .expectProblem(413, "PAYLOAD_TOO_LARGE");
        api.post(tenant.admin(), path, command("bad name!", null)).expectProblem(400, "VALIDATION_FAILED");
        api.post(tenant.admin(), path, command("", null)).expectProblem(400, "VALIDATION_FAILED");
        Map<String, Object> body = command("reboot", null);
        body.put("ttl", 0);
        api.post(tenant.admin(), path, body).expectProblem(400, "VALIDATION_FAILED");
        body.put("ttl", 10_000_000);
        api.post(tenant.admin(), path, body).expectProblem(400, "VALIDATION_FAILED");
        api.post(tenant.admin(), path + "?wait=31", command("reboot", null)).expectProblem(400, "INVALID_PARAMETER");
        assertThat(api.get(tenant.admin(), path).expect(200).path("items")).isEmpty();
    }

    @Test
    void cancelEndsAnOpenCommandAndA409AfterwardsWhenFinal() {
        String id = api.post(tenant.admin(), path, command("reboot", null)).expect(201).path("id").asString();
        JsonNode canceled = api.post(tenant.admin(), path + "/" + id + "/cancel", Map.of()).expect(200);
        assertThat(canceled.path("status").asString()).isEqualTo("CANCELED");
        assertThat(canceled.path("finished_at").isString()).isTrue();
        api.post(tenant.admin(), path + "/" + id + "/cancel", Map.of()).expectProblem(409, "INVALID_TRANSITION");
        assertThat(api.get(tenant.admin(), "/api/v1/audit?action=command.cancel").expect(200).path("items"))
                .hasSize(1);
    }

    @Test
    void listIsNewestFirstPaginatedAndFiltersByStatus() {
        String a = api.post(tenant.admin(), path, command("a", null)).expect(201).path("id").asString();
        String b = api.post(tenant.admin(), path, command("b", null)).expect(201).path("id").asString();
        String c = api.post(tenant.admin(), path, command("c", null)).expect(201).path("id").asString();
        api.post(tenant.admin(), path + "/" + b + "/cancel", Map.of()).expect(200);
        JsonNode page = api.get(tenant.admin(), path + "?limit=2").expect(200);
        assertThat(ids(page)).containsExactly(c, b);
        JsonNode next = api.get(tenant.admin(), path + "?limit=2&cursor=" + page.path("next_cursor").asString())
                .expect(200);
        assertThat(ids(next)).containsExactly(a);
        assertThat(next.path("next_cursor").isNull() || next.path("next_cursor").isMissingNode()).isTrue();
        assertThat(ids(api.get(tenant.admin(), path + "?status=CANCELED").expect(200))).containsExactly(b);
        api.get(tenant.admin(), path + "?status=NOPE").expectProblem(400, "INVALID_PARAMETER");
    }

    @Test
    void viewerReadsButCannotSendOrCancel() {
        String id = api.post(tenant.admin(), path, command("reboot", null)).expect(201).path("id").asString();
        String viewer = token(tenant, "viewer");
        api.get(viewer, path + "/" + id).expect(200);
        api.post(viewer, path, command("reboot", null)).expectProblem(403, "FORBIDDEN");
        api.post(viewer, path + "/" + id + "/cancel", Map.of()).expectProblem(403, "FORBIDDEN");
        api.post(token(tenant, "operator"), path, command("reboot", null)).expect(201);
    }

    @Test
    void anotherTenantsDeviceAndCommandsAnswer404() {
        String id = api.post(tenant.admin(), path, command("reboot", null)).expect(201).path("id").asString();
        TestTenant other = newTenant();
        api.post(other.admin(), path, command("reboot", null)).expectProblem(404, "NOT_FOUND");
        api.get(other.admin(), path).expectProblem(404, "NOT_FOUND");
        api.get(other.admin(), path + "/" + id).expectProblem(404, "NOT_FOUND");
        api.post(other.admin(), path + "/" + id + "/cancel", Map.of()).expectProblem(404, "NOT_FOUND");
        String otherPath = "/api/v1/devices/" + createDevice(other.admin(), device("x")).path("id").asString()
                + "/commands/" + id;
        api.get(other.admin(), otherPath).expectProblem(404, "NOT_FOUND");
    }

    @Test
    void waitForAnOfflineDeviceAnswers504WithTheCommandIdAndTheCommandGoesOn() {
        JsonNode problem = api.post(tenant.admin(), path + "?wait=1", command("reboot", null))
                .expectProblem(504, "NOT_FINISHED_IN_TIME");
        String id = problem.path("command_id").asString();
        assertThat(api.get(tenant.admin(), path + "/" + id).expect(200).path("status").asString()).isEqualTo("QUEUED");
        assertThat(List.of(id)).isNotEmpty();
    }
}
