package dev.onramp.journey.route;

import dev.onramp.journey.model.Condition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Where what users write goes ({@code routes.yaml} beside the journeys, docs/conversations.md): the destinations by
 * name and kind, and ordered rules; the first rule whose condition holds routes a conversation. Pure: the engine, the
 * CLI's route scenarios and the tests route the same way.
 */
public record Routes(Map<String, Destination.Kind> destinations, List<Route> routes) {

    public static final Routes NONE = new Routes(Map.of(), List.of());

    public Routes {
        destinations = Map.copyOf(destinations);
        routes = List.copyOf(routes);
    }

    /** How urgent the team should take it: a help desk's ticket priority. */
    public enum Priority {
        LOW,
        NORMAL,
        HIGH,
        URGENT;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Optional<Priority> of(String wireName) {
            for (Priority p : values()) {
                if (p.wireName().equals(wireName)) {
                    return Optional.of(p);
                }
            }
            return Optional.empty();
        }
    }

    /** Where a conversation can be handed: a help desk, a signed webhook, a chat alert. */
    public record Destination(String name, Kind kind) {
        public enum Kind {
            /** A help desk in the shape of Zendesk's Tickets API: a ticket, then comments on it. */
            HELPDESK,
            /** A signed JSON POST (Standard Webhooks). */
            WEBHOOK,
            /** A Slack-compatible incoming webhook, for teams outside support. */
            CHAT;

            public String wireName() {
                return name().toLowerCase(Locale.ROOT);
            }

            public static Optional<Kind> of(String wireName) {
                for (Kind k : values()) {
                    if (k.wireName().equals(wireName)) {
                        return Optional.of(k);
                    }
                }
                return Optional.empty();
            }
        }
    }

    /**
     * One rule.
     *
     * @param when the condition over {@code conversation} and {@code user}; {@link Condition#ALWAYS} for a default rule
     * @param team a team of team.yaml; empty to leave it unowned
     * @param assignee a teammate of team.yaml; empty for none
     * @param to the destinations it is handed to, by name
     */
    public record Route(
            String id,
            Condition when,
            List<String> tags,
            Optional<String> team,
            Optional<Priority> priority,
            Optional<String> assignee,
            List<String> to) {
        public Route {
            Objects.requireNonNull(id, "id");
            when = when == null ? Condition.ALWAYS : when;
            tags = List.copyOf(tags);
            team = team == null ? Optional.empty() : team;
            priority = priority == null ? Optional.empty() : priority;
            assignee = assignee == null ? Optional.empty() : assignee;
            to = List.copyOf(to);
        }
    }

    /**
     * What a user wrote, as a route's condition sees it ({@code conversation.text}...).
     *
     * @param kind {@code reply} or {@code feedback}
     * @param category null when none was chosen
     * @param journey the journey of the message answered; null for feedback or a broadcast's message
     */
    public record Written(
            String text, String category, String channel, String kind, String journey, String step, String broadcast) {

        Map<String, Object> asMap() {
            Map<String, Object> out = new HashMap<>();
            out.put("text", text);
            out.put("category", category);
            out.put("channel", channel);
            out.put("kind", kind);
            out.put("journey", journey);
            out.put("step", step);
            out.put("broadcast", broadcast);
            // What the conversation does not have is absent: has(conversation.category) says whether it is there,
            // and conversation.category reads as null without it (as user.traits.x does).
            out.values().removeIf(java.util.Objects::isNull);
            return out;
        }
    }

    /**
     * Where a conversation went.
     *
     * @param route the rule that matched; null when none did (no default rule)
     * @param errors conditions that could not be evaluated on the way (each counted as false), with their rule's id
     */
    public record Routed(Route route, List<String> errors) {
        public Routed {
            errors = List.copyOf(errors);
        }

        public boolean matched() {
            return route != null;
        }

        /** "rule billing: team revenue, priority high, tags billing, to zendesk, slack-revenue" */
        public String describe() {
            if (route == null) {
                return "no route matched" + (errors.isEmpty() ? "" : " (" + String.join("; ", errors) + ")");
            }
            List<String> parts = new ArrayList<>();
            route.team().ifPresent(t -> parts.add("team " + t));
            route.priority().ifPresent(p -> parts.add("priority " + p.wireName()));
            route.assignee().ifPresent(a -> parts.add("assigned to " + a));
            if (!route.tags().isEmpty()) {
                parts.add("tags " + String.join(", ", route.tags()));
            }
            if (!route.to().isEmpty()) {
                parts.add("to " + String.join(", ", route.to()));
            }
            return "rule " + route.id() + (parts.isEmpty() ? "" : ": " + String.join(", ", parts));
        }
    }

    /** The first rule that holds for what the user wrote and who they are. */
    public Routed route(Written written, String userId, Map<String, Object> traits, Instant now) {
        Map<String, Object> user = Map.of("id", userId, "traits", traits == null ? Map.of() : traits);
        Map<String, Object> conversation = written.asMap();
        List<String> errors = new ArrayList<>();
        for (Route route : routes) {
            if (route.when().isAlways()) {
                return new Routed(route, errors);
            }
            Condition.Result result = route.when().program().evaluate(user, conversation, now);
            if (result.failed()) {
                errors.add("rule " + route.id() + ": " + result.error());
            } else if (result.value()) {
                return new Routed(route, errors);
            }
        }
        return new Routed(null, errors);
    }
}
