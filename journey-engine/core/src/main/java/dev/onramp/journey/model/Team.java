package dev.onramp.journey.model;

import java.util.Objects;

/** A team of teammates ({@code team.yaml}), such as the one that owns reliability; conversations are routed to teams. */
public record Team(String id, String name) {

    public Team {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
    }
}
