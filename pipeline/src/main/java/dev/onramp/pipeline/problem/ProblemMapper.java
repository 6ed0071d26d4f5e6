package dev.onramp.pipeline.problem;

import jakarta.enterprise.inject.Instance;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * The one place, for every service, where failures become {@code application/problem+json}. No stack trace leaves
 * here. A service that counts refusals provides a {@link Counter} bean.
 */
public class ProblemMapper {

    private static final Logger LOG = Logger.getLogger(ProblemMapper.class);

    private final Instance<Counter> counters;

    ProblemMapper(Instance<Counter> counters) {
        this.counters = counters;
    }

    /** Told the slug of every problem answered, {@code internal} included. */
    public interface Counter {
        void refused(String slug);
    }

    @ServerExceptionMapper
    public Response problem(ProblemException e, UriInfo uri) {
        Response.ResponseBuilder response = answer(e.problem(), uri);
        e.headers().forEach(response::header);
        return response.build();
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e, UriInfo uri) {
        int status = e.getResponse().getStatus();
        Response.Status known = Response.Status.fromStatusCode(status);
        String title = known == null ? "HTTP " + status : known.getReasonPhrase();
        return answer(Problem.of(status, "http-" + status, title, e.getMessage()), uri)
                .build();
    }

    @ServerExceptionMapper
    public Response unexpected(Exception e, UriInfo uri) {
        LOG.errorf(e, "unexpected failure on %s", uri.getPath());
        return answer(
                        Problem.of(500, "internal", "Internal error", "Something went wrong on our side; try again."),
                        uri)
                .build();
    }

    private Response.ResponseBuilder answer(Problem problem, UriInfo uri) {
        counters.forEach(r -> r.refused(problem.slug()));
        return Response.status(problem.status()).type(Problem.MEDIA_TYPE).entity(problem.at(uri.getPath()));
    }
}
