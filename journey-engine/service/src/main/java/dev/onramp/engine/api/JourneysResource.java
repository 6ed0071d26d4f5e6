package dev.onramp.engine.api;

import dev.onramp.engine.journey.JourneyRegistry;
import dev.onramp.engine.state.EnrollmentEntity;
import dev.onramp.journey.load.Problem;
import dev.onramp.journey.model.Journey;
import dev.onramp.journey.model.Step;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The journeys in force, the latest load's problems, and each journey's funnel: treatment against holdout. */
@Path("/v1/journeys")
@Produces(MediaType.APPLICATION_JSON)
public class JourneysResource {

    private final JourneyRegistry registry;

    JourneysResource(JourneyRegistry registry) {
        this.registry = registry;
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
    public Funnel funnel(@PathParam("journey") String journeyId) {
        var journey = registry.current().flatMap(l -> l.runtime().journeys().get(journeyId));
        Map<Boolean, long[]> totals = new LinkedHashMap<>();
        Map<Boolean, Map<String, long[]>> steps = new LinkedHashMap<>();
        for (boolean holdout : new boolean[] {false, true}) {
            totals.put(holdout, new long[5]);
            Map<String, long[]> perStep = new LinkedHashMap<>();
            journey.ifPresent(j -> j.steps().forEach(s -> perStep.put(s.id(), new long[2])));
            steps.put(holdout, perStep);
        }
        List<Object[]> groups = EnrollmentEntity.getEntityManager()
                .createQuery("""
                        select e.holdout, count(e), sum(case when e.status = 'active' then 1 else 0 end),
                               sum(case when e.status = 'completed' then 1 else 0 end),
                               sum(case when e.status = 'exited' then 1 else 0 end), count(e.convertedAt)
                        from EnrollmentEntity e where e.journey = ?1 group by e.holdout""", Object[].class)
                .setParameter(1, journeyId)
                .getResultList();
        for (Object[] row : groups) {
            long[] t = totals.get((Boolean) row[0]);
            for (int i = 0; i < 5; i++) {
                t[i] = ((Number) row[i + 1]).longValue();
            }
        }
        // Steps done and nudged live inside jsonb columns: counted by PostgreSQL, not loaded row by row.
        for (Object[] row : nativeRows("""
                SELECT holdout, step, count(*) FROM enrollments, jsonb_object_keys(done) AS step
                WHERE journey = ?1 GROUP BY holdout, step""", journeyId)) {
            steps.get((Boolean) row[0]).computeIfAbsent((String) row[1], k -> new long[2])[1] =
                    ((Number) row[2]).longValue();
        }
        for (Object[] row : nativeRows("""
                SELECT holdout, m->>'step', count(DISTINCT (user_id, cycle)) FROM enrollments, jsonb_array_elements(sent) AS m
                WHERE journey = ?1 AND m->>'kind' = 'nudge' GROUP BY holdout, m->>'step'""", journeyId)) {
            steps.get((Boolean) row[0]).computeIfAbsent((String) row[1], k -> new long[2])[0] =
                    ((Number) row[2]).longValue();
        }
        if (journey.isEmpty() && totals.values().stream().allMatch(t -> t[0] == 0)) {
            throw ProblemException.notFound(
                    "There is no journey '" + journeyId + "' and nobody was ever enrolled in one by that id.");
        }
        return new Funnel(
                journeyId, group(totals.get(false), steps.get(false)), group(totals.get(true), steps.get(true)));
    }

    @SuppressWarnings("unchecked")
    private static List<Object[]> nativeRows(String sql, String journeyId) {
        return EnrollmentEntity.getEntityManager()
                .createNativeQuery(sql)
                .setParameter(1, journeyId)
                .getResultList();
    }

    private static Group group(long[] t, Map<String, long[]> steps) {
        List<StepCounts> counts = new ArrayList<>();
        steps.forEach((id, n) -> counts.add(new StepCounts(id, n[0], n[1])));
        return new Group(t[0], t[1], t[2], t[3], t[4], counts);
    }
}
