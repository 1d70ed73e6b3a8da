package io.fleetkeeper.console.web;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.job.JobService;
import io.fleetkeeper.tenancy.Caller;
import jakarta.servlet.http.HttpServletResponse;
import java.util.UUID;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;

/**
 * {@code /app/jobs}: the tenant's jobs with their progress, refreshed live, and pause, resume and cancel with the
 * version the page showed (If-Match semantics).
 */
@Controller
class JobsController {

    private final JobService jobs;

    JobsController(JobService jobs) {
        this.jobs = jobs;
    }

    @GetMapping("/app/jobs")
    String list(Caller caller, @RequestParam(required = false) String cursor, Model model) {
        model.addAttribute("cursor", cursor);
        model.addAttribute("page", jobs.list(caller.tenantId(), null, cursor, DeviceListController.PAGE));
        return "console/jobs";
    }

    @GetMapping("/app/jobs/rows")
    String rows(Caller caller, @RequestParam(required = false) String cursor, Model model) {
        model.addAttribute("cursor", cursor);
        model.addAttribute("page", jobs.list(caller.tenantId(), null, cursor, DeviceListController.PAGE));
        return "console/jobs :: rows";
    }

    @PostMapping("/app/jobs/{id}/{action:pause|resume|cancel}")
    String change(Caller caller, @PathVariable UUID id, @PathVariable String action, @RequestParam long version,
            Model model, HttpServletResponse response) {
        try {
            switch (action) {
                case "pause" -> jobs.pause(caller, id, version);
                case "resume" -> jobs.resume(caller, id, version);
                default -> jobs.cancel(caller, id, version, false);
            }
            return "redirect:/app/jobs";
        } catch (ApiException e) {
            if (e.code() == ErrorCode.NOT_FOUND) {
                throw e;
            }
            boolean race = e.code() == ErrorCode.PRECONDITION_FAILED || e.code() == ErrorCode.VERSION_CONFLICT;
            model.addAttribute("formError", race
                    ? "The job changed since this page was shown; nothing was done. Its current state is below."
                    : e.getMessage());
            response.setStatus(e.code().status().value());
            return list(caller, null, model);
        }
    }
}
