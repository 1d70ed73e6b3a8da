package io.fleetkeeper.device;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.audit.AuditService;
import io.fleetkeeper.device.ImportResult.Summary;
import io.fleetkeeper.device.internal.DeviceRepository;
import io.fleetkeeper.device.internal.EventRepository;
import io.fleetkeeper.device.internal.EventRepository.NewEvent;
import io.fleetkeeper.device.internal.StatsDelta;
import io.fleetkeeper.device.internal.StatsRepository;
import io.fleetkeeper.tenancy.Caller;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Bulk device import. Rows are validated and written in batches; each batch commits before its
 * results are handed to the sink, so a result the caller has seen is never lost, even by a crash.
 * With {@code atomic}, everything happens in one transaction that commits only if every row is valid.
 */
@Service
public class DeviceImportService {

    private final DeviceService devices;
    private final DeviceRepository repository;
    private final EventRepository events;
    private final StatsRepository stats;
    private final SiteService sites;
    private final DeviceTypeService types;
    private final AuditService audit;
    private final TransactionTemplate tx;
    private final DeviceProperties props;

    DeviceImportService(DeviceService devices, DeviceRepository repository, EventRepository events,
            StatsRepository stats, SiteService sites, DeviceTypeService types, AuditService audit,
            PlatformTransactionManager txManager, DeviceProperties props) {
        this.devices = devices;
        this.repository = repository;
        this.events = events;
        this.stats = stats;
        this.sites = sites;
        this.types = types;
        this.audit = audit;
        this.tx = new TransactionTemplate(txManager);
        this.props = props;
    }

    /** Receives row results in line order; {@link #committed()} follows each batch's results. */
    public interface Sink extends Consumer<ImportResult> {
        default void committed() {
        }
    }

    /** Imports {@code rows}; {@code sink} receives every row's result in line order. */
    public Summary importDevices(Caller caller, Iterator<ImportRow> rows, boolean atomic,
            Sink sink) {
        Run run = new Run(caller, rows, atomic, sink);
        if (atomic) {
            return tx.execute(status -> {
                Summary s = run.all();
                if (!s.committed()) {
                    status.setRollbackOnly();
                }
                return s;
            });
        }
        return run.all();
    }

    /** The state of one import request. */
    private final class Run implements DeviceService.Lookups {
        private final UUID tenantId;
        private final Caller caller;
        private final Iterator<ImportRow> rows;
        private final boolean atomic;
        private final Sink sink;
        private final Map<String, List<String>> typeCache = new HashMap<>();
        private final Map<UUID, DeviceTemplates.Applied> templateCache = new HashMap<>();
        private final Map<UUID, Boolean> siteCache = new HashMap<>();
        private final List<ImportResult> held = new ArrayList<>();
        private long count;
        private long created;
        private long failed;
        private boolean truncated;

        Run(Caller caller, Iterator<ImportRow> rows, boolean atomic, Sink sink) {
            UUID tenantId = caller.tenantId();
            this.tenantId = tenantId;
            this.caller = caller;
            this.rows = rows;
            this.atomic = atomic;
            this.sink = sink;
        }

        @Override
        public List<String> requiredMetadata(String type) {
            return typeCache.computeIfAbsent(type, t -> types.requiredMetadata(tenantId, t));
        }

        @Override
        public DeviceTemplates.Applied template(UUID id) {
            return templateCache.computeIfAbsent(id, t -> devices.templateOrNull(tenantId, t));
        }

        @Override
        public boolean siteExists(UUID site) {
            return siteCache.computeIfAbsent(site, s -> sites.exists(tenantId, s));
        }

        Summary all() {
            List<ImportRow> batch = new ArrayList<>(props.importBatchSize());
            while (rows.hasNext()) {
                ImportRow row = rows.next();
                if (++count > props.maxImportRows()) {
                    count--;
                    truncated = true;
                    failed++;
                    emit(ImportResult.failed(row.line(), ErrorCode.PAYLOAD_TOO_LARGE.name(),
                            "an import takes at most " + props.maxImportRows() + " rows; this row and the rest "
                                    + "were not read", List.of()));
                    break;
                }
                batch.add(row);
                if (batch.size() == props.importBatchSize()) {
                    batch(batch);
                    batch.clear();
                }
            }
            if (!batch.isEmpty()) {
                batch(batch);
            }
            boolean committed = !atomic || (failed == 0 && !truncated);
            if (atomic) {
                held.forEach(r -> sink.accept(committed ? r : r.rolledBack()));
            }
            return new Summary(count, committed ? created : 0, failed, atomic, committed, truncated);
        }

        private void emit(ImportResult r) {
            if (atomic) {
                held.add(r);
            } else {
                sink.accept(r);
            }
        }

        private void batch(List<ImportRow> batch) {
            ImportResult[] results = new ImportResult[batch.size()];
            List<Device> valid = new ArrayList<>();
            List<Integer> validIndex = new ArrayList<>();
            Set<String> batchSerials = new HashSet<>();
            for (int i = 0; i < batch.size(); i++) {
                ImportRow row = batch.get(i);
                if (row.parseError() != null) {
                    results[i] = ImportResult.failed(row.line(), ErrorCode.MALFORMED_REQUEST.name(), row.parseError(),
                            List.of());
                    continue;
                }
                try {
                    Device d = devices.validateNew(tenantId, row.device(), DeviceStatus.ACTIVE, this);
                    if (d.serial() != null && !batchSerials.add(d.serial())) {
                        throw DeviceService.serialTaken(d.serial());
                    }
                    valid.add(d);
                    validIndex.add(i);
                } catch (ApiException e) {
                    results[i] = ImportResult.failed(row.line(), e.code().name(), e.getMessage(), e.errors());
                }
            }
            Set<String> taken = repository.existingSerials(tenantId, batchSerials);
            List<Device> toInsert = new ArrayList<>();
            List<Integer> insertIndex = new ArrayList<>();
            for (int k = 0; k < valid.size(); k++) {
                Device d = valid.get(k);
                int i = validIndex.get(k);
                if (d.serial() != null && taken.contains(d.serial())) {
                    ApiException e = DeviceService.serialTaken(d.serial());
                    results[i] = ImportResult.failed(batch.get(i).line(), e.code().name(), e.getMessage(),
                            e.errors());
                } else {
                    toInsert.add(d);
                    insertIndex.add(i);
                }
            }
            if (atomic) {
                write(toInsert, batch.get(0).line(), batch.get(batch.size() - 1).line());
            } else {
                try {
                    tx.executeWithoutResult(s -> write(toInsert, batch.get(0).line(),
                            batch.get(batch.size() - 1).line()));
                } catch (DataIntegrityViolationException raced) {
                    // A concurrent request took a serial after our check: fall back to one row at a time.
                    oneByOne(toInsert, insertIndex, batch, results);
                    insertIndex.clear();
                }
            }
            for (int k = 0; k < insertIndex.size(); k++) {
                int i = insertIndex.get(k);
                results[i] = ImportResult.created(batch.get(i).line(), toInsert.get(k).id());
            }
            for (ImportResult r : results) {
                if (r.ok()) {
                    created++;
                } else {
                    failed++;
                }
                emit(r);
            }
            if (!atomic) {
                sink.committed();
            }
        }

        private void oneByOne(List<Device> toInsert, List<Integer> index, List<ImportRow> batch,
                ImportResult[] results) {
            for (int k = 0; k < toInsert.size(); k++) {
                Device d = toInsert.get(k);
                long line = batch.get(index.get(k)).line();
                try {
                    tx.executeWithoutResult(s -> write(List.of(d), line, line));
                    results[index.get(k)] = ImportResult.created(line, d.id());
                } catch (DataIntegrityViolationException e) {
                    ApiException ex = DeviceService.serialTaken(d.serial());
                    results[index.get(k)] = ImportResult.failed(line, ex.code().name(), ex.getMessage(), ex.errors());
                }
            }
        }

        private void write(List<Device> batch, long firstLine, long lastLine) {
            if (batch.isEmpty()) {
                return;
            }
            repository.insertAll(tenantId, batch);
            List<NewEvent> created = new ArrayList<>(batch.size());
            StatsDelta delta = new StatsDelta();
            for (Device d : batch) {
                created.add(new NewEvent(d.id(), DeviceEvent.CREATED, caller.actor(), "{\"source\":\"import\"}",
                        d.registeredAt().toEpochMilli()));
                delta.add(d, 1);
            }
            events.append(tenantId, created);
            stats.apply(tenantId, delta.deltas());
            audit.record(tenantId, caller, "device.import", "device", null,
                    "{\"lines\":\"" + firstLine + "-" + lastLine + "\",\"created\":" + batch.size() + "}");
            devices.instantiate(caller, batch);
        }
    }
}
