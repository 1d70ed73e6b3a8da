package io.fleetkeeper.console.web;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.api.Page;
import io.fleetkeeper.device.Device;
import io.fleetkeeper.device.DeviceFilter;
import io.fleetkeeper.device.DeviceQueryCompiler;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.tenancy.Caller;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;

/** {@code /app/devices}: the fleet query bar over the device list, a keyset page at a time. */
@Controller
class DeviceListController {

    static final int PAGE = 50;

    private final DeviceService devices;
    private final DeviceQueryCompiler queries;

    DeviceListController(DeviceService devices, DeviceQueryCompiler queries) {
        this.devices = devices;
        this.queries = queries;
    }

    @GetMapping("/app/devices")
    String list(Caller caller, @RequestParam(required = false) String q, @RequestParam(required = false) String cursor,
            Model model, HttpServletResponse response) {
        String query = q == null ? "" : q.strip();
        model.addAttribute("q", query);
        try {
            DeviceFilter filter = DeviceFilter.matching(queries.compile(caller.tenantId(), query), null);
            Page<Device> page = devices.list(caller.tenantId(), filter, cursor, PAGE);
            model.addAttribute("page", page);
        } catch (ApiException e) {
            if (e.code() != ErrorCode.INVALID_QUERY && e.code() != ErrorCode.INVALID_CURSOR) {
                throw e;
            }
            response.setStatus(400);
            model.addAttribute("page", new Page<Device>(java.util.List.of(), null));
            model.addAttribute("queryError", e.getMessage());
            Object position = e.properties().get("position");
            if (position instanceof Integer p && p >= 0 && p <= query.length()) {
                model.addAttribute("errorBefore", query.substring(0, p));
                model.addAttribute("errorAt", p < query.length() ? query.substring(p) : "");
                model.addAttribute("errorPosition", p);
            }
        }
        return "console/devices";
    }
}
