package dev.onramp.dispatch.send;

import java.util.regex.Pattern;

/** The one rule for a phone number an SMS may go to. */
public final class PhoneNumbers {

    /** E.164: a plus, a country code, at most 15 digits. */
    public static final Pattern E164 = Pattern.compile("\\+[1-9]\\d{1,14}");

    private PhoneNumbers() {}
}
