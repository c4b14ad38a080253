package io.tailwater.cli;

import picocli.CommandLine;

/**
 * Prints the message of an error that stops a command, without a stack trace: every error we
 * raise already says what happened and what to do. {@code -Dtailwater.debug=true} adds the trace.
 */
final class ErrorHandler implements CommandLine.IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        cmd.getErr().println("tailwater " + cmd.getCommandName() + ": " + e.getMessage());
        if (Boolean.getBoolean("tailwater.debug")) {
            e.printStackTrace(cmd.getErr());
        }
        return 2;
    }
}
