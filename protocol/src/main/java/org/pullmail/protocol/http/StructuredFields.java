package org.pullmail.protocol.http;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.pullmail.protocol.ProblemType;
import org.pullmail.protocol.ProtocolException;

/**
 * RFC 8941 structured field values, as far as RFC 9421 and RFC 9530 need them: dictionaries whose
 * members are items or inner lists, with parameters; bare items of every type. Parsing follows the
 * algorithms of RFC 8941 section 4.2 and fails with a {@link ProtocolException} on any deviation.
 */
public final class StructuredFields {

    /** A bare item: {@link Long}, {@link BigDecimal}, {@link String}, {@link Token}, {@code byte[]} or {@link Boolean}. */
    public record Item(Object value, Map<String, Object> params) implements Member {
        public Item {
            params = params == null ? Map.of() : params;
        }

        public static Item of(Object value) {
            return new Item(value, new LinkedHashMap<>());
        }
    }

    /** An inner list of items, with parameters. */
    public record InnerList(List<Item> items, Map<String, Object> params) implements Member {
    }

    /** A member of a dictionary. */
    public sealed interface Member permits Item, InnerList {
        Map<String, Object> params();
    }

    /** An RFC 8941 token (unquoted), kept apart from strings. */
    public record Token(String value) {
    }

    private final String input;
    private int pos;

    private StructuredFields(String input) {
        this.input = input;
    }

    /** Parses a Dictionary field value (RFC 8941 section 4.2.2). Keys keep their order. */
    public static Map<String, Member> parseDictionary(String field) throws ProtocolException {
        if (field == null) {
            throw malformed("missing field value");
        }
        StructuredFields p = new StructuredFields(field);
        p.skipSp();
        Map<String, Member> dictionary = new LinkedHashMap<>();
        while (!p.end()) {
            String key = p.parseKey();
            Member member;
            if (p.peek() == '=') {
                p.pos++;
                member = p.parseItemOrInnerList();
            } else {
                member = new Item(Boolean.TRUE, p.parseParameters());
            }
            dictionary.put(key, member);
            p.skipOws();
            if (p.end()) {
                return dictionary;
            }
            p.expect(',');
            p.skipOws();
            if (p.end()) {
                throw malformed("trailing comma");
            }
        }
        return dictionary;
    }

    /** Parses one Item field value (RFC 8941 section 4.2.3). */
    public static Item parseItem(String field) throws ProtocolException {
        if (field == null) {
            throw malformed("missing field value");
        }
        StructuredFields p = new StructuredFields(field);
        p.skipSp();
        Item item = p.parseItem();
        p.skipSp();
        if (!p.end()) {
            throw malformed("unexpected characters after item");
        }
        return item;
    }

    private Member parseItemOrInnerList() throws ProtocolException {
        return peek() == '(' ? parseInnerList() : parseItem();
    }

    private InnerList parseInnerList() throws ProtocolException {
        expect('(');
        List<Item> items = new ArrayList<>();
        while (!end()) {
            skipSp();
            if (peek() == ')') {
                pos++;
                return new InnerList(items, parseParameters());
            }
            items.add(parseItem());
            if (!end() && peek() != ' ' && peek() != ')') {
                throw malformed("inner list items must be separated by spaces");
            }
        }
        throw malformed("unterminated inner list");
    }

    private Item parseItem() throws ProtocolException {
        Object value = parseBareItem();
        return new Item(value, parseParameters());
    }

    private Map<String, Object> parseParameters() throws ProtocolException {
        Map<String, Object> params = new LinkedHashMap<>();
        while (!end() && peek() == ';') {
            pos++;
            skipSp();
            String key = parseKey();
            Object value = Boolean.TRUE;
            if (!end() && peek() == '=') {
                pos++;
                value = parseBareItem();
            }
            params.put(key, value);
        }
        return params;
    }

    private Object parseBareItem() throws ProtocolException {
        if (end()) {
            throw malformed("missing item");
        }
        char c = peek();
        if (c == '-' || (c >= '0' && c <= '9')) {
            return parseNumber();
        }
        if (c == '"') {
            return parseString();
        }
        if (c == ':') {
            return parseByteSequence();
        }
        if (c == '?') {
            return parseBoolean();
        }
        if (c == '*' || isAlpha(c)) {
            return parseToken();
        }
        throw malformed("unexpected character '" + c + "'");
    }

    private String parseKey() throws ProtocolException {
        if (end() || !(isLcAlpha(peek()) || peek() == '*')) {
            throw malformed("a key must start with a lowercase letter or '*'");
        }
        int start = pos;
        while (!end()) {
            char c = peek();
            if (isLcAlpha(c) || isDigit(c) || c == '_' || c == '-' || c == '.' || c == '*') {
                pos++;
            } else {
                break;
            }
        }
        return input.substring(start, pos);
    }

    private Object parseNumber() throws ProtocolException {
        int start = pos;
        if (peek() == '-') {
            pos++;
        }
        if (end() || !isDigit(peek())) {
            throw malformed("a number must have a digit");
        }
        boolean decimal = false;
        while (!end()) {
            char c = peek();
            if (isDigit(c)) {
                pos++;
            } else if (c == '.' && !decimal) {
                decimal = true;
                pos++;
            } else {
                break;
            }
            int digits = pos - start - (input.charAt(start) == '-' ? 1 : 0);
            if ((!decimal && digits > 15) || (decimal && digits > 16)) {
                throw malformed("number too long");
            }
        }
        String number = input.substring(start, pos);
        if (decimal) {
            if (number.endsWith(".") || number.length() - number.indexOf('.') - 1 > 3) {
                throw malformed("a decimal needs one to three fractional digits");
            }
            return new BigDecimal(number);
        }
        return Long.parseLong(number);
    }

    private String parseString() throws ProtocolException {
        expect('"');
        StringBuilder out = new StringBuilder();
        while (!end()) {
            char c = input.charAt(pos++);
            if (c == '\\') {
                if (end()) {
                    throw malformed("unterminated escape");
                }
                char next = input.charAt(pos++);
                if (next != '"' && next != '\\') {
                    throw malformed("only \\\" and \\\\ may be escaped");
                }
                out.append(next);
            } else if (c == '"') {
                return out.toString();
            } else if (c < 0x20 || c > 0x7e) {
                throw malformed("strings must be printable ASCII");
            } else {
                out.append(c);
            }
        }
        throw malformed("unterminated string");
    }

    private Token parseToken() {
        int start = pos;
        while (!end() && isTchar(peek())) {
            pos++;
        }
        return new Token(input.substring(start, pos));
    }

    private byte[] parseByteSequence() throws ProtocolException {
        expect(':');
        int close = input.indexOf(':', pos);
        if (close < 0) {
            throw malformed("unterminated byte sequence");
        }
        String b64 = input.substring(pos, close);
        for (int i = 0; i < b64.length(); i++) {
            char c = b64.charAt(i);
            if (!(isAlpha(c) || isDigit(c) || c == '+' || c == '/' || c == '=')) {
                throw malformed("byte sequences must be base64");
            }
        }
        pos = close + 1;
        try {
            return Base64.getDecoder().decode(b64);
        } catch (IllegalArgumentException e) {
            throw malformed("byte sequence is not valid base64");
        }
    }

    private Boolean parseBoolean() throws ProtocolException {
        expect('?');
        if (end()) {
            throw malformed("missing boolean value");
        }
        char c = input.charAt(pos++);
        if (c == '1') {
            return Boolean.TRUE;
        }
        if (c == '0') {
            return Boolean.FALSE;
        }
        throw malformed("a boolean is ?0 or ?1");
    }

    // serialization (RFC 8941 section 4.1)

    /** Serializes an inner list with its parameters, e.g. {@code ("@method" "@path");created=1}. */
    public static String serialize(InnerList list) {
        StringBuilder out = new StringBuilder("(");
        for (int i = 0; i < list.items().size(); i++) {
            if (i > 0) {
                out.append(' ');
            }
            out.append(serialize(list.items().get(i)));
        }
        out.append(')');
        serializeParams(list.params(), out);
        return out.toString();
    }

    public static String serialize(Item item) {
        StringBuilder out = new StringBuilder(serializeBare(item.value()));
        serializeParams(item.params(), out);
        return out.toString();
    }

    private static void serializeParams(Map<String, Object> params, StringBuilder out) {
        for (Map.Entry<String, Object> p : params.entrySet()) {
            out.append(';').append(p.getKey());
            if (!Boolean.TRUE.equals(p.getValue())) {
                out.append('=').append(serializeBare(p.getValue()));
            }
        }
    }

    /** Serializes a bare item. Strings must be printable ASCII (checked by the caller's data). */
    public static String serializeBare(Object value) {
        if (value instanceof String s) {
            return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
        }
        if (value instanceof Token t) {
            return t.value();
        }
        if (value instanceof byte[] b) {
            return ':' + Base64.getEncoder().encodeToString(b) + ':';
        }
        if (value instanceof Boolean b) {
            return b ? "?1" : "?0";
        }
        if (value instanceof Long || value instanceof Integer) {
            return value.toString();
        }
        if (value instanceof BigDecimal d) {
            return d.setScale(Math.min(3, Math.max(1, d.scale())), RoundingMode.HALF_EVEN).toPlainString();
        }
        throw new IllegalArgumentException("not a structured field value: " + value);
    }

    /** True when every character may appear inside an sf-string. */
    public static boolean isSfString(String s) {
        return s != null && s.chars().allMatch(c -> c >= 0x20 && c <= 0x7e)
                && s.equals(new String(s.getBytes(StandardCharsets.US_ASCII), StandardCharsets.US_ASCII));
    }

    private boolean end() {
        return pos >= input.length();
    }

    /** The next character, or NUL at the end (NUL is never valid in a structured field). */
    private char peek() {
        return pos < input.length() ? input.charAt(pos) : '\0';
    }

    private void expect(char c) throws ProtocolException {
        if (end() || peek() != c) {
            throw malformed("expected '" + c + "' at position " + pos);
        }
        pos++;
    }

    private void skipSp() {
        while (!end() && peek() == ' ') {
            pos++;
        }
    }

    private void skipOws() {
        while (!end() && (peek() == ' ' || peek() == '\t')) {
            pos++;
        }
    }

    private static boolean isAlpha(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static boolean isLcAlpha(char c) {
        return c >= 'a' && c <= 'z';
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isTchar(char c) {
        return isAlpha(c) || isDigit(c) || "!#$%&'*+-.^_`|~:/".indexOf(c) >= 0;
    }

    private static ProtocolException malformed(String why) {
        return new ProtocolException(ProblemType.SIGNATURE_MALFORMED, "malformed structured field: " + why);
    }
}
