package io.fleetkeeper.console;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The web console at {@code /app}.
 *
 * @param secureCookie    mark the session cookie {@code Secure} (set it when the console is reached over HTTPS)
 * @param sessionIdle     a console session unused this long ends (default 30 minutes)
 * @param sessionMax      a console session ends this long after sign-in, however used (default 12 hours)
 * @param refreshInterval how often live parts of the pages refresh themselves when the event stream cannot be had
 *                        (default 5 s)
 * @param sampleInterval  how often the dashboard's fleet history records each tenant's device counts (default 5
 *                        minutes)
 */
@ConfigurationProperties("fleetkeeper.console")
public record ConsoleProperties(
        @DefaultValue("false") boolean secureCookie,
        @DefaultValue("30m") Duration sessionIdle,
        @DefaultValue("12h") Duration sessionMax,
        @DefaultValue("5s") Duration refreshInterval,
        @DefaultValue("5m") Duration sampleInterval) {
}
