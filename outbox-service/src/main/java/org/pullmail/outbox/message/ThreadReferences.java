package org.pullmail.outbox.message;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import org.pullmail.protocol.ReplyHint;
import org.pullmail.service.ApiProblem;

import jakarta.mail.internet.MimeUtility;

/**
 * What a message answers: its RFC 5322 {@code In-Reply-To} and {@code References} header values, null when it
 * has none. From them come the Message-IDs its reply hints are computed with (PROTOCOL.md 3.5).
 *
 * @param inReplyTo  the In-Reply-To field's value, each id in angle brackets
 * @param references the References field's value, each id in angle brackets, oldest first
 */
record ThreadReferences(String inReplyTo, String references) {

    static final ThreadReferences NONE = new ThreadReferences(null, null);

    /** As many as a long thread needs; a client that sends more is sending something else. */
    static final int MAX_REFERENCES = 50;

    /** Longer than any generator writes, short enough that 50 of them stay a small header. */
    static final int MAX_ID_CHARS = 250;

    /**
     * {@code id-left "@" id-right} (RFC 5322 3.6.4), read loosely: printable ASCII without the characters that
     * delimit ids and addresses, so white space and line breaks never get into a header field; the right side may
     * be a domain literal.
     */
    private static final Pattern MESSAGE_ID = Pattern.compile(
            "[!#-'*-+\\--9=?A-Z^-~]+@([!#-'*-+\\--9=?A-Z^-~]+|\\[[!-Z^-~]*])");

    /**
     * The references a sender gave through the API: {@code in_reply_to} and {@code references}, each id with or
     * without angle brackets. References becomes the given references plus {@code in_reply_to} (RFC 5322 3.6.4:
     * the parent's References and its Message-ID). Refuses, naming the member, an id that is not a Message-ID.
     */
    static ThreadReferences requested(String inReplyTo, List<String> references) {
        String parent = blank(inReplyTo) ? null : checked(inReplyTo, "in_reply_to");
        List<String> given = references == null ? List.of() : references;
        if (given.size() > MAX_REFERENCES) {
            throw ApiProblem.invalid("references: at most " + MAX_REFERENCES + " Message-IDs");
        }
        Set<String> ids = new LinkedHashSet<>();
        for (int i = 0; i < given.size(); i++) {
            if (!blank(given.get(i))) {
                ids.add(checked(given.get(i), "references[" + i + "]"));
            }
        }
        if (parent != null) {
            ids.add(parent);
        }
        return new ThreadReferences(parent == null ? null : "<" + parent + ">",
                ids.isEmpty() ? null : String.join(" ", ids.stream().map(id -> "<" + id + ">").toList()));
    }

    /**
     * The fields of a submitted message, as its author wrote them (null when absent). They are the sender's own
     * bytes, so nothing in them is refused: an id that is no Message-ID only gives no hint.
     */
    static ThreadReferences fromHeaders(String inReplyTo, String references) {
        return new ThreadReferences(inReplyTo == null ? null : MimeUtility.unfold(inReplyTo),
                references == null ? null : MimeUtility.unfold(references));
    }

    /** The ids the reply hints are computed with: In-Reply-To, then References last first, at most three. */
    List<String> referencedIds() {
        if (inReplyTo == null && references == null) {
            return List.of();
        }
        List<String> ids = new ArrayList<>();
        for (String id : ReplyHint.referenced(inReplyTo, references)) {
            if (isMessageId(id)) {
                ids.add(id);
            }
        }
        return List.copyOf(ids);
    }

    /** The bare id a Message-ID field names: the first id in angle brackets, else the value itself. */
    static String bareMessageId(String field) {
        String value = MimeUtility.unfold(field).strip();
        int open = value.indexOf('<');
        int close = open < 0 ? -1 : value.indexOf('>', open);
        return close < 0 ? ReplyHint.bare(value) : ReplyHint.bare(value.substring(open, close + 1));
    }

    static boolean isMessageId(String bareId) {
        return bareId.length() <= MAX_ID_CHARS && MESSAGE_ID.matcher(bareId).matches();
    }

    private static String checked(String given, String member) {
        if (given.indexOf('\r') >= 0 || given.indexOf('\n') >= 0) {
            throw ApiProblem.invalid(member + ": a Message-ID is one line");
        }
        String id = ReplyHint.bare(given);
        if (!isMessageId(id)) {
            throw ApiProblem.invalid(member + ": not a Message-ID: give it as id@domain, with or without angle "
                    + "brackets, at most " + MAX_ID_CHARS + " characters");
        }
        return id;
    }

    private static boolean blank(String value) {
        return value == null || value.isBlank();
    }
}
