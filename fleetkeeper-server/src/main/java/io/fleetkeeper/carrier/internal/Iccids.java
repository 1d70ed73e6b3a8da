package io.fleetkeeper.carrier.internal;

import jakarta.annotation.Nullable;

/**
 * ICCIDs (ITU-T E.118): the issuer prefix 89 (telecommunications), 19 or 20 digits in all, of which the last is a
 * Luhn check digit over the others. Spaces and dashes as printed on SIM packs are accepted and removed.
 */
public final class Iccids {

    private Iccids() {
    }

    /** The digits of a valid ICCID, or null with {@link #problem} saying why not. */
    public static @Nullable String normalize(@Nullable String iccid) {
        return problem(iccid) == null ? digits(iccid) : null;
    }

    /** Why {@code iccid} is not a valid ICCID, or null when it is. */
    public static @Nullable String problem(@Nullable String iccid) {
        if (iccid == null) {
            return "is required";
        }
        String d = digits(iccid);
        if (!d.chars().allMatch(Character::isDigit) || d.length() < 19 || d.length() > 20) {
            return "must be 19 or 20 digits";
        }
        if (!d.startsWith("89")) {
            return "must start with 89 (the telecommunications issuer prefix)";
        }
        return luhn(d) ? null : "fails the Luhn check digit";
    }

    static boolean luhn(String digits) {
        int sum = 0;
        boolean twice = false;
        for (int i = digits.length() - 1; i >= 0; i--) {
            int n = digits.charAt(i) - '0';
            if (twice) {
                n *= 2;
                if (n > 9) {
                    n -= 9;
                }
            }
            sum += n;
            twice = !twice;
        }
        return sum % 10 == 0;
    }

    private static String digits(String iccid) {
        return iccid.replace(" ", "").replace("-", "");
    }
}
