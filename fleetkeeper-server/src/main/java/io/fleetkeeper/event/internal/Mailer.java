package io.fleetkeeper.event.internal;

import io.fleetkeeper.event.Alert;
import io.fleetkeeper.event.Notice;
import io.fleetkeeper.event.AlertProperties;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import java.util.UUID;

/**
 * Sends alert notifications by e-mail through the platform's SMTP server ({@code fleetkeeper.alerts.smtp-*})
 * with Jakarta Mail (Eclipse Angus): plain text, one message to the channel's addresses.
 */
public final class Mailer {

    private final AlertProperties props;

    public Mailer(AlertProperties props) {
        this.props = props;
    }

    /** Whether {@code address} is one e-mail address (RFC 822 syntax, strictly checked). */
    public static boolean valid(String address) {
        if (address == null || address.length() > 254) {
            return false;
        }
        try {
            InternetAddress[] parsed = InternetAddress.parse(address, true);
            return parsed.length == 1 && parsed[0].getPersonal() == null && address.equals(parsed[0].getAddress());
        } catch (AddressException e) {
            return false;
        }
    }

    /** Null when the server accepted the message, else why not (never the addresses or credentials). */
    String send(String addresses, UUID tenantId, Alert a, String status) {
        return deliver(addresses, "[" + a.severity().toUpperCase(java.util.Locale.ROOT) + "] " + status + ": "
                + a.summary(), String.join("\n", "Alert " + a.id() + " is " + status + ".", "",
                "Summary:    " + a.summary(), "Severity:   " + a.severity(), "Kind:       " + a.kind(),
                "Dedupe key: " + a.dedupeKey(), "Device:     " + (a.deviceId() == null ? "-" : a.deviceId()),
                "Opened at:  " + a.openedAt(), "Tenant:     " + tenantId), "X-Fleetkeeper-Alert", a.id().toString());
    }

    /** A notice: its title as the subject, its facts and link as the text. */
    String send(String addresses, UUID tenantId, Notice n) {
        StringBuilder text = new StringBuilder(n.title()).append("\n\n");
        n.facts().forEach((k, v) -> text.append(k).append(": ").append(v).append('\n'));
        if (n.link() != null) {
            text.append('\n').append(n.linkText() == null ? "Link" : n.linkText()).append(": ").append(n.link())
                    .append('\n');
        }
        text.append("Tenant: ").append(tenantId).append('\n');
        return deliver(addresses, n.title(), text.toString(), "X-Fleetkeeper-Notice", n.type());
    }

    private String deliver(String addresses, String subject, String text, String header, String headerValue) {
        if (props.smtpHost().isBlank()) {
            return "no SMTP server configured (fleetkeeper.alerts.smtp-host)";
        }
        Properties p = new Properties();
        p.put("mail.smtp.host", props.smtpHost());
        p.put("mail.smtp.port", Integer.toString(props.smtpPort()));
        p.put("mail.smtp.connectiontimeout", Long.toString(props.timeout().toMillis()));
        p.put("mail.smtp.timeout", Long.toString(props.timeout().toMillis()));
        p.put("mail.smtp.writetimeout", Long.toString(props.timeout().toMillis()));
        boolean auth = !props.smtpUsername().isBlank();
        p.put("mail.smtp.auth", Boolean.toString(auth));
        if (props.smtpStarttls()) {
            p.put("mail.smtp.starttls.enable", "true");
            p.put("mail.smtp.starttls.required", "true");
        }
        try {
            MimeMessage m = new MimeMessage(Session.getInstance(p));
            m.setFrom(new InternetAddress(props.smtpFrom()));
            m.setRecipients(Message.RecipientType.TO, InternetAddress.parse(addresses, true));
            m.setSubject(subject, StandardCharsets.UTF_8.name());
            m.setText(text, StandardCharsets.UTF_8.name());
            m.setHeader(header, headerValue);
            if (auth) {
                Transport.send(m, props.smtpUsername(), props.smtpPassword());
            } else {
                Transport.send(m);
            }
            return null;
        } catch (MessagingException e) {
            return "SMTP: " + e.getClass().getSimpleName();
        }
    }
}
