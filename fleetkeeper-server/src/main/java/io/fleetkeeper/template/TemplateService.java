package io.fleetkeeper.template;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.Cursor;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.api.Page;
import io.fleetkeeper.audit.AuditService;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.shadow.ShadowSchemas;
import io.fleetkeeper.store.Ids;
import io.fleetkeeper.store.Times;
import io.fleetkeeper.template.internal.TemplateRepository;
import io.fleetkeeper.template.internal.TemplateRepository.Row;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.web.Violations;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.json.JsonMapper;

/**
 * Device templates: create, read, list, new versions and delete. A version is never changed: {@code PUT} adds the
 * next one, and devices keep the version they were made from until they are upgraded. A template's shadow schemas
 * become its device type's (the shadow feature checks every write against them).
 */
@Service
public class TemplateService {

    private final TemplateRepository templates;
    private final DeviceService devices;
    private final ShadowSchemas schemas;
    private final io.fleetkeeper.device.DeviceTypeService types;
    private final AuditService audit;
    private final JsonMapper json;
    private final Clock clock;

    TemplateService(TemplateRepository templates, DeviceService devices, ShadowSchemas schemas,
            io.fleetkeeper.device.DeviceTypeService types, AuditService audit, JsonMapper json, Clock clock) {
        this.types = types;
        this.templates = templates;
        this.devices = devices;
        this.schemas = schemas;
        this.audit = audit;
        this.json = json;
        this.clock = clock;
    }

    @Transactional
    public Template create(Caller caller, TemplateFields in) {
        UUID tenantId = caller.tenantId();
        Violations v = new Violations();
        TemplateSpec spec = TemplateRules.spec(v, in);
        if (v.isEmpty() && spec.shadowSchemas() != null && types.find(tenantId, in.deviceType()).isEmpty()) {
            v.add("shadow_schemas", "shadow schemas belong to a declared device type: declare '" + in.deviceType()
                    + "' first");
        }
        v.throwIfAny();
        if (templates.findByName(tenantId, in.name()).isPresent()) {
            throw nameTaken(in.name());
        }
        Template t = write(caller, Ids.newId(clock), 1, in, spec);
        audit.record(tenantId, caller, "template.create", "template", t.id().toString(), null);
        return t;
    }

    /** Adds the next version of a template; {@code expectedVersion} (If-Match) must be its latest when given. */
    @Transactional
    public Template update(Caller caller, UUID id, TemplateFields in, Long expectedVersion) {
        UUID tenantId = caller.tenantId();
        Template cur = get(tenantId, id, null);
        if (expectedVersion != null && expectedVersion != cur.version()) {
            throw new ApiException(ErrorCode.PRECONDITION_FAILED,
                    "the template has changed; its current ETag is \"" + cur.version() + "\"");
        }
        Violations v = new Violations();
        TemplateSpec spec = TemplateRules.spec(v, in);
        if (v.isEmpty() && spec.shadowSchemas() != null && types.find(tenantId, in.deviceType()).isEmpty()) {
            v.add("shadow_schemas", "shadow schemas belong to a declared device type: declare '" + in.deviceType()
                    + "' first");
        }
        v.throwIfAny();
        if (templates.nameTaken(tenantId, in.name(), id)) {
            throw nameTaken(in.name());
        }
        Template t;
        try {
            t = write(caller, id, cur.version() + 1, in, spec);
        } catch (DuplicateKeyException e) {
            throw new ApiException(ErrorCode.PRECONDITION_FAILED, "the template changed concurrently; read it again");
        }
        audit.record(tenantId, caller, "template.update", "template", id.toString(),
                "{\"version\":" + t.version() + "}");
        return t;
    }

    private Template write(Caller caller, UUID id, int version, TemplateFields in, TemplateSpec spec) {
        var now = Times.now(clock);
        templates.insert(caller.tenantId(), new Row(id, version, in.name(), in.deviceType(), in.description(),
                json.writeValueAsString(spec), caller.actor(), now));
        if (spec.shadowSchemas() != null) {
            schemas.put(caller, in.deviceType(), spec.shadowSchemas().desired(), spec.shadowSchemas().reported());
        }
        return Template.of(id, in.name(), in.deviceType(), in.description(), version, spec, caller.actor(), now);
    }

    /** Version {@code version} of a template (its latest when null). */
    public Template get(UUID tenantId, UUID id, Integer version) {
        return find(tenantId, id, version).orElseThrow(() -> ApiException.notFound(
                version == null ? "template" : "template version"));
    }

    public Optional<Template> find(UUID tenantId, UUID id, Integer version) {
        return templates.find(tenantId, id, version).map(this::view);
    }

    /** Every version of a template, oldest first. */
    public List<Template> versions(UUID tenantId, UUID id) {
        List<Template> all = templates.versions(tenantId, id).stream().map(this::view).toList();
        if (all.isEmpty()) {
            throw ApiException.notFound("template");
        }
        return all;
    }

    /** The latest version of each template, by name. */
    public Page<Template> list(UUID tenantId, String cursor, int limit) {
        Cursor c = Cursor.decode(cursor, "template-name");
        var rows = templates.list(tenantId, c == null ? "" : c.key(), limit + 1).stream().map(this::view).toList();
        return Page.of(rows, limit, t -> new Cursor("template-name", t.name(), t.id().toString()));
    }

    /** Deletes every version; refused while a device was made from it. */
    @Transactional
    public void delete(Caller caller, UUID id) {
        UUID tenantId = caller.tenantId();
        get(tenantId, id, null);
        long using = devices.countByTemplate(tenantId, id);
        if (using > 0) {
            throw new ApiException(ErrorCode.IN_USE, using + " device(s) were made from this template");
        }
        templates.delete(tenantId, id);
        audit.record(tenantId, caller, "template.delete", "template", id.toString(), null);
    }

    private Template view(Row r) {
        TemplateSpec spec = json.readValue(r.spec(), TemplateSpec.class);
        return Template.of(r.id(), r.name(), r.deviceType(), r.description(), r.version(), spec, r.createdBy(),
                r.createdAt());
    }

    private static ApiException nameTaken(String name) {
        return new ApiException(ErrorCode.ALREADY_EXISTS, "a template named '" + name + "' exists",
                List.of(new ApiException.FieldError("name", "is already used by another template")));
    }
}
