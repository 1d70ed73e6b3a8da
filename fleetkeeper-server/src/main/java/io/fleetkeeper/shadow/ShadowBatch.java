package io.fleetkeeper.shadow;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.device.NewDeviceEvent;
import io.fleetkeeper.shadow.ShadowService.Applied;
import io.fleetkeeper.shadow.ShadowService.Outcome;
import io.fleetkeeper.shadow.ShadowService.Report;
import io.fleetkeeper.shadow.internal.ShadowRepository;
import io.fleetkeeper.shadow.internal.ShadowRepository.Row;
import io.fleetkeeper.shadow.internal.ShadowRepository.Version;
import io.fleetkeeper.shadow.internal.ShadowRepository.Write;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * Device reported updates written together (group commit): one transaction, the device types and shadow rows
 * read in one statement each, the rows, history versions and device events written as JDBC batches, one commit.
 * Reports are worked out in memory in their order, each onto the result of the one before it for the same
 * shadow, with the checks of {@link ShadowService#update}; a refused report changes nothing and fails alone. A
 * shadow another writer changed meanwhile (its conditional update wins nothing) has its reports written again
 * one by one after the commit, as {@code update} does when it loses a race. Should the transaction fail as a
 * whole, every report is written alone, so a report that breaks the store fails alone too.
 */
final class ShadowBatch {

    private static final Logger log = LoggerFactory.getLogger(ShadowBatch.class);

    private record Key(UUID tenantId, UUID deviceId, String name) {
    }

    /** What the transaction decided for each report: written ({@code applied}), refused, or to retry alone. */
    private record Plan(Applied[] applied, RuntimeException[] refused, boolean[] retry) {
    }

    private final ShadowService service;
    private final ShadowRepository shadows;
    private final DeviceService devices;
    private final ShadowProperties properties;
    private final JsonMapper json;
    private final Clock clock;
    private final TransactionTemplate tx;
    private final AtomicLong failedWhole = new AtomicLong();

    ShadowBatch(ShadowService service, ShadowRepository shadows, DeviceService devices, ShadowProperties properties,
            JsonMapper json, Clock clock, PlatformTransactionManager txManager) {
        this.service = service;
        this.shadows = shadows;
        this.devices = devices;
        this.properties = properties;
        this.json = json;
        this.clock = clock;
        this.tx = new TransactionTemplate(txManager);
    }

    List<Outcome> write(List<Report> reports) {
        int size = reports.size();
        String[] names = new String[size];
        RuntimeException[] early = new RuntimeException[size];
        boolean[] alone = new boolean[size];
        for (int i = 0; i < size; i++) {
            Report r = reports.get(i);
            try {
                names[i] = ShadowService.name(r.name());
                service.checkLimits(r.update());
                alone[i] = !r.device().actor().startsWith("device:"); // operators' writes are audited: not here
            } catch (ApiException e) {
                early[i] = e;
            }
        }
        Plan plan;
        try {
            plan = tx.execute(status -> plan(reports, names, early, alone));
        } catch (RuntimeException e) {
            log.warn("a batch of {} shadow reports failed as a whole ({}); writing each alone", size, e.toString());
            failedWhole.incrementAndGet();
            plan = null;
        }
        List<Outcome> outcomes = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            Report r = reports.get(i);
            if (early[i] != null) {
                outcomes.add(new Outcome(null, early[i]));
            } else if (plan == null || alone[i] || plan.retry()[i]) {
                outcomes.add(single(r));
            } else if (plan.refused()[i] != null) {
                outcomes.add(new Outcome(null, plan.refused()[i]));
            } else {
                Applied a = plan.applied()[i];
                service.sendDocuments(r.device().tenantId(), r.deviceId(), a);
                outcomes.add(new Outcome(a.result(), null));
            }
        }
        return outcomes;
    }

    /** Batches that failed as a whole and were written report by report (for tests and diagnosis). */
    long failedWhole() {
        return failedWhole.get();
    }

    private Outcome single(Report r) {
        try {
            // service is not the transactional proxy: the transaction is this template's
            return new Outcome(tx.execute(status -> service.update(r.device(), r.deviceId(), r.name(), r.update())),
                    null);
        } catch (RuntimeException e) {
            return new Outcome(null, e);
        }
    }

    private Plan plan(List<Report> reports, String[] names, RuntimeException[] early, boolean[] alone) {
        int size = reports.size();
        Applied[] applied = new Applied[size];
        RuntimeException[] refused = new RuntimeException[size];
        boolean[] retry = new boolean[size];
        long now = clock.millis();
        // what is stored: device types and shadow rows, one statement each per tenant
        Map<UUID, Set<UUID>> deviceIds = new LinkedHashMap<>();
        Map<UUID, Set<String>> shadowNames = new LinkedHashMap<>();
        for (int i = 0; i < size; i++) {
            if (early[i] == null && !alone[i]) {
                UUID t = reports.get(i).device().tenantId();
                deviceIds.computeIfAbsent(t, x -> new LinkedHashSet<>()).add(reports.get(i).deviceId());
                shadowNames.computeIfAbsent(t, x -> new LinkedHashSet<>()).add(names[i]);
            }
        }
        Map<UUID, Map<UUID, String>> types = new HashMap<>();
        Map<Key, Row> stored = new HashMap<>();
        deviceIds.forEach((t, ids) -> {
            types.put(t, devices.deviceTypes(t, ids));
            shadows.findAll(t, ids, shadowNames.get(t), (d, row) -> stored.put(new Key(t, d, row.name()), row));
        });
        // each report onto the shadow as the reports before it left it
        Map<Key, Row> current = new HashMap<>(stored);
        Map<Key, List<Integer>> written = new TreeMap<>(Comparator.comparing((Key k) -> k.tenantId().toString())
                .thenComparing(k -> k.deviceId().toString()).thenComparing(Key::name)); // one lock order
        Map<Key, Integer> madeLive = new HashMap<>(); // named shadows created in this batch, per device
        for (int i = 0; i < size; i++) {
            if (early[i] != null || alone[i]) {
                continue;
            }
            Report r = reports.get(i);
            UUID t = r.device().tenantId();
            Map<UUID, String> typeOf = types.get(t);
            if (!typeOf.containsKey(r.deviceId())) {
                refused[i] = ApiException.notFound("device");
                continue;
            }
            Key key = new Key(t, r.deviceId(), names[i]);
            Key deviceKey = new Key(t, r.deviceId(), "");
            Row row = current.get(key);
            try {
                Applied a = service.apply(t, typeOf.get(r.deviceId()), r.deviceId(), names[i], row, r.update(), now,
                        () -> shadows.countNamed(t, r.deviceId()) + madeLive.getOrDefault(deviceKey, 0));
                if ((row == null || row.document() == null) && !names[i].isEmpty()) {
                    madeLive.merge(deviceKey, 1, Integer::sum);
                }
                current.put(key, new Row(names[i], a.version(), a.text(), now));
                applied[i] = a;
                written.computeIfAbsent(key, k -> new ArrayList<>()).add(i);
            } catch (ApiException e) {
                refused[i] = e;
            }
        }
        // the rows, each once at its last version; a shadow changed meanwhile by another writer is retried alone
        List<Key> keys = new ArrayList<>(written.keySet());
        List<Write> writes = new ArrayList<>();
        for (Key k : keys) {
            Row before = stored.get(k);
            Row after = current.get(k);
            writes.add(new Write(k.tenantId(), k.deviceId(), k.name(), before == null,
                    before == null ? 0 : before.version(), after.version(), after.document(), now));
        }
        boolean[] won = shadows.writeAll(writes);
        List<Version> versions = new ArrayList<>();
        List<Write> trims = new ArrayList<>();
        Map<UUID, List<NewDeviceEvent>> events = new LinkedHashMap<>();
        for (int w = 0; w < keys.size(); w++) {
            Key k = keys.get(w);
            List<Integer> items = written.get(k);
            if (!won[w]) {
                for (int i : items) {
                    applied[i] = null;
                    retry[i] = true;
                }
                continue;
            }
            boolean trim = false;
            for (int i : items) {
                Applied a = applied[i];
                String actor = reports.get(i).device().actor();
                versions.add(new Version(k.tenantId(), k.deviceId(), k.name(), a.version(), a.text(), actor, now));
                events.computeIfAbsent(k.tenantId(), t -> new ArrayList<>()).add(new NewDeviceEvent(k.deviceId(),
                        "SHADOW-UPDATED", actor, json.writeValueAsString(ShadowService.details(k.name(), a.version(),
                        reports.get(i).update().section())), Instant.ofEpochMilli(now)));
                trim |= ShadowRepository.trims(a.version());
            }
            if (trim) {
                trims.add(writes.get(w));
            }
        }
        shadows.rememberAll(versions);
        for (Write t : trims) {
            shadows.trim(t.tenantId(), t.deviceId(), t.name(), t.version(), properties.historySize());
        }
        events.forEach(devices::recordEvents);
        return new Plan(applied, refused, retry);
    }
}
