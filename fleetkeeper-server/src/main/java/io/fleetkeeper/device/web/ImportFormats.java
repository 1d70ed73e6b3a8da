package io.fleetkeeper.device.web;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.device.ImportRow;
import io.fleetkeeper.device.NewDevice;
import io.fleetkeeper.store.Ids;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.UUID;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.ObjectReader;

/** Streaming readers for the two bulk-import formats; each yields one {@link ImportRow} at a time. */
final class ImportFormats {

    static final int MAX_LINE = 64 * 1024;
    private static final Set<String> CSV_COLUMNS = Set.of("name", "device_type", "serial", "site", "tags",
            "firmware_version", "hardware_revision", "icon", "icon_color", "template_id", "parent_device_id");

    private ImportFormats() {
    }

    /** JSON Lines: one device object per line, blank lines ignored. */
    static Iterator<ImportRow> jsonLines(BufferedReader in, ObjectReader reader) {
        return new Iterator<>() {
            private long line;
            private ImportRow next = advance();

            private ImportRow advance() {
                try {
                    String text;
                    while ((text = in.readLine()) != null) {
                        line++;
                        if (text.isBlank()) {
                            continue;
                        }
                        if (text.length() > MAX_LINE) {
                            return ImportRow.unparsable(line, "line is longer than " + MAX_LINE + " characters");
                        }
                        try {
                            return ImportRow.parsed(line, (NewDevice) reader.readValue(text));
                        } catch (tools.jackson.databind.exc.UnrecognizedPropertyException e) {
                            return ImportRow.unparsable(line, "unknown field '" + e.getPropertyName() + "'");
                        } catch (JacksonException e) {
                            return ImportRow.unparsable(line, "not a valid device object: " + e.getOriginalMessage());
                        }
                    }
                    return null;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }

            @Override
            public boolean hasNext() {
                return next != null;
            }

            @Override
            public ImportRow next() {
                if (next == null) {
                    throw new NoSuchElementException();
                }
                ImportRow r = next;
                next = advance();
                return r;
            }
        };
    }

    /**
     * CSV with a header row. Columns: name, device_type, serial, site, tags (separated by {@code ;}),
     * firmware_version, hardware_revision, and {@code metadata.KEY} for each metadata key. Empty cells are
     * absent values. An unknown column rejects the whole upload before any row is read.
     */
    static Iterator<ImportRow> csv(Reader in) throws IOException {
        CSVParser parser = CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true)
                .setIgnoreEmptyLines(true).setTrim(true).get().parse(in);
        List<String> header = parser.getHeaderNames();
        List<String> unknown = header.stream()
                .filter(h -> !CSV_COLUMNS.contains(h) && !(h.startsWith("metadata.") && h.length() > 9)).toList();
        if (!unknown.isEmpty()) {
            throw new ApiException(ErrorCode.VALIDATION_FAILED, "unknown CSV columns " + unknown
                    + "; known: " + CSV_COLUMNS + " and metadata.KEY");
        }
        Iterator<CSVRecord> records = parser.iterator();
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return records.hasNext();
            }

            @Override
            public ImportRow next() {
                CSVRecord r = records.next();
                long line = r.getParser().getCurrentLineNumber();
                if (!r.isConsistent()) {
                    return ImportRow.unparsable(line, "row has " + r.size() + " cells, the header has "
                            + header.size());
                }
                return row(line, r, header);
            }
        };
    }

    private static ImportRow row(long line, CSVRecord r, List<String> header) {
        Map<String, String> meta = new LinkedHashMap<>();
        for (String h : header) {
            if (h.startsWith("metadata.") && !r.get(h).isEmpty()) {
                meta.put(h.substring(9), r.get(h));
            }
        }
        String siteText = cell(r, "site");
        UUID site = null;
        if (siteText != null) {
            site = Ids.parseOrNull(siteText);
            if (site == null) {
                return ImportRow.unparsable(line, "site must be a site id");
            }
        }
        UUID template = null;
        UUID parent = null;
        for (String column : List.of("template_id", "parent_device_id")) {
            String text = cell(r, column);
            UUID id = text == null ? null : Ids.parseOrNull(text);
            if (text != null && id == null) {
                return ImportRow.unparsable(line, column + " must be an id");
            }
            if (column.equals("template_id")) {
                template = id;
            } else {
                parent = id;
            }
        }
        String tagText = cell(r, "tags");
        List<String> tags = tagText == null ? List.of()
                : new ArrayList<>(Arrays.stream(tagText.split(";")).map(String::trim).filter(t -> !t.isEmpty())
                        .toList());
        return ImportRow.parsed(line, new NewDevice(cell(r, "name"), cell(r, "device_type"), cell(r, "serial"),
                tags, meta, cell(r, "firmware_version"), cell(r, "hardware_revision"), site, cell(r, "icon"),
                cell(r, "icon_color"), template, parent));
    }

    private static String cell(CSVRecord r, String column) {
        if (!r.isMapped(column)) {
            return null;
        }
        String v = r.get(column);
        return v == null || v.isEmpty() ? null : v;
    }
}
