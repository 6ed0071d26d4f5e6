package dev.onramp.ingest;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** The one place where failures become {@code application/problem+json} responses. No stack trace leaves here. */
public class ProblemMapper {

    private static final Logger LOG = Logger.getLogger(ProblemMapper.class);

    private final IngestMetrics metrics;

    ProblemMapper(IngestMetrics metrics) {
        this.metrics = metrics;
    }

    @ServerExceptionMapper
    public Response problem(ProblemException e, UriInfo uri) {
        metrics.rejected(e.problem().type().substring(e.problem().type().lastIndexOf('/') + 1));
        Response.ResponseBuilder response = Response.status(e.problem().status())
                .type(Problem.MEDIA_TYPE)
                .entity(e.problem().at(uri.getPath()));
        e.headers().forEach(response::header);
        return response.build();
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e, UriInfo uri) {
        int status = e.getResponse().getStatus();
        metrics.rejected("http-" + status);
        String title = Response.Status.fromStatusCode(status) == null
                ? "HTTP " + status
                : Response.Status.fromStatusCode(status).getReasonPhrase();
        Problem problem = Problem.of(status, "http-" + status, title, e.getMessage(), null);
        return Response.status(status)
                .type(Problem.MEDIA_TYPE)
                .entity(problem.at(uri.getPath()))
                .build();
    }

    @ServerExceptionMapper
    public Response unexpected(Exception e, UriInfo uri) {
        LOG.errorf(e, "unexpected failure on %s", uri.getPath());
        metrics.rejected("internal");
        Problem problem = Problem.of(500, "internal", "Internal error", "The event was not accepted; try again.", null);
        return Response.status(500)
                .type(Problem.MEDIA_TYPE)
                .entity(problem.at(uri.getPath()))
                .build();
    }
}
