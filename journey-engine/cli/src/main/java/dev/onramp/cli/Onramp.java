package dev.onramp.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code onramp}: the growth team's tools for a journeys folder. */
@Command(
        name = "onramp",
        mixinStandardHelpOptions = true,
        version = "onramp 0.1",
        description =
                "Check, test and preview onboarding journeys and broadcasts before they reach users; send a broadcast"
                        + " file; erase a user.",
        subcommands = {
            ValidateCommand.class,
            TestCommand.class,
            PreviewCommand.class,
            BroadcastCommand.class,
            EraseCommand.class
        })
public final class Onramp implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line, for the main method and for tests; answers the exit status. */
    public static int run(String... args) {
        return new CommandLine(new Onramp())
                .setCaseInsensitiveEnumValuesAllowed(true)
                .execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
