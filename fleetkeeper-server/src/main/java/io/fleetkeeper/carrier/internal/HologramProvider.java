package io.fleetkeeper.carrier.internal;

import io.fleetkeeper.carrier.CarrierIntegration;
import io.fleetkeeper.carrier.CarrierPlan;
import io.fleetkeeper.carrier.DeviceSim;
import io.fleetkeeper.carrier.internal.CarrierException.Kind;
import jakarta.annotation.Nullable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * Hologram's REST API (version 1, {@code https://dashboard.hologram.io/api/1}). The API key travels as the
 * {@code apikey} query parameter; bodies are JSON; every answer is {@code {"success": …, "data": …}} or
 * {@code {"success": false, "error": …}}. Calls used:
 * <ul>
 * <li>{@code GET /plans} — data plans;</li>
 * <li>{@code POST /links/cellular/bulkclaim} {@code {"sims": [iccid], "plan", "zone", "orgid"}} — claim
 * (activate) a SIM; the answer names the device and link Hologram created;</li>
 * <li>{@code POST /devices/{id}/state} {@code {"state": "live"|"pause"|"deactivate"}};</li>
 * <li>{@code GET /devices/{id}} — the SIM's link state, plan, last network, and the last data session;</li>
 * <li>{@code GET /usage/data} with {@code linkid} (one SIM) or {@code orgid} (every SIM of the organisation),
 * {@code timestart}, paged with {@code limit}/{@code startafter} while {@code continues};</li>
 * <li>{@code POST /sms/incoming} {@code {"deviceid", "body", "fromnumber"}} ({@code fromnumber} in lower case,
 * as the API spells it).</li>
 * </ul>
 */
final class HologramProvider implements CarrierProvider {

    static final String DEFAULT_BASE_URL = "https://dashboard.hologram.io/api/1";
    private static final int USAGE_PAGE = 1000;

    private final CarrierHttp http;

    HologramProvider(CarrierHttp http) {
        this.http = http;
    }

    @Override
    public String carrier() {
        return CarrierIntegration.HOLOGRAM;
    }

    @Override
    public Set<Capability> capabilities() {
        return EnumSet.allOf(Capability.class);
    }

    @Override
    public List<CarrierPlan> plans(Account account) {
        JsonNode data = array(http.get(account, "/plans", org(account, new LinkedHashMap<>())), "plans");
        List<CarrierPlan> plans = new ArrayList<>();
        for (JsonNode p : data) {
            String id = text(p.get("id"));
            if (id == null) {
                throw malformed("a plan without an id");
            }
            JsonNode zones = p.has("zones") ? p.get("zones") : p.get("tiers");
            List<String> names = new ArrayList<>();
            if (zones != null && zones.isObject()) {
                names.addAll(zones.propertyNames());
            }
            JsonNode bytes = p.get("data");
            plans.add(new CarrierPlan(id, textOr(p.get("name"), id),
                    bytes != null && bytes.isNumber() ? bytes.asLong() : null, names));
        }
        return plans;
    }

    @Override
    public Claimed claimSim(Account account, String iccid, String plan, @Nullable String zone) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("sims", List.of(iccid));
        body.put("plan", plan.chars().allMatch(Character::isDigit) ? (Object) Long.parseLong(plan) : plan);
        body.put("zone", zone == null ? "global" : zone);
        if (account.orgId() != null) {
            body.put("orgid", numberOrText(account.orgId()));
        }
        JsonNode data = array(http.post(account, "/links/cellular/bulkclaim", Map.of(), body), "claim");
        for (JsonNode claimed : data) {
            if (iccid.equals(text(claimed.get("sim")))) {
                String device = text(claimed.get("device"));
                if (device == null) {
                    throw malformed("the claimed SIM names no device");
                }
                return new Claimed(device, text(claimed.get("link")));
            }
        }
        throw malformed("the claim's answer does not list the SIM");
    }

    @Override
    public void changeState(Account account, String carrierDeviceId, State state) {
        http.post(account, "/devices/" + carrierDeviceId + "/state", Map.of(),
                Map.of("state", state.name().toLowerCase(Locale.ROOT)));
    }

    @Override
    public SimInfo info(Account account, String carrierDeviceId) {
        JsonNode data = http.get(account, "/devices/" + carrierDeviceId, Map.of()).get("data");
        if (data == null || !data.isObject()) {
            throw malformed("the device answer has no data object");
        }
        JsonNode links = data.path("links").path("cellular");
        JsonNode link = links.isArray() && !links.isEmpty() ? links.get(0) : null;
        JsonNode session = data.get("lastsession");
        Boolean open = session != null && session.isObject() && session.has("active")
                ? session.get("active").asBoolean() : null;
        String network = link == null ? null : text(link.get("last_network_used"));
        if (network == null && session != null) {
            network = text(session.get("network_name"));
        }
        String plan = link == null ? null : text(link.path("plan").get("id"));
        return new SimInfo(link == null ? null : text(link.get("state")), open, network, plan);
    }

    @Override
    public long usage(Account account, String carrierLinkId, Instant from) {
        Map<String, Object> query = new LinkedHashMap<>();
        query.put("linkid", carrierLinkId);
        return sessions(account, query, from, Integer.MAX_VALUE).getOrDefault(carrierLinkId, 0L);
    }

    @Override
    public Map<String, Long> bulkUsage(Account account, Instant from, int maxPages) {
        return sessions(account, org(account, new LinkedHashMap<>()), from, maxPages);
    }

    /** Sums the bytes of data sessions since {@code from} by link id, following the pages. */
    private Map<String, Long> sessions(Account account, Map<String, Object> query, Instant from, int maxPages) {
        Map<String, Long> bytes = new HashMap<>();
        query.put("timestart", from.getEpochSecond());
        query.put("limit", USAGE_PAGE);
        for (int page = 0; page < maxPages; page++) {
            JsonNode answer = http.get(account, "/usage/data", query);
            for (JsonNode s : array(answer, "usage")) {
                String link = text(s.get("linkid"));
                JsonNode b = s.get("bytes");
                if (link == null || b == null || !(b.isNumber() || b.isString())) {
                    throw malformed("a usage record without linkid or bytes");
                }
                bytes.merge(link, b.asLong(), Long::sum);
            }
            if (!answer.path("continues").asBoolean(false) || text(answer.get("lastid")) == null) {
                return bytes;
            }
            query.put("startafter", text(answer.get("lastid")));
        }
        throw new CarrierException(Kind.UNAVAILABLE, "usage has more than " + maxPages + " pages of "
                + USAGE_PAGE + " records; the rest is read at the next sync");
    }

    @Override
    public int sendSms(Account account, String carrierDeviceId, String body, @Nullable String fromNumber) {
        Map<String, Object> sms = new LinkedHashMap<>();
        sms.put("deviceid", numberOrText(carrierDeviceId));
        sms.put("body", body);
        if (fromNumber != null) {
            sms.put("fromnumber", fromNumber);
        }
        JsonNode data = http.post(account, "/sms/incoming", Map.of(), sms).get("data");
        return data == null ? 1 : data.path("msgcount").asInt(1);
    }

    @Override
    public String simStatus(@Nullable String state) {
        if (state == null) {
            return DeviceSim.UNKNOWN;
        }
        String s = state.toUpperCase(Locale.ROOT);
        if (s.equals("LIVE")) {
            return DeviceSim.ACTIVE;
        }
        if (s.startsWith("PAUSED")) {
            return DeviceSim.PAUSED;
        }
        if (s.startsWith("DEACTIVATED") || s.equals("DEAD")) {
            return DeviceSim.DEACTIVATED;
        }
        if (s.contains("PENDING") || s.equals("INACTIVE") || s.startsWith("TEST") || s.startsWith("PREFLIGHT")) {
            return DeviceSim.PENDING;
        }
        return DeviceSim.UNKNOWN;
    }

    private static Map<String, Object> org(Account account, Map<String, Object> query) {
        if (account.orgId() != null) {
            query.put("orgid", account.orgId());
        }
        return query;
    }

    private static JsonNode array(JsonNode answer, String what) {
        JsonNode data = answer.get("data");
        if (data == null || !data.isArray()) {
            throw malformed("the " + what + " answer has no data list");
        }
        return data;
    }

    private static Object numberOrText(String value) {
        return !value.isEmpty() && value.length() < 19 && value.chars().allMatch(Character::isDigit)
                ? (Object) Long.parseLong(value) : value;
    }

    private static @Nullable String text(@Nullable JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode() || n.isContainer()) {
            return null;
        }
        String s = n.asString();
        return s.isEmpty() ? null : s;
    }

    private static String textOr(@Nullable JsonNode n, String fallback) {
        String s = text(n);
        return s == null ? fallback : s;
    }

    private static CarrierException malformed(String what) {
        return new CarrierException(Kind.MALFORMED, "Hologram answered unexpectedly: " + what);
    }
}
