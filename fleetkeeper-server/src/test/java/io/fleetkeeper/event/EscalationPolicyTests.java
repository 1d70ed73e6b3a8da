package io.fleetkeeper.event;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetupTest;
import io.fleetkeeper.connectivity.internal.ConnectionStateRecorder;
import io.fleetkeeper.event.internal.AlertNotifier;
import io.fleetkeeper.event.internal.Escalations;
import io.fleetkeeper.event.internal.OfflineAlerts;
import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.Await;
import io.fleetkeeper.testing.MutableClock;
import io.fleetkeeper.testing.ProviderSink;
import io.fleetkeeper.testing.TestTenant;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * Escalation beyond e-mail, over HTTP with real receivers: the person on call reached through their own contact
 * channels (a local Slack stand-in) as well as by e-mail (GreenMail); shared escalation policies that rules
 * reference; quiet hours on a notification channel. Alerts open under a clock the test moves and the notifier is
 * stepped by the test (the server's alert loops are off, see ApiTest).
 */
class EscalationPolicyTests extends ApiTest {

    @Autowired OfflineAlerts offline;
    @Autowired Escalations escalations;
    @Autowired ConnectionStateRecorder recorder;
    @Autowired ApplicationContext ctx;

    private ProviderSink sink;
    private GreenMail smtp;
    private AlertNotifier notifier;
    private MutableClock clock;
    private Instant t0;

    @BeforeEach
    void setUp() throws Exception {
        sink = new ProviderSink();
        smtp = new GreenMail(ServerSetupTest.SMTP.dynamicPort());
        smtp.start();
        notifier = Notifiers.of(ctx, new AlertProperties(false, Duration.ofSeconds(30), sink.url("/v2/enqueue"),
                Duration.ofSeconds(5), "127.0.0.1", smtp.getSmtp().getPort(), "", "", "alerts@fleet.example", false));
        t0 = Instant.now().truncatedTo(ChronoUnit.MILLIS).minusSeconds(60);
        clock = new MutableClock(t0);
    }

    @AfterEach
    void tearDown() {
        sink.close();
        smtp.stop();
    }

    private String channel(TestTenant t, String name, String kind, String path) {
        return api.post(t.admin(), "/api/v1/notification-channels", Map.of("name", name, "kind", kind,
                "url", sink.url(path))).expect(201).path("id").asString();
    }

    private String seenDevice(TestTenant t, Instant at) {
        String id = createDevice(t.admin(), device(randomName("pump-"))).path("id").asString();
        recorder.seen(UUID.fromString(t.id()), UUID.fromString(id), at);
        recorder.flush();
        return id;
    }

    private void evaluateAt(Duration sinceT0) {
        clock.advance(Duration.between(clock.instant(), t0.plus(sinceT0)));
        offline.evaluate(clock);
    }

    private void escalateAt(Instant at) {
        clock.advance(Duration.between(clock.instant(), at));
        escalations.escalate(clock);
    }

    private Map<String, Object> offlineRule(String name, String severity, List<String> channels) {
        Map<String, Object> rule = new HashMap<>(Map.of("name", name, "kind", "device_offline", "offline_minutes", 5,
                "severity", severity, "channels", channels));
        return rule;
    }

    private JsonNode onlyAlert(TestTenant t, String deviceId) {
        return api.get(t.admin(), "/api/v1/alerts?device_id=" + deviceId).expect(200).path("items").get(0);
    }

    /** Steps the notifier until {@code path} received {@code count} bodies; returns them. */
    private List<JsonNode> received(String path, int count) {
        return Await.until(Duration.ofSeconds(20), count + " at " + path, () -> {
            notifier.step(clock);
            return sink.at(path);
        }, got -> got.size() >= count);
    }

    /** "recipient subject-prefix" of each message received about alert {@code id}. */
    private List<String> mailedTo(String id) {
        List<String> out = new ArrayList<>();
        try {
            for (MimeMessage m : smtp.getReceivedMessages()) {
                if (id.equals(m.getHeader("X-Fleetkeeper-Alert", null))) {
                    out.add(m.getAllRecipients()[0] + " " + m.getSubject().split(":")[0]);
                }
            }
        } catch (MessagingException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    private List<JsonNode> notificationsOf(TestTenant t, String alertId) {
        return api.get(t.admin(), "/api/v1/alerts/" + alertId + "/notifications").expect(200).path("items")
                .valueStream().toList();
    }

    @Test
    void thePersonOnCallIsReachedThroughTheirContactChannelsAsWellAsByEmail() {
        TestTenant t = newTenant();
        TestTenant other = newTenant();
        String annSlack = channel(t, "ann-slack", "slack", "/ann");
        String foreign = channel(other, "theirs", "webhook", "/theirs");
        Map<String, Object> schedule = new HashMap<>(Map.of("name", "primary", "time_zone", "UTC",
                "rotation", Map.of("start", t0.atZone(ZoneOffset.UTC).toLocalDate().minusDays(1) + "T00:00",
                        "length_days", 365, "members", List.of(
                                Map.of("name", "Ann", "email", "ann@example.com", "channels", List.of(annSlack)),
                                Map.of("name", "Ben", "email", "ben@example.com")))));
        String scheduleId = api.post(t.admin(), "/api/v1/oncall-schedules", schedule).expect(201).path("id")
                .asString();
        JsonNode onCall = api.get(t.admin(), "/api/v1/oncall-schedules/" + scheduleId + "/on-call").expect(200);
        assertThat(onCall.path("member").path("channels").valueStream().map(JsonNode::asString))
                .containsExactly(annSlack);

        Map<String, Object> rule = offlineRule("offline", "warning", List.of());
        rule.put("escalation", Map.of("after_minutes", 10, "schedule_id", scheduleId));
        api.post(t.admin(), "/api/v1/alert-rules", rule).expect(201);
        String device = seenDevice(t, t0);
        evaluateAt(Duration.ofMinutes(6));
        JsonNode alert = onlyAlert(t, device);
        String id = alert.path("id").asString();
        escalateAt(Instant.parse(alert.path("next_escalation_at").asString()));

        JsonNode slack = received("/ann", 1).getFirst();
        assertThat(slack.path("text").asString()).startsWith("Alert [WARNING] Device");
        Await.until(Duration.ofSeconds(20), "the e-mail to Ann", () -> {
            notifier.step(clock);
            return mailedTo(id);
        }, got -> !got.isEmpty());
        assertThat(mailedTo(id)).containsExactly("ann@example.com [WARNING] triggered");
        assertThat(notificationsOf(t, id)).extracting(n -> n.path("channel_id").asString() + " "
                + n.path("schedule_id").asString() + " " + n.path("recipient").asString() + " "
                + n.path("status").asString())
                .containsExactlyInAnyOrder(scheduleId + " " + scheduleId + " ann@example.com sent",
                        annSlack + " " + scheduleId + "  sent");

        api.post(t.admin(), "/api/v1/alerts/" + id + "/acknowledge", Map.of()).expect(200);
        assertThat(received("/ann", 2).stream().map(b -> b.path("text").asString().split(" ")[0]))
                .as("the person hears of the acknowledgement on the same channel, once")
                .containsExactly("Alert", "Acknowledged");
        assertThat(sink.at("/theirs")).isEmpty();

        api.delete(t.admin(), "/api/v1/notification-channels/" + annSlack).expectProblem(409, "IN_USE");
        Map<String, Object> bad = new HashMap<>(schedule);
        bad.put("name", "secondary");
        bad.put("rotation", Map.of("start", "2027-01-01T09:00", "length_days", 7, "members", List.of(
                Map.of("name", "Ann", "email", "ann@example.com", "channels", List.of(foreign)))));
        assertThat(api.post(t.admin(), "/api/v1/oncall-schedules", bad).expectProblem(400, "VALIDATION_FAILED")
                .path("errors").findValuesAsString("field")).containsExactly("rotation.members.channels");
        assertThat(api.post(t.admin(), "/api/v1/oncall-schedules/" + scheduleId + "/overrides", Map.of("name", "Cat",
                "email", "cat@example.com", "channels", List.of(UUID.randomUUID().toString()),
                "starts_at", t0.plus(Duration.ofDays(2)).toString(), "ends_at", t0.plus(Duration.ofDays(3)).toString()))
                .expectProblem(400, "VALIDATION_FAILED").path("errors").findValuesAsString("field"))
                .containsExactly("channels");
        JsonNode cat = api.post(t.admin(), "/api/v1/oncall-schedules/" + scheduleId + "/overrides", Map.of(
                "name", "Cat", "email", "cat@example.com", "channels", List.of(annSlack),
                "starts_at", t0.plus(Duration.ofDays(2)).toString(), "ends_at", t0.plus(Duration.ofDays(3)).toString()))
                .expect(201);
        assertThat(cat.path("member").path("channels").get(0).asString()).isEqualTo(annSlack);
        assertThat(api.get(t.admin(), "/api/v1/oncall-schedules/" + scheduleId + "/on-call?at="
                + t0.plus(Duration.ofDays(2)).plusSeconds(1)).expect(200).path("member").path("name").asString())
                .isEqualTo("Cat");
    }

    @Test
    void rulesShareAnEscalationPolicyAndAPolicyInUseIsNotDeleted() {
        TestTenant t = newTenant();
        TestTenant other = newTenant();
        String first = channel(t, "first", "webhook", "/p1");
        String second = channel(t, "second", "webhook", "/p2");

        assertThat(api.post(t.admin(), "/api/v1/escalation-policies", Map.of("name", "standard"))
                .expectProblem(400, "VALIDATION_FAILED").path("errors").findValuesAsString("field"))
                .containsExactly("escalation");
        assertThat(api.post(t.admin(), "/api/v1/escalation-policies", Map.of("name", "standard",
                "escalation", Map.of("after_minutes", 0, "channels", List.of(UUID.randomUUID().toString()))))
                .expectProblem(400, "VALIDATION_FAILED").path("errors").findValuesAsString("field"))
                .containsExactlyInAnyOrder("escalation.after_minutes", "escalation.channels");
        api.post(t.admin(), "/api/v1/escalation-policies", Map.of("name", "standard", "escalation", "soon"))
                .expectProblem(400, "VALIDATION_FAILED");
        assertThat(api.get(t.admin(), "/api/v1/escalation-policies").expect(200).path("items")).isEmpty();

        var created = api.post(t.admin(), "/api/v1/escalation-policies", Map.of("name", "standard",
                "escalation", Map.of("after_minutes", 10, "channels", List.of(first))));
        JsonNode policy = created.expect(201);
        assertThat(created.etag()).isEqualTo("\"1\"");
        String policyId = policy.path("id").asString();
        assertThat(policy.path("escalation").path("channels").get(0).asString()).isEqualTo(first);
        api.post(t.admin(), "/api/v1/escalation-policies", Map.of("name", "standard",
                "escalation", Map.of("after_minutes", 10, "channels", List.of(first))))
                .expectProblem(409, "ALREADY_EXISTS");
        api.get(other.admin(), "/api/v1/escalation-policies/" + policyId).expectProblem(404, "NOT_FOUND");
        api.patch(other.admin(), "/api/v1/escalation-policies/" + policyId, Map.of("name", "x"), null)
                .expectProblem(404, "NOT_FOUND");
        api.delete(other.admin(), "/api/v1/escalation-policies/" + policyId).expectProblem(404, "NOT_FOUND");
        assertThat(api.get(other.admin(), "/api/v1/escalation-policies").expect(200).path("items")).isEmpty();

        Map<String, Object> both = offlineRule("both", "critical", List.of());
        both.put("escalation_policy_id", policyId);
        both.put("escalation", Map.of("after_minutes", 5, "channels", List.of(second)));
        assertThat(api.post(t.admin(), "/api/v1/alert-rules", both).expectProblem(400, "VALIDATION_FAILED")
                .path("errors").findValuesAsString("field")).containsExactly("escalation_policy_id");
        Map<String, Object> foreign = offlineRule("foreign", "critical", List.of());
        foreign.put("escalation_policy_id", policyId);
        assertThat(api.post(other.admin(), "/api/v1/alert-rules", foreign).expectProblem(400, "VALIDATION_FAILED")
                .path("errors").findValuesAsString("field")).containsExactly("escalation_policy_id");

        Map<String, Object> rule = offlineRule("offline", "critical", List.of());
        rule.put("escalation_policy_id", policyId);
        JsonNode r = api.post(t.admin(), "/api/v1/alert-rules", rule).expect(201);
        assertThat(r.path("escalation_policy_id").asString()).isEqualTo(policyId);
        assertThat(r.path("escalation").isNull()).isTrue();
        String early = seenDevice(t, t0);
        String later = seenDevice(t, t0.plus(Duration.ofMinutes(8)));
        evaluateAt(Duration.ofMinutes(6));
        JsonNode a = onlyAlert(t, early);
        Instant opened = Instant.parse(a.path("opened_at").asString());
        assertThat(a.path("next_escalation_at").asString()).isEqualTo(opened.plus(Duration.ofMinutes(10)).toString());
        escalateAt(opened.plus(Duration.ofMinutes(10)));
        assertThat(received("/p1", 1).getFirst().path("alert").path("id").asString())
                .isEqualTo(a.path("id").asString());

        api.patch(t.admin(), "/api/v1/escalation-policies/" + policyId, Map.of("escalation",
                Map.of("after_minutes", 3, "channels", List.of(second))), "\"2\"")
                .expectProblem(412, "PRECONDITION_FAILED");
        var changed = api.patch(t.admin(), "/api/v1/escalation-policies/" + policyId, Map.of("escalation",
                Map.of("after_minutes", 3, "channels", List.of(second))), "\"1\"");
        assertThat(changed.expect(200).path("version").asLong()).isEqualTo(2);
        assertThat(changed.etag()).isEqualTo("\"2\"");
        evaluateAt(Duration.ofMinutes(14));
        JsonNode b = onlyAlert(t, later);
        Instant bOpened = Instant.parse(b.path("opened_at").asString());
        assertThat(b.path("next_escalation_at").asString())
                .as("the rule follows the policy as it is now").isEqualTo(bOpened.plus(Duration.ofMinutes(3)).toString());
        escalations.escalate(clock);
        assertThat(received("/p2", 1).getFirst().path("alert").path("id").asString())
                .isEqualTo(b.path("id").asString());
        assertThat(sink.at("/p1")).hasSize(1);

        api.delete(t.admin(), "/api/v1/notification-channels/" + second).expectProblem(409, "IN_USE");
        api.delete(t.admin(), "/api/v1/escalation-policies/" + policyId).expectProblem(409, "IN_USE");
        api.patch(t.admin(), "/api/v1/alert-rules/" + r.path("id").asString(),
                Map.of("escalation_policy_id", policyId + "0"), null).expectProblem(400, "VALIDATION_FAILED");
        api.patch(t.admin(), "/api/v1/alert-rules/" + r.path("id").asString(),
                java.util.Collections.singletonMap("escalation_policy_id", null), null).expect(200);
        api.call("DELETE", "/api/v1/escalation-policies/" + policyId).token(t.admin()).header("If-Match", "\"1\"")
                .send().expectProblem(412, "PRECONDITION_FAILED");
        api.call("DELETE", "/api/v1/escalation-policies/" + policyId).token(t.admin()).header("If-Match", "\"2\"")
                .send().expect(204);
        api.get(t.admin(), "/api/v1/escalation-policies/" + policyId).expectProblem(404, "NOT_FOUND");
        assertThat(api.get(t.admin(), "/api/v1/audit?target_id=" + policyId).expect(200).path("items")
                .findValuesAsString("action")).contains("escalation_policy.create", "escalation_policy.update",
                        "escalation_policy.delete");
        api.post(token(t, "viewer"), "/api/v1/escalation-policies", Map.of("name", "v",
                "escalation", Map.of("after_minutes", 10, "channels", List.of(first)))).expectProblem(403, "FORBIDDEN");
    }

    @Test
    void aChannelsQuietHoursHoldNonCriticalAlertsUntilTheyEndAndLetCriticalOnesThrough() {
        TestTenant t = newTenant();
        TestTenant other = newTenant();
        LocalTime from = t0.atZone(ZoneOffset.UTC).toLocalTime().truncatedTo(ChronoUnit.MINUTES);
        LocalTime to = from.plusHours(2);
        assertThat(api.post(t.admin(), "/api/v1/notification-channels", Map.of("name", "night", "kind", "webhook",
                "url", sink.url("/night"), "time_zone", "Mars/Olympus",
                "quiet_hours", Map.of("from", "22:00", "to", "22:00"))).expectProblem(400, "VALIDATION_FAILED")
                .path("errors").findValuesAsString("field")).containsExactlyInAnyOrder("time_zone", "quiet_hours");
        JsonNode created = api.post(t.admin(), "/api/v1/notification-channels", Map.of("name", "night",
                "kind", "webhook", "url", sink.url("/night"))).expect(201);
        String channel = created.path("id").asString();
        assertThat(created.path("quiet_hours").isNull()).isTrue();

        api.patch(t.admin(), "/api/v1/notification-channels/" + channel, Map.of("url", sink.url("/elsewhere")), "\"1\"")
                .expectProblem(400, "VALIDATION_FAILED");
        api.patch(other.admin(), "/api/v1/notification-channels/" + channel, Map.of("name", "x"), null)
                .expectProblem(404, "NOT_FOUND");
        api.patch(t.admin(), "/api/v1/notification-channels/" + channel, Map.of("quiet_hours",
                Map.of("from", "25:00", "to", "06:00")), "\"1\"").expectProblem(400, "VALIDATION_FAILED");
        var quiet = api.patch(t.admin(), "/api/v1/notification-channels/" + channel, Map.of("time_zone", "UTC",
                "quiet_hours", Map.of("from", from.toString(), "to", to.toString())), "\"1\"");
        JsonNode patched = quiet.expect(200);
        assertThat(quiet.etag()).isEqualTo("\"2\"");
        assertThat(patched.path("quiet_hours").path("from").asString()).startsWith(from.toString());
        assertThat(patched.path("time_zone").asString()).isEqualTo("UTC");
        api.patch(t.admin(), "/api/v1/notification-channels/" + channel, Map.of("name", "y"), "\"1\"")
                .expectProblem(412, "PRECONDITION_FAILED");
        assertThat(api.get(t.admin(), "/api/v1/audit?target_id=" + channel).expect(200).path("items")
                .findValuesAsString("action")).contains("notification_channel.update");

        api.post(t.admin(), "/api/v1/alert-rules", offlineRule("warn", "warning", List.of(channel))).expect(201);
        api.post(t.admin(), "/api/v1/alert-rules", offlineRule("page", "critical", List.of(channel))).expect(201);
        seenDevice(t, t0);
        evaluateAt(Duration.ofMinutes(6));
        List<JsonNode> alerts = api.get(t.admin(), "/api/v1/alerts").expect(200).path("items").valueStream().toList();
        assertThat(alerts).hasSize(2);
        String warning = alerts.stream().filter(a -> a.path("severity").asString().equals("warning")).findFirst()
                .orElseThrow().path("id").asString();

        assertThat(received("/night", 1)).singleElement()
                .satisfies(b -> assertThat(b.path("alert").path("severity").asString()).isEqualTo("critical"));
        JsonNode held = notificationsOf(t, warning).getFirst();
        assertThat(held.path("status").asString()).isEqualTo("pending");
        assertThat(held.path("attempts").asInt()).isZero();
        assertThat(held.path("last_error").asString()).isEqualTo("held for quiet hours");

        Instant end = t0.truncatedTo(ChronoUnit.MINUTES).plus(Duration.ofHours(2));
        clock.advance(Duration.between(clock.instant(), end.minusSeconds(1)));
        for (int i = 0; i < 3; i++) {
            notifier.step(clock);
        }
        assertThat(sink.at("/night")).as("still quiet").hasSize(1);
        clock.advance(Duration.ofSeconds(1));
        assertThat(received("/night", 2).get(1).path("alert").path("id").asString()).isEqualTo(warning);
        assertThat(notificationsOf(t, warning).getFirst().path("status").asString()).isEqualTo("sent");
    }
}
