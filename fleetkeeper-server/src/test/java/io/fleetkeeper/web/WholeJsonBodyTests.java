package io.fleetkeeper.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.Reply;
import io.fleetkeeper.testing.TestTenant;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * A JSON body that fits the server's buffer goes out whole, with a Content-Length (Spring's converters flush
 * after writing, which would otherwise send it chunked); a larger one still arrives complete.
 */
class WholeJsonBodyTests extends ApiTest {

    private static void assertWhole(Reply reply) {
        assertThat(reply.header("Transfer-Encoding")).as("Transfer-Encoding of %s", reply.request()).isNull();
        assertThat(reply.header("Content-Length")).as("Content-Length of %s", reply.request())
                .isEqualTo(String.valueOf(reply.body().getBytes(StandardCharsets.UTF_8).length));
    }

    @Test
    void aSmallJsonBodyAndAProblemGoOutWithAContentLength() {
        TestTenant t = newTenant();
        String id = createDevice(t.admin(), device("whole-1")).path("id").asString();

        Reply device = api.get(t.admin(), "/api/v1/devices/" + id);
        device.expect(200);
        assertWhole(device);

        Reply missing = api.get(t.admin(), "/api/v1/devices/01a242c3-cebc-71d9-ba43-3dee0a52d24f");
        missing.expectProblem(404, "NOT_FOUND");
        assertWhole(missing);
    }

    @Test
    void aJsonBodyLargerThanTheBufferArrivesComplete() {
        TestTenant t = newTenant();
        for (int i = 0; i < 40; i++) {
            createDevice(t.admin(), device("whole-large-" + i));
        }

        Reply list = api.get(t.admin(), "/api/v1/devices?limit=100");

        assertThat(list.expect(200).path("items")).hasSize(40);
        assertThat(list.body().length()).isGreaterThan(8192);
        assertThat(list.header("Transfer-Encoding")).isEqualTo("chunked");
    }
}
