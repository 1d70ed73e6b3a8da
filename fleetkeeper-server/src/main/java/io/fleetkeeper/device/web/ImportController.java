package io.fleetkeeper.device.web;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.device.DeviceImportService;
import io.fleetkeeper.device.ImportResult;
import io.fleetkeeper.device.ImportResult.Summary;
import io.fleetkeeper.device.ImportRow;
import io.fleetkeeper.device.NewDevice;
import io.fleetkeeper.tenancy.Caller;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /api/v1/devices/import}: JSON Lines ({@code application/x-ndjson}) or CSV ({@code text/csv})
 * in, one JSON line per row out, streamed as batches commit, then a summary line.
 */
@RestController
@RequestMapping("/api/v1/devices")
class ImportController {

    static final String NDJSON = "application/x-ndjson";

    private final DeviceImportService imports;
    private final JsonMapper json;
    private final ObjectReader deviceReader;

    ImportController(DeviceImportService imports, JsonMapper json) {
        this.imports = imports;
        this.json = json;
        this.deviceReader = json.readerFor(NewDevice.class)
                .with(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }

    @PostMapping(path = "/import", consumes = {NDJSON, "application/jsonl", "text/csv"})
    void importDevices(Caller caller, @RequestParam(defaultValue = "false") boolean atomic,
            HttpServletRequest request, HttpServletResponse response) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(request.getInputStream(),
                StandardCharsets.UTF_8), 1 << 16);
        MediaType type = MediaType.parseMediaType(request.getContentType());
        Iterator<ImportRow> rows = type.isCompatibleWith(MediaType.parseMediaType("text/csv"))
                ? ImportFormats.csv(in) : ImportFormats.jsonLines(in, deviceReader);
        response.setStatus(200);
        response.setContentType(NDJSON);
        OutputStream out = new BufferedOutputStream(response.getOutputStream(), 1 << 16);
        Summary summary;
        try {
            summary = imports.importDevices(caller, rows, atomic, new DeviceImportService.Sink() {
                @Override
                public void accept(ImportResult r) {
                    try {
                        out.write(json.writeValueAsBytes(r));
                        out.write('\n');
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }

                @Override
                public void committed() {
                    try {
                        out.flush();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            });
        } catch (UncheckedIOException e) {
            if (e.getCause() instanceof io.fleetkeeper.web.PayloadTooLargeException tooLarge) {
                throw new ApiException(ErrorCode.PAYLOAD_TOO_LARGE, tooLarge.getMessage());
            }
            throw e;
        }
        out.write(json.writeValueAsBytes(Map.of("summary", summary)));
        out.write('\n');
        out.flush();
    }
}
