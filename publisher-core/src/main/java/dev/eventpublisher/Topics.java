package dev.eventpublisher;

/** Kafka's rules for topic names, checked on the caller's thread before an event is accepted. */
public final class Topics {
    /** Kafka's limit on a topic name's length. */
    public static final int MAX_LENGTH = 249;
    /** Kafka's own topics: a produce request to one fails with INVALID_TOPIC_EXCEPTION. */
    private static final java.util.Set<String> INTERNAL = java.util.Set.of("__consumer_offsets", "__transaction_state",
            "__share_group_state", "__cluster_metadata");

    private Topics() {
    }

    /**
     * Throws {@link IllegalArgumentException} naming the topic and the rule unless {@code topic} is a
     * legal Kafka topic name: 1–249 characters of {@code [a-zA-Z0-9._-]}, not "." or "..", not an internal topic.
     */
    public static void validate(String topic) {
        if (topic == null) {
            throw new IllegalArgumentException("invalid topic=null: a topic is required");
        }
        int length = topic.length();
        if (length == 0 || length > MAX_LENGTH) {
            throw new IllegalArgumentException("invalid topic='" + abbreviate(topic) + "': must be 1-" + MAX_LENGTH
                    + " characters long, was " + length);
        }
        for (int i = 0; i < length; i++) {
            char c = topic.charAt(i);
            boolean legal = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == '-';
            if (!legal) {
                throw new IllegalArgumentException("invalid topic='" + abbreviate(topic)
                        + "': only letters, digits, '.', '_' and '-' are allowed (found '" + printable(c)
                        + "' at index " + i + ")");
            }
        }
        if (topic.equals(".") || topic.equals("..")) {
            throw new IllegalArgumentException("invalid topic='" + topic + "': '.' and '..' are not allowed");
        }
        if (INTERNAL.contains(topic)) {
            throw new IllegalArgumentException("invalid topic='" + topic + "': it is one of Kafka's internal topics, "
                    + "which clients cannot write");
        }
    }

    private static String abbreviate(String topic) {
        return topic.length() <= 64 ? topic : topic.substring(0, 61) + "...";
    }

    private static String printable(char c) {
        return Character.isISOControl(c) || Character.isWhitespace(c) ? String.format("\\u%04x", (int) c)
                : String.valueOf(c);
    }
}
