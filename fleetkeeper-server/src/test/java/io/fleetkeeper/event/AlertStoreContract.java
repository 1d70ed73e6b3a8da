package io.fleetkeeper.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fleetkeeper.event.internal.AlertRepository;
import io.fleetkeeper.tenancy.TenantService;
import io.fleetkeeper.testing.ContractTenant;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.context.ApplicationContext;
import org.springframework.dao.DataAccessException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The alert store contract, the same on SQLite and PostgreSQL: channels, rules and alerts round-trip; at most one
 * alert per dedupe key is not resolved, enforced by the store itself; transitions keep their history.
 */
public interface AlertStoreContract {

    @Test
    default void channelsRulesAndAlertsRoundTrip(ApplicationContext ctx) {
        ContractTenant t = ContractTenant.create(ctx.getBean(TenantService.class), "al-");
        NotificationChannelService channels = ctx.getBean(NotificationChannelService.class);
        AlertRuleService rules = ctx.getBean(AlertRuleService.class);
        AlertService alerts = ctx.getBean(AlertService.class);
        JsonMapper json = ctx.getBean(JsonMapper.class);

        NotificationChannel c = channels.create(t.admin(), new NotificationChannel.Fields("ops", "webhook",
                "http://203.0.113.10/hook", null));
        assertThat(channels.get(t.id(), c.id())).isEqualTo(c);
        assertThat(channels.list(t.id(), null, 10).items()).containsExactly(c);
        AlertRule withChannel = rules.create(t.admin(), new AlertRule.Fields("offline", "device_offline", 5,
                "type = \"pump\"", "critical", List.of(c.id()), new AlertRule.Escalation(15, List.of(c.id())), null,
                false));
        assertThat(rules.get(t.id(), withChannel.id())).isEqualTo(withChannel);
        AlertRule patched = rules.update(t.admin(), withChannel.id(), json.readTree("{\"offline_minutes\":30}"), 1L);
        assertThat(rules.get(t.id(), withChannel.id())).isEqualTo(patched);
        assertThat(patched.offlineMinutes()).isEqualTo(30);
        assertThat(patched.channels()).containsExactly(c.id());
        assertThat(patched.escalation()).isEqualTo(new AlertRule.Escalation(15, List.of(c.id())));

        AlertRule jobs = rules.create(t.admin(), new AlertRule.Fields("jobs", "job_failed", null, null, "warning",
                List.of(), null, "jobs", true));
        Alert a = alerts.open(t.id(), jobs, "job-1", null, () -> "Job job-1 aborted").orElseThrow();
        assertThat(alerts.open(t.id(), jobs, "job-1", null, () -> "again")).isEmpty();
        assertThat(alerts.get(t.id(), a.id())).isEqualTo(a);
        assertThat(a.dedupeKey()).isEqualTo("jobs:job-1");
        Alert copy = new Alert(UUID.randomUUID(), jobs.id(), jobs.kind(), a.dedupeKey(), null, "warning", Alert.OPEN,
                "copy", Instant.ofEpochMilli(a.openedAt().toEpochMilli()), null, null, null, 0, null, 1);
        assertThatThrownBy(() -> ctx.getBean(AlertRepository.class).insert(t.id(), copy))
                .as("the store refuses a second unresolved alert of a key").isInstanceOf(DataAccessException.class);

        Alert acked = alerts.acknowledge(t.admin(), a.id());
        assertThat(acked.status()).isEqualTo(Alert.ACKNOWLEDGED);
        assertThat(alerts.get(t.id(), a.id())).isEqualTo(acked);
        assertThat(alerts.list(t.id(), Alert.ACKNOWLEDGED, "warning", jobs.id(), null, null, 10).items())
                .containsExactly(acked);
        assertThat(alerts.list(t.id(), Alert.OPEN, null, null, null, null, 10).items()).isEmpty();
        assertThat(alerts.autoResolve(t.id(), a.id())).isTrue();
        assertThat(alerts.autoResolve(t.id(), a.id())).isFalse();
        assertThat(alerts.history(t.id(), a.id()).stream().map(Alert.Transition::status))
                .containsExactly(Alert.OPEN, Alert.ACKNOWLEDGED, Alert.RESOLVED);
        Alert next = alerts.open(t.id(), jobs, "job-1", null, () -> "Job job-1 aborted again").orElseThrow();
        assertThat(alerts.list(t.id(), null, null, null, null, null, 10).items().stream().map(Alert::id))
                .containsExactly(next.id(), a.id());
    }
}
