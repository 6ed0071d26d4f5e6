package dev.onramp.journey.cel;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelIssue;
import dev.cel.common.CelOptions;
import dev.cel.common.CelValidationException;
import dev.cel.common.CelValidationResult;
import dev.cel.common.ast.CelExpr;
import dev.cel.common.navigation.CelNavigableAst;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.common.values.NullValue;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import dev.onramp.journey.model.Condition;
import dev.onramp.journey.model.Condition.Result;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Compiles and evaluates journey conditions in CEL.
 *
 * <p>A condition sees {@code user} ({@code id}, {@code traits}), {@code event} ({@code name}, {@code type},
 * {@code properties}, {@code traits}, {@code context}, {@code timestamp}) and {@code now}. So that natural conditions
 * work, a trait or property the user or event does not have reads as {@code null}: {@code user.traits.role !=
 * "guest"} holds for a user without a role. {@code has(user.traits.phone)} tells whether it is there. A condition
 * that cannot be evaluated (say {@code null >= 10}) is false, and the reason is reported.
 */
public final class Conditions {

    /** The maps whose missing keys read as null: {@code user.traits.x}, {@code event.properties.x}... */
    private static final Set<String> OPEN_MAPS = Set.of("traits", "properties", "context");

    /** A lone '=' where '==' was meant: the commonest slip of people used to spreadsheets and SQL. */
    private static final java.util.regex.Pattern SINGLE_EQUALS =
            java.util.regex.Pattern.compile("(^|[^=!<>])=($|[^=])");

    private final CelCompiler compiler;
    private final CelRuntime runtime;

    /** The name the second input goes by: {@code event} in journeys, {@code conversation} in routes. */
    private final String subject;

    /** Conditions of journeys and broadcasts: over {@code user}, {@code event} and {@code now}. */
    public Conditions() {
        this("event");
    }

    /**
     * Conditions of routes ({@code routes.yaml}): over {@code user}, {@code conversation} ({@code text},
     * {@code category}, {@code channel}, {@code kind}, {@code journey}, {@code step}, {@code broadcast}) and {@code now},
     * with CEL's string extensions ({@code lowerAscii()}, {@code split()}...) besides {@code contains}, {@code matches},
     * {@code startsWith} and {@code endsWith}.
     */
    public static Conditions forConversations() {
        return new Conditions("conversation");
    }

    private Conditions(String subject) {
        this.subject = subject;
        CelOptions options = CelOptions.current()
                .enableHeterogeneousNumericComparisons(true)
                .enableTimestampEpoch(true)
                .comprehensionMaxIterations(10_000)
                .maxParseRecursionDepth(100)
                .build();
        MapType json = MapType.create(SimpleType.STRING, SimpleType.DYN);
        this.compiler = CelCompilerFactory.standardCelCompilerBuilder()
                .setOptions(options)
                .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
                .addVar("user", json)
                .addVar(subject, subject.equals("event") ? json : MapType.create(SimpleType.STRING, SimpleType.STRING))
                .addVar("now", SimpleType.TIMESTAMP)
                .addLibraries(dev.cel.extensions.CelExtensions.strings())
                .setResultType(SimpleType.BOOL)
                .build();
        this.runtime = CelRuntimeFactory.standardCelRuntimeBuilder()
                .setOptions(options)
                .addLibraries(dev.cel.extensions.CelExtensions.strings())
                .build();
    }

    /** One problem with an expression; line and column count from 1 within the expression's text. */
    public record Issue(int line, int column, String message) {}

    /** A compiled condition, or the issues that prevented it. */
    public record Compiled(Condition condition, List<Issue> issues) {
        public boolean ok() {
            return issues.isEmpty();
        }
    }

    public Compiled compile(String expression) {
        if (expression.length() > 4_096) {
            return new Compiled(null, List.of(new Issue(1, 1, "is longer than 4096 characters")));
        }
        CelValidationResult result;
        try {
            CelValidationResult parsed = compiler.parse(expression);
            if (parsed.hasError()) {
                // The parser's later errors are mostly echoes of its first; one is clearer.
                List<Issue> first = issues(parsed.getErrors().subList(0, 1), "syntax error: ");
                if (SINGLE_EQUALS.matcher(expression).find()) {
                    Issue issue = first.getFirst();
                    first = List.of(
                            new Issue(issue.line(), issue.column(), issue.message() + " (to compare, write ==)"));
                }
                return new Compiled(null, first);
            }
            result = compiler.check(parsed.getAst());
        } catch (CelValidationException | RuntimeException e) {
            return new Compiled(null, List.of(new Issue(1, 1, "cannot be compiled: " + e.getMessage())));
        }
        if (result.hasError()) {
            return new Compiled(null, issues(result.getErrors(), ""));
        }
        try {
            CelAbstractSyntaxTree ast = result.getAst();
            CelRuntime.Program program = runtime.createProgram(ast);
            return new Compiled(
                    new Condition(expression, new Program(program, nullablePaths(ast), subject)), List.of());
        } catch (CelValidationException | CelEvaluationException e) {
            return new Compiled(null, List.of(new Issue(1, 1, e.getMessage())));
        }
    }

    private static List<Issue> issues(List<CelIssue> celIssues, String prefix) {
        List<Issue> issues = new ArrayList<>();
        for (CelIssue issue : celIssues) {
            var location = issue.getSourceLocation();
            int line = location.getLine() > 0 ? location.getLine() : 1;
            int column = location.getColumn() >= 0 ? location.getColumn() + 1 : 1;
            issues.add(new Issue(line, column, prefix + issue.getMessage()));
        }
        return issues;
    }

    /**
     * The {@code var.map.key} selections outside {@code has()}: their keys are set to null when absent, so that the
     * expression sees null instead of failing on a missing key. Keys tested with {@code has()} are left alone.
     */
    private List<String[]> nullablePaths(CelAbstractSyntaxTree ast) {
        Set<String> paths = new LinkedHashSet<>();
        Set<String> tested = new LinkedHashSet<>();
        CelNavigableAst.fromAst(ast).getRoot().allNodes().forEach(node -> {
            CelExpr expr = node.expr();
            if (expr.getKind() != CelExpr.ExprKind.Kind.SELECT) {
                return;
            }
            var select = expr.select();
            CelExpr operand = select.operand();
            if (!subject.equals("event")
                    && operand.getKind() == CelExpr.ExprKind.Kind.IDENT
                    && operand.ident().name().equals(subject)) {
                // conversation.category: a field the conversation does not have reads as null too.
                String path = subject + "." + select.field();
                (select.testOnly() ? tested : paths).add(path);
                return;
            }
            if (operand.getKind() != CelExpr.ExprKind.Kind.SELECT) {
                return;
            }
            var inner = operand.select();
            if (inner.operand().getKind() != CelExpr.ExprKind.Kind.IDENT || !OPEN_MAPS.contains(inner.field())) {
                return;
            }
            String path = inner.operand().ident().name() + "." + inner.field() + "." + select.field();
            (select.testOnly() ? tested : paths).add(path);
        });
        paths.removeAll(tested);
        return paths.stream().map(p -> p.split("\\.", 3)).toList();
    }

    /**
     * The most steps (expressions evaluated, each iteration of a comprehension counting its own) one evaluation may
     * take. A condition reads one user's traits and one event, which can hold lists: without a budget, comprehensions
     * nested over a long list a user sent could hold an engine thread for minutes. Past it, the condition is false and
     * says why, like any condition that cannot be evaluated.
     */
    public static final int COST_BUDGET = 100_000;

    /** Counts the steps of one evaluation and stops it at the budget. */
    private static final class Budget implements dev.cel.runtime.CelEvaluationListener {
        private int steps;

        @Override
        public void callback(CelExpr expr, Object result) {
            if (++steps > COST_BUDGET) {
                throw new OverBudget();
            }
        }
    }

    private static final class OverBudget extends RuntimeException {
        OverBudget() {
            super("exceeded the cost budget of " + COST_BUDGET + " steps", null, false, false);
        }
    }

    private record Program(CelRuntime.Program program, List<String[]> nullablePaths, String subject)
            implements Condition.CompiledCondition {

        @Override
        public Result evaluate(Map<String, Object> user, Map<String, Object> event, Instant now) {
            Map<String, Object> vars = new HashMap<>(4);
            vars.put("user", user);
            vars.put(subject, event);
            vars.put("now", now == null ? Instant.EPOCH : now);
            for (String[] path : nullablePaths) {
                fillNull(vars, path);
            }
            try {
                Object value = program.trace(vars, new Budget());
                if (value instanceof Boolean b) {
                    return b ? Result.TRUE : Result.FALSE;
                }
                return Result.error("gave " + describe(value) + ", not true or false");
            } catch (CelEvaluationException e) {
                return Result.error(e.getCause() instanceof OverBudget over ? over.getMessage() : e.getMessage());
            } catch (OverBudget e) {
                return Result.error(e.getMessage());
            } catch (RuntimeException e) {
                return Result.error("failed: " + e);
            }
        }

        @SuppressWarnings("unchecked")
        private static void fillNull(Map<String, Object> vars, String[] path) {
            if (path.length == 2) {
                if (vars.get(path[0]) instanceof Map<?, ?> root && !root.containsKey(path[1])) {
                    Map<String, Object> copy = new HashMap<>((Map<String, Object>) root);
                    copy.put(path[1], NullValue.NULL_VALUE);
                    vars.put(path[0], copy);
                }
                return;
            }
            if (!(vars.get(path[0]) instanceof Map<?, ?> root)
                    || !(root.get(path[1]) instanceof Map<?, ?> open)
                    || open.containsKey(path[2])) {
                return;
            }
            Map<String, Object> openCopy = new HashMap<>((Map<String, Object>) open);
            openCopy.put(path[2], NullValue.NULL_VALUE);
            Map<String, Object> rootCopy = new HashMap<>((Map<String, Object>) root);
            rootCopy.put(path[1], openCopy);
            vars.put(path[0], rootCopy);
        }

        private static String describe(Object value) {
            if (value == null || value instanceof NullValue) {
                return "null";
            }
            return "a " + value.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT) + " (" + value + ")";
        }
    }
}
