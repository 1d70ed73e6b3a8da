package io.fleetkeeper.device;

/**
 * One row of a bulk import: its line number in the upload and either the parsed device or why the
 * line could not be parsed.
 */
public record ImportRow(long line, NewDevice device, String parseError) {

    public static ImportRow parsed(long line, NewDevice device) {
        return new ImportRow(line, device, null);
    }

    public static ImportRow unparsable(long line, String why) {
        return new ImportRow(line, null, why);
    }
}
