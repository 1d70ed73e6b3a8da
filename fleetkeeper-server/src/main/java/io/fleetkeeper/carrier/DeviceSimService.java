package io.fleetkeeper.carrier;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.audit.AuditService;
import io.fleetkeeper.carrier.internal.CarrierErrors;
import io.fleetkeeper.carrier.internal.CarrierException;
import io.fleetkeeper.carrier.internal.CarrierProvider;
import io.fleetkeeper.carrier.internal.CarrierProvider.Capability;
import io.fleetkeeper.carrier.internal.CarrierProvider.Claimed;
import io.fleetkeeper.carrier.internal.CarrierProviders;
import io.fleetkeeper.carrier.internal.CarrierSync;
import io.fleetkeeper.carrier.internal.Iccids;
import io.fleetkeeper.carrier.internal.IntegrationRepository;
import io.fleetkeeper.carrier.internal.SimEvents;
import io.fleetkeeper.carrier.internal.SimRepository;
import io.fleetkeeper.device.Device;
import io.fleetkeeper.device.DeviceRetiring;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.device.DeviceStatus;
import io.fleetkeeper.store.Times;
import io.fleetkeeper.tenancy.Caller;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import org.springframework.context.event.EventListener;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A device's SIM: provisioned (claimed at the carrier) and linked, read, paused, resumed or deactivated, sent an
 * SMS, unlinked. Calls to the carrier happen outside any database transaction; what they changed is then written
 * in one, with the device event and the audit entry.
 */
@Service
public class DeviceSimService {

    private static final int MAX_SMS = 480;
    private static final Pattern PHONE = Pattern.compile("\\+?[0-9]{3,20}");
    private static final Pattern PLAN = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    private final SimRepository sims;
    private final IntegrationRepository integrations;
    private final CarrierProviders providers;
    private final CarrierSync sync;
    private final DeviceService devices;
    private final AuditService audit;
    private final Clock clock;
    private final TransactionTemplate tx;

    DeviceSimService(SimRepository sims, IntegrationRepository integrations, CarrierProviders providers,
            CarrierSync sync, DeviceService devices, AuditService audit, Clock clock,
            PlatformTransactionManager txManager) {
        this.sims = sims;
        this.integrations = integrations;
        this.providers = providers;
        this.sync = sync;
        this.devices = devices;
        this.audit = audit;
        this.clock = clock;
        this.tx = new TransactionTemplate(txManager);
    }

    /** Claims the SIM at the integration's carrier and links it to the device. */
    public DeviceSim provision(Caller caller, UUID deviceId, DeviceSim.Fields in) {
        UUID tenantId = caller.tenantId();
        Device device = devices.get(tenantId, deviceId);
        if (device.status() == DeviceStatus.DECOMMISSIONED) {
            throw new ApiException(ErrorCode.INVALID_TRANSITION, "a decommissioned device gets no SIM");
        }
        if (sims.find(tenantId, deviceId).isPresent()) {
            throw new ApiException(ErrorCode.ALREADY_EXISTS, "the device has a SIM; unlink it first");
        }
        String iccidProblem = Iccids.problem(in.iccid());
        IntegrationRepository.Stored integration = in.integrationId() == null ? null
                : integrations.find(tenantId, in.integrationId()).orElse(null);
        List<ApiException.FieldError> errors = new ArrayList<>();
        if (iccidProblem != null) {
            errors.add(new ApiException.FieldError("iccid", iccidProblem));
        }
        if (integration == null) {
            errors.add(new ApiException.FieldError("integration_id", in.integrationId() == null ? "is required"
                    : "names no carrier integration of this tenant"));
        }
        if (in.plan() != null && !PLAN.matcher(in.plan()).matches()) {
            errors.add(new ApiException.FieldError("plan", "is 1-64 of A-Z a-z 0-9 _ . -"));
        }
        if (in.zone() != null && !PLAN.matcher(in.zone()).matches()) {
            errors.add(new ApiException.FieldError("zone", "is 1-64 of A-Z a-z 0-9 _ . -"));
        }
        if (!errors.isEmpty()) {
            throw new ApiException(ErrorCode.VALIDATION_FAILED, "SIM provisioning is not valid", errors);
        }
        String iccid = Iccids.normalize(in.iccid());
        if (sims.iccidTaken(tenantId, iccid)) {
            throw iccidTaken(iccid);
        }
        CarrierIntegration c = integration.integration();
        CarrierProvider provider = provider(c, Capability.CLAIM_SIM);
        CarrierProvider.Account account = sync.account(integration);
        String plan = in.plan() != null ? in.plan() : onlyPlan(provider, account);
        Claimed claimed;
        CarrierProvider.SimInfo info = null;
        try {
            claimed = provider.claimSim(account, iccid, plan, in.zone());
        } catch (CarrierException e) {
            throw CarrierErrors.toApi(e);
        }
        try {
            info = provider.info(account, claimed.carrierDeviceId());
        } catch (CarrierException e) {
            // The claim stands; the next sync reads the state.
        }
        Instant now = Times.now(clock);
        String carrierState = info == null ? null : info.carrierState();
        DeviceSim sim = new DeviceSim(deviceId, c.id(), c.carrier(), iccid, plan, claimed.carrierDeviceId(),
                info == null ? DeviceSim.PENDING : provider.simStatus(carrierState), carrierState,
                DeviceSim.UNKNOWN, info == null ? null : info.networkName(), 0, now, null, 1);
        try {
            tx.executeWithoutResult(t -> {
                sims.insert(tenantId, sim, claimed.carrierLinkId());
                devices.recordEvent(tenantId, deviceId, SimEvents.PROVISIONED, caller.actor(), SimEvents.details(
                        Map.of("integration_id", c.id().toString(), "carrier", c.carrier(), "iccid", iccid,
                                "plan", plan)));
                audit.recordDetails(tenantId, caller, "device.sim.provision", "device", deviceId.toString(),
                        Map.of("integration_id", c.id().toString(), "iccid", iccid, "plan", plan));
            });
        } catch (DuplicateKeyException e) {
            throw sims.find(tenantId, deviceId).isPresent()
                    ? new ApiException(ErrorCode.ALREADY_EXISTS, "the device has a SIM; unlink it first")
                    : iccidTaken(iccid);
        }
        return get(tenantId, deviceId);
    }

    public DeviceSim get(UUID tenantId, UUID deviceId) {
        devices.get(tenantId, deviceId);
        return sims.find(tenantId, deviceId).orElseThrow(() -> ApiException.notFound("SIM of this device"))
                .sim();
    }

    /** {@code live}, {@code pause} or {@code deactivate} at the carrier; the new status is recorded at once. */
    public DeviceSim changeState(Caller caller, UUID deviceId, DeviceSim.StateChange change) {
        UUID tenantId = caller.tenantId();
        CarrierProvider.State state = parseState(change.state());
        SimRepository.Stored stored = stored(tenantId, deviceId);
        IntegrationRepository.Stored integration = integrations.find(tenantId, stored.sim().integrationId())
                .orElseThrow();
        CarrierProvider provider = provider(integration.integration(), Capability.CHANGE_STATE);
        try {
            provider.changeState(sync.account(integration), stored.sim().carrierDeviceId(), state);
        } catch (CarrierException e) {
            throw CarrierErrors.toApi(e);
        }
        String carrierState = switch (state) {
            case LIVE -> "LIVE";
            case PAUSE -> "PAUSED-USER";
            case DEACTIVATE -> "DEACTIVATED";
        };
        String status = provider.simStatus(carrierState);
        String from = stored.sim().simStatus();
        tx.executeWithoutResult(t -> {
            sims.recordState(tenantId, deviceId, status, carrierState);
            if (!status.equals(from)) {
                devices.recordEvent(tenantId, deviceId, SimEvents.STATUS_CHANGED, caller.actor(),
                        SimEvents.statusChanged(from, status, carrierState, "operator"));
            }
            audit.recordDetails(tenantId, caller, "device.sim.state", "device", deviceId.toString(),
                    Map.of("state", state.name().toLowerCase(Locale.ROOT)));
        });
        return get(tenantId, deviceId);
    }

    /** Reads the SIM's state and this month's usage from the carrier now, one SIM only, and records them. */
    public DeviceSim refresh(Caller caller, UUID deviceId) {
        UUID tenantId = caller.tenantId();
        SimRepository.Stored stored = stored(tenantId, deviceId);
        IntegrationRepository.Stored integration = integrations.find(tenantId, stored.sim().integrationId())
                .orElseThrow();
        CarrierProvider provider = provider(integration.integration(), Capability.DEVICE_INFO);
        try {
            sync.refresh(provider, sync.account(integration), stored, true);
        } catch (CarrierException e) {
            throw CarrierErrors.toApi(e);
        }
        return get(tenantId, deviceId);
    }

    /** Sends an SMS to the device through its carrier. */
    public DeviceSim.SmsSent sendSms(Caller caller, UUID deviceId, DeviceSim.Sms sms) {
        UUID tenantId = caller.tenantId();
        List<ApiException.FieldError> errors = new ArrayList<>();
        if (sms.body() == null || sms.body().isEmpty() || sms.body().length() > MAX_SMS) {
            errors.add(new ApiException.FieldError("body", "is required, at most " + MAX_SMS + " characters"));
        }
        if (sms.fromNumber() != null && !PHONE.matcher(sms.fromNumber()).matches()) {
            errors.add(new ApiException.FieldError("from_number", "is a phone number of 3-20 digits"));
        }
        if (!errors.isEmpty()) {
            throw new ApiException(ErrorCode.VALIDATION_FAILED, "SMS is not valid", errors);
        }
        SimRepository.Stored stored = stored(tenantId, deviceId);
        IntegrationRepository.Stored integration = integrations.find(tenantId, stored.sim().integrationId())
                .orElseThrow();
        CarrierProvider provider = provider(integration.integration(), Capability.SMS);
        int messages;
        try {
            messages = provider.sendSms(sync.account(integration), stored.sim().carrierDeviceId(), sms.body(),
                    sms.fromNumber());
        } catch (CarrierException e) {
            throw CarrierErrors.toApi(e);
        }
        audit.recordDetails(tenantId, caller, "device.sim.sms", "device", deviceId.toString(),
                Map.of("characters", sms.body().length(), "messages", messages));
        return new DeviceSim.SmsSent(messages);
    }

    /** Unlinks the SIM from the device here; the SIM's state at the carrier is left as it is. */
    public void unlink(Caller caller, UUID deviceId) {
        UUID tenantId = caller.tenantId();
        DeviceSim sim = stored(tenantId, deviceId).sim();
        tx.executeWithoutResult(t -> {
            if (sims.delete(tenantId, deviceId)) {
                devices.recordEvent(tenantId, deviceId, SimEvents.UNLINKED, caller.actor(), SimEvents.details(
                        Map.of("integration_id", sim.integrationId().toString(), "iccid", sim.iccid())));
                audit.recordDetails(tenantId, caller, "device.sim.unlink", "device", deviceId.toString(),
                        Map.of("iccid", sim.iccid()));
            }
        });
    }

    /** A purged device's SIM link is deleted in the purge's transaction; a decommission keeps it. */
    @EventListener
    public void onDeviceRetiring(DeviceRetiring e) {
        if (e.purged()) {
            sims.delete(e.tenantId(), e.deviceId());
        }
    }

    private SimRepository.Stored stored(UUID tenantId, UUID deviceId) {
        devices.get(tenantId, deviceId);
        return sims.find(tenantId, deviceId).orElseThrow(() -> ApiException.notFound("SIM of this device"));
    }

    private CarrierProvider provider(CarrierIntegration c, Capability needed) {
        CarrierProvider p = providers.get(c.carrier());
        if (p == null || !p.capabilities().contains(needed)) {
            throw new ApiException(ErrorCode.CARRIER_REJECTED, c.carrier() + " cannot "
                    + needed.name().toLowerCase(Locale.ROOT).replace('_', ' '));
        }
        return p;
    }

    /** The plan when none was named: the carrier's only plan, else 400 listing them. */
    private static String onlyPlan(CarrierProvider provider, CarrierProvider.Account account) {
        List<CarrierPlan> plans;
        try {
            plans = provider.plans(account);
        } catch (CarrierException e) {
            throw CarrierErrors.toApi(e);
        }
        if (plans.size() == 1) {
            return plans.getFirst().id();
        }
        throw new ApiException(ErrorCode.VALIDATION_FAILED, "SIM provisioning is not valid", List.of(
                new ApiException.FieldError("plan", "is required: the carrier offers " + plans.stream()
                        .map(p -> p.id() + " (" + p.name() + ")").toList())));
    }

    private static CarrierProvider.State parseState(String state) {
        if (state != null) {
            switch (state) {
                case "live" -> {
                    return CarrierProvider.State.LIVE;
                }
                case "pause" -> {
                    return CarrierProvider.State.PAUSE;
                }
                case "deactivate" -> {
                    return CarrierProvider.State.DEACTIVATE;
                }
                default -> {
                }
            }
        }
        throw new ApiException(ErrorCode.VALIDATION_FAILED, "state change is not valid",
                List.of(new ApiException.FieldError("state", "must be live, pause or deactivate")));
    }

    private static ApiException iccidTaken(String iccid) {
        return new ApiException(ErrorCode.ALREADY_EXISTS, "ICCID " + iccid + " is linked to another device",
                List.of(new ApiException.FieldError("iccid", "is linked to another device of this tenant")));
    }
}
