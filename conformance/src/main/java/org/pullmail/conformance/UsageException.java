package org.pullmail.conformance;

/** The command line cannot be run as given (exit code 2). */
public class UsageException extends Exception {

    public UsageException(String message) {
        super(message);
    }
}
