package io.fleetkeeper.device;

import io.fleetkeeper.device.internal.SelectionRepository;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.springframework.stereotype.Service;

/**
 * Reads over the devices a {@link DeviceCondition} selects, for the fleet feature's counts and aggregations and
 * its static groups: the SQL over the device tables stays here.
 */
@Service
public class DeviceQueries {

    /** How many devices have {@code value} ({@code null}: no value) of the grouped field. */
    public record ValueCount(String value, long count) {
    }

    private final SelectionRepository repository;

    DeviceQueries(SelectionRepository repository) {
        this.repository = repository;
    }

    /** How many of the tenant's devices {@code condition} selects (all of them when null). */
    public long count(UUID tenantId, DeviceCondition condition) {
        return repository.count(tenantId, condition);
    }

    /**
     * Up to {@code limit} counts per value of {@code field} (one of {@link DeviceField#GROUPABLE}; {@code key} is
     * the metadata key) among the devices {@code condition} selects: most devices first, then by value in
     * code-point order, no value last. Tags count a device once per tag; a device without one counts under null.
     */
    public List<ValueCount> countBy(UUID tenantId, DeviceCondition condition, DeviceField field, String key,
            int limit) {
        if (!DeviceField.GROUPABLE.contains(field)) {
            throw new IllegalArgumentException("cannot group by " + field);
        }
        return repository.aggregate(tenantId, condition, field, key, limit);
    }

    /** Which of {@code ids} (text UUIDs) are devices of the tenant. */
    public Set<String> existingIds(UUID tenantId, Collection<String> ids) {
        return ids.isEmpty() ? Set.of() : repository.existingIds(tenantId, ids);
    }
}
