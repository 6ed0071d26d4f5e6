package dev.onramp.journey.run;

import java.util.List;

/** Everything the engine keeps about one user: the profile and every enrollment, past ones included. */
public record UserState(Profile profile, List<Enrollment> enrollments) {

    public UserState {
        enrollments = List.copyOf(enrollments);
    }

    public static UserState empty(String userId) {
        return new UserState(Profile.empty(userId), List.of());
    }
}
