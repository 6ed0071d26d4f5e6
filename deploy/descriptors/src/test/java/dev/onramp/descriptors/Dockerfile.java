package dev.onramp.descriptors;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A Dockerfile read the way Docker's parser reads it, enough to check its syntax and what it says: one instruction per
 * logical line (lines ending in {@code \} continue, comment lines inside are dropped), a keyword Docker knows, and its
 * arguments. Problems are collected, not thrown, so that every one is reported at once.
 */
record Dockerfile(List<Instruction> instructions, List<String> problems) {

    static final Set<String> KEYWORDS = Set.of(
            "FROM",
            "ARG",
            "ENV",
            "COPY",
            "ADD",
            "USER",
            "EXPOSE",
            "HEALTHCHECK",
            "ENTRYPOINT",
            "CMD",
            "LABEL",
            "WORKDIR",
            "RUN",
            "VOLUME",
            "STOPSIGNAL",
            "SHELL",
            "ONBUILD");

    record Instruction(int line, String keyword, String arguments) {

        List<String> words() {
            return Arrays.stream(arguments.trim().split("\\s+")).toList();
        }

        /** The arguments without their leading {@code --flag=value} options. */
        List<String> operands() {
            return words().stream().filter(w -> !w.startsWith("--")).toList();
        }

        Optional<String> option(String name) {
            return words().stream()
                    .filter(w -> w.startsWith("--" + name + "="))
                    .map(w -> w.substring(name.length() + 3))
                    .findFirst();
        }
    }

    Dockerfile {
        instructions = List.copyOf(instructions);
        problems = List.copyOf(problems);
    }

    static Dockerfile parse(String text) {
        List<Instruction> instructions = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        StringBuilder logical = new StringBuilder();
        int start = 0;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].stripTrailing();
            if (line.stripLeading().startsWith("#")) {
                continue; // a comment, also between continued lines
            }
            if (line.isBlank()) {
                continue; // between instructions, or an empty continuation line, which Docker skips
            }
            if (logical.isEmpty()) {
                start = i + 1;
            }
            if (line.endsWith("\\")) {
                logical.append(line, 0, line.length() - 1).append(' ');
                continue;
            }
            logical.append(line);
            String instruction = logical.toString().strip();
            logical.setLength(0);
            String keyword = instruction.split("\\s+", 2)[0];
            String arguments = instruction.length() > keyword.length() ? instruction.substring(keyword.length()) : "";
            if (!KEYWORDS.contains(keyword.toUpperCase(java.util.Locale.ROOT))) {
                problems.add("line " + start + ": unknown instruction " + keyword);
            } else if (arguments.isBlank()) {
                problems.add("line " + start + ": " + keyword + " without arguments");
            }
            instructions.add(new Instruction(start, keyword.toUpperCase(java.util.Locale.ROOT), arguments.strip()));
        }
        if (!logical.isEmpty()) {
            problems.add("line " + start + ": the last instruction continues past the end of the file");
        }
        boolean fromFirst = instructions.stream()
                .filter(i -> !i.keyword().equals("ARG"))
                .findFirst()
                .map(i -> i.keyword().equals("FROM"))
                .orElse(false);
        if (!fromFirst) {
            problems.add("the first instruction is not FROM (only ARG may precede it)");
        }
        return new Dockerfile(instructions, problems);
    }

    List<Instruction> all(String keyword) {
        return instructions.stream().filter(i -> i.keyword().equals(keyword)).toList();
    }

    /** The user the container starts as: the last USER before ENTRYPOINT or CMD, else root. */
    String runtimeUser() {
        String user = "root";
        for (Instruction i : instructions) {
            if (i.keyword().equals("USER")) {
                user = i.operands().getFirst().split(":")[0];
            }
            if (i.keyword().equals("ENTRYPOINT") || i.keyword().equals("CMD")) {
                return user;
            }
        }
        return user;
    }

    /** The value an {@code ENV NAME=value} (or {@code ENV NAME value}) sets, quotes removed. */
    Optional<String> env(String name) {
        Optional<String> value = Optional.empty();
        for (Instruction i : all("ENV")) {
            String args = i.arguments();
            if (args.startsWith(name + "=")) {
                value = Optional.of(unquote(args.substring(name.length() + 1)));
            } else if (args.startsWith(name + " ")) {
                value = Optional.of(unquote(args.substring(name.length() + 1).strip()));
            }
        }
        return value;
    }

    private static String unquote(String value) {
        return value.length() >= 2 && (value.startsWith("\"") || value.startsWith("'"))
                ? value.substring(1, value.length() - 1)
                : value;
    }
}
