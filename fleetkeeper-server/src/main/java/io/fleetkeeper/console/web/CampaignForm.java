package io.fleetkeeper.console.web;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.job.NewJob;
import io.fleetkeeper.ota.NewCampaign;
import io.fleetkeeper.store.Ids;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The console's campaign form as typed: the firmware; the devices (a fleet query, a saved group, or an explicit
 * list of device ids); and for a query or a group the staged rollout: up to {@link #WAVES} waves (a size as a
 * percent {@code 10%} or a count {@code 50}, a success and an error threshold in percent, a soak time in minutes),
 * a rate, retries and a maintenance window (days, from, to, time zone); and whether devices install the update
 * ({@code forced}, {@code attempt}) or only download it ({@code skip}). Blank fields are left to the API's
 * defaults; the service checks the rest, as for {@code POST /api/v1/campaigns}.
 */
record CampaignForm(String firmwareId, String target, String query, String groupId, String deviceIds,
        List<String> waveSize, List<String> waveSuccess, List<String> waveErrors, List<String> waveSoak,
        Long maxPerMinute, Integer retries, List<String> days, String windowFrom, String windowTo,
        String timeZone, String update) {

    /** How many wave rows the form offers. */
    static final int WAVES = 3;

    static final List<String> DAYS = List.of("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN");

    CampaignForm {
        target = "group".equals(target) || "devices".equals(target) ? target : "query";
        waveSize = rows(waveSize);
        waveSuccess = rows(waveSuccess);
        waveErrors = rows(waveErrors);
        waveSoak = rows(waveSoak);
        days = days == null ? List.of() : List.copyOf(days);
    }

    static CampaignForm empty() {
        return new CampaignForm(null, "query", null, null, null, null, null, null, null, null, null, null, null,
                null, null, null);
    }

    /** The campaign to create; a malformed number or id is refused here, the rest by the service. */
    NewCampaign campaign() {
        UUID firmware = id("firmware", firmwareId);
        NewCampaign.Target t = switch (target) {
            case "group" -> new NewCampaign.Target(null, id("group", groupId), null);
            case "devices" -> new NewCampaign.Target(deviceIdList(), null, null);
            default -> new NewCampaign.Target(null, null, Forms.blankToNull(query));
        };
        List<NewJob.Wave> waves = new ArrayList<>();
        for (int i = 0; i < WAVES; i++) {
            String size = Forms.blankToNull(waveSize.get(i));
            if (size == null) {
                continue;
            }
            int n = i + 1;
            boolean percent = size.endsWith("%");
            Double pct = percent ? number("wave " + n + " size", size.substring(0, size.length() - 1)) : null;
            Long count = percent ? null : whole("wave " + n + " size", size);
            Double success = optionalNumber("wave " + n + " success threshold", waveSuccess.get(i));
            Double errors = optionalNumber("wave " + n + " error threshold", waveErrors.get(i));
            Double soakMinutes = optionalNumber("wave " + n + " soak", waveSoak.get(i));
            waves.add(new NewJob.Wave(pct, count, success, errors,
                    soakMinutes == null ? null : Math.round(soakMinutes * 60)));
        }
        NewJob.MaintenanceWindow window = null;
        if (Forms.blankToNull(windowFrom) != null || Forms.blankToNull(windowTo) != null || !days.isEmpty()) {
            window = new NewJob.MaintenanceWindow(days.isEmpty() ? null : days, Forms.blankToNull(windowFrom),
                    Forms.blankToNull(windowTo), Forms.blankToNull(timeZone));
        }
        return new NewCampaign(firmware, t, waves.isEmpty() ? null : waves, maxPerMinute, null, window, null,
                retries, null, null, Forms.blankToNull(update));
    }

    private List<UUID> deviceIdList() {
        List<UUID> ids = new ArrayList<>();
        if (deviceIds != null) {
            for (String s : deviceIds.split("[\\s,]+")) {
                if (!s.isBlank()) {
                    ids.add(id("device", s));
                }
            }
        }
        return ids;
    }

    private static UUID id(String what, String text) {
        String s = Forms.blankToNull(text);
        UUID id = s == null ? null : Ids.parseOrNull(s);
        if (s != null && id == null) {
            throw new ApiException(ErrorCode.INVALID_PARAMETER, "'" + s + "' is not a " + what + " id");
        }
        return id;
    }

    private static Double optionalNumber(String what, String text) {
        String s = Forms.blankToNull(text);
        return s == null ? null : number(what, s);
    }

    private static Double number(String what, String text) {
        try {
            return Double.valueOf(text.strip().replace(',', '.'));
        } catch (NumberFormatException e) {
            throw new ApiException(ErrorCode.INVALID_PARAMETER, what + ": '" + text.strip() + "' is not a number");
        }
    }

    private static Long whole(String what, String text) {
        try {
            return Long.valueOf(text.strip());
        } catch (NumberFormatException e) {
            throw new ApiException(ErrorCode.INVALID_PARAMETER, what + ": '" + text.strip()
                    + "' is neither a percent (10%) nor a number of devices");
        }
    }

    private static List<String> rows(List<String> given) {
        List<String> r = new ArrayList<>(given == null ? List.of() : given);
        while (r.size() < WAVES) {
            r.add("");
        }
        return r.subList(0, WAVES).stream().map(s -> s == null ? "" : s.strip()).toList();
    }
}
