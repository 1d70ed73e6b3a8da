package io.fleetkeeper.store;

import io.fleetkeeper.connectivity.ConnectionStoreContract;
import io.fleetkeeper.job.JobStoreContract;
import io.fleetkeeper.shadow.ShadowQueryStoreContract;
import java.io.IOException;
import java.nio.file.Files;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The store contract on the embedded default: an SQLite file in WAL mode. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
class SqliteStoreContractTest extends StoreContract implements ConnectionStoreContract,
        ShadowQueryStoreContract, JobStoreContract {

    @DynamicPropertySource
    static void store(DynamicPropertyRegistry registry) throws IOException {
        String dir = Files.createTempDirectory("fk-sqlite-contract").toString();
        registry.add("fleetkeeper.db.data-dir", () -> dir);
    }
}
