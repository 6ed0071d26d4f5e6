package dev.onramp.journey.model;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A person who signs messages ({@code team.yaml}): the email's {@code From} shows them ("Belle at Acme"), replies go
 * to them, and the in-app message shows their name, role and picture.
 *
 * @param role what they do, shown beside their name ("Content Crafter")
 * @param email where replies to their messages go, unless a reply address is configured
 * @param avatar an http(s) URL of their picture; empty when none
 * @param team the id of the team they are in; empty when none
 */
public record Teammate(
        String id, String name, String role, String email, Optional<String> avatar, Optional<String> team) {

    public Teammate {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(email, "email");
        avatar = avatar == null ? Optional.empty() : avatar;
        team = team == null ? Optional.empty() : team;
    }

    /** What a template sees as {@code sender} when this teammate signs the message (as message-dispatch builds it). */
    public Map<String, Object> templateData() {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("id", id);
        data.put("name", name);
        data.put("role", role);
        data.put("email", email);
        avatar.ifPresent(a -> data.put("avatar", a));
        return data;
    }
}
