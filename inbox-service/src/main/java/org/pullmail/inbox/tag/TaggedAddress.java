package org.pullmail.inbox.tag;

/**
 * An address as a notification names it, split at the first {@code +} of its local part:
 * {@code bob+shop@beta.test} is the tag {@code shop} of the mailbox {@code bob@beta.test}. An address
 * without a tag is its own base, with a null tag.
 */
public record TaggedAddress(String base, String tag) {

    public static TaggedAddress of(String address) {
        int at = address.lastIndexOf('@');
        int plus = address.indexOf('+');
        if (at < 0 || plus <= 0 || plus >= at - 1) {
            return new TaggedAddress(address, null);
        }
        return new TaggedAddress(address.substring(0, plus) + address.substring(at), address.substring(plus + 1, at));
    }

    /** The address a notification named: the mailbox's own, or its tagged one. */
    public static String address(String mailbox, String tag) {
        if (tag == null) {
            return mailbox;
        }
        int at = mailbox.lastIndexOf('@');
        return mailbox.substring(0, at) + '+' + tag + mailbox.substring(at);
    }
}
