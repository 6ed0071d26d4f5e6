package dev.onramp.journey.model;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every loaded journey, indexed by the event names each reacts to, so the cost of an event does not grow with the
 * number of journeys.
 */
public final class JourneySet {

    private final Map<String, Journey> byId;
    private final Map<String, List<Journey>> byEvent;
    private final Map<String, List<Journey>> byTrigger;

    public JourneySet(Collection<Journey> journeys) {
        Map<String, Journey> ids = new LinkedHashMap<>();
        Map<String, List<Journey>> events = new HashMap<>();
        Map<String, List<Journey>> triggers = new HashMap<>();
        journeys.stream().sorted(java.util.Comparator.comparing(Journey::id)).forEach(journey -> {
            if (ids.put(journey.id(), journey) != null) {
                throw new IllegalArgumentException("two journeys with id " + journey.id());
            }
            journey.eventNames().forEach(name -> events.computeIfAbsent(name, k -> new ArrayList<>())
                    .add(journey));
            triggers.computeIfAbsent(journey.trigger().event(), k -> new ArrayList<>())
                    .add(journey);
        });
        this.byId = Map.copyOf(ids);
        this.byEvent = copy(events);
        this.byTrigger = copy(triggers);
    }

    public static JourneySet empty() {
        return new JourneySet(List.of());
    }

    private static Map<String, List<Journey>> copy(Map<String, List<Journey>> map) {
        Map<String, List<Journey>> copy = new HashMap<>();
        map.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        return Map.copyOf(copy);
    }

    public Optional<Journey> get(String id) {
        return Optional.ofNullable(byId.get(id));
    }

    public Collection<Journey> all() {
        return byId.values().stream()
                .sorted(java.util.Comparator.comparing(Journey::id))
                .toList();
    }

    /** Journeys with a trigger, done_when, exit or goal on this event name. */
    public List<Journey> reactingTo(String eventName) {
        return byEvent.getOrDefault(eventName, List.of());
    }

    /** Journeys this event name can enroll a user into. */
    public List<Journey> triggeredBy(String eventName) {
        return byTrigger.getOrDefault(eventName, List.of());
    }

    public boolean reactsTo(String eventName) {
        return byEvent.containsKey(eventName);
    }

    public int size() {
        return byId.size();
    }
}
