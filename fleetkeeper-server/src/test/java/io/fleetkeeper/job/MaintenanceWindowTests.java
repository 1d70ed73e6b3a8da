package io.fleetkeeper.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.job.NewJob.MaintenanceWindow;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** When a maintenance window is open and when it next opens: days, windows across midnight, time zones. */
class MaintenanceWindowTests {

    // Monday 7 December 2026.
    private static Instant at(String local) {
        return Instant.parse("2026-12-" + local + "Z");
    }

    @Test
    void aWindowThatIsOpenOpensNow() {
        MaintenanceWindow w = new MaintenanceWindow(null, "02:00", "04:00", null);
        assertThat(w.nextOpen(at("07T03:00:00"))).isEqualTo(at("07T03:00:00"));
    }

    @Test
    void aDailyWindowOpensLaterTodayOrTomorrow() {
        MaintenanceWindow w = new MaintenanceWindow(null, "02:00", "04:00", null);
        assertThat(w.nextOpen(at("07T01:59:59"))).isEqualTo(at("07T02:00:00"));
        assertThat(w.nextOpen(at("07T04:00:00"))).as("the end is outside").isEqualTo(at("08T02:00:00"));
    }

    @Test
    void onlyItsDaysCount() {
        MaintenanceWindow w = new MaintenanceWindow(List.of("MON", "THU"), "02:00", "04:00", null);
        assertThat(w.nextOpen(at("07T05:00:00"))).as("Monday after it, then Thursday").isEqualTo(at("10T02:00:00"));
        assertThat(w.nextOpen(at("10T04:30:00"))).as("Thursday after it, then Monday").isEqualTo(at("14T02:00:00"));
    }

    @Test
    void aWindowAcrossMidnightOpensAtItsStartOnOneOfItsDays() {
        MaintenanceWindow w = new MaintenanceWindow(List.of("MON"), "22:00", "04:00", null);
        assertThat(w.open(at("08T03:00:00"))).as("Tuesday morning belongs to Monday's window").isTrue();
        assertThat(w.nextOpen(at("08T04:00:00"))).isEqualTo(at("14T22:00:00"));
        assertThat(w.nextOpen(at("07T21:00:00"))).isEqualTo(at("07T22:00:00"));
    }

    @Test
    void theTimeZoneIsTheWindows() {
        MaintenanceWindow w = new MaintenanceWindow(List.of("TUE"), "01:00", "02:00", "Europe/Paris");
        // Monday 23:30 UTC is Tuesday 00:30 in Paris: the window opens at 01:00 Paris, 00:00 UTC.
        assertThat(w.nextOpen(at("07T23:30:00"))).isEqualTo(at("08T00:00:00"));
    }
}
