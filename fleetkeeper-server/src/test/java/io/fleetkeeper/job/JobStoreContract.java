package io.fleetkeeper.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.command.CommandService;
import io.fleetkeeper.command.CommandStatus;
import io.fleetkeeper.command.NewCommand;
import io.fleetkeeper.command.internal.CommandRepository;
import io.fleetkeeper.command.internal.CommandRepository.Moved;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.device.NewDevice;
import io.fleetkeeper.job.internal.ExecutionRepository;
import io.fleetkeeper.job.internal.ExecutionRepository.Claimed;
import io.fleetkeeper.job.internal.JobRepository;
import io.fleetkeeper.store.Dialect;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.Role;
import io.fleetkeeper.tenancy.TenantService;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.springframework.context.ApplicationContext;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The jobs store contract: the same behaviour on SQLite and PostgreSQL (the store contract tests implement it).
 * Claims by concurrent transactions, the command transition's {@code RETURNING job_id}, retries and finishes
 * conditional on the command, and which jobs a node looks at first.
 */
public interface JobStoreContract {

    /** A fresh tenant with the beans the tests use. */
    record Fixture(UUID tenant, Caller admin, ExecutionRepository executions, JobRepository jobs,
            JobService jobService, CommandRepository commandRows, CommandService commands, DeviceService devices,
            TransactionTemplate tx, Dialect dialect) {

        static Fixture of(ApplicationContext ctx) {
            UUID tenant = ctx.getBean(TenantService.class).create(new Caller(null, "test-platform", Role.PLATFORM),
                    "jc-" + UUID.randomUUID().toString().substring(0, 12)).tenant().id();
            return new Fixture(tenant, new Caller(tenant, "test-admin", Role.ADMIN),
                    ctx.getBean(ExecutionRepository.class), ctx.getBean(JobRepository.class),
                    ctx.getBean(JobService.class), ctx.getBean(CommandRepository.class),
                    ctx.getBean(CommandService.class), ctx.getBean(DeviceService.class),
                    new TransactionTemplate(ctx.getBean(PlatformTransactionManager.class)), ctx.getBean(Dialect.class));
        }

        UUID device(String name) {
            return devices.create(admin, new NewDevice(name, "meter", null, List.of(), Map.of(), null, null,
                    null)).id();
        }

        /** {@code n} QUEUED executions of a new job id (executions need no job row), due at {@code now}. */
        List<UUID> queued(UUID job, int n, long now) {
            List<UUID> ids = IntStream.range(0, n).mapToObj(i -> UUID.randomUUID()).toList();
            executions.insertQueued(tenant, job, ids, now);
            return ids;
        }

        List<UUID> claim(UUID job, long now, int limit) {
            return tx.execute(s -> executions.claim(tenant, job, now, now + 60_000, limit)).stream()
                    .map(Claimed::deviceId).toList();
        }

        ExecutionRepository.Row execution(UUID job, UUID device) {
            return executions.find(tenant, job, device).orElseThrow();
        }

        UUID job(String name) {
            NewJob in = new NewJob(name, null, new NewJob.Target(null, "type = \"meter\""), null,
                    new NewJob.Operation("command", "reboot", null, null, null, null, null), null, null, null, null, null);
            return jobService.create(admin, in).job().id();
        }
    }

    long NOW = 1_750_000_000_000L;

    @Test
    default void targetingPagesAddEveryMatchingDeviceOnceAndSayWhereThePageEnded(ApplicationContext ctx) {
        Fixture f = Fixture.of(ctx);
        List<UUID> ids = new ArrayList<>(IntStream.range(0, 7).mapToObj(i -> f.device("t" + i)).toList());
        ids.sort(java.util.Comparator.comparing(UUID::toString)); // the stores' uuid order
        UUID job = UUID.randomUUID();
        java.util.function.BiFunction<UUID, Integer, ExecutionRepository.Targeted> page = (after, limit) ->
                f.tx.execute(s -> f.executions.targetPage(f.tenant, job,
                        f.devices.matchingIdsQuery(f.tenant, null, after, null, limit), NOW));
        assertThat(page.apply(null, 3)).isEqualTo(new ExecutionRepository.Targeted(3, ids.get(2), 3));
        assertThat(page.apply(ids.get(2), 3)).isEqualTo(new ExecutionRepository.Targeted(3, ids.get(5), 3));
        assertThat(page.apply(ids.get(5), 3)).isEqualTo(new ExecutionRepository.Targeted(1, ids.get(6), 1));
        assertThat(page.apply(ids.get(6), 3)).isEqualTo(new ExecutionRepository.Targeted(0, null, 0));
        UUID late = f.device("late");
        ids.add(late);
        ids.sort(java.util.Comparator.comparing(UUID::toString));
        assertThat(page.apply(null, 100)).as("a rescan adds only the device it did not have")
                .isEqualTo(new ExecutionRepository.Targeted(8, ids.getLast(), 1));
        for (UUID d : ids) {
            ExecutionRepository.Row e = f.execution(job, d);
            assertThat(e.status()).isEqualTo(ExecutionStatus.QUEUED);
            assertThat(e.dueAt()).isEqualTo(NOW);
        }
    }

    @Test
    default void twoConcurrentClaimersGetDisjointExecutionsThatCoverTheQueue(ApplicationContext ctx)
            throws Exception {
        Fixture f = Fixture.of(ctx);
        UUID job = UUID.randomUUID();
        Set<UUID> all = Set.copyOf(f.queued(job, 600, NOW));
        CyclicBarrier start = new CyclicBarrier(2);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<List<UUID>>> claimers = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                claimers.add(pool.submit(() -> {
                    start.await(10, TimeUnit.SECONDS);
                    List<UUID> mine = new ArrayList<>();
                    List<UUID> batch;
                    do {
                        batch = f.claim(job, NOW, 7);
                        assertThat(batch).hasSizeLessThanOrEqualTo(7);
                        mine.addAll(batch);
                    } while (!batch.isEmpty());
                    return mine;
                }));
            }
            List<UUID> first = claimers.get(0).get(60, TimeUnit.SECONDS);
            List<UUID> second = claimers.get(1).get(60, TimeUnit.SECONDS);
            assertThat(first).doesNotHaveDuplicates();
            assertThat(second).doesNotHaveDuplicates();
            assertThat(first).as("no execution claimed twice").doesNotContainAnyElementsOf(second);
            Set<UUID> union = new HashSet<>(first);
            union.addAll(second);
            assertThat(union).isEqualTo(all);
        } finally {
            pool.shutdownNow();
        }
        assertThat(f.executions().counts(f.tenant(), job)).containsEntry(ExecutionStatus.IN_PROGRESS, 600L)
                .containsEntry(ExecutionStatus.QUEUED, 0L);
    }

    /**
     * PostgreSQL: a claimer skips the rows another open transaction claimed, without waiting for it. SQLite has one
     * writer, so there the second claim runs after the first commits; both must still be disjoint and complete.
     */
    @Test
    default void aClaimDoesNotWaitForNorTakeAnotherTransactionsUncommittedClaim(ApplicationContext ctx)
            throws Exception {
        Fixture f = Fixture.of(ctx);
        UUID job = UUID.randomUUID();
        Set<UUID> all = Set.copyOf(f.queued(job, 50, NOW));
        boolean concurrent = f.dialect() == Dialect.POSTGRESQL;
        CountDownLatch firstClaimed = new CountDownLatch(1);
        CountDownLatch secondDone = new CountDownLatch(1);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<List<UUID>> holder = pool.submit(() -> f.tx().execute(s -> {
                List<UUID> mine = f.executions().claim(f.tenant(), job, NOW, NOW + 60_000, 20).stream()
                        .map(Claimed::deviceId).toList();
                firstClaimed.countDown();
                if (concurrent) { // keep the transaction (and its row locks) open until the other claim returned
                    try {
                        assertThat(secondDone.await(10, TimeUnit.SECONDS))
                                .as("the second claim returned while the first transaction was open").isTrue();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }
                return mine;
            }));
            assertThat(firstClaimed.await(10, TimeUnit.SECONDS)).isTrue();
            if (!concurrent) {
                holder.get(10, TimeUnit.SECONDS);
            }
            List<UUID> second = f.claim(job, NOW, 1000);
            secondDone.countDown();
            List<UUID> first = holder.get(20, TimeUnit.SECONDS);
            assertThat(first).hasSize(20);
            assertThat(second).hasSize(30).doesNotContainAnyElementsOf(first);
            Set<UUID> union = new HashSet<>(first);
            union.addAll(second);
            assertThat(union).isEqualTo(all);
        } finally {
            pool.shutdownNow();
        }
        assertThat(f.claim(job, NOW, 1000)).isEmpty();
    }

    @Test
    default void commandTransitionReturnsTheJobOfAJobsCommandAndNullWhenIllegal(ApplicationContext ctx) {
        Fixture f = Fixture.of(ctx);
        UUID device = f.device("m1");
        UUID job = UUID.randomUUID();
        UUID forJob = f.commands().createForJob(f.tenant(), "job:" + job, job, List.of(device), "reboot", null, 600)
                .get(device);
        assertThat(f.commandRows().find(f.tenant(), forJob).orElseThrow().jobId()).isEqualTo(job);

        assertThat(f.commandRows().transition(f.tenant(), forJob, CommandStatus.DELIVERED, NOW, null))
                .isEqualTo(new Moved(job));
        assertThat(f.commandRows().transition(f.tenant(), forJob, CommandStatus.SENT, NOW, null))
                .as("DELIVERED → SENT is illegal").isNull();
        assertThat(f.commandRows().transition(f.tenant(), forJob, CommandStatus.REJECTED, NOW + 1, "{\"why\":\"busy\"}"))
                .isEqualTo(new Moved(job));
        assertThat(f.commandRows().transition(f.tenant(), forJob, CommandStatus.SUCCEEDED, NOW + 2, "{}"))
                .as("final states are final").isNull();
        assertThat(f.commandRows().transition(f.tenant(), forJob, CommandStatus.QUEUED, NOW + 2, null)).isNull();
        CommandRepository.Row stored = f.commandRows().find(f.tenant(), forJob).orElseThrow();
        assertThat(stored.status()).isEqualTo(CommandStatus.REJECTED);
        assertThat(stored.result()).isEqualTo("{\"why\":\"busy\"}");
        assertThat(stored.finishedAt()).isEqualTo(NOW + 1);
        assertThat(stored.deliveredAt()).isEqualTo(NOW);

        UUID plain = f.commands().create(f.admin(), device, new NewCommand("ping", null, 600L, null))
                .command().id();
        assertThat(f.commandRows().transition(f.tenant(), plain, CommandStatus.CANCELED, NOW, null))
                .as("a plain command moves, with no job").isEqualTo(new Moved(null));
        assertThat(f.commandRows().transition(f.tenant(), plain, CommandStatus.CANCELED, NOW, null)).isNull();
        assertThat(f.commandRows().transition(f.tenant(), UUID.randomUUID(), CommandStatus.CANCELED, NOW, null))
                .isNull();
    }

    @Test
    default void retryHonoursMaxRetriesAndFinishOnlyEndsTheCurrentCommandsExecution(ApplicationContext ctx) {
        Fixture f = Fixture.of(ctx);
        UUID job = UUID.randomUUID();
        UUID d = f.queued(job, 1, NOW).getFirst();
        ExecutionRepository ex = f.executions();
        UUID tenant = f.tenant();
        UUID[] commandOf = new UUID[3];
        for (int attempt = 0; attempt < 3; attempt++) {
            long started = NOW + 1000L * (attempt + 1);
            assertThat(f.claim(job, started, 10)).containsExactly(d);
            commandOf[attempt] = UUID.randomUUID();
            ex.setCommands(tenant, job, Map.of(d, commandOf[attempt]));
            ExecutionRepository.Row running = f.execution(job, d);
            assertThat(running.status()).isEqualTo(ExecutionStatus.IN_PROGRESS);
            assertThat(running.attempt()).isEqualTo(attempt);
            assertThat(running.startedAt()).isEqualTo(started);
            assertThat(running.commandId()).isEqualTo(commandOf[attempt]);
            if (attempt > 0) {
                assertThat(ex.retry(tenant, job, d, commandOf[attempt - 1], 2, "{}", started))
                        .as("a retry for the previous attempt's command").isFalse();
                assertThat(ex.finish(tenant, job, d, commandOf[attempt - 1], ExecutionStatus.SUCCEEDED, null, started))
                        .as("a finish for the previous attempt's command").isFalse();
            }
            boolean retried = ex.retry(tenant, job, d, commandOf[attempt], 2, "{\"try\":" + attempt + "}",
                    started + 10);
            assertThat(retried).as("retry after attempt " + attempt + " of max 2").isEqualTo(attempt < 2);
            if (retried) {
                ExecutionRepository.Row queued = f.execution(job, d);
                assertThat(queued.status()).isEqualTo(ExecutionStatus.QUEUED);
                assertThat(queued.attempt()).isEqualTo(attempt + 1);
                assertThat(queued.commandId()).isNull();
                assertThat(queued.startedAt()).isNull();
                assertThat(queued.dueAt()).as("due again from its last start").isEqualTo(started);
                assertThat(queued.details()).isEqualTo("{\"try\":" + attempt + "}");
            }
        }
        assertThat(f.execution(job, d).status()).as("retries exhausted: still in progress")
                .isEqualTo(ExecutionStatus.IN_PROGRESS);
        assertThat(ex.finish(tenant, job, d, UUID.randomUUID(), ExecutionStatus.SUCCEEDED, null, NOW + 9000))
                .as("another command's outcome").isFalse();
        assertThat(ex.finish(tenant, job, d, commandOf[2], ExecutionStatus.FAILED, "{\"code\":7}", NOW + 9000))
                .isTrue();
        assertThat(ex.finish(tenant, job, d, commandOf[2], ExecutionStatus.SUCCEEDED, null, NOW + 9001))
                .as("final").isFalse();
        assertThat(ex.finish(tenant, job, d, null, ExecutionStatus.CANCELED, null, NOW + 9001)).isFalse();
        ExecutionRepository.Row done = f.execution(job, d);
        assertThat(done.status()).isEqualTo(ExecutionStatus.FAILED);
        assertThat(done.attempt()).isEqualTo(2);
        assertThat(done.finishedAt()).isEqualTo(NOW + 9000);
        assertThat(done.details()).isEqualTo("{\"code\":7}");
        assertThat(ex.retry(tenant, job, d, null, 10, null, NOW + 9002)).as("only in-progress ones retry").isFalse();
    }

    @Test
    default void aRetriedExecutionIsClaimedBeforeExecutionsQueuedAfterItsStart(ApplicationContext ctx) {
        Fixture f = Fixture.of(ctx);
        UUID job = UUID.randomUUID();
        UUID first = f.queued(job, 1, NOW).getFirst();
        assertThat(f.claim(job, NOW + 100, 10)).containsExactly(first);
        UUID later = f.queued(job, 1, NOW + 200).getFirst();
        assertThat(f.executions().retry(f.tenant(), job, first, null, 1, null, NOW + 300)).isTrue();
        UUID future = f.queued(job, 1, NOW + 1000).getFirst();
        assertThat(f.claim(job, NOW + 400, 1)).containsExactly(first);
        assertThat(f.claim(job, NOW + 400, 10)).as("not before its due time").containsExactly(later);
        assertThat(f.claim(job, NOW + 1000, 10)).containsExactly(future);
    }

    @Test
    default void aNodeLooksAtNeverLeasedJobsBeforeJobsWithExpiredLeases(ApplicationContext ctx) {
        Fixture f = Fixture.of(ctx);
        f.device("m1");
        UUID expired = f.job("expired lease");
        UUID fresh = f.job("never leased");
        long now = System.currentTimeMillis();
        assertThat(f.jobs().lease(f.tenant(), expired, "gone-node", now - 60_000, now - 30_000)).isTrue();
        List<UUID> order = f.jobs().runnable("this-node", now, 100_000).stream().map(JobRepository.Row::id).toList();
        assertThat(order).contains(expired, fresh);
        assertThat(order.indexOf(fresh)).as("a new job must not wait behind jobs leased before (%s)", f.dialect())
                .isLessThan(order.indexOf(expired));
        assertThat(f.jobs().lease(f.tenant(), fresh, "other-node", now, now + 30_000)).isTrue();
        assertThat(f.jobs().runnable("this-node", now, 100_000).stream().map(JobRepository.Row::id))
                .as("another node's live lease").doesNotContain(fresh).contains(expired);
        assertThat(f.jobs().lease(f.tenant(), fresh, "this-node", now, now + 30_000)).isFalse();
    }
}
