package io.fleetkeeper.export.web;

import io.fleetkeeper.export.Export;
import io.fleetkeeper.export.ExportService;
import io.swagger.v3.oas.annotations.Hidden;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.util.UUID;
import org.springframework.http.HttpHeaders;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /downloads/exports/{tenant}/{id}?expires=&signature=}: an export's artifact through the short-lived
 * signed link that {@code GET /api/v1/exports/{id}/download} redirects to (filesystem store). No bearer token:
 * the HMAC signature is the credential.
 */
@RestController
@Hidden
class SignedDownloadController {

    private final ExportService exports;

    SignedDownloadController(ExportService exports) {
        this.exports = exports;
    }

    @GetMapping("/downloads/exports/{tenantId}/{id}")
    void download(@PathVariable UUID tenantId, @PathVariable UUID id, @RequestParam long expires,
            @RequestParam String signature, HttpServletResponse response) throws IOException {
        ExportService.Artifact a = exports.openSigned(tenantId, id, expires, signature);
        Export e = a.export();
        String ext = ("ndjson".equals(e.format()) ? ".ndjson" : ".csv") + ("gzip".equals(e.compression()) ? ".gz"
                : "");
        response.setContentType("gzip".equals(e.compression()) ? "application/gzip"
                : "ndjson".equals(e.format()) ? "application/x-ndjson" : "text/csv; charset=utf-8");
        response.setContentLengthLong(e.size());
        response.setHeader(HttpHeaders.CONTENT_DISPOSITION, "attachment; filename=\"export-" + e.id() + ext + "\"");
        response.setHeader(HttpHeaders.CACHE_CONTROL, "private, no-store");
        try (InputStream in = a.content()) {
            in.transferTo(response.getOutputStream());
        }
    }
}
