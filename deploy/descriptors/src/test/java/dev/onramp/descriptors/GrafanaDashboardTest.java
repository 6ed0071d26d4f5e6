package dev.onramp.descriptors;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * deploy/grafana/onramp-journeys.json is a dashboard Grafana can import, and every metric and label its queries use is
 * one journey-engine exports (as its JourneyMetrics names them).
 */
class GrafanaDashboardTest {

    @Test
    void everyQueryUsesOnlyTheMetricsAndLabelsTheEngineExports() throws Exception {
        JsonNode dashboard =
                new ObjectMapper().readTree(Files.readString(Repo.path("deploy/grafana/onramp-journeys.json")));
        assertThat(dashboard.path("uid").asText()).isNotBlank();
        assertThat(dashboard.path("panels")).isNotEmpty();
        String exporter = Files.readString(
                Repo.path("journey-engine/service/src/main/java/dev/onramp/engine/figures/JourneyMetrics.java"));
        Set<String> exported = new TreeSet<>();
        Matcher names = Pattern.compile("\"(onramp\\.journey\\.[a-z.]+)\"").matcher(exporter);
        while (names.find()) {
            exported.add(names.group(1).replace('.', '_'));
        }
        assertThat(exported).contains("onramp_journey_users", "onramp_journey_messages");
        Set<String> labels = Set.of("journey", "group", "stage", "step", "channel", "outcome", "le");

        List<String> expressions = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            assertThat(panel.path("title").asText()).isNotBlank();
            assertThat(panel.path("gridPos").path("w").asInt()).isBetween(1, 24);
            for (JsonNode target : panel.path("targets")) {
                expressions.add(target.path("expr").asText());
            }
        }
        expressions.add(dashboard
                .path("templating")
                .path("list")
                .get(1)
                .path("definition")
                .asText());
        assertThat(expressions).isNotEmpty();
        for (String expr : expressions) {
            Matcher metric = Pattern.compile("onramp_[a-z_]+").matcher(expr);
            assertThat(metric.find()).as(expr).isTrue();
            metric.reset();
            while (metric.find()) {
                assertThat(exported)
                        .as("a metric the engine exports, in " + expr)
                        .contains(metric.group());
            }
            Matcher by = Pattern.compile("(?:by \\(|\\{|,)\\s*([a-z_]+)\\s*(?:=~|=|,|\\))")
                    .matcher(expr);
            while (by.find()) {
                assertThat(labels)
                        .as("a label the engine's gauges carry, in " + expr)
                        .contains(by.group(1));
            }
        }
    }
}
