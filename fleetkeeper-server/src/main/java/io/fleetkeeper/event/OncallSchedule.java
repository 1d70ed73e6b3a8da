package io.fleetkeeper.event;

import jakarta.annotation.Nullable;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;

/**
 * An on-call schedule: {@code members} take turns of {@code rotation.lengthDays} days in list order, handing off at
 * the local time of {@code rotation.start} in {@code timeZone} (so a hand-off at 09:00 stays at 09:00 across
 * daylight-saving changes); {@link OncallOverride overrides} put someone else on call for a period. During
 * {@code quietHours} (local times in the same zone) on-call notifications (e-mail and the person's contact
 * channels) of alerts that are not {@code critical} wait until the quiet hours end.
 */
public record OncallSchedule(UUID id, String name, String timeZone, OncallRotation rotation,
        @Nullable QuietHours quietHours, Instant createdAt, Instant updatedAt, long version) {

    /**
     * Whom to notify: a name, an e-mail address, and the notification channels that reach this person too (a
     * Slack or Teams direct webhook, a personal PagerDuty service, a webhook to a paging or SMS gateway).
     */
    public record OncallMember(String name, String email, List<UUID> channels) {

        public OncallMember {
            channels = channels == null ? List.of() : channels;
        }

        public OncallMember(String name, String email) {
            this(name, email, List.of());
        }
    }

    /** Turns of {@code lengthDays} days, the first starting at {@code start} (local date and time). */
    public record OncallRotation(LocalDateTime start, int lengthDays, List<OncallMember> members) {
    }

    /** Local times {@code from} (inclusive) to {@code to} (exclusive); past midnight when {@code to} is earlier. */
    public record QuietHours(LocalTime from, LocalTime to) {

        /** When the quiet hours around {@code at} (in {@code zone}) end, or null when {@code at} is not in them. */
        public @Nullable Instant until(Instant at, ZoneId zone) {
            ZonedDateTime now = at.atZone(zone);
            LocalTime t = now.toLocalTime();
            boolean overnight = to.isBefore(from);
            boolean quiet = overnight ? !t.isBefore(from) || t.isBefore(to) : !t.isBefore(from) && t.isBefore(to);
            if (!quiet) {
                return null;
            }
            ZonedDateTime end = now.with(to);
            if (!end.isAfter(now)) {
                end = now.plusDays(1).with(to);
            }
            return end.toInstant();
        }
    }

    /** Someone on call instead of the rotation from {@code startsAt} (inclusive) to {@code endsAt} (exclusive). */
    public record OncallOverride(UUID id, OncallMember member, Instant startsAt, Instant endsAt, Instant createdAt) {
    }

    /** Who is on call at an instant, from where ({@code rotation} or {@code override}), and from when to when. */
    public record OnCall(OncallMember member, String source, Instant since, Instant until) {
    }

    /** What a client sends (a PATCH is merged onto the current fields). */
    public record Fields(@Nullable String name, @Nullable String timeZone, @Nullable OncallRotation rotation,
            @Nullable QuietHours quietHours) {
    }

    /** What a client sends to add an override. */
    public record OverrideFields(@Nullable String name, @Nullable String email, @Nullable List<UUID> channels,
            @Nullable Instant startsAt, @Nullable Instant endsAt) {
    }

    /** Who is on call at {@code at}, given the schedule's overrides around it. */
    public OnCall onCall(Instant at, List<OncallOverride> overrides) {
        for (OncallOverride o : overrides) {
            if (!at.isBefore(o.startsAt()) && at.isBefore(o.endsAt())) {
                return new OnCall(o.member(), "override", o.startsAt(), o.endsAt());
            }
        }
        ZoneId zone = ZoneId.of(timeZone);
        ZonedDateTime first = rotation.start().atZone(zone);
        ZonedDateTime now = at.atZone(zone);
        long len = rotation.lengthDays();
        long turn = Math.floorDiv(ChronoUnit.DAYS.between(first, now), len);
        while (handoff(first, turn, len).isAfter(now)) {
            turn--;
        }
        while (!handoff(first, turn + 1, len).isAfter(now)) {
            turn++;
        }
        Instant since = handoff(first, turn, len).toInstant();
        Instant until = handoff(first, turn + 1, len).toInstant();
        for (OncallOverride o : overrides) {
            if (o.startsAt().isAfter(at) && o.startsAt().isBefore(until)) {
                until = o.startsAt();
            }
            if (!o.endsAt().isAfter(at) && o.endsAt().isAfter(since)) {
                since = o.endsAt();
            }
        }
        List<OncallMember> members = rotation.members();
        return new OnCall(members.get((int) Math.floorMod(turn, (long) members.size())), "rotation", since, until);
    }

    /** When the quiet hours around {@code at} end, or null when {@code at} is not in quiet hours. */
    public @Nullable Instant quietUntil(Instant at) {
        return quietHours == null ? null : quietHours.until(at, ZoneId.of(timeZone));
    }

    private static ZonedDateTime handoff(ZonedDateTime first, long turn, long lengthDays) {
        return first.plusDays(turn * lengthDays);
    }
}
