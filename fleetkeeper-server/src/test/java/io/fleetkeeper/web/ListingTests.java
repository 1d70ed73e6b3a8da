package io.fleetkeeper.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.Csrs;
import io.fleetkeeper.testing.TestTenant;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Every listing answers {@code {"items": [...], "next_cursor": ...}}; the growing ones page with limit/cursor. */
class ListingTests extends ApiTest {

    @Test
    void everyListingHasTheSameShape() {
        TestTenant t = newTenant();
        Fixture f = fixture(t);
        for (String path : List.of("/api/v1/tokens", "/api/v1/pki/cas", "/api/v1/provisioning-keys",
                "/api/v1/provisioning-keys/" + f.key() + "/devices", "/api/v1/claim-tokens",
                "/api/v1/claim-tokens/" + f.claimTokens().get(0) + "/devices", "/api/v1/manifests",
                "/api/v1/devices/" + f.device() + "/certificates", "/api/v1/devices/" + f.device() + "/slots")) {
            JsonNode page = api.get(t.admin(), path).expect(200);
            assertThat(page.isObject()).as(path).isTrue();
            assertThat(page.path("items").isArray()).as(path).isTrue();
            assertThat(page.has("next_cursor")).as(path).isTrue();
        }
        JsonNode operatorTokens = api.get(PLATFORM_TOKEN, "/api/v1/operator/tokens").expect(200);
        assertThat(operatorTokens.path("items").isArray()).isTrue();
        assertThat(operatorTokens.has("next_cursor")).isTrue();
    }

    @Test
    void growingListingsPageThroughEveryItemOnce() {
        TestTenant t = newTenant();
        Fixture f = fixture(t);
        List<String> tokens = new ArrayList<>(List.of(t.adminTokenId()));
        for (int i = 0; i < 2; i++) {
            tokens.add(api.post(t.admin(), "/api/v1/tokens", Map.of("name", "t" + i, "role", "viewer")).expect(201)
                    .path("id").asString());
        }
        assertThat(walk(t.admin(), "/api/v1/tokens")).containsExactlyElementsOf(tokens);
        assertThat(walk(t.admin(), "/api/v1/claim-tokens")).containsExactlyElementsOf(f.claimTokens());
        assertThat(walk(t.admin(), "/api/v1/pki/cas")).containsExactlyElementsOf(f.cas());
        assertThat(walk(t.admin(), "/api/v1/devices/" + f.device() + "/certificates"))
                .containsExactlyElementsOf(f.certificates());
        assertThat(walk(PLATFORM_TOKEN, "/api/v1/operator/tokens")).doesNotHaveDuplicates().isNotEmpty();
    }

    @Test
    void aForeignCursorIsRefused() {
        TestTenant t = newTenant();
        Fixture f = fixture(t);
        String cursor = api.get(t.admin(), "/api/v1/claim-tokens?limit=1").expect(200).path("next_cursor").asString();
        api.get(t.admin(), "/api/v1/devices/" + f.device() + "/certificates?cursor=" + enc(cursor))
                .expectProblem(400, "INVALID_CURSOR");
        api.get(t.admin(), "/api/v1/claim-tokens?cursor=not-a-cursor").expectProblem(400, "INVALID_CURSOR");
        api.get(t.admin(), "/api/v1/provisioning-keys?limit=0").expectProblem(400, "INVALID_PARAMETER");
    }

    /** Follows {@code next_cursor} one item at a time; returns the ids in the order served. */
    private List<String> walk(String token, String path) {
        List<String> ids = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode page = api.get(token, path + "?limit=1" + (cursor == null ? "" : "&cursor=" + enc(cursor)))
                    .expect(200);
            assertThat(page.path("items").size()).isLessThanOrEqualTo(1);
            ids.addAll(ids(page));
            cursor = page.path("next_cursor").isNull() ? null : page.path("next_cursor").asString();
        } while (cursor != null);
        return ids;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    record Fixture(String device, List<String> cas, List<String> certificates, String key, List<String> claimTokens) {
    }

    private Fixture fixture(TestTenant t) {
        String root = api.post(t.admin(), "/api/v1/pki/cas", Map.of("name", "root")).expect(201).path("id").asString();
        String issuing = api.post(t.admin(), "/api/v1/pki/cas", Map.of("name", "issuing", "parent_id", root))
                .expect(201).path("id").asString();
        String device = createDevice(t.admin(), device("d")).path("id").asString();
        List<String> certificates = new ArrayList<>();
        for (String slot : List.of("identity", "signing", "identity")) {
            certificates.add(api.post(t.admin(), "/api/v1/devices/" + device + "/certificates",
                    Map.of("csr", Csrs.csrPem(Csrs.p256()), "slot", slot)).expect(201).path("certificate")
                    .path("id").asString());
        }
        String key = api.post(t.admin(), "/api/v1/provisioning-keys", Map.of("label", "factory")).expect(201)
                .path("id").asString();
        List<String> claimTokens = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            claimTokens.add(api.post(t.admin(), "/api/v1/claim-tokens", Map.of("label", "c" + i, "device_type",
                    "meter", "max_uses", 1, "expires_at", Instant.now().plus(1, ChronoUnit.DAYS).toString()))
                    .expect(201).path("id").asString());
        }
        return new Fixture(device, List.of(root, issuing), certificates, key, claimTokens);
    }
}
