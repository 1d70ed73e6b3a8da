package io.fleetkeeper.testing;

import io.fleetkeeper.deviceapi.DeviceListener;
import java.nio.file.Files;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The one Spring context of the tests that count SQL statements per request ({@link CountedStatements}): the HTTP
 * API on a random port and the device listener, with MQTT, the job runner, event delivery and alerts off so that
 * nothing else runs statements. Subclasses share the context (same configuration), each with tenants of its own.
 */
@Import(CountedStatements.Config.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "fleetkeeper.auth.bootstrap-token=" + StatementCountingTest.PLATFORM_TOKEN,
        "fleetkeeper.mqtt.port=-1", "fleetkeeper.jobs.runner-enabled=false",
        "fleetkeeper.events.delivery-enabled=false", "fleetkeeper.alerts.enabled=false"})
public abstract class StatementCountingTest {

    protected static final String PLATFORM_TOKEN = "fk_test-platform-operator-statement-counting-0123456";

    @DynamicPropertySource
    static void dataDir(DynamicPropertyRegistry r) throws Exception {
        String dir = Files.createTempDirectory("fk-statement-counting").toString();
        r.add("fleetkeeper.db.data-dir", () -> dir);
    }

    @Autowired
    protected DeviceListener listener;
    @LocalServerPort
    protected int port;
}
