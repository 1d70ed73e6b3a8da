package io.fleetkeeper.console.web;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.fleet.FleetGroup;
import io.fleetkeeper.fleet.FleetGroupService;
import io.fleetkeeper.fleet.FleetGroupService.GroupFields;
import io.fleetkeeper.store.Ids;
import io.fleetkeeper.tenancy.Caller;
import jakarta.servlet.http.HttpServletResponse;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code /app/groups}: the tenant's saved fleet groups, created, edited and deleted through the fleet feature's
 * service at the version the page showed (the API's {@code If-Match}): a group changed in between is not touched,
 * and the page shows its current state. A refused form (a query mistake, a taken name) comes back with what was
 * typed.
 */
@Controller
class GroupsPageController {

    /** What the group forms carry. */
    record GroupForm(String name, String description, String kind, String query, String parentId) {
        GroupForm {
            kind = FleetGroup.STATIC.equals(kind) ? FleetGroup.STATIC : FleetGroup.DYNAMIC;
        }

        static GroupForm of(FleetGroup g) {
            return new GroupForm(g.name(), g.description(), g.kind(), g.query(),
                    g.parentId() == null ? null : g.parentId().toString());
        }
    }

    private final FleetGroupService groups;
    private final JsonMapper json;

    GroupsPageController(FleetGroupService groups, JsonMapper json) {
        this.groups = groups;
        this.json = json;
    }

    @GetMapping("/app/groups")
    String list(Caller caller, @RequestParam(required = false) String cursor, Model model) {
        model.addAttribute("page", groups.list(caller.tenantId(), cursor, 50));
        model.addAttribute("parents", groups.list(caller.tenantId(), null, 100).items());
        if (!model.containsAttribute("form")) {
            model.addAttribute("form", new GroupForm("", "", FleetGroup.DYNAMIC, "", null));
        }
        return "console/groups";
    }

    @PostMapping("/app/groups")
    String create(Caller caller, GroupForm form, Model model, HttpServletResponse response) {
        model.addAttribute("form", form);
        FleetGroup[] created = new FleetGroup[1];
        String answer = Forms.apply(model, response, () -> created[0] = groups.create(caller, new GroupFields(
                        Forms.blankToNull(form.name()), Forms.blankToNull(form.description()), form.kind(),
                        FleetGroup.STATIC.equals(form.kind()) ? null : Forms.blankToNull(form.query()),
                        parent(form.parentId()))), "", () -> list(caller, null, model));
        return created[0] == null ? answer : "redirect:/app/groups/" + created[0].id();
    }

    @GetMapping("/app/groups/{id}")
    String show(Caller caller, @PathVariable UUID id, Model model) {
        FleetGroup group = groups.get(caller.tenantId(), id);
        model.addAttribute("group", group);
        if (!model.containsAttribute("form")) {
            model.addAttribute("form", GroupForm.of(group));
        }
        model.addAttribute("parents", groups.list(caller.tenantId(), null, 100).items().stream()
                .filter(g -> !g.id().equals(id)).toList());
        return "console/group";
    }

    @PostMapping("/app/groups/{id}")
    String update(Caller caller, @PathVariable UUID id, GroupForm form, @RequestParam long version, Model model,
            HttpServletResponse response) {
        Map<String, Object> patch = new LinkedHashMap<>();
        patch.put("name", Forms.blankToNull(form.name()));
        patch.put("description", Forms.blankToNull(form.description()));
        if (FleetGroup.DYNAMIC.equals(groups.get(caller.tenantId(), id).kind())) {
            patch.put("query", Forms.blankToNull(form.query()));
        }
        patch.put("parent_id", Forms.blankToNull(form.parentId()));
        model.addAttribute("form", form);
        return Forms.apply(model, response, () -> groups.update(caller, id, json.valueToTree(patch), version),
                "redirect:/app/groups/" + id, () -> {
                    if (Forms.lostRace(model)) {
                        model.asMap().remove("form"); // a lost race shows the current values, not what was typed
                    }
                    return show(caller, id, model);
                });
    }

    @PostMapping("/app/groups/{id}/delete")
    String delete(Caller caller, @PathVariable UUID id, @RequestParam long version, Model model,
            HttpServletResponse response) {
        return Forms.apply(model, response, () -> groups.delete(caller, id, version), "redirect:/app/groups",
                () -> show(caller, id, model));
    }

    private static UUID parent(String id) {
        String s = Forms.blankToNull(id);
        UUID parent = s == null ? null : Ids.parseOrNull(s);
        if (s != null && parent == null) {
            throw new ApiException(ErrorCode.INVALID_PARAMETER, "parent_id must be a UUID");
        }
        return parent;
    }
}
