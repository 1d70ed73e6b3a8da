package io.fleetkeeper.event;

import io.fleetkeeper.testing.ProviderSink;
import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.connectivity.internal.ConnectionStateRecorder;
import io.fleetkeeper.event.internal.AlertNotifier;
import io.fleetkeeper.event.internal.Escalations;
import io.fleetkeeper.event.internal.EventAlerts;
import io.fleetkeeper.event.internal.OfflineAlerts;
import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.Await;
import io.fleetkeeper.testing.Csrs;
import io.fleetkeeper.testing.MutableClock;
import io.fleetkeeper.testing.TestTenant;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * Alerts end to end: a device_offline rule evaluated under a clock the test moves, notifications sent by a
 * notifier the test steps (the server's own alert loops are off, see ApiTest) to local stand-ins for Slack,
 * Teams, PagerDuty and a webhook, each checked against the provider's documented format.
 */
class AlertFlowTests extends ApiTest {

    private static final String ROUTING_KEY = "R0123456789abcdef0123456789abcde";

    @Autowired OfflineAlerts offline;
    @Autowired EventAlerts eventAlerts;
    @Autowired Escalations escalations;
    @Autowired ConnectionStateRecorder recorder;
    @Autowired EventProperties events;
    @Autowired org.springframework.context.ApplicationContext ctx;

    private ProviderSink sink;
    private AlertNotifier notifier;
    private com.icegreen.greenmail.util.GreenMail smtp;
    private AlertNotifier mailing;
    private MutableClock clock;
    private Instant t0;

    @BeforeEach
    void setUp() throws Exception {
        sink = new ProviderSink();
        notifier = Notifiers.of(ctx, new AlertProperties(false, Duration.ofSeconds(30), sink.url("/v2/enqueue"),
                Duration.ofSeconds(5)));
        t0 = Instant.now().truncatedTo(ChronoUnit.MILLIS).minusSeconds(60);
        clock = new MutableClock(t0);
        smtp = new com.icegreen.greenmail.util.GreenMail(
                com.icegreen.greenmail.util.ServerSetupTest.SMTP.dynamicPort());
        smtp.start();
        mailing = mailing(smtp);
    }

    @AfterEach
    void tearDown() {
        sink.close();
        smtp.stop();
    }

    private String channel(TestTenant t, String kind, String path) {
        Map<String, Object> body = kind.equals("pagerduty")
                ? Map.of("name", kind, "kind", kind, "routing_key", ROUTING_KEY)
                : Map.of("name", kind, "kind", kind, "url", sink.url(path));
        return api.post(t.admin(), "/api/v1/notification-channels", body).expect(201).path("id").asString();
    }

    private JsonNode offlineRule(TestTenant t, List<String> channelIds) {
        return api.post(t.admin(), "/api/v1/alert-rules", Map.of("name", "offline", "kind", "device_offline",
                "offline_minutes", 5, "severity", "critical", "channels", channelIds, "dedupe_key", "offline"))
                .expect(201);
    }

    private String seenDevice(TestTenant t, Instant at) {
        String id = createDevice(t.admin(), device(randomName("pump-"))).path("id").asString();
        seen(t, id, at);
        return id;
    }

    private void seen(TestTenant t, String deviceId, Instant at) {
        recorder.seen(UUID.fromString(t.id()), UUID.fromString(deviceId), at);
        recorder.flush();
    }

    private void evaluateAt(Duration sinceT0) {
        clock.advance(Duration.between(clock.instant(), t0.plus(sinceT0)));
        offline.evaluate(clock);
    }

    private List<JsonNode> alertsOf(TestTenant t) {
        return api.get(t.admin(), "/api/v1/alerts").expect(200).path("items").valueStream().toList();
    }

    @Test
    void anOfflineDeviceOpensOneAlertThatResolvesWhenItIsSeenAgain() {
        TestTenant t = newTenant();
        TestTenant other = newTenant();
        offlineRule(t, List.of(channel(t, "slack", "/slack"), channel(t, "teams", "/teams"),
                channel(t, "webhook", "/hook")));
        String device = seenDevice(t, t0);
        String fresh = seenDevice(t, t0.plus(Duration.ofMinutes(8)));
        createDevice(t.admin(), device(randomName("never-seen-")));

        evaluateAt(Duration.ofMinutes(4));
        assertThat(alertsOf(t)).as("not yet five minutes").isEmpty();
        evaluateAt(Duration.ofMinutes(10));
        evaluateAt(Duration.ofMinutes(11));
        List<JsonNode> open = alertsOf(t);
        assertThat(open).as("one alert per dedupe key, none for the fresh or never-seen device").hasSize(1);
        JsonNode alert = open.getFirst();
        assertThat(alert.path("status").asString()).isEqualTo("OPEN");
        assertThat(alert.path("device_id").asString()).isEqualTo(device);
        assertThat(alert.path("severity").asString()).isEqualTo("critical");
        assertThat(alert.path("dedupe_key").asString()).isEqualTo("offline:" + device);
        assertThat(alert.path("summary").asString()).contains("not seen for 5 minutes");
        String id = alert.path("id").asString();

        notifier.step(clock);
        JsonNode slack = sink.at("/slack").getFirst();
        assertThat(slack.path("text").asString()).startsWith("Alert [CRITICAL] Device");
        assertThat(slack.path("blocks").get(0).path("type").asString()).isEqualTo("section");
        assertThat(slack.path("blocks").get(0).path("text").path("type").asString()).isEqualTo("mrkdwn");
        JsonNode teams = sink.at("/teams").getFirst();
        assertThat(teams.path("type").asString()).isEqualTo("message");
        JsonNode card = teams.path("attachments").get(0);
        assertThat(card.path("contentType").asString()).isEqualTo("application/vnd.microsoft.card.adaptive");
        assertThat(card.path("content").path("type").asString()).isEqualTo("AdaptiveCard");
        assertThat(card.path("content").path("body").get(0).path("text").asString()).contains("CRITICAL");
        JsonNode hook = sink.at("/hook").getFirst();
        assertThat(hook.path("type").asString()).isEqualTo("alert.trigger");
        assertThat(hook.path("alert").path("id").asString()).isEqualTo(id);
        assertThat(sink.received()).allSatisfy(r -> assertThat(r.contentType()).isEqualTo("application/json"));

        seen(t, device, t0.plus(Duration.ofMinutes(11)));
        evaluateAt(Duration.ofMinutes(12));
        JsonNode resolved = api.get(t.admin(), "/api/v1/alerts/" + id).expect(200);
        assertThat(resolved.path("status").asString()).isEqualTo("RESOLVED");
        assertThat(resolved.path("resolved_at").isNull()).isFalse();
        JsonNode history = api.get(t.admin(), "/api/v1/alerts/" + id + "/history").expect(200).path("items");
        assertThat(history.findValuesAsString("status")).containsExactly("OPEN", "RESOLVED");
        assertThat(history.findValuesAsString("actor")).containsExactly("system", "system");
        notifier.step(clock);
        assertThat(sink.at("/slack").getLast().path("text").asString()).startsWith("Resolved [CRITICAL]");
        assertThat(sink.at("/hook").getLast().path("alert").path("status").asString()).isEqualTo("RESOLVED");
        assertThat(api.get(t.admin(), "/api/v1/alerts/" + id + "/notifications").expect(200).path("items")
                .findValuesAsString("status")).hasSize(6).containsOnly("sent");

        api.get(other.admin(), "/api/v1/alerts/" + id).expectProblem(404, "NOT_FOUND");
        api.post(other.admin(), "/api/v1/alerts/" + id + "/resolve", Map.of()).expectProblem(404, "NOT_FOUND");
        assertThat(alertsOf(other)).isEmpty();
        assertThat(api.get(t.admin(), "/api/v1/alerts?status=OPEN").expect(200).path("items")).isEmpty();
        assertThat(api.get(t.admin(), "/api/v1/alerts?status=RESOLVED").expect(200).path("items")).hasSize(1);
        api.get(t.admin(), "/api/v1/alerts?status=closed").expectProblem(400, "INVALID_PARAMETER");
    }

    @Test
    void pagerDutyHearsTriggerAcknowledgeAndResolveWithOneDedupKey() {
        TestTenant t = newTenant();
        TestTenant other = newTenant();
        offlineRule(t, List.of(channel(t, "pagerduty", null)));
        String device = seenDevice(t, t0);
        evaluateAt(Duration.ofMinutes(6));
        String id = alertsOf(t).getFirst().path("id").asString();
        notifier.step(clock);

        api.post(other.admin(), "/api/v1/alerts/" + id + "/acknowledge", Map.of()).expectProblem(404, "NOT_FOUND");
        JsonNode acked = api.post(t.admin(), "/api/v1/alerts/" + id + "/acknowledge", Map.of()).expect(200);
        assertThat(acked.path("status").asString()).isEqualTo("ACKNOWLEDGED");
        api.post(t.admin(), "/api/v1/alerts/" + id + "/acknowledge", Map.of())
                .expectProblem(409, "INVALID_TRANSITION");
        notifier.step(clock);
        api.post(t.admin(), "/api/v1/alerts/" + id + "/resolve", Map.of()).expect(200);
        api.post(t.admin(), "/api/v1/alerts/" + id + "/resolve", Map.of()).expectProblem(409, "INVALID_TRANSITION");
        notifier.step(clock);

        List<JsonNode> sent = sink.at("/v2/enqueue");
        assertThat(sent.stream().map(e -> e.path("event_action").asString()))
                .containsExactly("trigger", "acknowledge", "resolve");
        assertThat(sent).allSatisfy(e -> {
            assertThat(e.path("routing_key").asString()).isEqualTo(ROUTING_KEY);
            assertThat(e.path("dedup_key").asString()).isEqualTo("offline:" + device);
        });
        JsonNode payload = sent.getFirst().path("payload");
        assertThat(payload.path("summary").asString()).contains(device);
        assertThat(payload.path("source").asString()).isEqualTo("device " + device);
        assertThat(payload.path("severity").asString()).isEqualTo("critical");
        assertThat(sent.get(1).has("payload")).isFalse();

        JsonNode history = api.get(t.admin(), "/api/v1/alerts/" + id + "/history").expect(200).path("items");
        assertThat(history.findValuesAsString("status")).containsExactly("OPEN", "ACKNOWLEDGED", "RESOLVED");
        assertThat(api.get(t.admin(), "/api/v1/audit?action=alert.acknowledge&target_id=" + id).expect(200)
                .path("items")).hasSize(1);

        evaluateAt(Duration.ofMinutes(7));
        assertThat(alertsOf(t)).as("still offline after a manual resolve: a new alert opens").hasSize(2);
    }

    @Test
    void aFailingChannelIsRetriedAndNotificationsStayInOrder() {
        TestTenant t = newTenant();
        offlineRule(t, List.of(channel(t, "webhook", "/flaky")));
        seenDevice(t, t0);
        evaluateAt(Duration.ofMinutes(6));
        String id = alertsOf(t).getFirst().path("id").asString();
        sink.answer(503);
        notifier.step(clock);
        api.post(t.admin(), "/api/v1/alerts/" + id + "/resolve", Map.of()).expect(200);
        notifier.step(clock);
        JsonNode pending = api.get(t.admin(), "/api/v1/alerts/" + id + "/notifications").expect(200).path("items");
        assertThat(pending.findValuesAsString("status")).containsExactly("pending", "pending");
        assertThat(pending.get(0).path("attempts").asInt()).isEqualTo(1);
        assertThat(pending.get(0).path("last_error").asString()).isEqualTo("HTTP 503");
        assertThat(pending.get(1).path("attempts").asInt()).as("resolve waits for trigger").isZero();

        sink.answer(200);
        clock.advance(events.retryMax());
        notifier.step(clock);
        notifier.step(clock);
        assertThat(sink.at("/flaky").stream().map(b -> b.path("type").asString()))
                .containsExactly("alert.trigger", "alert.trigger", "alert.resolve");
        assertThat(api.get(t.admin(), "/api/v1/alerts/" + id + "/notifications").expect(200).path("items")
                .findValuesAsString("status")).containsExactly("sent", "sent");
    }

    private String certificate(TestTenant t, String deviceId) throws Exception {
        return api.post(t.admin(), "/api/v1/devices/" + deviceId + "/certificates",
                Map.of("csr", Csrs.csrPem(Csrs.p256()))).expect(201).path("certificate").path("id").asString();
    }

    @Test
    void aRevokedCertificateInScopeOpensAnAlertThatANewCertificateResolves() throws Exception {
        eventAlerts.read(); // the reader's cursor exists before this test's events
        TestTenant t = newTenant();
        String root = api.post(t.admin(), "/api/v1/pki/cas", Map.of("name", "root")).expect(201).path("id").asString();
        api.post(t.admin(), "/api/v1/pki/cas", Map.of("name", "issuing", "parent_id", root)).expect(201);
        api.post(t.admin(), "/api/v1/alert-rules", Map.of("name", "certs", "kind", "certificate",
                "severity", "warning", "scope", "type = \"sensor\"", "channels", List.of(channel(t, "slack", "/c"))))
                .expect(201);
        String sensor = createDevice(t.admin(), device("sensor-1")).path("id").asString();
        Map<String, Object> meter = device("meter-1");
        meter.put("device_type", "meter");
        String other = createDevice(t.admin(), meter).path("id").asString();
        for (String d : List.of(sensor, other)) {
            api.post(t.admin(), "/api/v1/certificates/" + certificate(t, d) + "/revoke",
                    Map.of("reason", "keyCompromise")).expect(200);
        }
        List<JsonNode> open = Await.until(Duration.ofSeconds(20), "a certificate alert", () -> {
            eventAlerts.read();
            return alertsOf(t);
        }, list -> !list.isEmpty());
        assertThat(open).as("the meter is out of scope").singleElement().satisfies(a -> {
            assertThat(a.path("kind").asString()).isEqualTo("certificate");
            assertThat(a.path("device_id").asString()).isEqualTo(sensor);
            assertThat(a.path("summary").asString()).endsWith("revoked");
        });
        certificate(t, sensor);
        Await.until(Duration.ofSeconds(20), "the alert resolved by a new certificate", () -> {
            eventAlerts.read();
            return alertsOf(t).getFirst().path("status").asString();
        }, "RESOLVED"::equals);
        clock.advance(Duration.ofMinutes(5));
        notifier.step(clock);
        notifier.step(clock);
        assertThat(sink.at("/c").stream().map(b -> b.path("text").asString().split(" ")[0]))
                .containsExactly("Alert", "Resolved");
    }

    @Test
    void anAlertNotAcknowledgedInTimeEscalatesToLevelTwoOnce() {
        TestTenant t = newTenant();
        String level1 = channel(t, "slack", "/l1");
        String level2 = channel(t, "webhook", "/l2");
        api.post(t.admin(), "/api/v1/alert-rules", Map.of("name", "offline", "kind", "device_offline",
                "offline_minutes", 5, "severity", "critical", "channels", List.of(level1),
                "escalation", Map.of("after_minutes", 10, "channels", List.of(level2)))).expect(201);
        String late = seenDevice(t, t0);
        String handled = seenDevice(t, t0);
        evaluateAt(Duration.ofMinutes(6));
        Map<String, JsonNode> byDevice = new java.util.HashMap<>();
        alertsOf(t).forEach(a -> byDevice.put(a.path("device_id").asString(), a));
        String lateId = byDevice.get(late).path("id").asString();
        String handledId = byDevice.get(handled).path("id").asString();
        api.post(t.admin(), "/api/v1/alerts/" + handledId + "/acknowledge", Map.of()).expect(200);
        Instant opened = Instant.parse(byDevice.get(late).path("opened_at").asString());

        clock.advance(Duration.between(clock.instant(), opened.plus(Duration.ofMinutes(10)).minusSeconds(1)));
        escalations.escalate(clock);
        assertThat(api.get(t.admin(), "/api/v1/alerts/" + lateId).expect(200).path("escalated_at").isNull())
                .as("a second early").isTrue();
        clock.advance(Duration.ofSeconds(1));
        escalations.escalate(clock);
        escalations.escalate(clock);
        JsonNode escalated = api.get(t.admin(), "/api/v1/alerts/" + lateId).expect(200);
        assertThat(escalated.path("status").asString()).isEqualTo("OPEN");
        assertThat(escalated.path("escalated_at").isNull()).isFalse();
        assertThat(api.get(t.admin(), "/api/v1/alerts/" + handledId).expect(200).path("escalated_at").isNull())
                .as("acknowledged in time").isTrue();
        assertThat(api.get(t.admin(), "/api/v1/alerts/" + lateId + "/history").expect(200).path("items")
                .findValuesAsString("status")).containsExactly("OPEN", "ESCALATED");

        api.post(t.admin(), "/api/v1/alerts/" + lateId + "/resolve", Map.of()).expect(200);
        for (int i = 0; i < 3; i++) {
            notifier.step(clock);
        }
        assertThat(sink.at("/l2").stream().map(b -> b.path("type").asString() + " " + b.path("alert").path("id")
                .asString())).containsExactly("alert.trigger " + lateId, "alert.resolve " + lateId);
        assertThat(sink.at("/l1")).hasSize(4);
    }

    private AlertNotifier mailing(com.icegreen.greenmail.util.GreenMail smtp) {
        return Notifiers.of(ctx, new AlertProperties(false, Duration.ofSeconds(30), sink.url("/v2/enqueue"),
                Duration.ofSeconds(5), "127.0.0.1", smtp.getSmtp().getPort(), "", "", "alerts@fleet.example", false));
    }

    /** "recipient subject-prefix" of each message received about alert {@code id} (other tests' mail ignored). */
    private static List<String> mailedTo(com.icegreen.greenmail.util.GreenMail smtp, String id) {
        List<String> out = new java.util.ArrayList<>();
        try {
            for (jakarta.mail.internet.MimeMessage m : smtp.getReceivedMessages()) {
                if (id.equals(m.getHeader("X-Fleetkeeper-Alert", null))) {
                    out.add(m.getAllRecipients()[0] + " " + m.getSubject().split(":")[0]);
                }
            }
        } catch (jakarta.mail.MessagingException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    /** Steps {@code notifier} until {@code count} messages about alert {@code id} arrived; returns them. */
    private List<String> mailUntil(AlertNotifier notifier, com.icegreen.greenmail.util.GreenMail smtp, String id,
            int count) {
        return Await.until(Duration.ofSeconds(20), count + " messages about " + id, () -> {
            notifier.step(clock);
            return mailedTo(smtp, id);
        }, got -> got.size() >= count);
    }

    private String schedule(TestTenant t, Map<String, Object> quietHours) {
        Map<String, Object> body = new java.util.HashMap<>(Map.of("name", "primary", "time_zone", "UTC",
                "rotation", Map.of("start", t0.atZone(java.time.ZoneOffset.UTC).toLocalDate().minusDays(1) + "T00:00",
                        "length_days", 365, "members", List.of(
                        Map.of("name", "Ann", "email", "ann@example.com"),
                        Map.of("name", "Ben", "email", "ben@example.com")))));
        if (quietHours != null) {
            body.put("quiet_hours", quietHours);
        }
        return api.post(t.admin(), "/api/v1/oncall-schedules", body).expect(201).path("id").asString();
    }

    private void escalateAt(Instant at) {
        clock.advance(Duration.between(clock.instant(), at));
        escalations.escalate(clock);
    }

    @Test
    void anUnacknowledgedAlertIsMailedToThePersonOnCallThenEscalatesToTheNextLevel() throws Exception {
        TestTenant t = newTenant();
        String schedule = schedule(t, null);
        api.post(t.admin(), "/api/v1/oncall-schedules/" + schedule + "/overrides", Map.of("name", "Cat",
                "email", "cat@example.com", "starts_at", t0.toString(),
                "ends_at", t0.plus(Duration.ofDays(1)).toString())).expect(201);
        String lead = channel(t, "webhook", "/lead");
        api.post(t.admin(), "/api/v1/alert-rules", Map.of("name", "offline", "kind", "device_offline",
                "offline_minutes", 5, "severity", "critical", "channels", List.of(),
                "escalation", Map.of("after_minutes", 10, "schedule_id", schedule,
                        "next", Map.of("after_minutes", 5, "channels", List.of(lead))))).expect(201);
        String late = seenDevice(t, t0);
        evaluateAt(Duration.ofMinutes(6));
        JsonNode alert = alertsOf(t).getFirst();
        String id = alert.path("id").asString();
        assertThat(alert.path("escalation_level").asInt()).isZero();
        Instant opened = Instant.parse(alert.path("opened_at").asString());
        assertThat(alert.path("next_escalation_at").asString())
                .isEqualTo(opened.plus(Duration.ofMinutes(10)).toString());

        escalateAt(opened.plus(Duration.ofMinutes(10)).minusSeconds(1));
        mailing.step(clock);
        assertThat(mailedTo(smtp, id)).as("not yet due").isEmpty();
        escalateAt(opened.plus(Duration.ofMinutes(10)));
        assertThat(mailUntil(mailing, smtp, id, 1)).as("the override is on call, not the rotation")
                .containsExactly("cat@example.com [CRITICAL] triggered");
        JsonNode level2 = api.get(t.admin(), "/api/v1/alerts/" + id).expect(200);
        assertThat(level2.path("escalation_level").asInt()).isEqualTo(1);
        JsonNode mailed = api.get(t.admin(), "/api/v1/alerts/" + id + "/notifications").expect(200).path("items");
        assertThat(mailed.findValuesAsString("recipient")).containsExactly("cat@example.com");
        assertThat(mailed.findValuesAsString("status")).containsExactly("sent");
        assertThat(sink.at("/lead")).isEmpty();

        Instant level3 = Instant.parse(level2.path("next_escalation_at").asString());
        escalateAt(level3.minusSeconds(1));
        notifier.step(clock);
        assertThat(sink.at("/lead")).as("a second early").isEmpty();
        escalateAt(level3);
        escalateAt(level3.plusSeconds(60));
        Await.until(Duration.ofSeconds(20), "the level-3 webhook", () -> {
            notifier.step(clock);
            return sink.at("/lead");
        }, got -> !got.isEmpty());
        assertThat(sink.at("/lead").stream().map(b -> b.path("type").asString())).containsExactly("alert.trigger");
        JsonNode at3 = api.get(t.admin(), "/api/v1/alerts/" + id).expect(200);
        assertThat(at3.path("escalation_level").asInt()).isEqualTo(2);
        assertThat(at3.path("next_escalation_at").isNull()).as("no further level").isTrue();
        assertThat(api.get(t.admin(), "/api/v1/alerts/" + id + "/history").expect(200).path("items")
                .findValuesAsString("status")).containsExactly("OPEN", "ESCALATED", "ESCALATED");

        api.post(t.admin(), "/api/v1/alerts/" + id + "/acknowledge", Map.of()).expect(200);
        assertThat(mailUntil(mailing, smtp, id, 2)).as("once each")
                .containsExactly("cat@example.com [CRITICAL] triggered", "cat@example.com [CRITICAL] acknowledged");
        Await.until(Duration.ofSeconds(20), "the acknowledgement at level 3", () -> {
            notifier.step(clock);
            return sink.at("/lead");
        }, got -> got.size() >= 2);
        assertThat(sink.at("/lead").stream().map(b -> b.path("type").asString()))
                .containsExactly("alert.trigger", "alert.acknowledge");
        assertThat(api.get(t.admin(), "/api/v1/audit?action=alert.escalate&target_id=" + id).expect(200)
                .path("items")).hasSize(2);
    }

    @Test
    void quietHoursHoldANonCriticalOnCallMailUntilTheyEnd() throws Exception {
        TestTenant t = newTenant();
        java.time.LocalTime from = t0.atZone(java.time.ZoneOffset.UTC).toLocalTime().withSecond(0).withNano(0);
        java.time.LocalTime to = from.plusHours(2);
        String schedule = schedule(t, Map.of("from", from.toString(), "to", to.toString()));
        api.post(t.admin(), "/api/v1/alert-rules", Map.of("name", "offline", "kind", "device_offline",
                "offline_minutes", 5, "severity", "warning", "channels", List.of(),
                "escalation", Map.of("after_minutes", 10, "schedule_id", schedule))).expect(201);
        seenDevice(t, t0);
        evaluateAt(Duration.ofMinutes(6));
        JsonNode alert = alertsOf(t).getFirst();
        String id = alert.path("id").asString();
        escalateAt(Instant.parse(alert.path("next_escalation_at").asString()));
        mailing.step(clock);
        JsonNode held = api.get(t.admin(), "/api/v1/alerts/" + id + "/notifications").expect(200).path("items")
                .get(0);
        assertThat(held.path("status").asString()).isEqualTo("pending");
        assertThat(held.path("attempts").asInt()).isZero();
        assertThat(held.path("last_error").asString()).isEqualTo("held for quiet hours");
        assertThat(held.path("recipient").asString()).as("Ann's turn").isEqualTo("ann@example.com");
        assertThat(mailedTo(smtp, id)).isEmpty();

        Instant end = t0.truncatedTo(ChronoUnit.MINUTES).plus(Duration.ofHours(2));
        clock.advance(Duration.between(clock.instant(), end.minusSeconds(1)));
        for (int i = 0; i < 5; i++) {
            mailing.step(clock);
        }
        assertThat(mailedTo(smtp, id)).as("still quiet").isEmpty();
        clock.advance(Duration.ofSeconds(1));
        assertThat(mailUntil(mailing, smtp, id, 1)).containsExactly("ann@example.com [WARNING] triggered");
    }

    @Test
    void anEmailChannelSendsTheAlertThroughTheSmtpServer() throws Exception {
        TestTenant t = newTenant();
        api.post(t.admin(), "/api/v1/notification-channels", Map.of("name", "mail", "kind", "email",
                "to", List.of("not an address"), "url", "https://x.example"))
                .expectProblem(400, "VALIDATION_FAILED");
        JsonNode channel = api.post(t.admin(), "/api/v1/notification-channels", Map.of("name", "mail",
                "kind", "email", "to", List.of("ops@example.com", "oncall@example.com"))).expect(201);
        assertThat(channel.has("to")).as("addresses are not returned").isFalse();
        offlineRule(t, List.of(channel.path("id").asString()));
        String device = seenDevice(t, t0);
        evaluateAt(Duration.ofMinutes(10));
        assertThat(alertsOf(t)).hasSize(1);
        mailing.step(clock);
        assertThat(smtp.waitForIncomingEmail(10_000, 2)).as("one message per recipient").isTrue();
        jakarta.mail.internet.MimeMessage[] got = smtp.getReceivedMessages();
        assertThat(got).hasSize(2);
        assertThat(got[0].getSubject()).startsWith("[CRITICAL] triggered: ").contains("not seen for 5 minutes");
        assertThat(got[0].getFrom()[0].toString()).isEqualTo("alerts@fleet.example");
        assertThat(java.util.Arrays.stream(got[0].getAllRecipients()).map(Object::toString))
                .containsExactlyInAnyOrder("ops@example.com", "oncall@example.com");
        assertThat(com.icegreen.greenmail.util.GreenMailUtil.getBody(got[0])).contains(device)
                .contains("critical");
    }
}
