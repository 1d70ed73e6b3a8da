package io.fleetkeeper.console.web;

import io.fleetkeeper.fleet.FleetGroupService;
import io.fleetkeeper.job.JobService;
import io.fleetkeeper.job.NewJob;
import io.fleetkeeper.tenancy.Caller;
import jakarta.servlet.http.HttpServletResponse;
import java.util.List;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PostMapping;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code /app/jobs/new}: a job from a fleet query (the device list's search carried over) or a saved group, with an
 * operation (a command, a desired state, suspend, resume, certificate renewal) and a rate limit; created through
 * {@link JobService} exactly as {@code POST /api/v1/jobs}. A refusal shows the form again with what was typed.
 */
@Controller
class JobFormController {

    /** What the form sends back; the page shows it again on a refusal. */
    record JobForm(String name, String target, String query, String groupId, String type, String command,
            String payload, String desired, Long maxPerMinute) {

        JobForm {
            target = "group".equals(target) ? "group" : "query";
            type = type == null || type.isBlank() ? "command" : type;
        }
    }

    static final List<String> TYPES = List.of("command", "shadow", "suspend", "resume", "renew_certificate");

    private final JobService jobs;
    private final FleetGroupService groups;
    private final JsonMapper json;

    JobFormController(JobService jobs, FleetGroupService groups, JsonMapper json) {
        this.jobs = jobs;
        this.groups = groups;
        this.json = json;
    }

    @GetMapping("/app/jobs/new")
    String form(Caller caller, @ModelAttribute("form") JobForm form, Model model) {
        model.addAttribute("groups", groups.list(caller.tenantId(), null, 100).items());
        model.addAttribute("types", TYPES);
        return "console/job-new";
    }

    @PostMapping("/app/jobs")
    String create(Caller caller, @ModelAttribute("form") JobForm form, Model model, HttpServletResponse response) {
        NewJob job;
        try {
            job = job(form);
        } catch (JacksonException e) {
            model.addAttribute("formError", "The JSON is not valid: " + e.getOriginalMessage());
            response.setStatus(400);
            return form(caller, form, model);
        }
        return Forms.apply(model, response, () -> jobs.create(caller, job), "redirect:/app/jobs",
                () -> form(caller, form, model));
    }

    private NewJob job(JobForm f) {
        NewJob.Target target = f.target().equals("group") ? new NewJob.Target(Forms.blankToNull(f.groupId()), null)
                : new NewJob.Target(null, f.query() == null ? "" : f.query().strip());
        NewJob.Operation operation = switch (f.type()) {
            case "command" -> new NewJob.Operation("command", Forms.blankToNull(f.command()), parse(f.payload()),
                    null, null, null, null);
            case "shadow" -> new NewJob.Operation("shadow", null, null, parse(f.desired()), null, null, null);
            default -> new NewJob.Operation(f.type(), null, null, null, null, null, null);
        };
        NewJob.Rollout rollout = f.maxPerMinute() == null ? null
                : new NewJob.Rollout(f.maxPerMinute(), null, null, null);
        return new NewJob(Forms.blankToNull(f.name()), null, target, null, operation, rollout, null, null, null,
                null);
    }

    private JsonNode parse(String text) {
        return text == null || text.isBlank() ? null : json.readTree(text);
    }
}
