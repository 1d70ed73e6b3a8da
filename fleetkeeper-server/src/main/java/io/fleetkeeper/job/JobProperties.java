package io.fleetkeeper.job;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Job runner settings ({@code fleetkeeper.jobs.*}).
 *
 * @param tickInterval       how often each node looks for jobs to run (default 1 s)
 * @param leaseTtl           how long a node's claim on a job lasts without renewal; a dead node's jobs move to
 *                           another node after it (default 30 s)
 * @param batchSize          executions started per transaction (default 500)
 * @param targetingPageSize  devices targeted per transaction (default 5000)
 * @param continuousInterval how often a continuous job looks for devices that newly match (default 60 s)
 * @param maxJobsPerTick     most jobs one node works on per tick (default 20)
 * @param runnerEnabled      whether this node runs jobs at all (default true; the HTTP test suite drives the
 *                           engine itself with a clock it moves)
 */
@ConfigurationProperties("fleetkeeper.jobs")
public record JobProperties(
        @DefaultValue("1s") Duration tickInterval,
        @DefaultValue("30s") Duration leaseTtl,
        @DefaultValue("500") int batchSize,
        @DefaultValue("5000") int targetingPageSize,
        @DefaultValue("60s") Duration continuousInterval,
        @DefaultValue("20") int maxJobsPerTick,
        @DefaultValue("true") boolean runnerEnabled) {
}
