package dev.onramp.engine.api;

import dev.onramp.engine.journey.JourneyRegistry;
import dev.onramp.journey.load.Problem;
import dev.onramp.journey.model.Journey;
import dev.onramp.journey.model.Step;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/** The journeys in force, the latest load's problems, and each journey's funnel: treatment against holdout. */
@Path("/v1/journeys")
@Produces(MediaType.APPLICATION_JSON)
public class JourneysResource {

    private final JourneyRegistry registry;
    private final DataSource dataSource;

    JourneysResource(JourneyRegistry registry, DataSource dataSource) {
        this.registry = registry;
        this.dataSource = dataSource;
    }

    public record Catalog(Instant loadedAt, LastLoad lastLoad, List<JourneyInfo> journeys) {}

    public record LastLoad(Instant at, boolean applied, List<String> problems) {}

    public record JourneyInfo(String id, String name, int version, String source, String trigger, List<String> steps) {}

    @GET
    public Catalog list() {
        var live = registry.current();
        List<JourneyInfo> journeys = new ArrayList<>();
        live.ifPresent(l -> {
            for (Journey j : l.runtime().journeys().all()) {
                journeys.add(new JourneyInfo(
                        j.id(),
                        j.name(),
                        l.version(j.id()),
                        j.source(),
                        j.trigger().event(),
                        j.steps().stream().map(Step::id).toList()));
            }
        });
        var status = registry.status();
        LastLoad last = status == null
                ? null
                : new LastLoad(
                        status.at(),
                        status.ok(),
                        status.problems().stream().map(Problem::toString).toList());
        return new Catalog(live.map(JourneyRegistry.Live::loadedAt).orElse(null), last, journeys);
    }

    public record Funnel(String journey, Group treatment, Group holdout) {}

    /** Counts of enrollments: entered, and of those how many were nudged at / did each step, completed, converted. */
    public record Group(
            long entered, long active, long completed, long exited, long converted, List<StepCounts> steps) {}

    public record StepCounts(String step, long nudged, long done) {}

    @GET
    @Path("{journey}/funnel")
    public Funnel funnel(@PathParam("journey") String journeyId) throws SQLException {
        var journey = registry.current().flatMap(l -> l.runtime().journeys().get(journeyId));
        Map<Boolean, long[]> totals = new LinkedHashMap<>();
        Map<Boolean, Map<String, long[]>> steps = new LinkedHashMap<>();
        for (boolean holdout : new boolean[] {false, true}) {
            totals.put(holdout, new long[5]);
            Map<String, long[]> perStep = new LinkedHashMap<>();
            journey.ifPresent(j -> j.steps().forEach(s -> perStep.put(s.id(), new long[2])));
            steps.put(holdout, perStep);
        }
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT holdout, count(*), count(*) FILTER (WHERE status = 'active'), count(*) FILTER (WHERE status = 'completed'),
                           count(*) FILTER (WHERE status = 'exited'), count(converted_at)
                    FROM enrollments WHERE journey = ? GROUP BY holdout""")) {
                ps.setString(1, journeyId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        long[] t = totals.get(rs.getBoolean(1));
                        for (int i = 0; i < 5; i++) {
                            t[i] = rs.getLong(i + 2);
                        }
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT holdout, step, count(*) FROM enrollments, jsonb_object_keys(done) AS step
                    WHERE journey = ? GROUP BY holdout, step""")) {
                ps.setString(1, journeyId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        steps.get(rs.getBoolean(1)).computeIfAbsent(rs.getString(2), k -> new long[2])[1] =
                                rs.getLong(3);
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT holdout, m->>'step', count(DISTINCT (user_id, cycle)) FROM enrollments, jsonb_array_elements(sent) AS m
                    WHERE journey = ? AND m->>'kind' = 'nudge' GROUP BY holdout, m->>'step'""")) {
                ps.setString(1, journeyId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        steps.get(rs.getBoolean(1)).computeIfAbsent(rs.getString(2), k -> new long[2])[0] =
                                rs.getLong(3);
                    }
                }
            }
        }
        if (journey.isEmpty() && totals.values().stream().allMatch(t -> t[0] == 0)) {
            throw ProblemException.notFound(
                    "There is no journey '" + journeyId + "' and nobody was ever enrolled in one by that id.");
        }
        return new Funnel(
                journeyId, group(totals.get(false), steps.get(false)), group(totals.get(true), steps.get(true)));
    }

    private static Group group(long[] t, Map<String, long[]> steps) {
        List<StepCounts> counts = new ArrayList<>();
        steps.forEach((id, n) -> counts.add(new StepCounts(id, n[0], n[1])));
        return new Group(t[0], t[1], t[2], t[3], t[4], counts);
    }
}
