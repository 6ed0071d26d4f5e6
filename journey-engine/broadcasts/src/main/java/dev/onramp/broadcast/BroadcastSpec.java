package dev.onramp.broadcast;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.onramp.journey.cel.Conditions;
import dev.onramp.journey.load.TemplateCatalog;
import dev.onramp.journey.model.Channel;
import dev.onramp.journey.model.Condition;
import dev.onramp.journey.model.Durations;
import dev.onramp.journey.model.QuietHours;
import dev.onramp.journey.model.Roster;
import dev.onramp.journey.model.Teammate;
import dev.onramp.journey.run.Broadcast;
import dev.onramp.journey.run.SendPolicy;
import dev.onramp.templates.TemplateProblem;
import dev.onramp.templates.TemplateSet;
import io.quarkus.qute.Engine;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A broadcast as {@code POST /v1/broadcasts} accepted it ({@code docs/broadcasts.md}), checked field by field: every
 * problem is named by its JSON Pointer, all of them in one answer. Stored as JSON in {@code broadcasts.spec}, with the
 * signing teammate as they were then, so that the send reads the same whatever {@code team.yaml} says later.
 *
 * @param users the listed audience; empty unless {@code audience} is {@link Audience#USERS}
 * @param template the template of the templates folder it is written in; null when its content is inline
 * @param content its own content per channel (docs/broadcasts.md, "Inline content"); empty when it names a template
 * @param where the condition of a {@link Audience#WHERE} audience; null otherwise
 * @param startAt when sending starts; null for at once (or at {@code localStartAt})
 * @param localStartAt a date and time of day in each recipient's own time zone (their {@code timezone} trait, else
 *     the engine's default zone), when each is sent; null unless the broadcast is scheduled so
 * @param maxLateness recipients not reached this long after the start are counted as expired; null for no limit
 * @param rate the most messages handed to dispatch in one second, across instances; 0 for no limit
 * @param incident the incident it is the notice, an update or the resolve of; null for a broadcast of its own
 * @param nextUpdateBy for an incident's message: when the next update will come, which the message can show
 * @param holdNudges for an incident's notice: it holds the journey messages of those it reaches until the resolve
 * @param replies whether recipients may reply to it (docs/conversations.md)
 */
public record BroadcastSpec(
        String name,
        Audience audience,
        String where,
        List<String> users,
        List<Channel> channels,
        String template,
        Map<Channel, Broadcast.Content> content,
        SendPolicy.Priority priority,
        SendPolicy.Category category,
        Teammate sender,
        Optional<QuietHours> quietHours,
        Instant startAt,
        LocalDateTime localStartAt,
        Duration maxLateness,
        int rate,
        String incident,
        Instant nextUpdateBy,
        boolean holdNudges,
        boolean replies) {

    /** Who is to be told. */
    public enum Audience {
        /** Every user the engine knows when the broadcast starts. */
        ALL,
        /** Those of them whose traits match a CEL condition. */
        WHERE,
        /** The users listed in the call. */
        USERS,
        /** Those who received an incident's first notice: its updates and its resolve go to exactly them. */
        INCIDENT;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private static final Set<String> MESSAGE_FIELDS = Set.of(
            "channels",
            "template",
            "content",
            "priority",
            "category",
            "sender",
            "quietHours",
            "maxLateness",
            "rate",
            "replies");

    /** What a request describes: a broadcast, an incident's first notice, or an update or resolve of one. */
    public enum Form {
        BROADCAST(Set.of("name", "audience", "startAt", "localStartAt")),
        INCIDENT_NOTICE(Set.of("title", "audience", "holdNudges", "nextUpdateBy")),
        INCIDENT_FOLLOW_UP(Set.of("name", "nextUpdateBy"));

        private final Set<String> fields;

        Form(Set<String> own) {
            Set<String> all = new HashSet<>(own);
            all.addAll(MESSAGE_FIELDS);
            this.fields = Set.copyOf(all);
        }
    }

    /** How the detail of a field that is not one begins. */
    public static final String NOT_A_FIELD = "is not a field of";

    /** One wrong field, named by its JSON Pointer ({@code /audience/where}, {@code /channels/0}). */
    public record FieldError(String pointer, String detail) {}

    /**
     * A body that is not a broadcast, with every wrong field: the engine answers it as a {@code 400}
     * {@code problem+json}, the CLI as {@code file:line:col} of each field.
     */
    public static final class Invalid extends RuntimeException {
        private final transient List<FieldError> errors;

        public Invalid(String detail, List<FieldError> errors) {
            super(detail, null, false, false);
            this.errors = List.copyOf(errors);
        }

        public List<FieldError> errors() {
            return errors;
        }
    }

    /** What a spec needs from the journeys folder: the compiler, the templates there are, the team. */
    public record Context(Conditions conditions, TemplateCatalog templates, Roster team, int maxListedUsers) {}

    /** Reads and checks a broadcast's body; throws {@link Invalid} naming every bad field. */
    public static BroadcastSpec read(JsonNode body, Context context) {
        return read(body, context, Form.BROADCAST, null, null);
    }

    /**
     * Reads and checks a request body; throws {@link Invalid} naming every bad field.
     *
     * @param incident for the incident forms: the incident's id
     * @param defaultName for a follow-up without a name
     */
    public static BroadcastSpec read(JsonNode body, Context context, Form form, String incident, String defaultName) {
        List<FieldError> errors = new ArrayList<>();
        if (body == null || !body.isObject()) {
            throw new Invalid("The body must be a JSON object (docs/broadcasts.md).", List.of());
        }
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String field = names.next();
            if (!form.fields.contains(field)) {
                errors.add(new FieldError(
                        "/" + field,
                        field.equals("audience")
                                ? "an update or resolve goes to exactly the first notice's recipients: it has no"
                                        + " audience of its own"
                                : NOT_A_FIELD + " "
                                        + (form == Form.BROADCAST ? "a broadcast" : "an incident's message")));
            }
        }
        String nameField = form == Form.INCIDENT_NOTICE ? "title" : "name";
        String name = text(body, nameField);
        if (name == null && form == Form.INCIDENT_FOLLOW_UP) {
            name = defaultName;
        }
        if (name == null || name.isBlank() || name.length() > 200) {
            errors.add(new FieldError("/" + nameField, "1 to 200 characters"));
        }

        Audience audience = null;
        String where = null;
        List<String> users = List.of();
        JsonNode a = body.get("audience");
        if (form == Form.INCIDENT_FOLLOW_UP) {
            audience = Audience.INCIDENT;
        } else if (a == null || !a.isObject() || a.size() != 1) {
            errors.add(new FieldError(
                    "/audience",
                    "one of {\"all\": true}, {\"where\": \"<CEL over user.traits>\"} or {\"users\": [\"id\", ...]}"));
        } else if (a.has("all")) {
            if (!a.get("all").isBoolean() || !a.get("all").asBoolean()) {
                errors.add(new FieldError("/audience/all", "must be true"));
            }
            audience = Audience.ALL;
        } else if (a.has("where")) {
            audience = Audience.WHERE;
            where = a.get("where").isTextual() ? a.get("where").asText() : null;
            if (where == null || where.isBlank()) {
                errors.add(new FieldError("/audience/where", "a CEL condition over user.traits"));
            } else {
                Conditions.Compiled compiled = context.conditions().compile(where);
                for (Conditions.Issue issue : compiled.issues()) {
                    errors.add(new FieldError(
                            "/audience/where", issue.line() + ":" + issue.column() + ": " + issue.message()));
                }
            }
        } else if (a.has("users")) {
            audience = Audience.USERS;
            JsonNode list = a.get("users");
            if (!list.isArray() || list.isEmpty()) {
                errors.add(new FieldError("/audience/users", "a non-empty list of user ids"));
            } else if (list.size() > context.maxListedUsers()) {
                errors.add(new FieldError(
                        "/audience/users",
                        "lists " + list.size() + " users; one call may list up to " + context.maxListedUsers()));
            } else {
                Set<String> ids = new LinkedHashSet<>();
                for (int i = 0; i < list.size(); i++) {
                    JsonNode id = list.get(i);
                    if (!id.isTextual() || id.asText().isBlank() || id.asText().length() > 1_024) {
                        errors.add(new FieldError("/audience/users/" + i, "a user id, 1 to 1,024 characters"));
                        if (errors.size() > 20) {
                            break;
                        }
                    } else {
                        ids.add(id.asText());
                    }
                }
                users = List.copyOf(ids);
            }
        } else {
            errors.add(new FieldError("/audience", "one of all, where or users"));
        }

        List<Channel> channels = new ArrayList<>();
        JsonNode ch = body.get("channels");
        if (ch == null || !ch.isArray() || ch.isEmpty()) {
            errors.add(new FieldError(
                    "/channels", "a list of channels in order of preference: in_app, email, sms, webhook"));
        } else {
            for (int i = 0; i < ch.size(); i++) {
                Optional<Channel> c =
                        ch.get(i).isTextual() ? Channel.of(ch.get(i).asText()) : Optional.empty();
                if (c.isEmpty()) {
                    errors.add(new FieldError("/channels/" + i, "one of in_app, email, sms, webhook"));
                } else if (channels.contains(c.get())) {
                    errors.add(new FieldError("/channels/" + i, c.get() + " is listed twice"));
                } else {
                    channels.add(c.get());
                }
            }
        }

        String template = text(body, "template");
        Map<Channel, Broadcast.Content> content = Map.of();
        JsonNode contentNode = body.get("content");
        if (contentNode != null && !contentNode.isNull()) {
            if (template != null) {
                errors.add(
                        new FieldError("/content", "a message names a template or has content of its own, not both"));
            } else {
                content = content(contentNode, channels, name, errors);
            }
        } else if (template == null || !template.matches("[a-z0-9][a-z0-9_-]*")) {
            errors.add(new FieldError(
                    "/template",
                    "the name of a template in the templates folder (lower case, digits, - and _), or the message"
                            + " written inline in content"));
        } else {
            for (Channel channel : channels) {
                if (!context.templates().has(template, channel)) {
                    errors.add(new FieldError(
                            "/template",
                            "there is no " + channel + " version of template '" + template + "' (a file named "
                                    + template + "." + channel.wireName() + ".* in the templates folder)"));
                }
            }
        }

        SendPolicy.Priority priority = choice(
                body,
                "priority",
                SendPolicy.Priority.class,
                form == Form.BROADCAST ? SendPolicy.Priority.PRODUCT : SendPolicy.Priority.URGENT,
                errors);
        SendPolicy.Category category =
                choice(body, "category", SendPolicy.Category.class, SendPolicy.Category.PRODUCT, errors);

        Teammate sender = null;
        String senderId = text(body, "sender");
        if (body.has("sender") && senderId == null) {
            errors.add(new FieldError("/sender", "the id of a teammate in team.yaml"));
        } else if (senderId != null) {
            sender = context.team().teammate(senderId).orElse(null);
            if (sender == null) {
                errors.add(new FieldError(
                        "/sender",
                        "no teammate '" + senderId + "' in team.yaml"
                                + (context.team().teammateIds().isEmpty()
                                        ? ""
                                        : " (there are: "
                                                + String.join(
                                                        ", ", context.team().teammateIds()) + ")")));
            }
        }

        Optional<QuietHours> quietHours = Optional.empty();
        JsonNode q = body.get("quietHours");
        if (q != null && !q.isNull()) {
            try {
                quietHours =
                        Optional.of(new QuietHours(LocalTime.parse(text(q, "from")), LocalTime.parse(text(q, "to"))));
            } catch (RuntimeException e) {
                errors.add(new FieldError(
                        "/quietHours", "{\"from\": \"21:00\", \"to\": \"08:00\"}, in each recipient's time zone"));
            }
        }

        Instant startAt = null;
        String start = text(body, "startAt");
        if (start != null) {
            try {
                startAt = OffsetDateTime.parse(start).toInstant();
            } catch (DateTimeParseException e) {
                errors.add(new FieldError("/startAt", "a date-time with its offset, such as 2026-12-07T09:00:00Z"));
            }
        }
        LocalDateTime localStartAt = null;
        String local = text(body, "localStartAt");
        if (local != null) {
            try {
                localStartAt = LocalDateTime.parse(local);
            } catch (DateTimeParseException e) {
                errors.add(new FieldError(
                        "/localStartAt",
                        "a date and time of day without an offset, such as 2026-12-08T09:00: 09:00 in each"
                                + " recipient's own time zone"));
            }
            if (start != null) {
                errors.add(new FieldError(
                        "/localStartAt",
                        "give startAt (one instant for all) or localStartAt (each recipient's own"
                                + " time), not both"));
            }
        }

        Instant nextUpdateBy = null;
        String next = text(body, "nextUpdateBy");
        if (next != null) {
            try {
                nextUpdateBy = OffsetDateTime.parse(next).toInstant();
            } catch (DateTimeParseException e) {
                errors.add(
                        new FieldError("/nextUpdateBy", "a date-time with its offset, such as 2026-12-07T14:00:00Z"));
            }
        }

        Duration maxLateness = null;
        String lateness = text(body, "maxLateness");
        if (lateness != null) {
            maxLateness = Durations.parse(lateness)
                    .filter(d -> !d.isNegative() && !d.isZero())
                    .orElse(null);
            if (maxLateness == null) {
                errors.add(new FieldError("/maxLateness", "a duration such as 30m, 6h or 2d"));
            }
        }

        int rate = 0;
        JsonNode r = body.get("rate");
        if (r != null && !r.isNull()) {
            if (!r.canConvertToInt() || !r.isIntegralNumber() || r.asInt() < 1 || r.asInt() > 1_000_000) {
                errors.add(new FieldError("/rate", "messages per second, 1 to 1,000,000"));
            } else {
                rate = r.asInt();
            }
        }

        JsonNode repliesNode = body.get("replies");
        if (repliesNode != null && !repliesNode.isNull() && !repliesNode.isBoolean()) {
            errors.add(new FieldError("/replies", "true or false"));
        }
        boolean replies = repliesNode != null && repliesNode.asBoolean(false);

        if (!errors.isEmpty()) {
            throw new Invalid(
                    errors.size() == 1
                            ? errors.getFirst().pointer().substring(1) + ": "
                                    + errors.getFirst().detail()
                            : errors.size() + " fields are wrong: "
                                    + String.join(
                                            ", ",
                                            errors.stream()
                                                    .map(e -> e.pointer().substring(1))
                                                    .distinct()
                                                    .toList()),
                    errors);
        }
        return new BroadcastSpec(
                name,
                audience,
                where,
                users,
                channels,
                template,
                content,
                priority,
                category,
                sender,
                quietHours,
                startAt,
                localStartAt,
                maxLateness,
                rate,
                incident,
                nextUpdateBy,
                false,
                replies);
    }

    /** The same notice, holding (or not) the journey messages of those it reaches. */
    public BroadcastSpec holdingNudges(boolean hold) {
        return new BroadcastSpec(
                name,
                audience,
                where,
                users,
                channels,
                template,
                content,
                priority,
                category,
                sender,
                quietHours,
                startAt,
                localStartAt,
                maxLateness,
                rate,
                incident,
                nextUpdateBy,
                hold,
                replies);
    }

    /** The zone furthest ahead (UTC+14) reaches a local time first, the one furthest behind (UTC-12) last. */
    private static final ZoneOffset FIRST_ZONE = ZoneOffset.ofHours(14);

    private static final ZoneOffset LAST_ZONE = ZoneOffset.ofHours(-12);

    /**
     * When sending starts: {@code startAt}, or for a local-time schedule the moment its time comes first anywhere
     * (UTC+14); never before {@code now}.
     */
    public Instant startsAt(Instant now) {
        Instant start = localStartAt != null ? localStartAt.atOffset(FIRST_ZONE).toInstant() : startAt;
        return start == null || start.isBefore(now) ? now : start;
    }

    /**
     * After when nobody is sent any more: the start plus {@code maxLateness}, for a local-time schedule the moment its
     * time comes last anywhere (UTC-12) plus it; null for no limit. Each recipient of a local-time schedule also has
     * their own: {@link #dueAt} plus {@code maxLateness}.
     */
    public Instant expiresAt(Instant startsAt) {
        if (maxLateness == null) {
            return null;
        }
        Instant latest = localStartAt != null ? localStartAt.atOffset(LAST_ZONE).toInstant() : startsAt;
        return (latest.isBefore(startsAt) ? startsAt : latest).plus(maxLateness);
    }

    /** For a local-time schedule: when it is {@code localStartAt} in this zone. */
    public Instant dueAt(ZoneId zone) {
        return localStartAt.atZone(zone).toInstant();
    }

    /** The broadcast as the send policy sees it. */
    public Broadcast toBroadcast(String id) {
        return new Broadcast(
                id,
                name,
                channels,
                template,
                content,
                priority,
                category,
                quietHours,
                sender,
                incident,
                nextUpdateBy,
                holdNudges,
                replies);
    }

    /** The compiled audience condition; {@link Condition#ALWAYS} unless the audience is {@code where}. */
    public Condition condition(Conditions conditions) {
        if (audience != Audience.WHERE) {
            return Condition.ALWAYS;
        }
        Conditions.Compiled compiled = conditions.compile(where);
        if (!compiled.ok()) {
            throw new IllegalStateException("a stored audience condition no longer compiles: " + compiled.issues());
        }
        return compiled.condition();
    }

    /** What {@code broadcasts.spec} holds: everything but the listed users, which are the recipients' rows. */
    public ObjectNode toJson(ObjectMapper json) {
        ObjectNode out = json.createObjectNode();
        out.put("name", name);
        out.put("audience", audience.wireName());
        if (where != null) {
            out.put("where", where);
        }
        ArrayNode list = out.putArray("channels");
        channels.forEach(c -> list.add(c.wireName()));
        if (template != null) {
            out.put("template", template);
        }
        if (!content.isEmpty()) {
            ObjectNode c = out.putObject("content");
            content.forEach((channel, written) -> {
                ObjectNode one = c.putObject(channel.wireName());
                written.fields().forEach(one::put);
                if (!written.locales().isEmpty()) {
                    ObjectNode locales = one.putObject("locales");
                    written.locales().forEach((locale, fields) -> {
                        ObjectNode l = locales.putObject(locale);
                        fields.forEach(l::put);
                    });
                }
            });
        }
        out.put("priority", priority.wireName());
        out.put("category", category.wireName());
        if (sender != null) {
            ObjectNode s = out.putObject("sender");
            s.put("id", sender.id());
            s.put("name", sender.name());
            s.put("role", sender.role());
            s.put("email", sender.email());
            sender.avatar().ifPresent(v -> s.put("avatar", v));
            sender.team().ifPresent(v -> s.put("team", v));
        }
        quietHours.ifPresent(qh -> {
            ObjectNode o = out.putObject("quietHours");
            o.put("from", qh.from().toString());
            o.put("to", qh.to().toString());
        });
        if (startAt != null) {
            out.put("startAt", startAt.toString());
        }
        if (localStartAt != null) {
            out.put("localStartAt", localStartAt.toString());
        }
        if (maxLateness != null) {
            out.put("maxLateness", Durations.format(maxLateness));
        }
        if (rate > 0) {
            out.put("rate", rate);
        }
        if (incident != null) {
            out.put("incident", incident);
        }
        if (nextUpdateBy != null) {
            out.put("nextUpdateBy", nextUpdateBy.toString());
        }
        if (holdNudges) {
            out.put("holdNudges", true);
        }
        if (replies) {
            out.put("replies", true);
        }
        return out;
    }

    /** Reads {@code broadcasts.spec} back. */
    public static BroadcastSpec fromJson(JsonNode node) {
        List<Channel> channels = new ArrayList<>();
        node.get("channels").forEach(c -> channels.add(Channel.of(c.asText()).orElseThrow()));
        JsonNode s = node.get("sender");
        Teammate sender = s == null
                ? null
                : new Teammate(
                        s.get("id").asText(),
                        s.get("name").asText(),
                        s.get("role").asText(),
                        s.get("email").asText(),
                        Optional.ofNullable(text(s, "avatar")),
                        Optional.ofNullable(text(s, "team")));
        JsonNode q = node.get("quietHours");
        return new BroadcastSpec(
                node.get("name").asText(),
                Audience.valueOf(node.get("audience").asText().toUpperCase(Locale.ROOT)),
                text(node, "where"),
                List.of(),
                channels,
                text(node, "template"),
                node.has("content") ? content(node.get("content"), channels, null, null) : Map.of(),
                SendPolicy.Priority.valueOf(node.get("priority").asText().toUpperCase(Locale.ROOT)),
                SendPolicy.Category.valueOf(node.get("category").asText().toUpperCase(Locale.ROOT)),
                sender,
                q == null
                        ? Optional.empty()
                        : Optional.of(new QuietHours(LocalTime.parse(text(q, "from")), LocalTime.parse(text(q, "to")))),
                text(node, "startAt") == null ? null : Instant.parse(text(node, "startAt")),
                text(node, "localStartAt") == null ? null : LocalDateTime.parse(text(node, "localStartAt")),
                text(node, "maxLateness") == null
                        ? null
                        : Durations.parse(text(node, "maxLateness")).orElseThrow(),
                node.has("rate") ? node.get("rate").asInt() : 0,
                text(node, "incident"),
                text(node, "nextUpdateBy") == null ? null : Instant.parse(text(node, "nextUpdateBy")),
                node.path("holdNudges").asBoolean(false),
                node.path("replies").asBoolean(false));
    }

    private static final Engine QUTE = TemplateSet.engine();
    private static final java.util.regex.Pattern LOCALE =
            java.util.regex.Pattern.compile("[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})?");

    /**
     * Reads {@code content}: per channel, its fields and translations ({@code locales}); checks each version by the rules
     * of a template file when {@code errors} is given (a request), and trusts it when not (the stored spec).
     */
    private static Map<Channel, Broadcast.Content> content(
            JsonNode node, List<Channel> channels, String name, List<FieldError> errors) {
        Map<Channel, Broadcast.Content> content = new LinkedHashMap<>();
        if (!node.isObject() || node.isEmpty()) {
            if (errors != null) {
                errors.add(new FieldError(
                        "/content", "per channel, its fields: {\"email\": {\"subject\": \"...\", \"body\": \"...\"}}"));
            }
            return content;
        }
        for (var entry : node.properties()) {
            String where = "/content/" + entry.getKey();
            Optional<Channel> channel = Channel.of(entry.getKey());
            if (errors != null && (channel.isEmpty() || !channels.contains(channel.get()))) {
                errors.add(new FieldError(
                        where,
                        channel.isEmpty()
                                ? "not a channel: in_app, email, sms or webhook"
                                : "is not one of the message's channels"));
                continue;
            }
            Map<String, String> fields = new LinkedHashMap<>();
            Map<String, Map<String, String>> locales = new LinkedHashMap<>();
            JsonNode one = entry.getValue();
            if (!one.isObject()) {
                if (errors != null) {
                    errors.add(new FieldError(where, "an object of fields, such as subject and body"));
                }
                continue;
            }
            for (var field : one.properties()) {
                if (field.getKey().equals("locales")) {
                    if (!field.getValue().isObject()) {
                        if (errors != null) {
                            errors.add(new FieldError(
                                    where + "/locales", "per locale tag (fr, pt-BR), the same fields translated"));
                        }
                        continue;
                    }
                    for (var locale : field.getValue().properties()) {
                        if (errors != null && !LOCALE.matcher(locale.getKey()).matches()) {
                            errors.add(new FieldError(
                                    where + "/locales/" + locale.getKey(), "not a locale tag, such as fr or pt-BR"));
                            continue;
                        }
                        locales.put(
                                locale.getKey(),
                                strings(locale.getValue(), where + "/locales/" + locale.getKey(), errors));
                    }
                } else if (field.getValue().isTextual()) {
                    fields.put(field.getKey(), field.getValue().asText());
                } else if (errors != null) {
                    errors.add(new FieldError(where + "/" + field.getKey(), "a string"));
                }
            }
            if (errors != null) {
                dev.onramp.templates.Channel rendered = dev.onramp.templates.Channel.of(
                                channel.get().wireName())
                        .orElseThrow();
                check(TemplateSet.inline(QUTE, name, rendered, null, fields, where), errors);
                locales.forEach((locale, translated) -> check(
                        TemplateSet.inline(QUTE, name, rendered, locale, translated, where + "/locales/" + locale),
                        errors));
            }
            content.put(channel.orElseThrow(), new Broadcast.Content(fields, locales));
        }
        if (errors != null) {
            for (Channel c : channels) {
                if (!content.containsKey(c) && !node.has(c.wireName())) {
                    errors.add(new FieldError(
                            "/content/" + c.wireName(),
                            "the message goes by " + c + ", so it needs " + c + " content"));
                }
            }
        }
        return content;
    }

    private static Map<String, String> strings(JsonNode node, String where, List<FieldError> errors) {
        Map<String, String> fields = new LinkedHashMap<>();
        if (!node.isObject()) {
            if (errors != null) {
                errors.add(new FieldError(where, "an object of fields, such as subject and body"));
            }
            return fields;
        }
        for (var field : node.properties()) {
            if (field.getValue().isTextual()) {
                fields.put(field.getKey(), field.getValue().asText());
            } else if (errors != null) {
                errors.add(new FieldError(where + "/" + field.getKey(), "a string"));
            }
        }
        return fields;
    }

    private static void check(TemplateSet.Inline inline, List<FieldError> errors) {
        for (TemplateProblem p : inline.problems()) {
            errors.add(new FieldError(
                    p.file(), p.line() > 0 ? p.line() + ":" + p.column() + ": " + p.message() : p.message()));
        }
    }

    private static <E extends Enum<E>> E choice(
            JsonNode body, String field, Class<E> type, E absent, List<FieldError> errors) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return absent;
        }
        for (E e : type.getEnumConstants()) {
            if (value.isTextual() && e.name().equalsIgnoreCase(value.asText())) {
                return e;
            }
        }
        List<String> names = new ArrayList<>();
        for (E e : type.getEnumConstants()) {
            names.add(e.name().toLowerCase(Locale.ROOT));
        }
        errors.add(new FieldError("/" + field, "one of " + String.join(", ", names)));
        return absent;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        return value == null || value.isNull() || !value.isTextual() ? null : value.asText();
    }
}
