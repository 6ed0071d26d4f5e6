package dev.onramp.templates;

/** A template that cannot be rendered for this message: a permanent failure of the message. */
public class TemplateException extends Exception {

    public TemplateException(String message) {
        super(message, null, false, false);
    }
}
