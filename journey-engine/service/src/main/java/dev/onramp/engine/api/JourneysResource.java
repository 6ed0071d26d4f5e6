package dev.onramp.engine.api;

import dev.onramp.engine.figures.JourneyFigures;
import dev.onramp.engine.journey.JourneyRegistry;
import dev.onramp.journey.load.Problem;
import dev.onramp.journey.model.Journey;
import dev.onramp.journey.model.Step;
import dev.onramp.pipeline.problem.ProblemException;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/** The journeys in force, the latest load's problems, and each journey's funnel: treatment against holdout. */
@Path("/v1/journeys")
@Produces(MediaType.APPLICATION_JSON)
public class JourneysResource {

    private final JourneyRegistry registry;
    private final JourneyFigures figures;

    JourneysResource(JourneyRegistry registry, JourneyFigures figures) {
        this.registry = registry;
        this.figures = figures;
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

    /**
     * A journey's funnel: treatment against holdout, per step and per channel, for the users who entered in a period
     * (UTC days, both included; by default since the beginning).
     */
    @GET
    @Path("{journey}/funnel")
    public JourneyFigures.Funnel funnel(
            @PathParam("journey") String journeyId, @QueryParam("from") String from, @QueryParam("to") String to) {
        Period period = Period.of(from, to);
        // The registry first: it is in memory, while knowing an unloaded journey means summing its counts.
        if (registry.current()
                        .flatMap(l -> l.runtime().journeys().get(journeyId))
                        .isEmpty()
                && !figures.known(journeyId)) {
            throw ProblemException.notFound(
                    "There is no journey '" + journeyId + "' and nobody was ever enrolled in one by that id.");
        }
        return figures.funnel(journeyId, steps(journeyId), period.from(), period.to());
    }

    /** A journey's entries, completions and conversions per cohort day of a period, for a trend. */
    @GET
    @Path("{journey}/days")
    public List<JourneyFigures.Day> days(
            @PathParam("journey") String journeyId, @QueryParam("from") String from, @QueryParam("to") String to) {
        Period period = Period.of(from, to);
        return figures.days(journeyId, period.from(), period.to());
    }

    /** The loaded journey's steps in order; none when it is not loaded. */
    public List<String> steps(String journeyId) {
        return registry.current()
                .flatMap(l -> l.runtime().journeys().get(journeyId))
                .map(j -> j.steps().stream().map(Step::id).toList())
                .orElse(List.of());
    }

    /** A period of cohort days given as ISO dates; either end may be left open. */
    public record Period(LocalDate from, LocalDate to) {
        public static Period of(String from, String to) {
            LocalDate start = date("from", from, JourneyFigures.EPOCH);
            LocalDate end = date("to", to, JourneyFigures.LAST);
            if (end.isBefore(start)) {
                throw ProblemException.badParameter(
                        "to", "The period ends (" + end + ") before it starts (" + start + ").");
            }
            return new Period(start, end);
        }

        private static LocalDate date(String field, String value, LocalDate absent) {
            if (value == null || value.isBlank()) {
                return absent;
            }
            try {
                return LocalDate.parse(value.strip());
            } catch (DateTimeParseException e) {
                throw ProblemException.badParameter(field, "'" + value + "' is not a date like 2026-11-24.");
            }
        }
    }
}
