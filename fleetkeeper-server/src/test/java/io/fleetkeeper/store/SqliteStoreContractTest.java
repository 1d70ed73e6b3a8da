package io.fleetkeeper.store;

import io.fleetkeeper.audit.AuditStoreContract;
import io.fleetkeeper.carrier.CarrierStoreContract;
import io.fleetkeeper.command.CommandStoreContract;
import io.fleetkeeper.connectivity.ConnectionStoreContract;
import io.fleetkeeper.device.DeviceStoreContract;
import io.fleetkeeper.event.AlertStoreContract;
import io.fleetkeeper.event.EventStoreContract;
import io.fleetkeeper.export.ExportStoreContract;
import io.fleetkeeper.fleet.FleetStoreContract;
import io.fleetkeeper.job.JobStoreContract;
import io.fleetkeeper.ota.CampaignStoreContract;
import io.fleetkeeper.ota.FirmwareStoreContract;
import io.fleetkeeper.pki.PkiStoreContract;
import io.fleetkeeper.provisioning.ProvisioningStoreContract;
import io.fleetkeeper.secrets.SecretStoreContract;
import io.fleetkeeper.shadow.ShadowQueryStoreContract;
import io.fleetkeeper.shadow.ShadowStoreContract;
import io.fleetkeeper.telemetry.TelemetryStoreContract;
import io.fleetkeeper.template.TemplateStoreContract;
import io.fleetkeeper.tenancy.TenancyStoreContract;
import java.io.IOException;
import java.nio.file.Files;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** Every feature's store contract on the embedded default: an SQLite file in WAL mode. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
class SqliteStoreContractTest implements DeviceStoreContract, TenancyStoreContract,
        AuditStoreContract, FleetStoreContract, ShadowStoreContract, ShadowQueryStoreContract, CommandStoreContract,
        ConnectionStoreContract, JobStoreContract, PkiStoreContract, ProvisioningStoreContract,
        SecretStoreContract, EventStoreContract, FirmwareStoreContract,
        TelemetryStoreContract, AlertStoreContract,
        CampaignStoreContract, CarrierStoreContract, TemplateStoreContract, ExportStoreContract, LeaseStoreContract {

    @DynamicPropertySource
    static void store(DynamicPropertyRegistry registry) throws IOException {
        String dir = Files.createTempDirectory("fk-sqlite-contract").toString();
        registry.add("fleetkeeper.db.data-dir", () -> dir);
    }
}
