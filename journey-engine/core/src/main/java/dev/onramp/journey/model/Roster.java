package dev.onramp.journey.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Who is on the team, as {@code team.yaml} says: the teams and the teammates who sign messages. */
public final class Roster {

    private static final Roster EMPTY = new Roster(List.of(), List.of());

    private final Map<String, Team> teams;
    private final Map<String, Teammate> teammates;

    public Roster(List<Team> teams, List<Teammate> teammates) {
        Map<String, Team> t = new LinkedHashMap<>();
        teams.forEach(team -> {
            if (t.put(team.id(), team) != null) {
                throw new IllegalArgumentException("two teams with id " + team.id());
            }
        });
        Map<String, Teammate> m = new LinkedHashMap<>();
        teammates.forEach(teammate -> {
            if (m.put(teammate.id(), teammate) != null) {
                throw new IllegalArgumentException("two teammates with id " + teammate.id());
            }
            teammate.team().ifPresent(id -> {
                if (!t.containsKey(id)) {
                    throw new IllegalArgumentException("teammate " + teammate.id() + " is in no known team " + id);
                }
            });
        });
        this.teams = Collections.unmodifiableMap(t);
        this.teammates = Collections.unmodifiableMap(m);
    }

    /** No team file: nobody signs messages. */
    public static Roster empty() {
        return EMPTY;
    }

    public Optional<Teammate> teammate(String id) {
        return Optional.ofNullable(teammates.get(id));
    }

    public Optional<Team> team(String id) {
        return Optional.ofNullable(teams.get(id));
    }

    /** Teammate ids, in the file's order. */
    public Set<String> teammateIds() {
        return teammates.keySet();
    }

    public List<Teammate> teammates() {
        return List.copyOf(teammates.values());
    }

    public List<Team> teams() {
        return List.copyOf(teams.values());
    }

    public boolean isEmpty() {
        return teammates.isEmpty() && teams.isEmpty();
    }
}
