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

    @Test
    default void schedulesOverridesAndTelemetryRulesRoundTrip(ApplicationContext ctx) {
        ContractTenant t = ContractTenant.create(ctx.getBean(TenantService.class), "oc-");
        OncallService oncall = ctx.getBean(OncallService.class);
        AlertRuleService rules = ctx.getBean(AlertRuleService.class);
        JsonMapper json = ctx.getBean(JsonMapper.class);

        OncallSchedule s = oncall.create(t.admin(), new OncallSchedule.Fields("primary", "America/New_York",
                new OncallSchedule.OncallRotation(java.time.LocalDateTime.parse("2027-01-04T09:00"), 7, List.of(
                        new OncallSchedule.OncallMember("Ann", "ann@example.com"),
                        new OncallSchedule.OncallMember("Ben", "ben@example.com"))),
                new OncallSchedule.QuietHours(java.time.LocalTime.of(22, 0), java.time.LocalTime.of(7, 0))));
        assertThat(oncall.get(t.id(), s.id())).isEqualTo(s);
        assertThat(oncall.list(t.id(), null, 10).items()).containsExactly(s);
        OncallSchedule.OncallOverride o = oncall.addOverride(t.admin(), s.id(), new OncallSchedule.OverrideFields("Cat",
                "cat@example.com", null, Instant.parse("2027-01-05T00:00:00Z"), Instant.parse("2027-01-06T00:00:00Z")));
        assertThat(oncall.overrides(t.id(), s.id())).containsExactly(o);
        assertThat(oncall.onCall(t.id(), s.id(), Instant.parse("2027-01-05T12:00:00Z")).member().name())
                .isEqualTo("Cat");
        assertThat(oncall.onCall(t.id(), s.id(), Instant.parse("2027-01-11T14:00:00Z")).member().name())
                .as("09:00 in New York is 14:00Z in January").isEqualTo("Ben");
        OncallSchedule renamed = oncall.update(t.admin(), s.id(), json.readTree("{\"name\":\"first\"}"), 1L);
        assertThat(oncall.get(t.id(), s.id())).isEqualTo(renamed);

        AlertRule hot = rules.create(t.admin(), new AlertRule.Fields("hot", "telemetry_threshold", null,
                new AlertRule.Threshold("power.v", "grid", ">=", 250.5, 3), null, null, "warning", List.of(),
                new AlertRule.Escalation(5, List.of(), s.id(), new AlertRule.Escalation(10, List.of(), s.id(), null)),
                null, null, true));
        assertThat(rules.get(t.id(), hot.id())).isEqualTo(hot);
        assertThat(hot.threshold().crossed(250.5)).isTrue();
        assertThat(hot.threshold().crossed(250.4)).isFalse();
        assertThat(hot.escalation().level(2).afterMinutes()).isEqualTo(10);
        oncall.deleteOverride(t.admin(), s.id(), o.id());
        assertThat(oncall.overrides(t.id(), s.id())).isEmpty();
    }

    @Test
    default void policiesContactChannelsAndChannelQuietHoursRoundTrip(ApplicationContext ctx) {
        ContractTenant t = ContractTenant.create(ctx.getBean(TenantService.class), "ep-");
        NotificationChannelService channels = ctx.getBean(NotificationChannelService.class);
        OncallService oncall = ctx.getBean(OncallService.class);
        EscalationPolicyService policies = ctx.getBean(EscalationPolicyService.class);
        AlertRuleService rules = ctx.getBean(AlertRuleService.class);
        JsonMapper json = ctx.getBean(JsonMapper.class);

        NotificationChannel quiet = channels.create(t.admin(), new NotificationChannel.Fields("night", "webhook",
                "http://203.0.113.10/hook", null, null, "Europe/Berlin",
                new OncallSchedule.QuietHours(java.time.LocalTime.of(22, 0), java.time.LocalTime.of(6, 30))));
        assertThat(channels.get(t.id(), quiet.id())).isEqualTo(quiet);
        NotificationChannel patched = channels.update(t.admin(), quiet.id(),
                json.readTree("{\"quiet_hours\":null,\"name\":\"day\"}"), 1L);
        assertThat(channels.get(t.id(), quiet.id())).isEqualTo(patched);
        assertThat(patched.quietHours()).isNull();

        OncallSchedule s = oncall.create(t.admin(), new OncallSchedule.Fields("primary", "UTC",
                new OncallSchedule.OncallRotation(java.time.LocalDateTime.parse("2027-01-04T09:00"), 7, List.of(
                        new OncallSchedule.OncallMember("Ann", "ann@example.com", List.of(quiet.id())))), null));
        assertThat(oncall.get(t.id(), s.id()).rotation().members().getFirst().channels()).containsExactly(quiet.id());
        OncallSchedule.OncallOverride o = oncall.addOverride(t.admin(), s.id(), new OncallSchedule.OverrideFields(
                "Cat", "cat@example.com", List.of(quiet.id()), Instant.parse("2027-01-05T00:00:00Z"),
                Instant.parse("2027-01-06T00:00:00Z")));
        assertThat(oncall.overrides(t.id(), s.id())).containsExactly(o);

        EscalationPolicy p = policies.create(t.admin(), new EscalationPolicy.Fields("standard",
                new AlertRule.Escalation(5, List.of(quiet.id()), s.id(), null)));
        assertThat(policies.get(t.id(), p.id())).isEqualTo(p);
        assertThat(policies.list(t.id(), null, 10).items()).containsExactly(p);
        AlertRule r = rules.create(t.admin(), new AlertRule.Fields("jobs", "provisioning_failures", null, null,
                new AlertRule.Rate(5, 15), null, "info", List.of(), null, p.id(), null, true));
        assertThat(rules.get(t.id(), r.id())).isEqualTo(r);
        assertThat(rules.escalation(t.id(), r)).isEqualTo(p.escalation());
        EscalationPolicy changed = policies.update(t.admin(), p.id(), json.readTree("{\"name\":\"renamed\"}"), 1L);
        assertThat(policies.get(t.id(), p.id())).isEqualTo(changed);
    }
}
